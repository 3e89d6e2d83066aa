"""A short exclusive lease on a name, shared by every process of the token store (compare-and-swap).

Used so that one process at a time refreshes a given Google token: the others wait for the lease,
then find the refreshed token in the store instead of refreshing again with a refresh token
Google may just have rotated (which would fail, or count as reuse, and sign the user out).

Taking the lease is an atomic create (S3 ``If-None-Match: *``); a lease left by a killed process
expires after ``hold`` seconds and is taken over with ``If-Match`` on the version seen, so exactly
one waiter wins it. Releasing deletes only the version this holder wrote. A waiter that cannot get
the lease within ``wait`` seconds goes ahead without it (logged): a stuck lease never blocks a user.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator

import anyio

from workspace_mcp_server.storage.blobs import StorageError, WriteConflict
from workspace_mcp_server.storage.crypto import DecryptionError
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue

log = logging.getLogger("workspace_mcp_server.storage")
LEASE_COLLECTION = "leases"
LEASE_HOLD = 30.0  # seconds: longer than a Google token refresh takes (its HTTP timeout is 30 s)
LEASE_WAIT = 15.0


@contextlib.asynccontextmanager
async def lease(
    store: EncryptedKeyValue, name: str, *, hold: float = LEASE_HOLD, wait: float = LEASE_WAIT
) -> AsyncIterator[bool]:
    """Hold the lease on ``name`` for the body; yields False when it went ahead without it."""
    key = store.object_key(name, LEASE_COLLECTION)
    deadline = time.monotonic() + wait
    holder = secrets.token_hex(8)
    version = None
    while version is None:
        body = store.cipher.encrypt(json.dumps({"expires_at": time.time() + hold, "holder": holder}).encode())
        try:
            version = await store.blobs.put(key, body, if_none_match=True)
            break
        except WriteConflict:
            pass
        found = await store.blobs.get_versioned(key)
        if found is not None and _holder(store, found[0]) == holder:
            version = found[1]  # our create landed but its answer was lost, and S3's retry saw it
            break
        if found is not None and _expired(store, found[0]):
            try:
                version = await store.blobs.put(key, body, if_match=found[1])
                log.info("took over an expired lease", extra={"event": "lease_taken_over", "store_key": key})
                break
            except WriteConflict:
                pass  # another waiter took it over first
        if time.monotonic() >= deadline:
            log.warning(
                "lease not granted within %.0fs; going ahead without it",
                wait,
                extra={"event": "lease_wait_timeout", "store_key": key},
            )
            break
        await anyio.sleep(random.uniform(0.05, 0.2))
    try:
        yield version is not None
    finally:
        if version is not None:
            with anyio.CancelScope(shield=True), contextlib.suppress(StorageError):
                await store.blobs.delete(key, if_match=version)


def _holder(store: EncryptedKeyValue, data: bytes) -> str | None:
    try:
        return json.loads(store.cipher.decrypt(data)).get("holder")
    except (DecryptionError, ValueError, AttributeError):
        return None


def _expired(store: EncryptedKeyValue, data: bytes) -> bool:
    try:
        return json.loads(store.cipher.decrypt(data))["expires_at"] <= time.time()
    except (DecryptionError, ValueError, KeyError, TypeError):
        return True  # unreadable (e.g. written with a retired key): nobody can be holding it


class SharedLock:
    """A local lock plus the store lease: FastMCP's per-token refresh lock, extended across processes."""

    def __init__(self, local: anyio.Lock, store: EncryptedKeyValue, name: str):
        self._local = local
        self._store = store
        self._name = name
        self._lease: contextlib.AbstractAsyncContextManager | None = None

    async def __aenter__(self) -> SharedLock:
        await self._local.acquire()
        try:
            self._lease = lease(self._store, self._name)
            await self._lease.__aenter__()
        except BaseException:
            self._local.release()
            raise
        return self

    async def __aexit__(self, *exc_info) -> None:
        # The lease only needs releasing; the exception (if any) propagates from here. Passing it in
        # would make contextlib set its __traceback__, which fails for frozen exceptions such as the
        # MCP SDK's TokenError (an invalid_grant inside the lock became a 500).
        assert self._lease is not None, "__aexit__ follows a successful __aenter__"
        try:
            await self._lease.__aexit__(None, None, None)
        finally:
            self._local.release()
