"""ECS Exec as an audited break-glass path: every session is encrypted with a KMS key and
its transcript goes to an encrypted log group (``logging = OVERRIDE`` on the cluster)."""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.config import EnvironmentSettings
from modules.keys import KeyRef
from modules.symbolic import choose_string, count, single, symbolic, to_json, when


@dataclass(frozen=True)
class ExecuteCommandAuditProps:
    """What the audit reads (the ``exec_*`` settings of ``[service]``)."""

    #: ``service.enable_execute_command``: nothing exists without it.
    enabled: bool
    log_group_name: str
    log_retention_in_days: int

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> ExecuteCommandAuditProps:
        svc = settings.service
        return cls(svc.enable_execute_command, svc.exec_log_group_name, svc.exec_log_retention_in_days)


class ExecuteCommandAudit(aws.Construct):
    """Exists only with ``service.enable_execute_command``. Exposes ``enabled``,
    ``log_group_name``/``log_group_arn``, ``key`` (a KeyRef), ``cluster_configuration`` (the
    ``execute_command_configuration`` block) and ``cluster_configuration_json`` (the same for
    ``aws ecs update-cluster --configuration`` on a reused cluster)."""

    def __init__(self, scope: aws.Construct, id: str, props: ExecuteCommandAuditProps, key: KeyRef):
        super().__init__(scope, id)
        self.enabled = props.enabled
        self.key = key
        self.log_group = None
        if when(self.enabled):
            self.log_group = aws.CloudwatchLogGroup(
                self,
                "transcripts",
                count=count(self.enabled),
                name=props.log_group_name,
                retention_in_days=props.log_retention_in_days,
                kms_key_id=key.arn,
            )
        self.log_group_name = choose_string(
            self.enabled, lambda: single(self.log_group, "name", self.enabled), lambda: ""
        )
        self.log_group_arn = choose_string(
            self.enabled, lambda: single(self.log_group, "arn", self.enabled), lambda: ""
        )
        self.cluster_configuration = {
            "kms_key_id": key.arn,
            "logging": "OVERRIDE",
            "log_configuration": {
                "cloud_watch_log_group_name": self.log_group_name,
                "cloud_watch_encryption_enabled": True,
            },
        }
        # A Terraform flag (the module): conditionals inside JSON text need jsonencode().
        encode = (lambda value: aws.Token.as_string(aws.Fn.jsonencode(value))) if symbolic(self.enabled) else to_json
        self.cluster_configuration_json = choose_string(
            self.enabled,
            lambda: encode(
                {
                    "executeCommandConfiguration": {
                        "kmsKeyId": key.arn,
                        "logging": "OVERRIDE",
                        "logConfiguration": {
                            "cloudWatchLogGroupName": self.log_group_name,
                            "cloudWatchEncryptionEnabled": True,
                        },
                    }
                }
            ),
            lambda: "",
        )
