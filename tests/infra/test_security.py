"""Least privilege around the service, on the synthesized JSON of every environment and its
``<env>-pipeline`` stack: policy assertions (conditions, denies, boundaries, capabilities,
ECS Exec audit) and simulations with tests/infra/iam_eval.py of what each role can do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modules.config import load_environment
from modules.pipeline_roles import READ_ACTIONS, PipelineNames, read_actions
from tests.infra.deploy_actions import NEEDS, is_read, refused, synthesized_types
from tests.infra.iam_eval import Principal, condition_holds, evaluate
from tests.infra.tf_json import Stack, load, statements

ROOT_DIR = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("production", "local")
ACCOUNTS = {"production": "758888582357", "local": "123456789012"}
REGION = "us-east-1"


class World:
    """One environment's stacks with every ``${...}`` reference resolved to the ARN AWS
    would give it, so the policies can be evaluated as AWS would."""

    def __init__(self, synth_dir, name: str, settings=None, account: str | None = None):
        self.name = name
        self.settings = settings or load_environment(ROOT_DIR / "environments" / f"{name}.toml")
        self.account = account or ACCOUNTS[name]
        self.stack = load(synth_dir, name)
        self.pipeline = load(synth_dir, f"{name}-pipeline")

    def _value(self, stack: Stack, reference: str) -> str:
        parts = reference.split(".")
        if parts[0] == "data":
            kind, attribute = parts[1], parts[-1]
            if kind == "aws_caller_identity" and attribute == "account_id":
                return self.account
            if kind == "aws_region" and attribute == "name":
                return REGION
            raise KeyError(reference)
        kind, resource_name, attribute = parts
        resource = stack.resources(kind)[resource_name]
        arns = {
            "aws_iam_role": lambda r: f"arn:aws:iam::{self.account}:role/{r['name']}",
            "aws_iam_policy": lambda r: f"arn:aws:iam::{self.account}:policy/{r['name']}",
            "aws_s3_bucket": lambda r: f"arn:aws:s3:::{r['bucket']}",
            "aws_secretsmanager_secret": lambda r: (
                f"arn:aws:secretsmanager:{REGION}:{self.account}:secret:{r['name']}-AbCdEf"
            ),
            "aws_kms_key": lambda r: f"arn:aws:kms:{REGION}:{self.account}:key/{resource_name}",
            "aws_cloudwatch_log_group": lambda r: f"arn:aws:logs:{REGION}:{self.account}:log-group:{r['name']}",
            "aws_iam_openid_connect_provider": lambda r: (
                f"arn:aws:iam::{self.account}:oidc-provider/token.actions.githubusercontent.com"
            ),
        }
        if attribute == "arn":
            return arns[kind](resource)
        if attribute in ("name", "bucket", "id") and kind in (
            "aws_iam_role",
            "aws_s3_bucket",
            "aws_cloudwatch_log_group",
        ):
            return resource.get("name") or resource["bucket"]
        raise KeyError(reference)

    def resolve(self, stack: Stack, text: str) -> dict:
        resolved = re.sub(r"\$\{([^}]+)\}", lambda m: self._value(stack, m[1]), text)
        assert "${" not in resolved, resolved
        return json.loads(resolved)

    def role_policy(self, stack: Stack, address: str) -> dict:
        return self.resolve(stack, stack.resources("aws_iam_role_policy")[address]["policy"])

    @property
    def boundary(self) -> dict:
        return self.resolve(self.pipeline, self.pipeline.resources("aws_iam_policy")["boundary"]["policy"])

    def role(self, stack: Stack, role: str, policy: str, bounded: bool = True) -> Principal:
        name = stack.resources("aws_iam_role")[role]["name"]
        attached = [
            self.resolve(stack, stack.resources("aws_iam_policy")[r["policy_arn"].split(".")[1]]["policy"])
            for r in stack.resources("aws_iam_role_policy_attachment").values()
            if r["role"] == f"${{aws_iam_role.{role}.name}}"
        ]
        return Principal(
            f"arn:aws:iam::{self.account}:role/{name}",
            [self.role_policy(stack, policy), *attached],
            self.boundary if bounded else None,
        )

    @property
    def plan(self) -> Principal:
        return self.role(self.pipeline, "plan_role", "plan_policy", bounded=False)

    @property
    def deploy(self) -> Principal:
        return self.role(self.pipeline, "deploy_role", "deploy_policy")

    @property
    def task(self) -> Principal:
        return self.role(self.stack, "iam_task_role", "iam_task_policy")

    @property
    def execution(self) -> Principal:
        return self.role(self.stack, "iam_execution_role", "iam_execution_policy")

    def arn(self, kind: str, name: str) -> str:
        return self._value(self.stack, f"{kind}.{name}.arn")

    @property
    def bucket_policy(self) -> dict:
        return self.resolve(
            self.stack, self.stack.resources("aws_s3_bucket_policy")["token_bucket_bucket_tls_only"]["policy"]
        )

    def secret_policy(self, secret: str) -> dict:
        return self.resolve(
            self.stack, self.stack.resources("aws_secretsmanager_secret_policy")[f"secrets_{secret}_policy"]["policy"]
        )

    @property
    def token_object(self) -> str:
        return (
            f"{self.arn('aws_s3_bucket', 'token_bucket_bucket_bucket')}/{self.settings.token_bucket.prefix}/oauth/x.bin"
        )

    @property
    def app_secret(self) -> str:
        return self.arn("aws_secretsmanager_secret", "secrets_app")

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account}:role/{name}"

    @property
    def boundary_arn(self) -> str:
        return f"arn:aws:iam::{self.account}:policy/{self.settings.pipeline.permissions_boundary_name}"

    @property
    def state_object(self) -> str:
        return f"arn:aws:s3:::{self.settings.state.bucket}/{self.settings.state_key}"


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def world(request, synth_dir) -> World:
    return World(synth_dir, request.param)


# --------------------------------------------------------------------------- simulations


def test_plan_role_cannot_read_a_secret_or_a_token(world):
    secret = evaluate(
        world.plan, "secretsmanager:GetSecretValue", world.app_secret, resource_policies=[world.secret_policy("app")]
    )
    assert not secret.allowed and "NoSecretValues" in secret.reason
    token = evaluate(world.plan, "s3:GetObject", world.token_object, resource_policies=[world.bucket_policy])
    assert not token.allowed and "explicit deny" in token.reason
    # ... while it reads its environment's state and the configuration (the checks can pass).
    assert evaluate(world.plan, "s3:GetObject", world.state_object).allowed
    assert evaluate(world.plan, "ecs:DescribeServices", "*").allowed


@pytest.mark.parametrize(
    "action, resource",
    [
        ("s3:PutObject", "state"),
        ("s3:DeleteObject", "state"),
        ("iam:PutRolePolicy", "task-role"),
        ("ecs:UpdateService", "*"),
        ("secretsmanager:PutSecretValue", "secret"),
        ("kms:Decrypt", "*"),
        ("sts:AssumeRole", "*"),
    ],
)
def test_plan_role_writes_nothing(world, action, resource):
    target = {
        "state": world.state_object,
        "task-role": world.role_arn(world.settings.task.task_role_name),
        "secret": world.app_secret,
    }.get(resource, resource)
    decision = evaluate(world.plan, action, target)
    assert not decision.allowed, decision


def test_plan_role_reads_no_other_environments_state(world):
    other = f"arn:aws:s3:::{world.settings.state.bucket}/google-workspace-mcp/other.tfstate"
    assert not evaluate(world.plan, "s3:GetObject", other).allowed
    assert not evaluate(world.deploy, "s3:PutObject", other).allowed
    assert evaluate(world.deploy, "s3:PutObject", world.state_object).allowed
    assert evaluate(world.deploy, "s3:PutObject", world.state_object + ".tflock").allowed


@pytest.mark.parametrize(
    "action", ["iam:PutRolePolicy", "iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"]
)
def test_deploy_role_changes_a_role_only_with_the_boundary(world, action):
    task_role = world.role_arn(world.settings.task.task_role_name)
    bounded = {"iam:PermissionsBoundary": world.boundary_arn}
    assert evaluate(world.deploy, action, task_role, bounded).allowed
    missing = evaluate(world.deploy, action, task_role)
    assert not missing.allowed and "NoRoleChangeWithoutTheBoundary" in missing.reason
    other = {"iam:PermissionsBoundary": f"arn:aws:iam::{world.account}:policy/AdministratorAccess"}
    assert not evaluate(world.deploy, action, task_role, other).allowed
    # Only the environment's own roles, never a new one with another name, nor the pipeline's.
    assert not evaluate(world.deploy, action, world.role_arn("escalate"), bounded).allowed
    assert not evaluate(world.deploy, action, world.role_arn(world.settings.pipeline.deploy_role_name), bounded).allowed


def test_deploy_role_cannot_remove_or_edit_the_boundary(world):
    task_role = world.role_arn(world.settings.task.task_role_name)
    assert not evaluate(world.deploy, "iam:DeleteRolePermissionsBoundary", task_role).allowed
    for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"):
        assert not evaluate(world.deploy, action, world.boundary_arn).allowed
    assert not evaluate(world.deploy, "iam:CreatePolicy", "*").allowed
    assert not evaluate(
        world.deploy, "iam:UpdateAssumeRolePolicy", world.role_arn(world.settings.pipeline.deploy_role_name)
    ).allowed


def test_deploy_role_passes_the_service_roles_only_to_ecs_tasks(world):
    task_role = world.role_arn(world.settings.task.task_role_name)
    assert evaluate(world.deploy, "iam:PassRole", task_role, {"iam:PassedToService": "ecs-tasks.amazonaws.com"}).allowed
    assert not evaluate(world.deploy, "iam:PassRole", task_role, {"iam:PassedToService": "ec2.amazonaws.com"}).allowed


def test_deploy_role_reads_no_secret_value_and_no_token(world):
    assert not evaluate(
        world.deploy, "secretsmanager:GetSecretValue", world.app_secret, resource_policies=[world.secret_policy("app")]
    ).allowed
    assert not evaluate(
        world.deploy, "s3:GetObject", world.token_object, resource_policies=[world.bucket_policy]
    ).allowed


def test_task_role_reads_its_prefix_and_nothing_else(world):
    bucket = [world.bucket_policy]
    assert evaluate(world.task, "s3:GetObject", world.token_object, resource_policies=bucket).allowed
    assert evaluate(world.task, "s3:PutObject", world.token_object, resource_policies=bucket).allowed
    elsewhere = world.token_object.replace(f"/{world.settings.token_bucket.prefix}/", "/other/")
    assert not evaluate(world.task, "s3:GetObject", elsewhere, resource_policies=bucket).allowed
    assert not evaluate(world.task, "s3:GetObject", "arn:aws:s3:::another-bucket/tokens/x").allowed
    assert not evaluate(
        world.task, "secretsmanager:GetSecretValue", world.app_secret, resource_policies=[world.secret_policy("app")]
    ).allowed


def test_uploads_must_use_the_buckets_encryption(world):
    bucket = [world.bucket_policy]
    kms = world.settings.security.create_kms_key or bool(world.settings.token_bucket.kms_key_arn)
    right, wrong = ("aws:kms", "AES256") if kms else ("AES256", "aws:kms")
    put = lambda context: evaluate(world.task, "s3:PutObject", world.token_object, context, bucket)  # noqa: E731
    assert put({}).allowed  # no header: the bucket default applies (what the server does)
    assert put({"s3:x-amz-server-side-encryption": right}).allowed or kms
    assert not put({"s3:x-amz-server-side-encryption": wrong}).allowed
    if kms:
        key = world.resolve(
            world.stack,
            json.dumps(
                world.stack.one("aws_s3_bucket_server_side_encryption_configuration")["rule"][0][
                    "apply_server_side_encryption_by_default"
                ]["kms_master_key_id"]
            ),
        )
        other_key = f"arn:aws:kms:{REGION}:{world.account}:key/other"
        assert put(
            {"s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key}
        ).allowed
        assert not put(
            {"s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": other_key}
        ).allowed


def test_only_the_task_and_break_glass_roles_reach_the_tokens(world):
    admin = Principal(
        world.role_arn("Administrator"), [{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]
    )
    bucket = [world.bucket_policy]
    decision = evaluate(admin, "s3:GetObject", world.token_object, resource_policies=bucket)
    assert not decision.allowed and "TokensOnlyForTheTaskAndBreakGlassRoles" in decision.reason
    (break_glass,) = world.settings.security.break_glass_role_arns
    admin.arn = break_glass
    assert evaluate(admin, "s3:GetObject", world.token_object, resource_policies=bucket).allowed


def test_secret_values_only_for_the_execution_and_break_glass_roles(world):
    policy = [world.secret_policy("app")]
    assert evaluate(
        world.execution, "secretsmanager:GetSecretValue", world.app_secret, resource_policies=policy
    ).allowed
    admin = Principal(
        world.role_arn("Administrator"),
        [{"Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}],
    )
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"):
        assert not evaluate(admin, action, world.app_secret, resource_policies=policy).allowed
    assert evaluate(admin, "secretsmanager:DescribeSecret", world.app_secret, resource_policies=policy).allowed
    admin.arn = world.settings.security.break_glass_role_arns[0]
    assert evaluate(admin, "secretsmanager:PutSecretValue", world.app_secret, resource_policies=policy).allowed


def test_the_boundary_leaves_the_service_its_run_time_actions(world):
    """The task and execution roles carry the boundary: everything their policies grant stays possible."""
    for principal in (world.task, world.execution):
        for policy in principal.policies:
            for statement in statements(policy):
                for action in statement["Action"]:
                    resource = (
                        statement["Resource"] if isinstance(statement["Resource"], str) else statement["Resource"][0]
                    )
                    context = {"s3:prefix": "tokens/x"} if action == "s3:ListBucket" else {}
                    resource = resource.replace("*", "x")
                    assert evaluate(principal, action, resource, context).allowed, (principal.arn, action)


# --------------------------------------------------------------------------- trust


def _trust(world, role: str) -> dict:
    (statement,) = statements(
        world.resolve(world.pipeline, world.pipeline.resources("aws_iam_role")[role]["assume_role_policy"])
    )
    return statement


@pytest.mark.parametrize(
    "role, subject, trusted",
    [
        ("plan_role", "repo:{repo}:pull_request", True),
        ("plan_role", "repo:{repo}:ref:refs/heads/main", False),
        ("plan_role", "repo:{repo}:environment:{env}", False),
        ("plan_role", "repo:someone/fork:pull_request", False),
        ("deploy_role", "repo:{repo}:environment:{env}", True),
        ("deploy_role", "repo:{repo}:pull_request", False),
        ("deploy_role", "repo:{repo}:ref:refs/heads/main", False),
        ("deploy_role", "repo:{repo}:environment:{env}-copy", False),
    ],
)
def test_github_trust_is_exact(world, role, subject, trusted):
    statement = _trust(world, role)
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    pipeline = world.settings.pipeline
    context = {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": subject.format(
            repo=pipeline.github_repository, env=world.settings.github_environment
        ),
    }
    assert condition_holds(statement["Condition"], context) is trusted
    assert not condition_holds(statement["Condition"], {**context, "token.actions.githubusercontent.com:aud": "other"})


# --------------------------------------------------------------------------- the JSON


def test_pipeline_stack_shape(world):
    pipeline = world.pipeline
    assert pipeline.one("aws_iam_openid_connect_provider")["url"] == "https://token.actions.githubusercontent.com"
    roles = pipeline.resources("aws_iam_role")
    assert set(roles) == {"plan_role", "deploy_role"}
    assert roles["deploy_role"]["permissions_boundary"] == "${aws_iam_policy.boundary.arn}"
    assert "permissions_boundary" not in roles["plan_role"]
    backend = pipeline.json["terraform"]["backend"]["s3"]
    assert backend["key"] == world.settings.state_key.replace(".tfstate", "-pipeline.tfstate")
    assert set(pipeline.outputs) == {
        "plan_role_arn",
        "deploy_role_arn",
        "permissions_boundary_arn",
        "oidc_provider_arn",
    }
    plan = {s["Sid"]: s for s in statements(world.role_policy(pipeline, "plan_policy"))}
    reads = read_actions(world.settings, PipelineNames(world.settings, world.account))
    assert set(READ_ACTIONS) <= set(reads)
    assert plan["NoWrites"]["NotAction"] == sorted([*reads, "s3:GetObject"])
    assert not any(
        a.startswith(("secretsmanager:GetSecretValue", "kms:Decrypt")) for a in plan["ReadConfiguration"]["Action"]
    )
    # IAM's managed-policy limit (6,144 characters without whitespace) holds for the boundary.
    assert len(json.dumps(world.boundary, separators=(",", ":"))) < 6144


def test_service_roles_carry_the_boundary(world):
    for role in world.stack.resources("aws_iam_role").values():
        assert role["permissions_boundary"].endswith(f":policy/{world.settings.pipeline.permissions_boundary_name}")


def test_container_drops_every_capability_and_runs_as_the_image_user(world):
    container = world.stack.container()
    assert container["linuxParameters"] == {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
    assert container["user"] == "10001:10001"
    assert "USER 10001:10001" in (ROOT_DIR / "Dockerfile").read_text()


def test_exec_sessions_are_encrypted_and_transcribed(world):
    stack = world.stack
    transcripts = stack.resources("aws_cloudwatch_log_group")["exec_transcripts"]
    assert transcripts["name"] == "/ecs/busyb-google-workspace-mcp/exec"
    assert transcripts["kms_key_id"] == "${aws_kms_key.kms_key.arn}"
    key = stack.one("aws_kms_key")
    assert key["enable_key_rotation"] is True
    (service,) = stack.resources("aws_ecs_service").values()
    assert service["enable_execute_command"] is True
    configuration = json.loads(stack.outputs["exec_cluster_configuration"]["value"])["executeCommandConfiguration"]
    assert configuration == {
        "kmsKeyId": "${aws_kms_key.kms_key.arn}",
        "logging": "OVERRIDE",
        "logConfiguration": {
            "cloudWatchLogGroupName": "${aws_cloudwatch_log_group.exec_transcripts.name}",
            "cloudWatchEncryptionEnabled": True,
        },
    }
    task = {
        s["Sid"]: s for s in statements(json.loads(stack.resources("aws_iam_role_policy")["iam_task_policy"]["policy"]))
    }
    assert task["EcsExecTranscript"]["Action"] == [
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    assert task["EcsExecTranscript"]["Resource"] == ["${aws_cloudwatch_log_group.exec_transcripts.arn}:*"]
    assert task["EcsExecKey"] == {
        "Sid": "EcsExecKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": ["${aws_kms_key.kms_key.arn}"],
    }
    if world.settings.cluster.create:  # a created cluster is configured by the stack itself
        cluster = stack.one("aws_ecs_cluster")
        assert cluster["configuration"]["execute_command_configuration"] == {
            "kms_key_id": "${aws_kms_key.kms_key.arn}",
            "logging": "OVERRIDE",
            "log_configuration": {
                "cloud_watch_log_group_name": "${aws_cloudwatch_log_group.exec_transcripts.name}",
                "cloud_watch_encryption_enabled": True,
            },
        }
    else:  # reused: the operator applied the output, and said so in the environment file
        assert not stack.resources("aws_ecs_cluster")
        assert world.settings.service.exec_reused_cluster_configured


def test_image_repository_is_immutable_and_scanned(world):
    if world.settings.task.create_image_repository:
        repository = world.stack.one("aws_ecr_repository")
        assert repository["image_tag_mutability"] == "IMMUTABLE"
        assert repository["image_scanning_configuration"] == {"scan_on_push": True}
    else:
        (lookup,) = world.stack.data("aws_ecr_repository").values()
        (check,) = lookup["lifecycle"]["postcondition"]
        assert 'self.image_tag_mutability == "IMMUTABLE"' in check["condition"]
        assert "scan_on_push" in check["condition"]


def test_image_tag_has_no_latest(world):
    variable = world.stack.json["variable"]["image_tag"]
    assert variable.get("default") != "latest"
    assert 'var.image_tag != "latest"' in variable["validation"][0]["condition"]


# --------------------------------------------------------------------------- every resource type


def test_every_synthesized_resource_type_has_its_actions_declared(world):
    unknown = sorted(set(synthesized_types(world)) - set(NEEDS))
    assert not unknown, f"declare what managing these takes in tests/infra/deploy_actions.py: {unknown}"


def test_deploy_role_may_manage_every_resource_the_stack_synthesizes(world):
    assert not refused(world, world.deploy, NEEDS.__getitem__)


def test_plan_role_may_read_every_resource_the_stack_synthesizes(world):
    assert not refused(world, world.plan, lambda type_: [a for a in NEEDS[type_] if is_read(a)])
