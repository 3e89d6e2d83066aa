"""Internal callers: a backend inside the VPC calls tools on behalf of its signed-in user.

A backend that already holds its user's Google access token (the Core Agent signs its users in
with Google itself) presents that token as the bearer on the **internal route**, so the user needs
no second sign-in. The token is accepted when Google's tokeninfo says it was issued to one of the
OAuth clients in ``WORKSPACE_MCP_INTERNAL_CLIENT_IDS`` (``azp`` and ``aud``), it has not expired and
its email address is verified. The tools then call Google with that same token, so a request can
only ever read or change the data of the user the token was issued to. Each positive answer is
reused until the earlier of ``WORKSPACE_MCP_AUTH_CACHE_TTL`` and the token's expiry.

The internal route is a request that
- asks for the bare ``/mcp`` (the ALB's listener rules forward only ``<prefix>/*`` and the discovery
  paths, so the ALB never delivers this path),
- names the Cloud Map host (the host of ``WORKSPACE_MCP_BASE_URI``, never the public host), and
- carries no ``X-Forwarded-For`` (the ALB adds one to every request it forwards).

Everything else is the public route and keeps its behaviour: only this server's own OAuth tokens.
The internal route accepts those too, under the same checks (host, body and rate limits, the tools a
token's scopes allow); it adds one kind of bearer, never an unauthenticated or header-named user.
Trade-off: anything that can open a connection to the task port can try the internal route, so the
tasks' security group decides who may try and the token alone decides whom a request acts as.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from typing import Any

import httpx2
from fastmcp.server.auth import TokenVerifier
from fastmcp.server.auth.auth import AccessToken

from workspace_mcp_server.http.middleware import _hostname, header

log = logging.getLogger("workspace_mcp_server.auth")

#: True while a request on the internal route is being served.
INTERNAL_ROUTE: contextvars.ContextVar[bool] = contextvars.ContextVar("internal_route", default=False)


class InternalRouteMiddleware:
    """Marks requests on the internal route (see the module docstring); runs before path aliasing."""

    def __init__(self, app: Any, path: str, internal_host: str):
        self.app = app
        self.paths = frozenset([path, f"{path}/"])
        self.internal_host = internal_host.lower()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        internal = (
            scope["path"] in self.paths
            and _hostname(header(scope, b"host") or "") == self.internal_host
            and header(scope, b"x-forwarded-for") is None
        )
        marker = INTERNAL_ROUTE.set(internal)
        try:
            return await self.app(scope, receive, send)
        finally:
            INTERNAL_ROUTE.reset(marker)


class InternalTokenVerifier(TokenVerifier):
    """A Google access token issued to an allow-listed OAuth client, for a verified email, unexpired."""

    def __init__(self, tokeninfo_url: str, client_ids: tuple[str, ...], timeout_seconds: float = 10):
        super().__init__(required_scopes=None)
        self.tokeninfo_url = tokeninfo_url
        self.client_ids = frozenset(client_ids)
        self.timeout_seconds = timeout_seconds
        self._clients: dict[asyncio.AbstractEventLoop, httpx2.AsyncClient] = {}

    def _http(self) -> httpx2.AsyncClient:
        loop = asyncio.get_running_loop()  # pooled connections cannot move between loops
        if loop not in self._clients:
            self._clients = {loop: httpx2.AsyncClient(timeout=self.timeout_seconds)}
        return self._clients[loop]

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            answer = await self._http().get(self.tokeninfo_url, headers={"Authorization": f"Bearer {token}"})
            info = answer.json() if answer.status_code == 200 else None
        except (httpx2.HTTPError, ValueError) as exc:
            log.warning(
                "internal caller token check failed: %s", type(exc).__name__, extra={"event": "internal_token_error"}
            )
            return None
        reason = self._refusal(info)
        if reason or info is None:
            log.info("internal caller token refused: %s", reason, extra={"event": "internal_token_refused"})
            return None
        return AccessToken(
            token=token,
            client_id=info["azp"],
            scopes=str(info.get("scope", "")).split(),
            expires_at=int(time.time()) + int(info["expires_in"]),
            subject=info["sub"],
            claims={
                "sub": info["sub"],
                "email": info["email"],
                "aud": info["aud"],
                "azp": info["azp"],
                "internal": True,
            },
        )

    def _refusal(self, info: dict | None) -> str:
        """Why the tokeninfo answer is not acceptable ("" when it is)."""
        if not isinstance(info, dict):
            return "Google does not know the token (invalid, expired or revoked)"
        if info.get("azp") not in self.client_ids or info.get("aud") not in self.client_ids:
            return "issued to an OAuth client outside WORKSPACE_MCP_INTERNAL_CLIENT_IDS"
        if not str(info.get("expires_in", "")).isdigit() or int(info["expires_in"]) <= 0:
            return "expired"
        if str(info.get("email_verified", "")).lower() != "true" or not info.get("email") or not info.get("sub"):
            return "no verified email address"
        return ""


def accept_internal_callers(provider: Any, verifier: TokenVerifier) -> None:
    """On the internal route, ``provider`` (the OAuth proxy) also accepts what ``verifier`` accepts.

    The proxy's own tokens are tried first: they are checked locally, a Google token never matches.
    """
    public = provider.verify_token

    async def verify_token(token: str) -> AccessToken | None:
        verified = await public(token)
        if verified is None and INTERNAL_ROUTE.get():
            verified = await verifier.verify_token(token)
        return verified

    provider.verify_token = verify_token
