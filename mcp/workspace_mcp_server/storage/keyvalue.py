"""An encrypted ``AsyncKeyValue`` (py-key-value protocol) over a blob store.

FastMCP's OAuth proxy keeps its client registrations, transactions, codes and upstream
token sets in ``client_storage``; pointing it here puts them in the shared, encrypted store
so any process can continue a flow another process started.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, SupportsFloat

import anyio

from workspace_mcp_server.storage.blobs import BlobStore, StorageError, WriteConflict
from workspace_mcp_server.storage.crypto import DecryptionError, TokenCipher

log = logging.getLogger("workspace_mcp_server.storage")
DEFAULT_COLLECTION = "default"
# Records several processes rewrite (a user's Google token set on every refresh, possibly with a
# rotated refresh token): written by compare-and-swap, and a write never replaces a newer record
# (the field named here, an expiry, says which is newer). Without this, a process whose refresh
# finished first but whose write landed last would put back a token set Google may have rotated away.
NEWEST_WINS = {"mcp-upstream-tokens": "expires_at", "google-credentials": "expiry"}
CAS_ATTEMPTS = 4
# The largest record the store accepts (after encryption). OAuth records are a few KiB at most:
# a token set with an id_token is ~4 KiB, a client registration under the OAuth body cap far less.
MAX_RECORD_BYTES = 64 * 1024
# Written with the current key when missing; readiness fails when no configured key decrypts it.
CANARY_KEY = "readiness-canary.bin"


class RecordTooLargeError(StorageError):
    """A record over ``MAX_RECORD_BYTES`` was refused before it reached the store."""

    def __init__(self, message: str, limit: int):
        super().__init__(message)
        self.limit = limit


class UndecryptableStoreError(StorageError):
    """The configured encryption keys cannot decrypt what the store holds."""


def _order(value: Any) -> float:
    """An expiry as a number: epoch seconds or an ISO 8601 time; missing sorts first."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return float("-inf")


def _safe(name: str) -> str:
    # Keys can hold tokens or ids chosen by clients: hash them so they never appear in object names.
    return hashlib.sha256(name.encode()).hexdigest()


