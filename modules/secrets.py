"""Secrets Manager secrets the task injects, created WITHOUT values (or existing ARNs).

Values never pass through Terraform (so never land in state): they are put out of band
with ``aws secretsmanager put-secret-value``. The app secret is one JSON document whose
keys ECS injects with JSON-key notation ``<arn>:<KEY>::``. A resource policy on each created
secret denies its value to everyone but the execution role and the break-glass roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import aws
from modules.config import EnvironmentSettings, SecretSettings
from modules.keys import KeyRef
from modules.symbolic import (
    choose_string,
    count,
    has_items,
    is_set,
    is_unset,
    null,
    optional_items,
    or_default,
    single,
    to_json,
    when,
)

#: Keys of the JSON app secret, each injected as the environment variable of the same name.
APP_SECRET_KEYS = (
    "GOOGLE_OAUTH_CLIENT_ID",
    "GOOGLE_OAUTH_CLIENT_SECRET",
    "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY",
)
#: Key of the app secret with the web search tool's API key: injected only with ``[search] engine_id``
#: (ECS refuses to start a task when a key it injects is missing from the secret).
SEARCH_API_KEY = "GOOGLE_SEARCH_API_KEY"
#: Plain-string secret (the reference's GOOGLE_MCP_CREDENTIALS_DIR).
CREDENTIALS_DIR_VARIABLE = "GOOGLE_MCP_CREDENTIALS_DIR"


@dataclass(frozen=True)
class SecretsProps:
    """What the secrets read: their section and whether web search needs its key from the app secret."""

    secrets: SecretSettings
    #: ``search.engine_id``: set, the task is also given GOOGLE_SEARCH_API_KEY from the app secret.
    search_engine_id: str = ""

    @classmethod
    def of(cls, settings: EnvironmentSettings) -> SecretsProps:
        return cls(settings.secrets, settings.search.engine_id)


class Secrets(aws.Construct):
    """Exposes ``app_secret_arn``, ``credentials_dir_secret_arn``, ``arns`` (what the
    execution role may read), ``kms_key_arn``, ``container_secrets`` (name -> valueFrom) and
    ``optional_container_secrets`` (name -> (flag, valueFrom)).
    """

    def __init__(self, scope: aws.Construct, id: str, props: SecretsProps, key: KeyRef):
        super().__init__(scope, id)
        sec = props.secrets
        self.key = key
        self.created: list[tuple[aws.SecretsmanagerSecret, object]] = []  # (secret resource, its create flag)
        self.app_secret_arn = self._given_or_created(
            sec.app_secret_arn,
            "app",
            sec.app_secret_name,
            "Google OAuth client and token encryption keys (JSON)",
            sec.recovery_window_in_days,
        )
        self.credentials_dir_secret_arn = self._given_or_created(
            sec.credentials_dir_secret_arn,
            "credentials-dir",
            sec.credentials_dir_secret_name,
            "GOOGLE_MCP_CREDENTIALS_DIR (plain string)",
            sec.recovery_window_in_days,
        )
        self.arns = [self.app_secret_arn, self.credentials_dir_secret_arn]
        self.container_secrets = {key: f"{self.app_secret_arn}:{key}::" for key in APP_SECRET_KEYS}
        self.container_secrets[CREDENTIALS_DIR_VARIABLE] = self.credentials_dir_secret_arn
        self.optional_container_secrets = {
            SEARCH_API_KEY: (is_set(props.search_engine_id), f"{self.app_secret_arn}:{SEARCH_API_KEY}::")
        }

    def _given_or_created(self, arn: str, id: str, name: str, description: str, recovery_window_in_days: int) -> str:
        create = is_unset(arn)
        if not when(create):
            return arn
        secret = aws.SecretsmanagerSecret(
            self,
            id,
            count=count(create),
            name=name,
            description=description,
            kms_key_id=choose_string(self.key.enabled, lambda: self.key.arn, null),
            recovery_window_in_days=recovery_window_in_days,
        )
        self.created.append((secret, create))
        return or_default(arn, lambda: single(secret, "arn", create))

    def restrict_values(self, reader_role_arns: list[str], break_glass_role_arns) -> None:
        """Resource policy of each created secret: only ``reader_role_arns`` (execution role,
        break-glass) read the value and only the break-glass roles put one; management actions
        (describe, tag, delete) stay with IAM, so the deploy role keeps them."""
        for secret, create in self.created:
            arn = single(secret, "arn", create)
            statements = optional_items(
                [
                    (
                        True,
                        _deny(
                            "ValueOnlyForTheExecutionAndBreakGlassRoles",
                            ["secretsmanager:GetSecretValue"],
                            reader_role_arns,
                        ),
                    ),
                    (
                        has_items(break_glass_role_arns),
                        _deny(
                            "NewValuesOnlyFromBreakGlassRoles",
                            ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret"],
                            break_glass_role_arns,
                        ),
                    ),
                ]
            )
            aws.SecretsmanagerSecretPolicy(
                self,
                f"{secret.node.id}-policy",
                count=count(create),
                secret_arn=arn,
                policy=to_json({"Version": "2012-10-17", "Statement": statements}),
            )


def _deny(sid: str, actions: list[str], except_role_arns) -> dict:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": sorted(actions),
        "Resource": "*",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": except_role_arns}},
    }
