"""Execution role (ECR pull, logs, exactly the injected secrets) and task role (token
bucket prefix; with ECS Exec its channels, transcript log group and session key). Policies
are built as data and list every action: no wildcard actions. Both roles trust ECS tasks of
this account only (``aws:SourceAccount`` / ``aws:SourceArn``: no confused deputy).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.config import EnvironmentSettings, TaskSettings
from modules.keys import KeyRef
from modules.symbolic import count, is_unset, optional_items, or_default, single, symbolic, to_json, when


def ecs_tasks_trust(account_id: str) -> str:
    """ECS tasks may assume the role, only on behalf of this account's clusters."""
    return to_json(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:*:{account_id}:*"},
                    },
                }
            ],
        }
    )


# No backslashes: the module embeds the pattern in a Terraform string as it is.
_ECR_PATTERN = r"^([0-9]{12})[.]dkr[.]ecr[.]([a-z0-9-]+)[.]amazonaws[.]com/(.+)$"
_ECR_IMAGE = re.compile(_ECR_PATTERN)
_ECR_ARN = "arn:aws:ecr:{region}:{account}:repository/{name}"


def ecr_repository_arn(image_repository: str) -> str | None:
    """``<acct>.dkr.ecr.<region>.amazonaws.com/<name>`` -> repository ARN (None if not ECR)."""
    match = _ECR_IMAGE.match(image_repository)
    if not match:
        return None
    return _ECR_ARN.format(account=match[1], region=match[2], name=match[3])


def ecr_repository(image_repository: str) -> tuple[object, str]:
    """(is it an ECR repository?, its ARN or ""); Terraform expressions for a variable."""
    if not symbolic(image_repository):
        arn = ecr_repository_arn(image_repository)
        return arn is not None, arn or ""
    matches = aws.Op.gte(aws.Fn.length_of(aws.Fn.regexall(_ECR_PATTERN, image_repository)), 1)
    arn = aws.Fn.replace(image_repository, f"/{_ECR_PATTERN}/", _ECR_ARN.format(account="$1", region="$2", name="$3"))
    return matches, aws.Token.as_string(arn)


def boundary_arn(account_id: str, settings: EnvironmentSettings) -> str:
    """The permissions boundary the ``<env>-pipeline`` stack creates; every role the deploy
    role creates or edits must carry it, these two included."""
    return f"arn:aws:iam::{account_id}:policy/{settings.pipeline.permissions_boundary_name}"


def statement(sid: str, actions: list[str], resources: list[str] | str, condition: dict | None = None) -> dict:
    result: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}
    if condition:
        result["Condition"] = condition
    return result


def policy_document(statements) -> str:
    return to_json({"Version": "2012-10-17", "Statement": statements})


@dataclass(frozen=True)
class RolesProps:
    """What the roles read: ``[task]`` (role names, a given execution role, the image), the
    boundary they carry, and the resources they grant access to."""

    task: TaskSettings
    #: The ``<env>-pipeline`` stack's boundary (``boundary_arn``).
    permissions_boundary_arn: str
    #: ``service.enable_execute_command``: the task role gets the ECS Exec channels and transcript.
    execute_command: Any
    account_id: str
    log_group_arn: str
    secret_arns: list[str]
    secrets_key: KeyRef
    bucket_arn: str
    bucket_prefix: str
    bucket_key: KeyRef
    #: ECS Exec session transcripts and key (with enable_execute_command).
    exec_log_group_arn: str
    exec_key: KeyRef


class TaskRoles(aws.Construct):
    """Exposes ``execution_role_arn`` (created or reused) and ``task_role`` / ``task_role_arn``."""

    def __init__(self, scope: aws.Construct, id: str, props: RolesProps):
        super().__init__(scope, id)
        task = props.task
        trust = ecs_tasks_trust(props.account_id)
        boundary = props.permissions_boundary_arn

        self.execution_role = None
        create = is_unset(task.execution_role_arn)
        if when(create):
            self.execution_role = aws.IamRole(
                self,
                "execution-role",
                count=count(create),
                name=task.execution_role_name,
                description="Pulls the image, writes logs and reads the injected secrets",
                assume_role_policy=trust,
                permissions_boundary=boundary,
            )
            self.execution_policy = aws.IamRolePolicy(
                self,
                "execution-policy",
                count=count(create),
                name="pull-log-secrets",
                role=single(self.execution_role, "id", create),
                policy=policy_document(self.execution_statements(props)),
            )
        # Reuse the given role (e.g. the account's ecsTaskExecutionRole), else the created one.
        self.execution_role_arn = or_default(
            task.execution_role_arn, lambda: single(self.execution_role, "arn", create)
        )

        self.task_role = aws.IamRole(
            self,
            "task-role",
            name=task.task_role_name,
            description="Token store in S3 and ECS Exec for the Google Workspace MCP server",
            assume_role_policy=trust,
            permissions_boundary=boundary,
        )
        self.task_role_arn = self.task_role.arn
        self.task_policy = aws.IamRolePolicy(
            self,
            "task-policy",
            name="token-store-and-exec",
            role=self.task_role.id,
            policy=policy_document(self.task_statements(props)),
        )

    @staticmethod
    def execution_statements(props: RolesProps):
        ecr, repository = ecr_repository(props.task.image_repository)
        pull = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        return optional_items(
            [
                # GetAuthorizationToken has no resource type: "*" is the only valid resource.
                (ecr, statement("EcrToken", ["ecr:GetAuthorizationToken"], "*")),
                (ecr, statement("EcrPull", pull, [repository])),
                (True, statement("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{props.log_group_arn}:*"])),
                (True, statement("Secrets", ["secretsmanager:GetSecretValue"], list(props.secret_arns))),
                (props.secrets_key.enabled, statement("SecretsKey", ["kms:Decrypt"], [props.secrets_key.arn])),
            ]
        )

    @staticmethod
    def task_statements(props: RolesProps):
        prefix = props.bucket_prefix
        exec_channels = [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ]
        exec_on = props.execute_command
        exec_logs = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
        return optional_items(
            [
                (
                    True,
                    statement(
                        "TokenObjects",
                        ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                        [f"{props.bucket_arn}/{prefix}/*"],
                    ),
                ),
                (
                    True,
                    statement(
                        "TokenList",
                        ["s3:ListBucket"],
                        [props.bucket_arn],
                        {"StringLike": {"s3:prefix": [prefix, f"{prefix}/*"]}},
                    ),
                ),
                (
                    props.bucket_key.enabled,
                    statement("TokenKey", ["kms:Decrypt", "kms:GenerateDataKey"], [props.bucket_key.arn]),
                ),
                # Session Manager channels have no resource type: "*" is the only valid resource.
                (exec_on, statement("EcsExec", exec_channels, "*")),
                # The agent checks the transcript group exists (no resource type either), then writes.
                (exec_on, statement("EcsExecLogGroups", ["logs:DescribeLogGroups"], "*")),
                (exec_on, statement("EcsExecTranscript", exec_logs, [f"{props.exec_log_group_arn}:*"])),
                (exec_on, statement("EcsExecKey", ["kms:Decrypt"], [props.exec_key.arn])),
            ]
        )
