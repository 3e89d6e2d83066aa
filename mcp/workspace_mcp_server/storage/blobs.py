"""Byte-level stores: a local directory (temp file + rename) or S3 (one PutObject per record).

Both writes are atomic: a reader sees the old record or the new one, never a partial one.
Both can write conditionally (compare-and-swap across processes): ``put(..., if_match=version)``
replaces only the version that was read, ``put(..., if_none_match=True)`` only creates, and
``delete(..., if_match=version)`` removes only that version; a lost race raises ``WriteConflict``.
Versions are S3 ETags, or the content hash of a local file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
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


class WriteConflict(StorageError):
    """A conditional write or delete lost a race: the record changed, appeared or vanished since it was read."""


class BlobStore(Protocol):
    description: str

    async def get(self, key: str) -> bytes | None: ...

    async def get_versioned(self, key: str) -> tuple[bytes, str] | None: ...

    async def put(self, key: str, data: bytes, *, if_match: str | None = None, if_none_match: bool = False) -> str: ...

    async def delete(self, key: str, *, if_match: str | None = None) -> bool: ...

    async def check(self) -> None: ...


def _version(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _fail(store: BlobStore, action: str, key: str, exc: BaseException) -> StorageError:
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

    async def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        data = await self.get(key)
        return None if data is None else (data, _version(data))

    @contextlib.contextmanager
    def _exclusive(self):
        """One conditional change at a time across every process sharing the directory."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)  # the directory itself is the lock
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _check(self, key: str, if_match: str | None, if_none_match: bool) -> None:
        current = self._read(key)
        if if_none_match and current is not None:
            raise WriteConflict(f"token store {self.description}: {key!r} already exists")
        if if_match is not None and (current is None or _version(current) != if_match):
            raise WriteConflict(f"token store {self.description}: {key!r} changed since it was read")

    async def put(self, key: str, data: bytes, *, if_match: str | None = None, if_none_match: bool = False) -> str:
        try:
            await anyio.to_thread.run_sync(self._write_checked, key, data, if_match, if_none_match)
        except OSError as exc:
            raise _fail(self, "write", key, exc) from exc
        return _version(data)

    def _write_checked(self, key: str, data: bytes, if_match: str | None, if_none_match: bool) -> None:
        if if_match is None and not if_none_match:
            return self._write(key, data)
        with self._exclusive():
            self._check(key, if_match, if_none_match)
            self._write(key, data)

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

    async def delete(self, key: str, *, if_match: str | None = None) -> bool:
        try:
            return await anyio.to_thread.run_sync(self._delete_checked, key, if_match)
        except OSError as exc:
            raise _fail(self, "delete", key, exc) from exc

    def _delete_checked(self, key: str, if_match: str | None) -> bool:
        if if_match is None:
            return self._delete(key)
        with self._exclusive():
            self._check(key, if_match, False)
            return self._delete(key)

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


# S3 answers a small GetObject/PutObject in milliseconds: a slow or throttling S3 must fail a request
# within seconds, not hold it (and a worker thread) for a minute. Worst case per call: 2 attempts of
# (connect + read timeout) plus one backoff, about 8 s.
S3_CONNECT_TIMEOUT = 1.0
S3_READ_TIMEOUT = 3.0
S3_MAX_ATTEMPTS = 2
# After this many consecutive unavailability failures, calls fail at once for the cool-down (no
# request waits for timeouts S3 is known to hit); the first call after it tries S3 again.
BREAKER_FAILURES = 3
BREAKER_COOL_DOWN = 5.0
# The readiness probe answers within this, on threads of its own: it must not queue behind requests
# that are waiting for a slow S3 (the load balancer's health check times out after 5 s).
PROBE_TIMEOUT = 3.0
# Answers that mean "S3 is unavailable", as opposed to "this request is wrong".
_UNAVAILABLE_CODES = frozenset({"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"})
_CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})


