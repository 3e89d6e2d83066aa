"""The stack's customer-managed KMS key (optional) and which key each consumer uses.

One key, rotated yearly, serves the token bucket, the secrets and the log groups when
``security.create_kms_key`` is on, and the ECS Exec sessions whenever Exec is on without an
``exec_kms_key_arn`` of its own. A ``kms_key_arn`` given in a section always wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.config import EnvironmentSettings
from modules.symbolic import both, choose_string, count, either, is_set, is_unset, or_default, single, to_json, when


@dataclass(frozen=True)
class KeyRef:
    """A key a resource may use: ``enabled`` (a bool or Terraform expression) and its ARN."""

    enabled: Any
    arn: str


@dataclass(frozen=True)
class StackKeyProps:
    """What the key reads: whether to create it, the keys sections name instead, and ECS Exec's needs."""

    #: ``service.name``: the key's description and alias.
    service_name: str
    create_kms_key: Any = False
    #: ``kms_key_arn`` of ``[token_bucket]``, ``[secrets]`` and ``[logs]`` (empty: the stack's key, if any).
    bucket_kms_key_arn: str = ""
    secrets_kms_key_arn: str = ""
    logs_kms_key_arn: str = ""
    #: ``service.enable_execute_command`` and ``service.exec_kms_key_arn`` (empty: the stack's key).
    execute_command: Any = False
    exec_kms_key_arn: str = ""

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> StackKeyProps:
        svc = settings.service
        return cls(
            service_name=svc.name,
            create_kms_key=settings.security.create_kms_key,
            bucket_kms_key_arn=settings.token_bucket.kms_key_arn,
            secrets_kms_key_arn=settings.secrets.kms_key_arn,
            logs_kms_key_arn=settings.logs.kms_key_arn,
            execute_command=svc.enable_execute_command,
            exec_kms_key_arn=svc.exec_kms_key_arn,
        )


class StackKey(aws.Construct):
    """Exposes ``key`` (or None), ``account_id`` and the ``KeyRef`` of each consumer:
    ``bucket``, ``secrets``, ``logs``, ``exec``."""

    def __init__(self, scope: aws.Construct, id: str, props: StackKeyProps):
        super().__init__(scope, id)
        create_key = props.create_kms_key
        exec_on = props.execute_command
        needed = either(create_key, both(exec_on, is_unset(props.exec_kms_key_arn)))
        self.key = None
        # The account id for trust conditions and key policies (no hard-coded account).
        self.account_id = aws.DataAwsCallerIdentity(self, "account").account_id
        if when(needed):
            region = aws.DataAwsRegion(self, "region", count=count(needed))
            self.key = aws.KmsKey(
                self,
                "key",
                count=count(needed),
                description=f"{props.service_name}: token bucket, secrets, logs and ECS Exec sessions",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                policy=key_policy(self.account_id, single(region, "name", needed)),
            )
            aws.KmsAlias(
                self,
                "alias",
                count=count(needed),
                name=f"alias/{props.service_name}",
                target_key_id=single(self.key, "key_id", needed),
            )
        key_arn = lambda: single(self.key, "arn", needed)  # noqa: E731
        created = lambda: choose_string(create_key, key_arn, lambda: "")  # noqa: E731

        def ref(given: str) -> KeyRef:
            return KeyRef(enabled=either(is_set(given), create_key), arn=or_default(given, created))

        self.bucket = ref(props.bucket_kms_key_arn)
        self.secrets = ref(props.secrets_kms_key_arn)
        self.logs = ref(props.logs_kms_key_arn)
        self.exec = KeyRef(
            enabled=exec_on,
            arn=choose_string(exec_on, lambda: or_default(props.exec_kms_key_arn, key_arn), lambda: ""),
        )


def key_policy(account_id: str, region: str) -> str:
    """The account's IAM policies decide who uses the key (AWS's default key policy), and
    CloudWatch Logs may use it for this account's log groups (encrypted groups need that)."""
    return to_json(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountIamPolicies",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Decrypt",
                        "kms:DescribeKey",
                        "kms:Encrypt",
                        "kms:GenerateDataKey",
                        "kms:GenerateDataKeyWithoutPlaintext",
                        "kms:ReEncryptFrom",
                        "kms:ReEncryptTo",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "ArnLike": {
                            "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:*"
                        }
                    },
                },
            ],
        }
    )
