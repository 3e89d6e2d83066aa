"""Secrets Manager secrets the task injects, created WITHOUT values (or existing ARNs).

Values never pass through Terraform (so never land in state): they are put out of band
with ``aws secretsmanager put-secret-value``. The app secret is one JSON document whose
keys ECS injects with JSON-key notation ``<arn>:<KEY>::``.
"""
from __future__ import annotations

from modules import aws
from modules.config import EnvironmentSettings
from modules.symbolic import count, is_unset, or_default, or_null, single, when

#: Keys of the JSON app secret, each injected as the environment variable of the same name.
APP_SECRET_KEYS = (
    "GOOGLE_OAUTH_CLIENT_ID",
    "GOOGLE_OAUTH_CLIENT_SECRET",
    "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY",
)
#: Plain-string secret (the reference's GOOGLE_MCP_CREDENTIALS_DIR).
CREDENTIALS_DIR_VARIABLE = "GOOGLE_MCP_CREDENTIALS_DIR"


class Secrets(aws.Construct):
    """Exposes ``app_secret_arn``, ``credentials_dir_secret_arn``, ``arns`` (what the
    execution role may read), ``kms_key_arn`` and ``container_secrets`` (name -> valueFrom).
    """

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id)
        sec = settings.secrets
        self.kms_key_arn = sec.kms_key_arn
        self.app_secret_arn = self._given_or_created(
            sec.app_secret_arn, "app", sec.app_secret_name, "Google OAuth client and token encryption keys (JSON)", settings
        )
        self.credentials_dir_secret_arn = self._given_or_created(
            sec.credentials_dir_secret_arn,
            "credentials-dir",
            sec.credentials_dir_secret_name,
            "GOOGLE_MCP_CREDENTIALS_DIR (plain string)",
            settings,
        )
        self.arns = [self.app_secret_arn, self.credentials_dir_secret_arn]
        self.container_secrets = {key: f"{self.app_secret_arn}:{key}::" for key in APP_SECRET_KEYS}
        self.container_secrets[CREDENTIALS_DIR_VARIABLE] = self.credentials_dir_secret_arn

    def _given_or_created(self, arn: str, id: str, name: str, description: str, settings: EnvironmentSettings) -> str:
        create = is_unset(arn)
        if not when(create):
            return arn
        secret = aws.SecretsmanagerSecret(
            self,
            id,
            count=count(create),
            name=name,
            description=description,
            kms_key_id=or_null(settings.secrets.kms_key_arn),
            recovery_window_in_days=settings.secrets.recovery_window_in_days,
        )
        return or_default(arn, lambda: single(secret, "arn", create))
