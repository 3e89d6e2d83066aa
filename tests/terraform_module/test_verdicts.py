"""One table of good and bad settings, judged twice: by the environment-file loader
(modules/config.py, what synthesis runs) and by the module's variable validations
(``terraform test``, ``command = plan`` of the module's variables). Both must reach the verdict the
table states: accepted, or refused by the validations of the setting's own section.

Each case is an environment file's worth of settings on top of the reference defaults; the
module receives the same settings as its arguments (``module_arguments``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from modules import config
from modules.config import ConfigError, EnvironmentSettings
from modules.terraform_module import MODULE_NAME, module_arguments
from tests.terraform_module.mocked import Run, mock_provider, terraform_test

TAG = "0123abc"
CERTIFICATE = "arn:aws:acm:us-east-1:758888582357:certificate/abc"

#: name -> (settings by section, verdict) — the expected verdict documents the rule; both judges
#: must reach it. Verdict: True (accepted), False (refused by the case's sections) or the one
#: section whose validations refuse it.
CASES: dict[str, tuple[dict[str, dict], bool | str]] = {
    "reference": ({}, True),
    # An existing ALB is only looked up by name: AWS's naming rules apply when creating it.
    "reused-alb-any-name": ({"load_balancer": {"name": "busyb_alb.internal"}}, True),
    "created-alb-bad-name": (
        {"load_balancer": {"create": True, "name": "busyb_alb", "certificate_arn": CERTIFICATE}},
        False,
    ),
    "created-alb-name-too-long": (
        {"load_balancer": {"create": True, "name": "a" * 33, "certificate_arn": CERTIFICATE}},
        False,
    ),
    "created-https-without-certificate": ({"load_balancer": {"create": True}}, False),
    "reused-alb-without-name": ({"load_balancer": {"name": ""}}, False),
    "listener-protocol-tcp": ({"load_balancer": {"listener_protocol": "TCP"}}, False),
    "listener-port-zero": ({"load_balancer": {"listener_port": 0}}, False),
    "public-url-with-path": ({"load_balancer": {"public_base_url": "https://mcp.example.com/x"}}, False),
    "public-url": ({"load_balancer": {"public_base_url": "https://mcp.example.com"}}, True),
    # Scaling limits matter only while scaling is on.
    "scaling-off-negative-min": ({"scaling": {"enabled": False, "min_capacity": -1, "cpu_target": 0.0}}, True),
    "scaling-on-negative-min": ({"scaling": {"min_capacity": -1}}, False),
    "scaling-max-below-min": ({"scaling": {"min_capacity": 3, "max_capacity": 2}}, False),
    "scaling-cpu-target-over-100": ({"scaling": {"cpu_target": 150.0}}, False),
    # The discovery rule's priority matters only with the rule.
    "no-discovery-rule-priority-zero": ({"listener_rule": {"discovery_rule": False, "discovery_priority": 0}}, True),
    "discovery-priority-equals-priority": ({"listener_rule": {"discovery_priority": 50}}, False),
    "priority-zero": ({"listener_rule": {"priority": 0}}, False),
    "priority-50000": ({"listener_rule": {"priority": 50000}}, True),
    "path-pattern-without-star": ({"listener_rule": {"path_pattern": "/google-workspace"}}, False),
    "fargate-pair": ({"task": {"cpu": 512, "memory": 2048}}, True),
    "fargate-bad-pair": ({"task": {"cpu": 512, "memory": 3000}}, False),
    "derived-variable-set-by-hand": ({"task": {"environment": {"PORT": "1"}}}, False),
    "secret-as-plain-variable": ({"task": {"environment": {"GOOGLE_OAUTH_CLIENT_SECRET": "x"}}}, False),
    "target-port-differs": ({"target_group": {"port": 9000}}, False),
    "health-timeout-not-below-interval": ({"target_group": {"health_check": {"timeout": 30}}}, False),
    "health-matcher-range": ({"target_group": {"health_check": {"matcher": "200-299"}}}, True),
    "health-matcher-word": ({"target_group": {"health_check": {"matcher": "ok"}}}, False),
    "recovery-window-3": ({"secrets": {"recovery_window_in_days": 3}}, False),
    "recovery-window-0": ({"secrets": {"recovery_window_in_days": 0}}, True),
    "alarm-period-45": ({"alarms": {"period": 45}}, False),
    "alarm-period-120": ({"alarms": {"period": 120}}, True),
    "token-prefix-leading-slash": ({"token_bucket": {"prefix": "/tokens"}}, False),
    "reused-network-without-subnets": ({"network": {"subnet_ids": []}}, False),
    "created-network-one-subnet": (
        {"network": {"create": True, "subnet_cidrs": ["10.42.1.0/24"], "availability_zones": ["us-east-1a"]}},
        False,
    ),
    "log-retention-10": ({"logs": {"retention_in_days": 10}}, False),
    "path-pattern-empty-prefix": ({"listener_rule": {"path_pattern": "//*"}}, False),
    "health-port-number": ({"target_group": {"health_check": {"port": "8080"}}}, True),
    "health-port-word": ({"target_group": {"health_check": {"port": "eighty"}}}, False),
    "health-port-99999": ({"target_group": {"health_check": {"port": "99999"}}}, False),
    "record-type-cname": ({"service_discovery": {"record_types": ["A", "CNAME"]}}, False),
    "alarm-email": (
        {"alarms": {"create_sns_topic_name": "mcp-alarms", "email_subscriptions": ["ops@example.com"]}},
        True,
    ),
    "alarm-email-not-an-address": (
        {"alarms": {"create_sns_topic_name": "mcp-alarms", "email_subscriptions": ["ops"]}},
        False,
    ),
    "alarm-email-without-topic": ({"alarms": {"email_subscriptions": ["ops@example.com"]}}, False),
    "internal-client-id-with-space": ({"internal_callers": {"client_ids": ["a b"]}}, False),
    "internal-callers-without-oauth21": (
        {"internal_callers": {"client_ids": ["1-abc.apps.googleusercontent.com"]}, "task": {"environment": {}}},
        "internal_callers",
    ),
    "internal-callers-with-oauth21": (
        {
            "internal_callers": {"client_ids": ["1-abc.apps.googleusercontent.com"]},
            "task": {"environment": {"MCP_ENABLE_OAUTH21": "TRUE"}},
        },
        True,
    ),
    "search-engine-id": ({"search": {"engine_id": "017576662512468239146:omuauf_lfve"}}, True),
    "search-engine-id-with-space": ({"search": {"engine_id": "a1b2 c3"}}, False),
    "search-engine-id-by-hand": ({"task": {"environment": {"GOOGLE_SEARCH_ENGINE_ID": "a1b2c3"}}}, "task"),
    "search-api-key-as-plain-variable": ({"task": {"environment": {"GOOGLE_SEARCH_API_KEY": "AIza"}}}, "task"),
    "task-user-root": ({"task": {"user": "0:10001"}}, False),
    "task-user-name": ({"task": {"user": "app"}}, False),
    "task-user-uid-only": ({"task": {"user": "10001"}}, True),
    "exec-on-unconfigured-reused-cluster": ({"service": {"enable_execute_command": True}}, False),
    "exec-on-configured-reused-cluster": (
        {"service": {"enable_execute_command": True, "exec_reused_cluster_configured": True}},
        True,
    ),
    "exec-transcripts-relative-group": (
        {
            "service": {
                "enable_execute_command": True,
                "exec_reused_cluster_configured": True,
                "exec_log_group_name": "x",
            }
        },
        False,
    ),
    "exec-off-relative-group": ({"service": {"exec_log_group_name": "x"}}, True),
    "break-glass-user-arn": ({"security": {"break_glass_role_arns": ["arn:aws:iam::123456789012:user/ops"]}}, False),
    "break-glass-role-arn": ({"security": {"break_glass_role_arns": ["arn:aws:iam::123456789012:role/ops"]}}, True),
    "pipeline-repository-without-owner": ({"pipeline": {"github_repository": "google-workspace-mcp"}}, False),
    "pipeline-role-name-too-long": ({"pipeline": {"plan_role_name": "r" * 65}}, False),
    "domain-in-created-zone": (
        {"domain": {"name": "mcp.example.com", "create_hosted_zone_name": "example.com."}},
        True,
    ),
    "domain-outside-created-zone": (
        {"domain": {"name": "mcp.example.org", "create_hosted_zone_name": "example.com"}},
        False,
    ),
    "domain-zone-name-is-a-suffix-only": (
        {"domain": {"name": "mcp.badexample.com", "create_hosted_zone_name": "example.com"}},
        False,
    ),
    "domain-with-both-zones": (
        {"domain": {"name": "mcp.example.com", "hosted_zone_id": "Z1", "create_hosted_zone_name": "example.com"}},
        False,
    ),
    "domain-upper-case": ({"domain": {"name": "MCP.example.com", "hosted_zone_id": "Z1"}}, False),
    "domain-zone-without-name": ({"domain": {"hosted_zone_id": "Z1"}}, False),
    "domain-and-public-url": (
        {
            "domain": {"name": "mcp.example.com", "hosted_zone_id": "Z1"},
            "load_balancer": {"public_base_url": "https://other.example.com"},
        },
        "load_balancer",
    ),
    "waf-on-shared-alb": ({"edge": {"waf": True}}, False),
    "waf-on-created-alb": (
        {"edge": {"waf": True}, "load_balancer": {"create": True, "certificate_arn": CERTIFICATE}},
        True,
    ),
    "waf-off-any-rate-limit": ({"edge": {"waf_oauth_rate_limit": 0}}, True),
    "spot-weight-2000": (
        {"service": {"capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 2000}]}},
        False,
    ),
}


def _settings(sections: dict[str, dict]) -> EnvironmentSettings:
    """The case as an environment file, built without validation (the module judges it too)."""
    data = json.loads(json.dumps(sections))
    data.setdefault("task", {})["image_tag"] = TAG
    return config._build(EnvironmentSettings, data, "", "case.toml", name="case", source="case.toml")


def refused_by(sections: dict[str, dict], verdict: bool | str) -> list[str]:
    """The sections whose validations must refuse the case (none when it is accepted)."""
    if verdict is True:
        return []
    return [verdict] if isinstance(verdict, str) else list(sections)


def python_verdict(sections: dict[str, dict]) -> ConfigError | None:
    try:
        config.validate(_settings(sections))
    except ConfigError as error:
        return error
    return None


def _hcl(value) -> str:
    return json.dumps(value)  # JSON literals are HCL expressions


@pytest.fixture(scope="module")
def module_runs(terraform_copy: Path, tf_cache, tmp_path_factory) -> dict[str, Run]:
    # The module's variables alone: their validations are all a plan of inputs evaluates, and
    # without resources each run takes a fraction of a second.
    root = tmp_path_factory.mktemp("verdicts") / "module"
    root.mkdir()
    for name in ("versions.tf.json", "variables.tf.json"):
        shutil.copy(terraform_copy / "modules" / MODULE_NAME / name, root / name)
    runs = []
    for index, (name, (sections, verdict)) in enumerate(CASES.items()):
        arguments = module_arguments(_settings(sections))
        variables = "".join(f"    {key} = {_hcl(value)}\n" for key, value in arguments.items())
        # A refusal must come from the validations of the refusing section's variable;
        # Terraform then goes on to the next run (a failed run would skip the rest).
        refusing = refused_by(sections, verdict)
        expect = f"  expect_failures = [{', '.join(f'var.{key}' for key in refusing)}]\n" if refusing else ""
        runs.append(f'# {name}\nrun "case_{index}" {{\n  command = plan\n{expect}  variables {{\n{variables}  }}\n}}\n')
    found = terraform_test(root, {"verdicts.tftest.hcl": mock_provider() + "\n".join(runs)}, tf_cache, states=False)
    return {name: found[f"case_{index}"] for index, name in enumerate(CASES)}


@pytest.mark.parametrize("name", CASES)
def test_python_and_module_reach_the_same_verdict(module_runs, name):
    sections, verdict = CASES[name]
    accepted = verdict is True
    error = python_verdict(sections)
    assert (error is None) is accepted, f"environment file: {error or 'accepted'}"
    if error is not None:
        assert error.field.split(".")[0].split("[")[0] in refused_by(sections, verdict), str(error)
    # Accepted: the plan succeeds. Refused: the run passes only because the expected
    # variable validation failed (expect_failures); anything else fails the run.
    run = module_runs[name]
    assert run.status == "pass", f"module ({'accepted' if accepted else 'refused'} expected): {run.status} {run.errors}"
