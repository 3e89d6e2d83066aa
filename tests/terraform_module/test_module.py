"""The plain Terraform module (terraform/modules/google-workspace-mcp) and its examples.

The module is generated from the same constructs as the CDKTF stacks; these tests check
that the committed copy is fresh, that Terraform accepts the examples, that bad inputs are
refused by the variable validations, and that the ``local`` example goes through apply ->
no-drift re-plan -> destroy on the session's moto. The tests share one moto and run in file order.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from modules.terraform_module import FILES, MODULE_NAME, differences, module_inputs
from tests.fakes.terraform import terraform
from tests.infra.tf_json import load

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "terraform" / "modules" / MODULE_NAME
EXAMPLES = ("reference", "local")
PLAN_TIMEOUT = 240
APPLY_TIMEOUT = 420


# --------------------------------------------------------------------------- static


def test_committed_module_equals_a_fresh_generation(synth_dir: Path):
    # main.py writes the module next to the stacks in the session synthesis.
    fresh = synth_dir.parent / "module" / MODULE_NAME
    generated = {name: (fresh / name).read_text() for name in FILES}
    stale = differences(generated, COMMITTED)
    assert not stale, "the committed module is stale: run `make module` and commit it\n\n" + "\n\n".join(stale)


def test_module_has_no_provider_or_backend_and_pins_the_provider():
    for name in FILES[:-1]:
        config = json.loads((COMMITTED / name).read_text())
        assert "provider" not in config and '"//":' not in json.dumps(config), name  # cdktf metadata
        assert "backend" not in config.get("terraform", {}), name
    versions = json.loads((COMMITTED / "versions.tf.json").read_text())["terraform"]
    assert versions["required_providers"]["aws"]["version"] == ">= 5.100.0, < 7.0.0"


def test_every_stack_output_is_a_module_output(synth_dir: Path):
    module_outputs = json.loads((COMMITTED / "outputs.tf.json").read_text())["output"]
    stack_outputs = load(synth_dir, "local").outputs
    assert stack_outputs and set(stack_outputs) <= set(module_outputs)


def test_readme_lists_every_input_and_output():
    readme = (COMMITTED / "README.md").read_text()
    variables = json.loads((COMMITTED / "variables.tf.json").read_text())["variable"]
    outputs = json.loads((COMMITTED / "outputs.tf.json").read_text())["output"]
    for name in variables:
        assert f"### `{name}`" in readme, name
    for item in module_inputs():  # every setting: a row of its variable's table
        assert f"| `{item.attribute if item.variable != item.name else item.name}` |" in readme, item.key
    for name in outputs:
        assert f"| `{name}` |" in readme, name
    assert all(variables[name].get("description") for name in variables)
    assert all(outputs[name].get("description") for name in outputs)


def test_hcl_is_formatted():
    result = terraform(ROOT / "terraform", "fmt", "-check", "-recursive", "-diff", ok_codes=(0, 3))
    assert result.returncode == 0, f"run `terraform fmt -recursive terraform`:\n{result.output}"


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_validates(terraform_copy: Path, tf_cache, example: str):
    workdir = terraform_copy / "examples" / example
    terraform(workdir, "init", "-backend=false", env=tf_cache, timeout=PLAN_TIMEOUT)
    report = json.loads(terraform(workdir, "validate", "-json", env=tf_cache, ok_codes=(0, 1)).stdout)
    assert report["valid"], json.dumps(report["diagnostics"], indent=1)


# --------------------------------------------------------------------------- plans on moto


def _local_root(workdir: Path, module_block: str, terraform_copy: Path) -> Path:
    """A root module with the local example's provider and a custom module call."""
    workdir.mkdir(parents=True)
    for name in ("providers.tf", "variables.tf"):
        shutil.copy(terraform_copy / "examples" / "local" / name, workdir / name)
    source = terraform_copy / "modules" / MODULE_NAME
    (workdir / "main.tf").write_text(module_block.replace("SOURCE", str(source)))
    return workdir


