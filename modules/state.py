"""Terraform state: the S3 backend of each environment and the bootstrap stack that
creates its bucket (``<env>-state``, local state)."""

from __future__ import annotations

from modules import aws
from modules.bucket import PrivateBucket, PrivateBucketProps
from modules.config import EnvironmentSettings
from modules.provider import BaseStack


def configure_s3_backend(stack: aws.TerraformStack, settings: EnvironmentSettings) -> None:
    """Encrypted S3 state with S3-native locking, one key per environment."""
    endpoint = settings.endpoint_url()
    emulated: dict = {}
    if endpoint:
        emulated = {
            "endpoints": {"s3": endpoint, "sts": endpoint, "iam": endpoint},
            "use_path_style": True,
            "skip_credentials_validation": True,
            "skip_metadata_api_check": True,
            "skip_requesting_account_id": True,
        }
    aws.S3Backend(
        stack,
        bucket=settings.state.bucket,
        key=settings.state_key,
        region=settings.aws.region,
        encrypt=True,
        kms_key_id=settings.state.kms_key_arn or None,
        **emulated,
    )
    # CDKTF 0.21 predates `use_lockfile` (Terraform >= 1.10): S3 lock files, no DynamoDB.
    stack.add_override("terraform.backend.s3.use_lockfile", True)


class StateStack(BaseStack):
    """Bootstrap: creates the versioned, encrypted, private state bucket (local state).

    Exposes ``bucket``.
    """

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id, settings)
        aws.LocalBackend(self, path=f"terraform.{id}.tfstate")
        st = settings.state
        self.bucket = PrivateBucket(
            self,
            "state-bucket",
            PrivateBucketProps(
                bucket_name=st.bucket,
                kms_key_arn=st.kms_key_arn,
                noncurrent_version_expiration_days=st.noncurrent_version_expiration_days,
                force_destroy=st.force_destroy,
            ),
        )
        self.bucket.attach_policy()
        aws.TerraformOutput(self, "state_bucket", value=self.bucket.name)
        aws.TerraformOutput(self, "state_bucket_arn", value=self.bucket.arn)
