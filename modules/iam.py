"""Execution role (ECR pull, logs, exactly the injected secrets) and task role (token
bucket prefix, ECS Exec channels). Policies are built as data and list every action:
no wildcard actions.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from modules import aws
from modules.config import EnvironmentSettings

ECS_TASKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_ECR_IMAGE = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<name>.+)$")


def ecr_repository_arn(image_repository: str) -> str | None:
    """``<acct>.dkr.ecr.<region>.amazonaws.com/<name>`` -> repository ARN (None if not ECR)."""
    match = _ECR_IMAGE.match(image_repository)
    if not match:
        return None
    return f"arn:aws:ecr:{match['region']}:{match['account']}:repository/{match['name']}"


def statement(sid: str, actions: list[str], resources: list[str] | str, condition: dict | None = None) -> dict:
    result = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}
    if condition:
        result["Condition"] = condition
    return result


def policy_document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@dataclass(frozen=True)
class RolesProps:
    log_group_arn: str
    secret_arns: list[str]
    secrets_kms_key_arn: str
    bucket_arn: str
    bucket_prefix: str
    bucket_kms_key_arn: str


class TaskRoles(aws.Construct):
    """Exposes ``execution_role_arn`` (created or reused) and ``task_role`` / ``task_role_arn``."""

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings, props: RolesProps):
        super().__init__(scope, id)
        task = settings.task
        trust = json.dumps(ECS_TASKS_TRUST)

        self.execution_role = None
        if task.execution_role_arn:
            self.execution_role_arn = task.execution_role_arn
        else:
            self.execution_role = aws.IamRole(
                self,
                "execution-role",
                name=task.execution_role_name,
                description="Pulls the image, writes logs and reads the injected secrets",
                assume_role_policy=trust,
            )
            self.execution_role_arn = self.execution_role.arn
            self.execution_policy = aws.IamRolePolicy(
                self,
                "execution-policy",
                name="pull-log-secrets",
                role=self.execution_role.id,
                policy=policy_document(*self.execution_statements(settings, props)),
            )

        self.task_role = aws.IamRole(
            self,
            "task-role",
            name=task.task_role_name,
            description="Token store in S3 and ECS Exec for the Google Workspace MCP server",
            assume_role_policy=trust,
        )
        self.task_role_arn = self.task_role.arn
        self.task_policy = aws.IamRolePolicy(
            self,
            "task-policy",
            name="token-store-and-exec",
            role=self.task_role.id,
            policy=policy_document(*self.task_statements(settings, props)),
        )

    @staticmethod
    def execution_statements(settings: EnvironmentSettings, props: RolesProps) -> list[dict]:
        statements = []
        repository = ecr_repository_arn(settings.task.image_repository)
        if repository:
            # GetAuthorizationToken has no resource type: "*" is the only valid resource.
            statements.append(statement("EcrToken", ["ecr:GetAuthorizationToken"], "*"))
            statements.append(
                statement(
                    "EcrPull",
                    ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    [repository],
                )
            )
        statements.append(
            statement("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{props.log_group_arn}:*"])
        )
        statements.append(statement("Secrets", ["secretsmanager:GetSecretValue"], list(props.secret_arns)))
        if props.secrets_kms_key_arn:
            statements.append(statement("SecretsKey", ["kms:Decrypt"], [props.secrets_kms_key_arn]))
        return statements

    @staticmethod
    def task_statements(settings: EnvironmentSettings, props: RolesProps) -> list[dict]:
        prefix = props.bucket_prefix
        statements = [
            statement(
                "TokenObjects",
                ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                [f"{props.bucket_arn}/{prefix}/*"],
            ),
            statement(
                "TokenList",
                ["s3:ListBucket"],
                [props.bucket_arn],
                {"StringLike": {"s3:prefix": [prefix, f"{prefix}/*"]}},
            ),
        ]
        if props.bucket_kms_key_arn:
            statements.append(
                statement("TokenKey", ["kms:Decrypt", "kms:GenerateDataKey"], [props.bucket_kms_key_arn])
            )
        if settings.service.enable_execute_command:
            # Session Manager channels have no resource type: "*" is the only valid resource.
            statements.append(
                statement(
                    "EcsExec",
                    [
                        "ssmmessages:CreateControlChannel",
                        "ssmmessages:CreateDataChannel",
                        "ssmmessages:OpenControlChannel",
                        "ssmmessages:OpenDataChannel",
                    ],
                    "*",
                )
            )
        return statements
