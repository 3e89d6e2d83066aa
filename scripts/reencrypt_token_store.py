#!/usr/bin/env python3
"""Re-encrypt every record of the token store with the first key of the list, so an old
key can be dropped from WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY without logging anyone out.

    WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY="new,old" \
        .venv/bin/python scripts/reencrypt_token_store.py s3://bucket/prefix

The server encrypts with the first key and decrypts with any (MultiFernet), but it only
re-encrypts a record when it writes it again; client registrations are written once. This
rewrites each current object whose token is not already under the first key (one
PutObject, SSE like the server's own writes; the bucket keeps the old version). Records
no key can decrypt are listed and the exit code is 1: do not drop a key then.

It is safe while the service runs: each rewrite is conditional on the version read (If-Match on the
ETag), so a record a server task rewrote meanwhile (a refreshed token) is read again and
re-encrypted as it is now, never replaced by the older copy.
"""

from __future__ import annotations

import os
import sys

import boto3
from botocore.exceptions import ClientError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from workspace_mcp_server.storage.blobs import KMS_KEY_VARIABLE

ATTEMPTS = 5  # reads of one record that a running server keeps rewriting


def reencrypt(uri: str, keys: list[str]) -> tuple[int, int, list[str]]:
    """Returns (records seen, records rewritten, keys of unreadable records)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri}: expected s3://bucket/prefix")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    prefix = prefix.strip("/")
    primary = Fernet(keys[0].encode())
    fernet = MultiFernet([Fernet(k.encode()) for k in keys])
    s3 = boto3.client("s3")
    seen = rewritten = 0
    unreadable: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for item in page.get("Contents", []):
            seen += 1
            outcome = _reencrypt_one(s3, bucket, item["Key"], primary, fernet)
            if outcome == "unreadable":
                unreadable.append(item["Key"])
            rewritten += outcome == "rewritten"
    return seen, rewritten, unreadable


def _encryption() -> dict[str, str]:
    key = os.environ.get(KMS_KEY_VARIABLE, "").strip()
    return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key} if key else {}


def _reencrypt_one(s3, bucket: str, key: str, primary: Fernet, fernet: MultiFernet) -> str:
    """What happened to one record: rewritten, current (under the first key, or deleted meanwhile), unreadable."""
    for _ in range(ATTEMPTS):
        try:
            current = s3.get_object(Bucket=bucket, Key=key)
        except s3.exceptions.NoSuchKey:
            return "current"
        data = current["Body"].read()
        try:
            primary.decrypt(data)
            return "current"
        except InvalidToken:
            pass
        try:
            rotated = fernet.rotate(data)
        except InvalidToken:
            return "unreadable"
        try:
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=rotated,
                ContentType="application/octet-stream",
                # As the server writes: the bucket's default encryption, or the configured KMS key.
                **_encryption(),
                IfMatch=current["ETag"],
            )
            return "rewritten"
        except (ClientError, s3.exceptions.NoSuchKey) as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code not in ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"):
                raise
    raise RuntimeError(f"{key}: rewritten by the service {ATTEMPTS} times while being re-encrypted; run again")


def main(argv: list[str]) -> int:
    keys = [k.strip() for k in os.environ.get("WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY", "").split(",") if k.strip()]
    if len(argv) != 2 or not keys:
        print(
            "usage: WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY=new,old reencrypt_token_store.py s3://bucket/prefix",
            file=sys.stderr,
        )
        return 2
    try:
        seen, rewritten, unreadable = reencrypt(argv[1], keys)
    except ValueError as error:
        print(f"reencrypt_token_store: {error}", file=sys.stderr)
        return 2
    print(f"{seen} records, {rewritten} re-encrypted with the first key, {len(unreadable)} unreadable")
    for key in unreadable:
        print(f"unreadable with every key: {key}", file=sys.stderr)
    return 1 if unreadable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
