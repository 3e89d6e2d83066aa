"""A private S3 bucket with the protections both the token store and the state bucket need."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules import aws
from modules.symbolic import choose_string, count, is_set, null, optional_items, single, symbolic, to_json


@dataclass(frozen=True)
class PrivateBucketProps:
    bucket_name: str
    #: Empty: SSE-S3 (AES256); else SSE-KMS with this key (bucket key on).
    kms_key_arn: str = ""
    #: Use ``kms_key_arn``? None: when it is set (a Terraform bool expression for a key of the stack).
    kms_enabled: Any = None
    #: Old versions are kept this long after being overwritten or deleted.
    noncurrent_version_expiration_days: int = 30
    #: Current objects are deleted this many days after creation (0: kept; e.g. access logs).
    expiration_days: int = 0
    #: Allow ``terraform destroy`` of a non-empty bucket (test environments only).
    force_destroy: bool = False
    #: A Terraform bool expression in the module (every resource gets ``count``).
    create: bool = True


class PrivateBucket(aws.Construct):
    """Versioned, encrypted, owner-enforced, public-access-blocked, TLS-only bucket whose
    policy refuses uploads that ask for another encryption than the bucket's.

    Exposes ``bucket`` (the aws_s3_bucket) and ``arn``/``name``; ``attach_policy(extra)``
    writes the bucket policy (once, with the owner's extra statements).
    """

    def __init__(self, scope: aws.Construct, id: str, props: PrivateBucketProps):
        super().__init__(scope, id)
        self.props = props
        n = self.n = count(props.create)
        self.bucket = aws.S3Bucket(self, "bucket", count=n, bucket=props.bucket_name, force_destroy=props.force_destroy)
        self.name = single(self.bucket, "bucket", props.create)
        self.arn = single(self.bucket, "arn", props.create)
        bucket_id = self.bucket_id = single(self.bucket, "id", props.create)
        aws.S3BucketVersioning(
            self, "versioning", count=n, bucket=bucket_id, versioning_configuration={"status": "Enabled"}
        )
        kms = self.kms = is_set(props.kms_key_arn) if props.kms_enabled is None else props.kms_enabled
        default = {
            "sse_algorithm": choose_string(kms, lambda: "aws:kms", lambda: "AES256"),
            "kms_master_key_id": choose_string(kms, lambda: props.kms_key_arn, null),
        }
        if default["kms_master_key_id"] is None:
            del default["kms_master_key_id"]
        aws.S3BucketServerSideEncryptionConfiguration(
            self,
            "encryption",
            count=n,
            bucket=bucket_id,
            rule=aws.blocks(
                {
                    "apply_server_side_encryption_by_default": default,
                    "bucket_key_enabled": kms,
                }
            ),
        )
        self.public_access_block = aws.S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            count=n,
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        aws.S3BucketOwnershipControls(
            self, "ownership", count=n, bucket=bucket_id, rule={"object_ownership": "BucketOwnerEnforced"}
        )
        aws.S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            count=n,
            bucket=bucket_id,
            rule=aws.blocks(
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": [{"prefix": ""}],
                    "noncurrent_version_expiration": [{"noncurrent_days": props.noncurrent_version_expiration_days}],
                    "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                    # Objects that age out (logs), or else a delete marker whose versions all expired.
                    "expiration": [{"days": props.expiration_days}]
                    if symbolic(props.expiration_days) or props.expiration_days
                    else [{"expired_object_delete_marker": True}],
                }
            ),
        )

    def attach_policy(self, extra_statements: list[dict] | None = None) -> aws.S3BucketPolicy:
        """TLS only, uploads only with the bucket's encryption, plus ``extra_statements``."""
        props = self.props
        resources = [self.arn, f"{self.arn}/*"]
        statements = [
            # Deny every request that does not use TLS (the usual protective Deny on s3:*).
            (
                True,
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": resources,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ),
            # An upload may rely on the default encryption or repeat it, never ask for another.
            (
                True,
                {
                    "Sid": "DenyOtherEncryption",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": f"{self.arn}/*",
                    # Only when the header is there: "IfExists" would also deny header-less uploads.
                    "Condition": {
                        "Null": {"s3:x-amz-server-side-encryption": "false"},
                        "StringNotEquals": {
                            "s3:x-amz-server-side-encryption": choose_string(
                                self.kms, lambda: "aws:kms", lambda: "AES256"
                            )
                        },
                    },
                },
            ),
            (
                self.kms,
                {
                    "Sid": "DenyOtherKmsKey",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": f"{self.arn}/*",
                    "Condition": {
                        "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
                        "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": props.kms_key_arn},
                    },
                },
            ),
            *((True, statement) for statement in extra_statements or []),
        ]
        return aws.S3BucketPolicy(
            self,
            "tls-only",
            count=self.n,
            bucket=self.bucket_id,
            policy=to_json({"Version": "2012-10-17", "Statement": optional_items(statements)}),
            # Putting a policy while the public access block is being applied races on S3.
            depends_on=[self.public_access_block],
        )
