"""Byte-level stores: a local directory (temp file + rename) or S3 (one PutObject per record).

Both writes are atomic: a reader sees the old record or the new one, never a partial one.
"""
from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Protocol

import anyio
from fastmcp.server.auth import TokenVerificationError

log = logging.getLogger("workspace_mcp_server.storage")


class StorageError(TokenVerificationError):
    """The token store could not be read or written; the message says which record and why.

    A ``TokenVerificationError`` so FastMCP's OAuth proxy lets it through instead of turning it
    into "invalid token" (which would send the client into a pointless re-login).
    """


class BlobStore(Protocol):
    description: str

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, data: bytes) -> None: ...

    async def delete(self, key: str) -> bool: ...

    async def check(self) -> None: ...


def _fail(store: "BlobStore", action: str, key: str, exc: BaseException) -> StorageError:
    message = f"token store {store.description}: cannot {action} {key!r}: {type(exc).__name__}: {exc}"
    log.error(message, extra={"event": "storage_error", "store_key": key, "action": action})
    return StorageError(message)


class LocalBlobStore:
    """Records as files below one directory (mode 0700), replaced atomically."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.description = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / key

    async def get(self, key: str) -> bytes | None:
        try:
            return await anyio.to_thread.run_sync(self._read, key)
        except OSError as exc:
            raise _fail(self, "read", key, exc) from exc

    def _read(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    async def put(self, key: str, data: bytes) -> None:
        try:
            await anyio.to_thread.run_sync(self._write, key, data)
        except OSError as exc:
            raise _fail(self, "write", key, exc) from exc

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    async def delete(self, key: str) -> bool:
        try:
            return await anyio.to_thread.run_sync(self._delete, key)
        except OSError as exc:
            raise _fail(self, "delete", key, exc) from exc

    def _delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
            return True
        except FileNotFoundError:
            return False

    async def check(self) -> None:
        def probe() -> None:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not os.access(self.root, os.W_OK | os.X_OK):
                raise PermissionError(f"{self.root} is not writable")

        try:
            await anyio.to_thread.run_sync(probe)
        except OSError as exc:
            raise _fail(self, "open", "", exc) from exc


#: SSE-KMS key id or ARN for every write; unset: no encryption header, the bucket's default
#: encryption applies (SSE-S3 or the bucket's KMS key), so a bucket policy can demand it.
KMS_KEY_VARIABLE = "WORKSPACE_MCP_TOKEN_STORE_KMS_KEY_ID"


class S3BlobStore:
    """Records as objects under ``s3://bucket/prefix/``; each write is a single PutObject."""

    def __init__(self, url: str, kms_key_id: str | None = None):
        import boto3
        from botocore.config import Config

        bucket, _, prefix = url[len("s3://"):].partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.description = url
        kms_key_id = (os.environ.get(KMS_KEY_VARIABLE, "") if kms_key_id is None else kms_key_id).strip()
        self._encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
        # AWS_ENDPOINT_URL (moto in tests) is honoured by boto3 itself.
        self._client = boto3.client(
            "s3", config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=10)
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    async def get(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            except self._client.exceptions.NoSuchKey:
                return None
            return response["Body"].read()

        try:
            return await anyio.to_thread.run_sync(read)
        except Exception as exc:  # botocore raises many unrelated classes
            raise _fail(self, "read", key, exc) from exc

    async def put(self, key: str, data: bytes) -> None:
        def write() -> None:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType="application/octet-stream",
                **self._encryption,
            )

        try:
            await anyio.to_thread.run_sync(write)
        except Exception as exc:
            raise _fail(self, "write", key, exc) from exc

    async def delete(self, key: str) -> bool:
        try:
            await anyio.to_thread.run_sync(
                lambda: self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
            )
        except Exception as exc:
            raise _fail(self, "delete", key, exc) from exc
        return True

    async def check(self) -> None:
        def probe() -> None:
            self._client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(""), MaxKeys=1)

        try:
            await anyio.to_thread.run_sync(probe)
        except Exception as exc:
            raise _fail(self, "list", "", exc) from exc


def open_blob_store(location: str) -> BlobStore:
    """``s3://bucket/prefix`` or a local directory path."""
    if location.startswith("s3://"):
        return S3BlobStore(location)
    return LocalBlobStore(location)