class EncryptedKeyValue:
    def __init__(
        self, blobs: BlobStore, cipher: TokenCipher, namespace: str = "oauth", max_record_bytes: int = MAX_RECORD_BYTES
    ):
        self.blobs = blobs
        self.cipher = cipher
        self.namespace = namespace
        self.max_record_bytes = max_record_bytes

    def object_key(self, key: str, collection: str | None) -> str:
        collection = collection or DEFAULT_COLLECTION
        if not collection.replace("-", "").replace("_", "").isalnum():
            collection = _safe(collection)
        return f"{self.namespace}/{collection}/{_safe(key)}.bin"

    async def _load(self, key: str, collection: str | None) -> tuple[dict[str, Any] | None, float | None]:
        name = self.object_key(key, collection)
        found = await self.blobs.get_versioned(name)
        if found is None:
            return None, None
        data, version = found
        try:
            record = json.loads(self.cipher.decrypt(data))
        except (DecryptionError, ValueError) as exc:
            log.error(
                f"token store {self.blobs.description}: record {name!r} is unreadable: {exc}",
                extra={"event": "storage_error", "store_key": name, "action": "decrypt"},
            )
            # The message travels towards clients: it names neither the store nor the record.
            raise UndecryptableStoreError("a stored record is unreadable with the configured keys") from None
        expires_at = record.get("expires_at")
        if expires_at is not None and expires_at <= time.time():
            # Expired: reap it on the way (best effort; a failure here loses nothing).
            # Only the version read: a fresh record another process wrote meanwhile stays.
            with contextlib.suppress(StorageError):
                await self.blobs.delete(name, if_match=version)
            return None, None
        remaining = None if expires_at is None else expires_at - time.time()
        return record["value"], remaining

    async def get(self, key: str, *, collection: str | None = None) -> dict[str, Any] | None:
        return (await self._load(key, collection))[0]

    async def ttl(self, key: str, *, collection: str | None = None) -> tuple[dict[str, Any] | None, float | None]:
        return await self._load(key, collection)

    async def put(
        self,
        key: str,
        value: Mapping[str, Any],
        *,
        collection: str | None = None,
        ttl: SupportsFloat | None = None,
    ) -> None:
        expires_at = None if ttl is None else time.time() + float(ttl)
        record = {"value": dict(value), "expires_at": expires_at, "written_at": time.time()}
        data = self.cipher.encrypt(json.dumps(record, separators=(",", ":"), default=str).encode())
        name = self.object_key(key, collection)
        self._check_size(data, name, collection)
        newest_wins = NEWEST_WINS.get(collection or DEFAULT_COLLECTION)
        if newest_wins is None:
            await self.blobs.put(name, data)
        else:
            await self._put_unless_newer(name, data, value.get(newest_wins), newest_wins)

    async def _put_unless_newer(self, name: str, data: bytes, ours: Any, field: str) -> None:
        for attempt in range(CAS_ATTEMPTS):
            found = await self.blobs.get_versioned(name)
            if found is not None:
                current = self._value_or_none(found[0])
                if current is not None and _order(current.get(field)) > _order(ours):
                    log.info(
                        "kept the newer record another process wrote",
                        extra={"event": "store_write_superseded", "store_key": name},
                    )
                    return
            try:
                if found is None:
                    await self.blobs.put(name, data, if_none_match=True)
                else:
                    await self.blobs.put(name, data, if_match=found[1])
                return
            except WriteConflict:
                log.info(
                    "concurrent write to the same record; comparing again",
                    extra={"event": "store_write_conflict", "store_key": name, "attempt": attempt + 1},
                )
                await anyio.sleep(random.uniform(0, 0.05 * (attempt + 1)))
        raise WriteConflict(f"token store {self.blobs.description}: {name!r} kept changing ({CAS_ATTEMPTS} attempts)")

    def _value_or_none(self, data: bytes) -> dict[str, Any] | None:
        """The live value of a stored record; None when it expired or no key decrypts it (then ours replaces it)."""
        try:
            record = json.loads(self.cipher.decrypt(data))
        except (DecryptionError, ValueError):
            return None
        expires_at = record.get("expires_at")
        return None if expires_at is not None and expires_at <= time.time() else record.get("value")

    async def create(
        self, key: str, value: Mapping[str, Any], *, collection: str | None = None, ttl: SupportsFloat | None = None
    ) -> bool:
        """Store ``value`` only if no live record has ``key`` (one atomic create); False when one has."""
        expires_at = None if ttl is None else time.time() + float(ttl)
        record = {"value": dict(value), "expires_at": expires_at, "written_at": time.time()}
        data = self.cipher.encrypt(json.dumps(record, separators=(",", ":"), default=str).encode())
        name = self.object_key(key, collection)
        self._check_size(data, name, collection)
        for _ in range(2):
            try:
                await self.blobs.put(name, data, if_none_match=True)
                return True
            except WriteConflict:
                # An expired record still occupies the name: reading it reaps it, then try once more.
                if (await self._load(key, collection))[0] is not None:
                    return False
        return False

    def _check_size(self, data: bytes, name: str, collection: str | None) -> None:
        if len(data) > self.max_record_bytes:
            message = (
                f"refused to store a {len(data)}-byte record (limit {self.max_record_bytes}) "
                f"in {collection or DEFAULT_COLLECTION!r}"
            )
            log.warning(message, extra={"event": "record_too_large", "store_key": name, "size": len(data)})
            raise RecordTooLargeError(message, self.max_record_bytes)

    async def check_keys(self) -> None:
        """Raises ``UndecryptableStoreError`` when the configured keys cannot decrypt the canary record.

        The first check against an empty store writes the canary with the current key; one written
        with an older key that is still configured is re-encrypted with the current one, so the canary
        follows key rotation.
        """
        data = await self.blobs.get(CANARY_KEY)
        if data is None:
            await self.blobs.put(CANARY_KEY, self.cipher.encrypt(b"workspace-mcp-server canary"))
            return
        try:
            rotated = self.cipher.rotate(data)
        except DecryptionError:
            message = "no configured encryption key decrypts the token store's canary record"
            log.error(
                f"{message} in {self.blobs.description}: WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY (or the client secret it "
                "is derived from) is not the one the store was written with",
                extra={"event": "storage_error", "store_key": CANARY_KEY, "action": "decrypt"},
            )
            raise UndecryptableStoreError(message) from None
        if rotated is not None:
            await self.blobs.put(CANARY_KEY, rotated)

    async def delete(self, key: str, *, collection: str | None = None) -> bool:
        return await self.blobs.delete(self.object_key(key, collection))

    async def get_many(self, keys: Sequence[str], *, collection: str | None = None) -> list[dict[str, Any] | None]:
        return [await self.get(k, collection=collection) for k in keys]

    async def ttl_many(
        self, keys: Sequence[str], *, collection: str | None = None
    ) -> list[tuple[dict[str, Any] | None, float | None]]:
        return [await self.ttl(k, collection=collection) for k in keys]

    async def put_many(
        self,
        keys: Sequence[str],
        values: Sequence[Mapping[str, Any]],
        *,
        collection: str | None = None,
        ttl: SupportsFloat | None = None,
    ) -> None:
        for key, value in zip(keys, values, strict=True):
            await self.put(key, value, collection=collection, ttl=ttl)

    async def delete_many(self, keys: Sequence[str], *, collection: str | None = None) -> int:
        return sum([await self.delete(k, collection=collection) for k in keys])
