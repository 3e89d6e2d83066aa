"""The S3 bucket where the server keeps OAuth tokens, shared by every task."""
from __future__ import annotations

from modules import aws
from modules.bucket import PrivateBucket, PrivateBucketProps
from modules.config import EnvironmentSettings


class TokenBucket(aws.Construct):
    """Created (private, versioned, encrypted, TLS-only) or an existing bucket by name.

    Exposes ``name``, ``arn``, ``prefix``, ``kms_key_arn`` and ``uri`` (``s3://bucket/prefix``).
    """

    def __init__(self, scope: aws.Construct, id: str, settings: EnvironmentSettings):
        super().__init__(scope, id)
        tb = settings.token_bucket
        self.prefix = tb.prefix
        self.kms_key_arn = tb.kms_key_arn
        self.uri = settings.token_store_uri
        self.name = tb.bucket_name
        if tb.create:
            self.bucket = PrivateBucket(
                self,
                "bucket",
                PrivateBucketProps(
                    bucket_name=tb.bucket_name,
                    kms_key_arn=tb.kms_key_arn,
                    noncurrent_version_expiration_days=tb.noncurrent_version_expiration_days,
                    force_destroy=tb.force_destroy,
                ),
            )
            self.name = self.bucket.name
            self.arn = self.bucket.arn
        else:
            self.arn = f"arn:aws:s3:::{tb.bucket_name}"
