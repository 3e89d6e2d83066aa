"""The S3 bucket where the server keeps OAuth tokens, shared by every task."""

from __future__ import annotations

from modules import aws
from modules.bucket import PrivateBucket, PrivateBucketProps
from modules.config import TokenBucketSettings
from modules.keys import KeyRef
from modules.symbolic import choose_string, symbolic, when


class TokenBucket(aws.Construct):
    """Created (private, versioned, encrypted, TLS-only) or an existing bucket by name.

    Exposes ``name``, ``arn``, ``prefix`` and ``key`` (the KeyRef of its encryption); the server's
    ``s3://bucket/prefix`` is modules/derived.py's. ``restrict_tokens(...)`` writes the created bucket's policy.
    """

    def __init__(self, scope: aws.Construct, id: str, tb: TokenBucketSettings, key: KeyRef):
        super().__init__(scope, id)
        self.prefix = tb.prefix
        self.key = key
        create = tb.create
        self.bucket: PrivateBucket | None = None
        if when(create):
            self.bucket = PrivateBucket(
                self,
                "bucket",
                PrivateBucketProps(
                    bucket_name=tb.bucket_name,
                    kms_key_arn=key.arn,
                    kms_enabled=key.enabled,
                    noncurrent_version_expiration_days=tb.noncurrent_version_expiration_days,
                    force_destroy=tb.force_destroy,
                    create=create,
                ),
            )
        self.name = choose_string(create, lambda: self._created().name, lambda: tb.bucket_name)
        self.arn = choose_string(create, lambda: self._created().arn, lambda: f"arn:aws:s3:::{tb.bucket_name}")

    def _created(self) -> PrivateBucket:
        """The bucket, read only on the ``create`` branch (where it is declared)."""
        assert self.bucket is not None
        return self.bucket

    def restrict_tokens(self, allowed_role_arns: list[str]) -> None:
        """Bucket policy: nobody but ``allowed_role_arns`` (the task role, break-glass roles)
        reads, writes or deletes an object under the prefix, whatever their IAM policies say.
        A reused bucket's policy is its owner's (docs/deployment.md shows the statement)."""
        if self.bucket is None:
            return
        self.bucket.attach_policy([tokens_only_for(self.arn, self.prefix, allowed_role_arns)])


def tokens_only_for(bucket_arn: str, prefix: str, role_arns: list[str]) -> dict:
    return {
        "Sid": "TokensOnlyForTheTaskAndBreakGlassRoles",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": f"{bucket_arn}/{prefix}/*",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role_arns}},
    }


def role_arns(first: list[str], more) -> list[str]:
    """``first`` followed by a (possibly Terraform-list-valued) setting ``more``."""
    if symbolic(more):
        return aws.Token.as_list(aws.Fn.concat([list(first), more]))
    return [*first, *more]
