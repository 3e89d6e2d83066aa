"""The module and the CDKTF stack are the same deployment: for a matrix of environments, both
are applied with the AWS provider mocked (``terraform test``, offline) and every resource
attribute, the container environment and every output must be equal, and the public URL
must be exactly what the server expects.

One root module holds all of it, so one ``init`` and one ``terraform test`` cover the matrix:
per environment, the synthesized stack (without its provider and backend) as a child module
next to a call of the generated module with that environment's values as arguments.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest

from modules.config import load_environment
from modules.terraform_module import MODULE_NAME, module_arguments
from tests.terraform_module.mocked import Run, mock_provider, terraform_test
from tests.terraform_module.test_mocked import server_settings

TAG = "0123abc"
LOOKED_UP_DNS = "internal-busyb-alb-1.us-east-1.elb.amazonaws.com"  # tftest/mocks: data "aws_lb"
CREATED_DNS = "internal-created-alb-1.us-east-1.elb.amazonaws.com"  # tftest/mocks: resource "aws_lb"
REUSED_VPC_CIDR = "10.0.0.0/16"  # tftest/mocks: data "aws_vpc"
CREATED_VPC_CIDR = "10.42.0.0/16"  # network.vpc_cidr's default
KMS = "arn:aws:kms:us-east-1:758888582357:key/11111111-2222-3333-4444-555555555555"
INSECURE = (
    '[task.environment]\nMCP_ENABLE_OAUTH21 = "true"\nMCP_SINGLE_USER_MODE = "0"\nOAUTHLIB_INSECURE_TRANSPORT = "1"\n'
)
CREATE_ALL = """
[network]
create = true
[cluster]
create = true
[service_discovery]
create_namespace = true
"""

#: environment -> (environment file on top of the reference defaults, WORKSPACE_MCP_PUBLIC_URL)
MATRIX: dict[str, tuple[str, str]] = {
    # The reference: everything reused, HTTPS on 443, listener looked up, secrets created.
    "https-443": ("", f"https://{LOOKED_UP_DNS}/google-workspace"),
    "https-8443": (
        """
[load_balancer]
listener_port = 8443
[alarms]
sns_topic_arn = "arn:aws:sns:us-east-1:758888582357:ops"
""",
        f"https://{LOOKED_UP_DNS}:8443/google-workspace",
    ),
    # Everything created, plain HTTP on 80 (the local environment's shape).
    "http-80": (
        CREATE_ALL
        + """
[load_balancer]
create = true
listener_protocol = "HTTP"
listener_port = 80
[token_bucket]
force_destroy = true
[secrets]
recovery_window_in_days = 0
"""
        + INSECURE,
        f"http://{CREATED_DNS}/google-workspace",
    ),
    "http-8080": (
        """
[load_balancer]
listener_protocol = "HTTP"
listener_port = 8080
[scaling]
enabled = false
"""
        + INSECURE,
        f"http://{LOOKED_UP_DNS}:8080/google-workspace",
    ),
    # Everything created with an HTTPS listener; Fargate Spot; a created alarm topic; own keys.
    "create-https": (
        CREATE_ALL
        + f"""
[load_balancer]
create = true
certificate_arn = "arn:aws:acm:us-east-1:758888582357:certificate/abc"
[secrets]
kms_key_arn = "{KMS}"
[logs]
kms_key_arn = "{KMS}"
[[service.capacity_provider_strategy]]
capacity_provider = "FARGATE_SPOT"
weight = 1
[alarms]
create_sns_topic_name = "busyb-google-workspace-mcp-alarms"
""",
        f"https://{CREATED_DNS}/google-workspace",
    ),
    # An explicit public URL; listener, secrets, execution role and bucket reused by ARN/name;
    # Spot plus on-demand; no discovery rule, no scaling, no alarms.
    "public-url-reuse": (
        f"""
[load_balancer]
listener_arn = "arn:aws:elasticloadbalancing:us-east-1:758888582357:listener/app/busyb-alb/abc/def"
public_base_url = "https://mcp.busyb.ai"
[listener_rule]
discovery_rule = false
[task]
execution_role_arn = "arn:aws:iam::758888582357:role/ecsTaskExecutionRole"
[secrets]
app_secret_arn = "arn:aws:secretsmanager:us-east-1:758888582357:secret:google-oauth-AbCdEf"
credentials_dir_secret_arn = "arn:aws:secretsmanager:us-east-1:758888582357:secret:credentials-dir-AbCdEf"
[token_bucket]
create = false
bucket_name = "existing-token-bucket"
prefix = "mcp/tokens"
kms_key_arn = "{KMS}"
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
enabled = false
[search]
engine_id = "017576662512468239146:omuauf_lfve"
""",
        "https://mcp.busyb.ai/google-workspace",
    ),
    # The custom domain (certificate requested and validated, alias, host-header rules), an
    # alarm topic with email subscribers, internal callers' OAuth clients.
    "domain": (
        """
