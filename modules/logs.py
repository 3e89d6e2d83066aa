"""The CloudWatch log group the awslogs driver writes to."""

from __future__ import annotations

from modules import aws
from modules.config import LogSettings
from modules.keys import KeyRef
from modules.symbolic import choose_string, null


class LogGroup(aws.Construct):
    """Exposes ``log_group``, ``name`` and ``arn``."""

    def __init__(self, scope: aws.Construct, id: str, logs: LogSettings, key: KeyRef):
        super().__init__(scope, id)
        self.log_group = aws.CloudwatchLogGroup(
            self,
            "group",
            name=logs.group_name,
            retention_in_days=logs.retention_in_days,
            kms_key_id=choose_string(key.enabled, lambda: key.arn, null),
        )
        self.name = self.log_group.name
        self.arn = self.log_group.arn