#: The account-specific inputs have no default (values of the local example).
REQUIRED_INPUTS = """
  network = {
    vpc_id             = "vpc-0123"
    subnet_ids         = ["subnet-0123"]
    security_group_ids = ["sg-0123"]
  }
  cluster           = { name = "cluster" }
  load_balancer     = { name = "alb" }
  service_discovery = { namespace_id = "ns-0123", namespace_name = "example.local" }
  token_bucket      = { bucket_name = "example-token-bucket" }
"""
TASK = 'image_repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mcp"'
REQUIRED_ATTRIBUTES = {
    "network": ["vpc_id", "subnet_ids", "security_group_ids"],
    "cluster": ["name"],
    "load_balancer": ["name"],
    "service_discovery": ["namespace_id", "namespace_name"],
    "task": ["image_repository"],
    "token_bucket": ["bucket_name"],
}


def test_account_specific_inputs_are_required():
    variables = json.loads((COMMITTED / "variables.tf.json").read_text())["variable"]
    required = {
        name: re.findall(r"^\s+(\w+) = (?!optional\()", variable["type"], re.M)
        for name, variable in variables.items()
        if variable["type"].startswith("object(")
    }
    assert {name: found for name, found in required.items() if found} == REQUIRED_ATTRIBUTES
    # ... and the image tag: a deploy names the image it runs (no `latest` default).
    assert sorted(name for name, variable in variables.items() if "default" not in variable) == sorted(
        [*REQUIRED_ATTRIBUTES, "image_tag"]
    )
    # No default names the reference account or its network.
    assert not re.search(r"758888582357|vpc-0|subnet-0|sg-0|ns-", json.dumps(variables))


@pytest.mark.parametrize(
    "inputs, messages",
    [
        (
            'listener_rule = { priority = 0 }\n  target_group = { name = "a-target-group-name-longer-than-32-chars" }',
            [
                "listener_rule.priority: must be between 1 and 50000.",
                "target_group.name: must be 1-32 characters (got 40: 'a-target-group-name-longer-than-32-chars').",
            ],
        ),
        # Checks that refer to another attribute or variable run in a later phase of the plan.
        (
            f"task = {{ {TASK}, cpu = 512, memory = 3000 }}",
            ["task.memory: Fargate does not accept 3000 MiB with 512 CPU units (allowed: 1024-4096 in steps of 1024)."],
        ),
    ],
    ids=["single-variable", "cpu-memory-pair"],
)
def test_bad_inputs_are_rejected_at_plan(moto, terraform_copy: Path, tf_cache, tmp_path: Path, inputs, messages):
    block = f'module "bad" {{\n  source = "SOURCE"\n  image_tag = "0123abc"\n  {REQUIRED_INPUTS}\n  {inputs}\n}}\n'
    if "task = {" not in block:
        block = block.replace(REQUIRED_INPUTS, f"{REQUIRED_INPUTS}  task = {{ {TASK} }}\n")
    workdir = _local_root(tmp_path / "bad", block, terraform_copy)
    env = {**moto.env(), **tf_cache}
    terraform(workdir, "init", env=env, timeout=PLAN_TIMEOUT)
    result = terraform(workdir, "plan", f"-var=endpoint={moto.endpoint}", env=env, timeout=PLAN_TIMEOUT, ok_codes=(1,))
    output = " ".join(result.output.split())  # terraform wraps long messages
    assert "Invalid value for variable" in output
    for message in messages:
        assert message in output


# Equal resources, outputs and container environment of the module and the stack, for a
# matrix of environments: test_matrix.py (mocked provider, seconds).


# --------------------------------------------------------------------------- apply on moto


@pytest.fixture(scope="module")
def applied(moto, terraform_copy: Path, tf_cache):
    """The local example applied on moto; destroyed at the end if a test did not."""
    workdir = terraform_copy / "examples" / "local"
    env = {**moto.env(), **tf_cache}
    endpoint = f"-var=endpoint={moto.endpoint}"
    terraform(workdir, "init", env=env, timeout=PLAN_TIMEOUT)
    state = {"workdir": workdir, "env": env, "endpoint": endpoint, "destroyed": False}
    try:
        terraform(workdir, "apply", "-auto-approve", endpoint, env=env, timeout=APPLY_TIMEOUT)
        raw = json.loads(terraform(workdir, "output", "-json", env=env).stdout)
        state["outputs"] = raw["module"]["value"]
        yield state
    finally:
        if not state["destroyed"]:
            terraform(workdir, "destroy", "-auto-approve", endpoint, env=env, timeout=APPLY_TIMEOUT)