[domain]
name = "google-workspace.busyb.ai"
hosted_zone_id = "Z0123456789ABCDEFGHIJ"
[alarms]
create_sns_topic_name = "busyb-google-workspace-mcp-alarms"
email_subscriptions = ["ops@busyb.ai", "oncall@busyb.ai"]
[internal_callers]
client_ids = ["1234567890-coreagent.apps.googleusercontent.com"]
[search]
engine_id = "a1b2c3d4e5f6g7h8i"
""",
        "https://google-workspace.busyb.ai/google-workspace",
    ),
    # A created HTTPS ALB behind the WAF.
    "waf": (
        CREATE_ALL
        + """
[load_balancer]
create = true
certificate_arn = "arn:aws:acm:us-east-1:758888582357:certificate/abc"
[edge]
waf = true
""",
        f"https://{CREATED_DNS}/google-workspace",
    ),
}


def _environment_file(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name.replace('-', '_')}.toml"
    # Every variant deploys one immutable tag; the [task] table may already exist.
    if "\n[task]\n" in text:
        text = text.replace("\n[task]\n", f'\n[task]\nimage_tag = "{TAG}"\n', 1)
    else:
        text = f'[task]\nimage_tag = "{TAG}"\n{text}'
    path.write_text(text)
    return path


def _as_child_module(stack_json: dict) -> dict:
    """A synthesized stack as a child module: no provider, no backend (the root's mock provider)."""
    config = {key: value for key, value in stack_json.items() if key not in ("provider", "//")}
    config["terraform"] = {
        key: value for key, value in stack_json.get("terraform", {}).items() if key not in ("backend", "//")
    }
    return config


@pytest.fixture(scope="module")
def matrix(terraform_copy: Path, tf_cache, tmp_path_factory) -> dict[str, Run]:
    from modules.stack import build_app

    work = tmp_path_factory.mktemp("matrix")
    sources, outdir, root = work / "environments", work / "cdktf.out", work / "root"
    sources.mkdir()
    environments = {
        name: load_environment(_environment_file(sources, name, text)) for name, (text, _) in MATRIX.items()
    }
    build_app(list(environments.values()), outdir=str(outdir)).synth()

    modules, outputs = {}, {}
    for settings in environments.values():
        key = settings.name
        stack_dir = root / "stacks" / key
        stack_dir.mkdir(parents=True)
        stack_json = json.loads((outdir / "stacks" / key / "cdk.tf.json").read_text())
        (stack_dir / "main.tf.json").write_text(json.dumps(_as_child_module(stack_json), indent=1))
        modules[f"stack_{key}"] = {"source": f"./stacks/{key}", "image_tag": TAG}
        modules[f"module_{key}"] = {
            "source": str(terraform_copy / "modules" / MODULE_NAME),
            **module_arguments(settings),
        }
        for side in ("stack", "module"):
            outputs[f"{side}_{key}"] = {"value": f"${{module.{side}_{key}}}"}
    (root / "main.tf.json").write_text(
        json.dumps({"provider": {"aws": {"region": "us-east-1"}}, "module": modules, "output": outputs}, indent=1)
    )
    test = mock_provider() + 'run "matrix" {\n  command = apply\n}\n'
    (run,) = terraform_test(root, {"matrix.tftest.hcl": test}, tf_cache).values()
    assert run.status == "pass", "\n".join(run.errors)
    return {"run": run, "keys": {name: settings.name for name, settings in environments.items()}}


# Terraform's mock provider fills computed attributes without a mock default with random
# 8-character strings; those differ between any two resources, so they match each other.
_RANDOM = re.compile(r"^[a-z0-9]{8}$")


def _parsed(value):
    """Values with JSON documents parsed (key order and spacing are not the deployment)."""
    if isinstance(value, dict):
        return {k: _parsed(v) for k, v in value.items() if k != "tags_all"}
    if isinstance(value, list):
        return [_parsed(v) for v in value]
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return _parsed(json.loads(value))
        except ValueError:
            return value
    return value


def _differences(left, right, path: str = "") -> list[str]:
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                found.append(f"{path}.{key}: only in {'stack' if key in left else 'module'}")
            else:
                found += _differences(left[key], right[key], f"{path}.{key}")
        return found
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [d for i, (a, b) in enumerate(zip(left, right, strict=True)) for d in _differences(a, b, f"{path}[{i}]")]
    if left == right or (
        isinstance(left, str) and isinstance(right, str) and _RANDOM.match(left) and _RANDOM.match(right)
    ):
        return []
    return [f"{path}: stack {left!r} != module {right!r}"]


#: Terraform cannot make ``lifecycle`` conditional, so the module declares the service twice
#: (with and without ``ignore_changes = [desired_count]``, one counted in); the one without
#: scaling has its own name there.
MODULE_ALIASES = {"aws_ecs_service.service_service_fixed": "aws_ecs_service.service_service"}


def _side(run: Run, prefix: str) -> dict[str, dict]:
    found = {}
    for address, values in run.resources.items():
        if address.startswith(prefix + "."):
            local = address.removeprefix(prefix + ".")
            found[MODULE_ALIASES.get(local, local)] = _parsed(values)
    return found


@pytest.mark.parametrize("name", MATRIX)
def test_module_and_stack_deploy_the_same_resources(matrix, name):
    run, key = matrix["run"], matrix["keys"][name]
    stack, module = _side(run, f"module.stack_{key}"), _side(run, f"module.module_{key}")
    assert len(stack) >= 8  # the smallest variant reuses nearly everything
    assert sorted(module) == sorted(stack)
    differences = [f"{address}{d}" for address in stack for d in _differences(stack[address], module[address])]
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("name", MATRIX)
def test_module_and_stack_have_the_same_outputs(matrix, name):
    run, key = matrix["run"], matrix["keys"][name]
    stack, module = run.outputs[f"stack_{key}"], run.outputs[f"module_{key}"]
    assert set(stack) <= set(module)
    assert not _differences(stack, {k: module[k] for k in stack})


@pytest.mark.parametrize("name", MATRIX)
def test_public_url_is_what_the_server_expects(matrix, name):
    run, key = matrix["run"], matrix["keys"][name]
    expected = MATRIX[name][1]
    for side in ("stack", "module"):
        (task,) = [v for a, v in run.resources.items() if a.startswith(f"module.{side}_{key}.aws_ecs_task_definition.")]
        (container,) = json.loads(task["container_definitions"])
        environment = {item["name"]: item["value"] for item in container["environment"]}
        assert environment["WORKSPACE_MCP_PUBLIC_URL"] == expected, side
        assert run.outputs[f"{side}_{key}"]["external_mcp_url"] == f"{expected}/mcp", side
        settings = server_settings(environment)
        assert (settings.public_url, settings.mcp_url) == (expected, f"{expected}/mcp"), side


@pytest.mark.parametrize("name", MATRIX)
def test_server_trusts_forwarded_for_from_the_vpc_only(matrix, name):
    """The ALB's nodes are the peers whose X-Forwarded-For names the client: the created VPC's
    CIDR, or the reused VPC's as looked up; the rate limits then count per client, not per node."""
    run, key = matrix["run"], matrix["keys"][name]
    expected = CREATED_VPC_CIDR if "[network]\ncreate = true" in MATRIX[name][0] else REUSED_VPC_CIDR
    for side in ("stack", "module"):
        (task,) = [v for a, v in run.resources.items() if a.startswith(f"module.{side}_{key}.aws_ecs_task_definition.")]
        (container,) = json.loads(task["container_definitions"])
        environment = {item["name"]: item["value"] for item in container["environment"]}
        assert environment["WORKSPACE_MCP_TRUSTED_PROXIES"] == expected, side
        proxies = server_settings(environment).http.trusted_proxies
        assert proxies == (ipaddress.ip_network(expected),), side


@pytest.mark.parametrize("name", MATRIX)
def test_web_search_only_where_configured(matrix, name):
    """With ``[search] engine_id`` the engine id is plain and the API key comes from the app secret's
    JSON key; without it neither exists (ECS would refuse to start on a key the secret lacks)."""
    run, key = matrix["run"], matrix["keys"][name]
    engine_id = re.search(r'engine_id = "([^"]+)"', MATRIX[name][0])
    for side in ("stack", "module"):
        (task,) = [v for a, v in run.resources.items() if a.startswith(f"module.{side}_{key}.aws_ecs_task_definition.")]
        (container,) = json.loads(task["container_definitions"])
        environment = {item["name"]: item["value"] for item in container["environment"]}
        secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
        assert [item["name"] for item in container["secrets"]] == sorted(secrets), side
        app_secret = secrets["GOOGLE_OAUTH_CLIENT_ID"].removesuffix(":GOOGLE_OAUTH_CLIENT_ID::")
        if engine_id:
            assert environment["GOOGLE_SEARCH_ENGINE_ID"] == engine_id[1], side
            assert secrets["GOOGLE_SEARCH_API_KEY"] == f"{app_secret}:GOOGLE_SEARCH_API_KEY::", side
        else:
            assert "GOOGLE_SEARCH_ENGINE_ID" not in environment and "GOOGLE_SEARCH_API_KEY" not in secrets, side
