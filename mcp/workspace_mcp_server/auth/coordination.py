"""FastMCP's OAuth proxy made safe for several processes sharing one token store.

FastMCP serialises token refreshes with an in-process lock and consumes codes and refresh tokens
by read-then-delete, which is enough for one process. Behind a load balancer two tasks can act on
the same record at the same moment, so here:

- a Google token is refreshed under a lease in the store (``storage.lease``): the second task
  waits, then finds the refreshed token instead of refreshing again (with a rotating upstream a
  second refresh would fail and the user would be sent back to sign in);
- an authorization code and a refresh token are consumed by an atomic create of a claim record
  (S3 ``If-None-Match: *``): of two concurrent exchanges only one reaches Google, the other gets
  ``invalid_grant``. A code presented twice is treated as stolen (RFC 6749 §4.1.2): the tokens it
  granted are revoked too, whichever of the two exchanges notices (the proxy's hooks below). The
  claim is released when the exchange ends: after a success the grant is gone from FastMCP's store
  (a later attempt fails there), after a failure (Google unavailable) the client can retry with the
  same code or refresh token. So claims do not pile up in the bucket.
"""

from __future__ import annotations

import contextlib
import logging
import time

import anyio
from fastmcp.server.auth.oauth_proxy import OAuthProxy
from fastmcp.server.auth.oauth_proxy.models import _hash_token
from mcp.server.auth.provider import TokenError

from workspace_mcp_server.auth.upstream import GoogleUnavailableError
from workspace_mcp_server.storage.blobs import StorageError
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue
from workspace_mcp_server.storage.lease import SharedLock

log = logging.getLogger("workspace_mcp_server.auth")
CLAIMS = "mcp-consumed-grants"
CLAIM_TTL = 600  # seconds: only if a process dies mid-exchange does a claim outlive it


class StoreCoordinatedProxy(OAuthProxy):
    def _shared_store(self) -> EncryptedKeyValue | None:
        store = self._client_storage
        return store if isinstance(store, EncryptedKeyValue) else None

    def _get_refresh_lock(self, token_id: str):
        local = super()._get_refresh_lock(token_id)
        store = self._shared_store()
        return local if store is None else SharedLock(local, store, f"refresh:{token_id}")

    async def _try_transparent_refresh(self, upstream_token_set):
        try:
            return await super()._try_transparent_refresh(upstream_token_set)
        except GoogleUnavailableError:
            # As FastMCP does after any failed refresh: another task may have refreshed the token
            # meanwhile (it went ahead without the lease, or Google answered it and not us); use its result.
            reloaded = await self._upstream_token_store.get(key=upstream_token_set.upstream_token_id)
            if reloaded is not None and reloaded.expires_at > time.time() + self._token_expiry_threshold_seconds:
                return reloaded
            raise

    async def _claim(self, kind: str, secret: str) -> str | None:
        """The claim's key when this process consumed the grant first; None when another did."""
        store = self._shared_store()
        key = f"{kind}:{_hash_token(secret)}"
        if store is None:
            return key
        if await store.create(key, {"kind": kind, "claimed_at": time.time()}, collection=CLAIMS, ttl=CLAIM_TTL):
            return key
        log.warning(
            "a %s was presented twice at the same time; only the first exchange succeeds",
            kind,
            extra={"event": "grant_already_claimed", "grant": kind},
        )
        return None

    async def _release(self, key: str) -> None:
        store = self._shared_store()
        if store is not None:
            with anyio.CancelScope(shield=True), contextlib.suppress(StorageError):
                await store.delete(key, collection=CLAIMS)

    async def exchange_authorization_code(self, client, authorization_code):
        claim = await self._claim("authorization code", authorization_code.code)
        if claim is None:
            await self._code_contested(authorization_code.code)
            raise TokenError("invalid_grant", "authorization code already used")
        try:
            tokens = await super().exchange_authorization_code(client, authorization_code)
            # Still under the claim, so a concurrent second exchange finds what this one recorded.
            await self._code_exchanged(authorization_code.code, tokens)
            return tokens
        finally:
            await self._release(claim)

    async def _code_contested(self, code: str) -> None:
        """Another exchange of ``code`` holds the claim (the proxy revokes what it issues)."""

    async def _code_exchanged(self, code: str, tokens) -> None:
        """``code`` was exchanged for ``tokens``; raise to refuse them after all."""

    async def exchange_refresh_token(self, client, refresh_token, scopes):
        claim = await self._claim("refresh token", refresh_token.token)
        if claim is None:
            raise TokenError("invalid_grant", "refresh token already used")
        try:
            upstream_token_id = await self._upstream_token_id(refresh_token.token)
            if upstream_token_id is None:
                return await super().exchange_refresh_token(client, refresh_token, scopes)
            # The same lease as a transparent refresh of this sign-in's Google token.
            async with self._get_refresh_lock(upstream_token_id):
                return await super().exchange_refresh_token(client, refresh_token, scopes)
        finally:
            await self._release(claim)

    async def _upstream_token_id(self, refresh_token: str) -> str | None:
        try:
            jti = self.jwt_issuer.verify_token(refresh_token, expected_token_use="refresh")["jti"]
        except Exception:  # noqa: BLE001 - FastMCP rejects the token itself, with its own error
            return None
        mapping = await self._jti_mapping_store.get(key=jti)
        return mapping.upstream_token_id if mapping else None
