"""The S3 bucket where the server keeps OAuth tokens, shared by every task."""
from __future__ import annotations

from modules import aws
from modules.bucket import PrivateBucket, PrivateBucketProps
from modules.config import EnvironmentSettings
from modules.symbolic import choose_string, when


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
        create = tb.create
        self.bucket = None
        if when(create):
            self.bucket = PrivateBucket(
                self,
                "bucket",
                PrivateBucketProps(
                    bucket_name=tb.bucket_name,
                    kms_key_arn=tb.kms_key_arn,
                    noncurrent_version_expiration_days=tb.noncurrent_version_expiration_days,
                    force_destroy=tb.force_destroy,
                    create=create,
                ),
            )
        self.name = choose_string(create, lambda: self.bucket.name, lambda: tb.bucket_name)
        self.arn = choose_string(create, lambda: self.bucket.arn, lambda: f"arn:aws:s3:::{tb.bucket_name}")
