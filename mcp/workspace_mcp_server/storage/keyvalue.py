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
import time
from typing import Any, Mapping, Sequence, SupportsFloat

from workspace_mcp_server.storage.blobs import BlobStore, StorageError
from workspace_mcp_server.storage.crypto import DecryptionError, TokenCipher

log = logging.getLogger("workspace_mcp_server.storage")
DEFAULT_COLLECTION = "default"


def _safe(name: str) -> str:
    # Keys can hold tokens or ids chosen by clients: hash them so they never appear in object names.
    return hashlib.sha256(name.encode()).hexdigest()


class EncryptedKeyValue:
    def __init__(self, blobs: BlobStore, cipher: TokenCipher, namespace: str = "oauth"):
        self.blobs = blobs
        self.cipher = cipher
        self.namespace = namespace

    def object_key(self, key: str, collection: str | None) -> str:
        collection = collection or DEFAULT_COLLECTION
        if not collection.replace("-", "").replace("_", "").isalnum():
            collection = _safe(collection)
        return f"{self.namespace}/{collection}/{_safe(key)}.bin"

    async def _load(self, key: str, collection: str | None) -> tuple[dict[str, Any] | None, float | None]:
        name = self.object_key(key, collection)
        data = await self.blobs.get(name)
        if data is None:
            return None, None
        try:
            record = json.loads(self.cipher.decrypt(data))
        except (DecryptionError, ValueError) as exc:
            message = f"token store {self.blobs.description}: record {name!r} is unreadable: {exc}"
            log.error(message, extra={"event": "storage_error", "store_key": name, "action": "decrypt"})
            raise StorageError(message) from None
        expires_at = record.get("expires_at")
        if expires_at is not None and expires_at <= time.time():
            # Expired: reap it on the way (best effort; a failure here loses nothing).
            with contextlib.suppress(StorageError):
                await self.blobs.delete(name)
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
        await self.blobs.put(self.object_key(key, collection), data)

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