class StoreUnavailable(StorageError):
    """S3 is slow, throttling or unreachable; the request can be retried after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


#: SSE-KMS key id or ARN for every write; unset: no encryption header, the bucket's default
#: encryption applies (SSE-S3 or the bucket's KMS key), so a bucket policy can demand it.
KMS_KEY_VARIABLE = "WORKSPACE_MCP_TOKEN_STORE_KMS_KEY_ID"


class S3BlobStore:
    """Records as objects under ``s3://bucket/prefix/``; each write is a single PutObject."""

    def __init__(self, url: str, kms_key_id: str | None = None):
        import boto3
        from botocore.config import Config

        bucket, _, prefix = url[len("s3://") :].partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.description = url
        kms_key_id = (os.environ.get(KMS_KEY_VARIABLE, "") if kms_key_id is None else kms_key_id).strip()
        self._encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id} if kms_key_id else {}
        # AWS_ENDPOINT_URL (moto in tests) is honoured by boto3 itself.
        self._client = boto3.client(
            "s3",
            config=Config(
                retries={"total_max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"},
                connect_timeout=S3_CONNECT_TIMEOUT,
                read_timeout=S3_READ_TIMEOUT,
            ),
        )
        self._failures = 0
        self._open_until = 0.0
        self._probe_threads = anyio.CapacityLimiter(2)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    async def _run(self, action: str, key: str, call, *, probe: bool = False):
        """``call`` in a worker thread, through the circuit breaker; botocore errors become StorageErrors.

        A ``probe`` gives up after ``PROBE_TIMEOUT`` (its thread finishes on its own).
        """
        import time

        from botocore.exceptions import BotoCoreError, ClientError

        wait = self._open_until - time.monotonic()
        if wait > 0:
            raise StoreUnavailable(
                f"token store {self.description}: cannot {action} {key!r}: unavailable, not retried for {wait:.1f}s",
                retry_after=wait,
            )
        try:
            if probe:
                with anyio.fail_after(PROBE_TIMEOUT):
                    result = await anyio.to_thread.run_sync(call, abandon_on_cancel=True, limiter=self._probe_threads)
            else:
                result = await anyio.to_thread.run_sync(call)
        except TimeoutError as exc:
            raise self._unavailable(action, key, exc) from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code in _CONFLICT_CODES or status in _CONFLICT_CODES:
                self._failures = 0
                raise WriteConflict(f"token store {self.description}: {key!r} changed since it was read") from None
            if code in _UNAVAILABLE_CODES or status in _UNAVAILABLE_CODES:
                raise self._unavailable(action, key, exc) from None
            raise _fail(self, action, key, exc) from exc
        except BotoCoreError as exc:  # timeouts, refused or reset connections
            raise self._unavailable(action, key, exc) from None
        except (_Vanished, StorageError):
            raise
        except Exception as exc:  # anything else botocore or the SDK raises
            raise _fail(self, action, key, exc) from exc
        self._failures = 0
        return result

    def _unavailable(self, action: str, key: str, exc: BaseException) -> StoreUnavailable:
        import time

        self._failures += 1
        if self._failures >= BREAKER_FAILURES:
            self._open_until = time.monotonic() + BREAKER_COOL_DOWN
        message = f"token store {self.description}: cannot {action} {key!r}: unavailable: {type(exc).__name__}: {exc}"
        log.error(
            message,
            extra={
                "event": "storage_unavailable",
                "store_key": key,
                "action": action,
                "consecutive_failures": self._failures,
            },
        )
        return StoreUnavailable(message, retry_after=BREAKER_COOL_DOWN)

    async def get(self, key: str) -> bytes | None:
        found = await self.get_versioned(key)
        return None if found is None else found[0]

    async def get_versioned(self, key: str) -> tuple[bytes, str] | None:
        def read() -> tuple[bytes, str] | None:
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            except self._client.exceptions.NoSuchKey:
                return None
            return response["Body"].read(), response["ETag"]

        return await self._run("read", key, read)

    async def put(self, key: str, data: bytes, *, if_match: str | None = None, if_none_match: bool = False) -> str:
        conditions: dict[str, str] = {}
        if if_match is not None:
            conditions["IfMatch"] = if_match
        if if_none_match:
            conditions["IfNoneMatch"] = "*"

        def write() -> str:
            try:
                response = self._client.put_object(
                    Bucket=self.bucket,
                    Key=self._key(key),
                    Body=data,
                    ContentType="application/octet-stream",
                    **self._encryption,
                    **conditions,
                )
            except self._client.exceptions.NoSuchKey:  # If-Match on a record deleted meanwhile
                raise _Vanished() from None
            return response["ETag"]

        try:
            return await self._run("write", key, write)
        except _Vanished:
            raise WriteConflict(f"token store {self.description}: {key!r} was deleted since it was read") from None

    async def delete(self, key: str, *, if_match: str | None = None) -> bool:
        conditions = {"IfMatch": if_match} if if_match is not None else {}

        def remove() -> bool:
            try:
                self._client.delete_object(Bucket=self.bucket, Key=self._key(key), **conditions)
            except self._client.exceptions.NoSuchKey:
                return False
            return True

        return await self._run("delete", key, remove)

    async def check(self) -> None:
        def probe() -> None:
            self._client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(""), MaxKeys=1)

        await self._run("list", "", probe, probe=True)


class _Vanished(Exception):
    """A conditional S3 write found no record to compare with."""


def open_blob_store(location: str) -> BlobStore:
    """``s3://bucket/prefix`` or a local directory path."""
    if location.startswith("s3://"):
        return S3BlobStore(location)
    return LocalBlobStore(location)
