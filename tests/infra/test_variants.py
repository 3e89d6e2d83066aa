"""Reuse-or-create and optional features: extra environments synthesized in-process
(one jsii load for the whole module), checked in the JSON and by ``terraform validate``."""

from __future__ import annotations

import json

import pytest

from modules.config import load_environment
from tests.infra import terraform
from tests.infra.tf_json import Stack, statements

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:758888582357:secret:google-oauth-AbCdEf"
DIR_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:758888582357:secret:credentials-dir-AbCdEf"
KMS = "arn:aws:kms:us-east-1:758888582357:key/11111111-2222-3333-4444-555555555555"
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:758888582357:listener/app/busyb-alb/abc/def"

VARIANTS = {
    # The reference with everything optional switched the other way: existing roles,
    # secrets and bucket; customer-managed keys; Fargate Spot; a topic for alarms.
    "reuse": f"""
[load_balancer]
listener_arn = "{LISTENER}"
public_base_url = "https://mcp.busyb.ai"
[listener_rule]
discovery_rule = false
[task]
execution_role_arn = "arn:aws:iam::758888582357:role/ecsTaskExecutionRole"
image_tag = "0123abc"
[secrets]
app_secret_arn = "{SECRET_ARN}"
credentials_dir_secret_arn = "{DIR_SECRET_ARN}"
kms_key_arn = "{KMS}"
[logs]
kms_key_arn = "{KMS}"
[token_bucket]
create = false
bucket_name = "existing-token-bucket"
prefix = "mcp/tokens"
kms_key_arn = "{KMS}"
[service]
enable_execute_command = false
[[service.capacity_provider_strategy]]
capacity_provider = "FARGATE_SPOT"
weight = 3
[[service.capacity_provider_strategy]]
capacity_provider = "FARGATE"
weight = 1
base = 1
[scaling]
enabled = false
[alarms]
create_sns_topic_name = "busyb-google-workspace-mcp-alarms"
[search]
engine_id = "a1b2c3d4e5f6g7h8i"
""",
    # Everything created, with an HTTPS listener and a Spot-capable cluster.
    "create": f"""
[network]
create = true
[cluster]
create = true
[[service.capacity_provider_strategy]]
capacity_provider = "FARGATE_SPOT"
[load_balancer]
create = true
certificate_arn = "arn:aws:acm:us-east-1:758888582357:certificate/abc"
[service_discovery]
create_namespace = true
[secrets]
kms_key_arn = "{KMS}"
[alarms]
sns_topic_arn = "arn:aws:sns:us-east-1:758888582357:ops"
""",
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> dict[str, Stack]:
    from modules.stack import build_app

    sources = tmp_path_factory.mktemp("variant-environments")
    outdir = tmp_path_factory.mktemp("variant-stacks")
    environments = []
    for name, text in VARIANTS.items():
        (sources / f"{name}.toml").write_text(text)
        environments.append(load_environment(sources / f"{name}.toml"))
    build_app(environments, outdir=str(outdir)).synth()
    return {name: Stack(outdir / "stacks" / name / "cdk.tf.json") for name in VARIANTS}


@pytest.fixture()
def reuse(variants) -> Stack:
    return variants["reuse"]


@pytest.fixture()
def create(variants) -> Stack:
    return variants["create"]


@pytest.mark.parametrize("name", VARIANTS)
def test_variant_validates(variants, terraform_env, tmp_path, name):
    terraform.validate(terraform.copy_stack(variants[name].dir, tmp_path / name), terraform_env)


def test_existing_secrets_execution_role_and_bucket_are_used(reuse):
    assert not reuse.resources("aws_secretsmanager_secret")
    assert not reuse.resources("aws_s3_bucket")
    roles = [r["name"] for r in reuse.resources("aws_iam_role").values()]
    assert roles == ["busyb-google-workspace-mcp-task-role"]
    task = reuse.one("aws_ecs_task_definition")
    assert task["execution_role_arn"] == "arn:aws:iam::758888582357:role/ecsTaskExecutionRole"
    secrets = {s["name"]: s["valueFrom"] for s in reuse.container()["secrets"]}
    assert secrets["GOOGLE_OAUTH_CLIENT_ID"] == f"{SECRET_ARN}:GOOGLE_OAUTH_CLIENT_ID::"
    assert secrets["GOOGLE_MCP_CREDENTIALS_DIR"] == DIR_SECRET_ARN
    # Web search: the key from the existing app secret's JSON, the engine id as plain configuration.
    assert secrets["GOOGLE_SEARCH_API_KEY"] == f"{SECRET_ARN}:GOOGLE_SEARCH_API_KEY::"
    environment = {e["name"]: e["value"] for e in reuse.container()["environment"]}
    assert environment["GOOGLE_SEARCH_ENGINE_ID"] == "a1b2c3d4e5f6g7h8i"
    assert reuse.outputs["app_secret_arn"]["value"] == SECRET_ARN
    assert reuse.json["variable"]["image_tag"]["default"] == "0123abc"


def test_task_role_scoped_to_existing_bucket_prefix_and_key(reuse):
    (policy,) = [json.loads(p["policy"]) for p in reuse.resources("aws_iam_role_policy").values()]
    found = {s["Sid"]: s for s in statements(policy)}
    assert found["TokenObjects"]["Resource"] == ["arn:aws:s3:::existing-token-bucket/mcp/tokens/*"]
    assert found["TokenList"]["Condition"] == {"StringLike": {"s3:prefix": ["mcp/tokens", "mcp/tokens/*"]}}
    assert found["TokenKey"] == {
        "Sid": "TokenKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": [KMS],
    }
    assert "EcsExec" not in found  # ECS Exec off: no Session Manager channels
    environment = {e["name"]: e["value"] for e in reuse.container()["environment"]}
    assert environment["WORKSPACE_MCP_TOKEN_STORE"] == "s3://existing-token-bucket/mcp/tokens"


def test_listener_arn_custom_url_and_no_discovery_rule(reuse):
    assert not reuse.data("aws_lb_listener")
    (rule,) = reuse.resources("aws_lb_listener_rule").values()
    assert rule["listener_arn"] == LISTENER
    assert "discovery_listener_rule_arn" not in reuse.outputs
    assert reuse.resolve(reuse.outputs["external_mcp_url"]["value"]) == "https://mcp.busyb.ai/google-workspace/mcp"
    assert reuse.one("aws_cloudwatch_log_group")["kms_key_id"] == KMS


def test_fargate_spot_without_scaling(reuse):
    service = reuse.one("aws_ecs_service")
    assert "launch_type" not in service
    assert service["capacity_provider_strategy"] == [
        {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0},
        {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
    ]
    assert service["enable_execute_command"] is False
    assert "lifecycle" not in service  # no scaler: Terraform owns desired_count
    assert not reuse.resources("aws_appautoscaling_target")


def test_created_sns_topic_receives_alarms(reuse):
    topic = reuse.one("aws_sns_topic")
    assert topic["name"] == "busyb-google-workspace-mcp-alarms"
    # Its own key (CloudWatch cannot use alias/aws/sns): tests/infra/test_edge_options.py.
    assert topic["kms_master_key_id"] == "${aws_kms_key.alarms_topic_key.arn}"
    for alarm in reuse.resources("aws_cloudwatch_metric_alarm").values():
        assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms_topic_topic.arn}"]


def test_execution_role_decrypts_secrets_with_their_key(create):
    execution = {
        s["Sid"]: s
        for s in statements(json.loads(create.resources("aws_iam_role_policy")["iam_execution_policy"]["policy"]))
    }
    assert execution["SecretsKey"] == {
        "Sid": "SecretsKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [KMS],
    }
    assert execution["Secrets"]["Resource"] == [
        "${aws_secretsmanager_secret.secrets_app.arn}",
        "${aws_secretsmanager_secret.secrets_credentials_dir.arn}",
    ]
    for secret in create.resources("aws_secretsmanager_secret").values():
        assert secret["kms_key_id"] == KMS


def test_created_https_listener_and_spot_cluster(create):
    listener = create.one("aws_lb_listener")
    assert (listener["port"], listener["protocol"]) == (443, "HTTPS")
    assert listener["certificate_arn"] == "arn:aws:acm:us-east-1:758888582357:certificate/abc"
    assert listener["ssl_policy"].startswith("ELBSecurityPolicy-TLS13")
    assert create.one("aws_ecs_cluster_capacity_providers")["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert (
        create.resolve(create.outputs["external_mcp_url"]["value"])
        == "https://${aws_lb.load_balancer_alb.dns_name}/google-workspace/mcp"
    )
    for alarm in create.resources("aws_cloudwatch_metric_alarm").values():
        assert alarm["alarm_actions"] == ["arn:aws:sns:us-east-1:758888582357:ops"]


def test_checkov_passes_the_variants(variants, tmp_path):
    """The optional resources (SNS topic, HTTPS listener, Spot cluster, KMS options) pass too."""
    for name, stack in variants.items():
        terraform.copy_stack(stack.dir, tmp_path / name)
    report = terraform.checkov(tmp_path)
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"]["failed_checks"]]
    assert not failed, "\n".join(failed)
    assert report["summary"]["passed"] > 50


def test_a_new_environment_has_no_ecs_exec_and_no_audit_resources(create, reuse):
    """ECS Exec is off unless an environment turns it on: no channels, key or transcript group."""
    for stack in (create, reuse):
        (service,) = stack.resources("aws_ecs_service").values()
        assert service["enable_execute_command"] is False
        assert "exec_transcripts" not in stack.resources("aws_cloudwatch_log_group")
        assert "kms_key" not in stack.resources("aws_kms_key")  # the stack's key (an alarm topic has its own)
        assert stack.outputs["exec_cluster_configuration"]["value"] == ""
    assert "configuration" not in create.one("aws_ecs_cluster")


def test_a_reused_token_bucket_gets_no_policy_from_the_stack(reuse):
    """Its owner keeps its policy (docs/deployment.md shows the statements to add)."""
    assert not reuse.resources("aws_s3_bucket_policy")
    assert not reuse.resources("aws_secretsmanager_secret_policy")  # existing secrets: their owner's too
