"""Token objects get the encryption the infrastructure configures: the bucket's default
(SSE-KMS with the stack's key) or an explicit key, never a hard-coded SSE-S3 that would
silently override a KMS default. Real S3 API round trips against moto."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from workspace_mcp_server.storage.blobs import KMS_KEY_VARIABLE, S3BlobStore


@pytest.fixture()
def aws_env(moto, monkeypatch):
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(KMS_KEY_VARIABLE, raising=False)
    return moto


def _bucket(moto, default: dict) -> str:
    s3 = moto.client("s3")
    name = f"tokens-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": default}]},
    )
    return name


def _key(moto) -> str:
    return moto.client("kms").create_key(Description="token store")["KeyMetadata"]["Arn"]


def _written(moto, bucket: str, key: str) -> dict:
    return moto.client("s3").head_object(Bucket=bucket, Key=key)


def test_a_token_is_written_with_the_buckets_kms_key(aws_env):
    key = _key(aws_env)
    bucket = _bucket(aws_env, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key})
    store = S3BlobStore(f"s3://{bucket}/tokens")
    asyncio.run(store.put("oauth/mcp-upstream-tokens/abc.bin", b"fernet-ciphertext"))
    head = _written(aws_env, bucket, "tokens/oauth/mcp-upstream-tokens/abc.bin")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key
    assert asyncio.run(store.get("oauth/mcp-upstream-tokens/abc.bin")) == b"fernet-ciphertext"


def test_the_configured_key_wins_over_an_sse_s3_default(aws_env, monkeypatch):
    """A reused bucket whose default is SSE-S3: the task's key id makes every write SSE-KMS."""
    key = _key(aws_env)
    bucket = _bucket(aws_env, {"SSEAlgorithm": "AES256"})
    monkeypatch.setenv(KMS_KEY_VARIABLE, key)
    asyncio.run(S3BlobStore(f"s3://{bucket}/tokens").put("record.bin", b"x"))
    head = _written(aws_env, bucket, "tokens/record.bin")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key)


def test_without_a_key_the_sse_s3_default_applies(aws_env):
    bucket = _bucket(aws_env, {"SSEAlgorithm": "AES256"})
    asyncio.run(S3BlobStore(f"s3://{bucket}/tokens", kms_key_id="").put("record.bin", b"x"))
    head = _written(aws_env, bucket, "tokens/record.bin")
    assert head["ServerSideEncryption"] == "AES256" and "SSEKMSKeyId" not in head
