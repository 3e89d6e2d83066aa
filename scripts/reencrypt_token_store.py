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
"""
from __future__ import annotations

import os
import sys

import boto3
from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def reencrypt(uri: str, keys: list[str]) -> tuple[int, int, list[str]]:
    """Returns (records seen, records rewritten, keys of unreadable records)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"{uri}: expected s3://bucket/prefix")
    bucket, _, prefix = uri[len("s3://"):].partition("/")
    prefix = prefix.strip("/")
    primary = Fernet(keys[0].encode())
    fernet = MultiFernet([Fernet(k.encode()) for k in keys])
    s3 = boto3.client("s3")
    seen = rewritten = 0
    unreadable: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
        for item in page.get("Contents", []):
            seen += 1
            data = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            try:
                primary.decrypt(data)
                continue  # already under the first key
            except InvalidToken:
                pass
            try:
                rotated = fernet.rotate(data)
            except InvalidToken:
                unreadable.append(item["Key"])
                continue
            s3.put_object(
                Bucket=bucket,
                Key=item["Key"],
                Body=rotated,
                ContentType="application/octet-stream",
                ServerSideEncryption="AES256",
            )
            rewritten += 1
    return seen, rewritten, unreadable


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
