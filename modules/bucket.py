"""A private S3 bucket with the protections both the token store and the state bucket need."""
from __future__ import annotations

import json
from dataclasses import dataclass

from modules import aws


@dataclass(frozen=True)
class PrivateBucketProps:
    bucket_name: str
    #: Empty: SSE-S3 (AES256); else SSE-KMS with this key (bucket key on).
    kms_key_arn: str = ""
    #: Old versions are kept this long after being overwritten or deleted.
    noncurrent_version_expiration_days: int = 30
    #: Allow ``terraform destroy`` of a non-empty bucket (test environments only).
    force_destroy: bool = False


class PrivateBucket(aws.Construct):
    """Versioned, encrypted, owner-enforced, public-access-blocked, TLS-only bucket.

    Exposes ``bucket`` (the aws_s3_bucket) and ``arn``/``name``.
    """

    def __init__(self, scope: aws.Construct, id: str, props: PrivateBucketProps):
        super().__init__(scope, id)
        self.bucket = aws.S3Bucket(
            self, "bucket", bucket=props.bucket_name, force_destroy=props.force_destroy
        )
        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        aws.S3BucketVersioning(
            self, "versioning", bucket=self.bucket.id, versioning_configuration={"status": "Enabled"}
        )
        if props.kms_key_arn:
            default = {"sse_algorithm": "aws:kms", "kms_master_key_id": props.kms_key_arn}
        else:
            default = {"sse_algorithm": "AES256"}
        aws.S3BucketServerSideEncryptionConfiguration(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=aws.blocks(
                {
                    "apply_server_side_encryption_by_default": default,
                    "bucket_key_enabled": bool(props.kms_key_arn),
                }
            ),
        )
        self.public_access_block = aws.S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        aws.S3BucketOwnershipControls(
            self, "ownership", bucket=self.bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
        )
        aws.S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=self.bucket.id,
            rule=aws.blocks(
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": [{"prefix": ""}],
                    "noncurrent_version_expiration": [
                        {"noncurrent_days": props.noncurrent_version_expiration_days}
                    ],
                    "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                }
            ),
        )
        # Deny every request that does not use TLS (the usual protective Deny on s3:*).
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [self.arn, f"{self.arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
        aws.S3BucketPolicy(
            self,
            "tls-only",
            bucket=self.bucket.id,
            policy=json.dumps(policy),
            # Putting a policy while the public access block is being applied races on S3.
            depends_on=[self.public_access_block],
        )
