"""Per-process caches on the path of every authenticated request.

FastMCP's OAuth proxy checks each MCP request by reading two records from the token store (the
token's JTI mapping and the sign-in's Google token set: two S3 GETs in production) and asking
Google's ``tokeninfo`` about the Google token behind it: three network round trips before any tool
runs, and ``tokeninfo`` is rate-limited by Google. Here each of those answers is kept in memory for
at most ``ttl`` seconds (``WORKSPACE_MCP_AUTH_CACHE_TTL``, default 60; 0 turns the caches off):

- a successful verification, until the earlier of ``ttl`` and the Google token's expiry;
- a JTI mapping, for ``ttl``;
- a Google token set, until the earlier of ``ttl`` and the moment FastMCP would refresh it, so a
  token due for refresh is always read from the store (another task may have refreshed it).
- the whole check's result for a token, until the earliest of ``ttl``, the token's own expiry and
  Google's, and the next write or delete this task makes to those records.

Only positive answers are kept, and only those of a request's check (a sign-in's own reads are
not): a token's first request is checked in full, and an unknown, revoked or rejected token is
looked up every time.
Every write or delete through this process drops the record at once, so revoking a sign-in (its
Google token set is deleted) takes effect on this task immediately. Another task that has the
record cached keeps accepting the revoked token for at most ``ttl`` seconds: that is the bound
operators can rely on for revocation across tasks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from fastmcp.server.auth import TokenVerifier
from fastmcp.server.auth.auth import AccessToken

DEFAULT_TTL_SECONDS = 60
# True while the proxy checks a request's token: only those reads are worth keeping.
_checking_request: ContextVar[bool] = ContextVar("checking_request", default=False)
MAX_ENTRIES = 4096  # per cache: well above the tokens one task sees within a TTL; a few MiB at most


class ExpiringCache:
    """A bounded LRU map whose entries each carry their own deadline (``time.monotonic`` based)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: Any, seconds: float) -> None:
        if seconds <= 0:
            self._entries.pop(key, None)
            return
        now = time.monotonic()
        self._entries[key] = (now + seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        # Expired entries of tokens no longer used would stay until evicted: drop a few of the least
        # recently used ones on every write, so memory follows the tokens seen within the TTL.
        for _ in range(4):
            oldest = next(iter(self._entries.values()))
            if oldest[0] > now:
                break
            self._entries.popitem(last=False)

    def discard(self, key: str) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)


def _digest(secret: str) -> str:
    """Cache keys never hold a token itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


class CachingTokenVerifier(TokenVerifier):
    """``inner``'s successful verifications, reused until the earlier of ``ttl`` and the token's expiry."""

    def __init__(self, inner: TokenVerifier, ttl: float):
        self.inner, self.ttl = inner, ttl
        super().__init__(required_scopes=inner.required_scopes)
        self._verified = ExpiringCache()

    def __getattr__(self, name: str) -> Any:  # everything else is the inner verifier's
        return getattr(self.inner, name)

    async def verify_token(self, token: str) -> AccessToken | None:
        key = _digest(token)
        cached = self._verified.get(key)
        if cached is not None:
            return cached
        verified = await self.inner.verify_token(token)
        if verified is not None:
            seconds = self.ttl if verified.expires_at is None else min(self.ttl, verified.expires_at - time.time())
            self._verified.put(key, verified, seconds)
        return verified


class WriteCounter:
    """Bumped by every write or delete through the caching stores. A read, or a whole request check,
    that overlapped one may hold the old value (a revoked token set): it is used but not kept."""

    count = 0


class CachingStore:
    """Read-through cache in front of one of FastMCP's typed stores (a ``PydanticAdapter``).

    ``lifetime(value)`` is how long a value read may be reused; writes and deletes go to the store
    and drop the cached value. Values are handed out as copies: callers may change what they get.
    """

    def __init__(self, inner: Any, lifetime: Callable[[Any], float], writes: WriteCounter):
        self.inner, self.lifetime, self.writes = inner, lifetime, writes
        self._values = ExpiringCache()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def get(self, key: str, *, collection: str | None = None, **kwargs: Any) -> Any:
        if kwargs:  # a default value is the caller's, not the store's
            return await self.inner.get(key=key, collection=collection, **kwargs)
        cache_key = f"{collection}\0{key}"
        cached = self._values.get(cache_key)
        if cached is not None:
            return cached.model_copy(deep=True)
        writes = self.writes.count
        value = await self.inner.get(key=key, collection=collection)
        if value is not None and writes == self.writes.count and _checking_request.get():
            self._values.put(cache_key, value.model_copy(deep=True), self.lifetime(value))
        return value

    def _forget(self, key: str, collection: str | None) -> None:
        self.writes.count += 1
        self._values.discard(f"{collection}\0{key}")

    async def put(self, key: str, value: Any, *, collection: str | None = None, **kwargs: Any) -> None:
        self._forget(key, collection)
        try:
            await self.inner.put(key=key, value=value, collection=collection, **kwargs)
        finally:
            self._forget(key, collection)

    async def delete(self, key: str, *, collection: str | None = None) -> Any:
        self._forget(key, collection)
        try:
            return await self.inner.delete(key=key, collection=collection)
        finally:
            self._forget(key, collection)


def cache_request_checks(proxy: Any, ttl: float) -> None:
    """Put the caches in front of ``proxy``'s token-store reads (an ``OAuthProxy``); ``ttl`` 0: none.

    The verifier is wrapped where the proxy is built (``CachingTokenVerifier``); this covers the
    JTI mappings and the Google token sets, which FastMCP's proxy creates itself.
    """
    if ttl <= 0:
        return
    threshold = getattr(proxy, "_token_expiry_threshold_seconds", 0)

    def token_set_lifetime(token_set: Any) -> float:
        return min(ttl, token_set.expires_at - threshold - time.time())

    writes = WriteCounter()
    proxy._jti_mapping_store = CachingStore(proxy._jti_mapping_store, lambda mapping: ttl, writes)
    proxy._upstream_token_store = CachingStore(proxy._upstream_token_store, token_set_lifetime, writes)
    check = proxy.load_access_token
    # The whole check's result, per token: a steady request then costs a hash and a lookup instead
    # of two JWT verifications and the copies. Any write or delete through this task (a sign-in, a
    # refresh, a revocation) drops them all: the next request of each token is checked again, from
    # the record caches above (which a revocation has already emptied for its sign-in).
    results = ExpiringCache()

    async def load_access_token(token: str):
        key = _digest(token)
        cached = results.get(key)
        if cached is not None and cached[0] == writes.count:
            return cached[1]
        generation = writes.count
        marker = _checking_request.set(True)
        try:
            result = await check(token)
        finally:
            _checking_request.reset(marker)
        if result is not None and generation == writes.count:
            deadlines = [ttl, _jwt_expiry(token) - time.time()]
            if result.expires_at is not None:  # until the proxy would refresh Google's token behind it
                deadlines.append(result.expires_at - threshold - time.time())
            results.put(key, (generation, result), min(deadlines))
        return result

    proxy.load_access_token = load_access_token


def _jwt_expiry(token: str) -> float:
    """``exp`` of a JWT the proxy has just verified (0 when it has none: then nothing is kept)."""
    try:
        payload = token.split(".")[1]
        return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
    except (IndexError, KeyError, TypeError, ValueError):
        return 0.0