def test_applied_module_creates_the_reference_resources(applied, moto, synth_dir: Path):
    out = applied["outputs"]
    elbv2, ecs, discovery = moto.client("elbv2"), moto.client("ecs"), moto.client("servicediscovery")
    (group,) = elbv2.describe_target_groups(TargetGroupArns=[out["target_group_arn"]])["TargetGroups"]
    assert (group["TargetGroupName"], group["TargetType"], group["Port"]) == ("busyb-google-workspace", "ip", 8000)
    assert (group["HealthCheckPath"], group["HealthCheckIntervalSeconds"], group["HealthyThresholdCount"]) == (
        "/health",
        30,
        2,
    )
    rules = elbv2.describe_rules(RuleArns=[out["listener_rule_arn"], out["discovery_listener_rule_arn"]])["Rules"]
    assert sorted(rule["Priority"] for rule in rules) == ["50", "51"]

    task = ecs.describe_task_definition(taskDefinition=out["task_definition_arn"])["taskDefinition"]
    assert (task["family"], task["cpu"], task["memory"]) == ("busyb-google-workspace-mcp", "512", "1024")
    (container,) = task["containerDefinitions"]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment["PORT"] == "8000" and environment["MCP_ENABLE_OAUTH21"] == "true"
    assert environment["WORKSPACE_MCP_PATH_PREFIX"] == "/google-workspace"
    assert environment["WORKSPACE_MCP_TOKEN_STORE"] == "s3://busyb-google-workspace-mcp-tokens-local/tokens"
    # The same container environment as the `local` stack (values known at synthesis).
    stack_environment = {e["name"]: e["value"] for e in load(synth_dir, "local").container()["environment"]}
    assert set(environment) == set(stack_environment)
    assert {k: v for k, v in stack_environment.items() if "${" not in v} == {
        k: environment[k] for k, v in stack_environment.items() if "${" not in v
    }
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    assert secrets["GOOGLE_OAUTH_CLIENT_ID"] == f"{out['app_secret_arn']}:GOOGLE_OAUTH_CLIENT_ID::"
    assert container["logConfiguration"]["options"]["awslogs-region"] == "us-east-1"

    (service,) = ecs.describe_services(cluster=out["cluster_arn"], services=[out["service_arn"]])["services"]
    assert service["serviceName"] == "busyb-google-workspace-mcp-service"
    assert service["deploymentConfiguration"]["maximumPercent"] == 200
    assert service.get("enableExecuteCommand", False) is False  # ECS Exec is off unless turned on

    service_id = out["discovery_service_arn"].rsplit("/", 1)[-1]
    records = discovery.get_service(Id=service_id)["Service"]["DnsConfig"]["DnsRecords"]
    assert {(r["Type"], r["TTL"]) for r in records} == {("A", 60), ("SRV", 60)}
    assert out["internal_mcp_url"] == "http://google-workspace.busyb.local:8000/mcp"


def test_applied_module_replans_without_changes(applied):
    result = terraform(
        applied["workdir"],
        "plan",
        "-detailed-exitcode",
        applied["endpoint"],
        env=applied["env"],
        timeout=PLAN_TIMEOUT,
        ok_codes=(0, 2),
    )
    assert result.returncode == 0, f"drift after apply:\n{result.stdout[-8000:]}"


def test_applied_module_destroys_cleanly(applied, moto):
    workdir, env = applied["workdir"], applied["env"]
    terraform(workdir, "destroy", "-auto-approve", applied["endpoint"], env=env, timeout=APPLY_TIMEOUT)
    applied["destroyed"] = True
    assert terraform(workdir, "state", "list", env=env).stdout.split() == []
    with pytest.raises(ClientError):
        moto.client("s3").head_bucket(Bucket=applied["outputs"]["token_bucket_name"])
