"""The ASGI application: health and readiness, the prefix mount, OAuth discovery at every
location a spec-following client tries, and the MCP endpoint at ``<prefix>/mcp``.

Layout with prefix ``/google-workspace`` (``P``)::

    /health, P/health                      liveness (no I/O), also by IP for the ALB
    /ready,  P/ready                       readiness: the token store answers and the keys decrypt it
    /.well-known/oauth-protected-resource/P/mcp   RFC 9728, path inserted (what the 401 points at)
    /.well-known/oauth-authorization-server/P     RFC 8414, path inserted
    /.well-known/openid-configuration/P           OIDC, path inserted
    P/.well-known/openid-configuration            OIDC, path appended
    P/...                                  FastMCP's app: /mcp, /authorize, /token, /register, ...
    /mcp                                   P/mcp for clients inside the VPC (Cloud Map, no ALB prefix)
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from fastmcp import FastMCP
from fastmcp.server.dependencies import get_access_token
from fastmcp.server.middleware import Middleware as McpMiddleware
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from workspace_mcp_server import __version__
from workspace_mcp_server.auth.credentials import MultiUserResolver, SingleUserResolver
from workspace_mcp_server.config import Settings
from workspace_mcp_server.google.credentials import CredentialsResolver, call_scope, set_credentials_resolver
from workspace_mcp_server.http.limits import (
    BodyLimitMiddleware,
    ClientAddressMiddleware,
    OriginCheckMiddleware,
    RateLimitMiddleware,
)
from workspace_mcp_server.http.middleware import HostCheckMiddleware, PathAliasMiddleware, RequestLogMiddleware
from workspace_mcp_server.logs import user_label, user_var
from workspace_mcp_server.storage.blobs import StorageError, open_blob_store
from workspace_mcp_server.storage.crypto import TokenCipher
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue, UndecryptableStoreError
from workspace_mcp_server.tools import register_tools

log = logging.getLogger("workspace_mcp_server")
SERVER_NAME = "Google Workspace"
MCP_PATH = "/mcp"
AS_METADATA = "/.well-known/oauth-authorization-server"
PR_METADATA = "/.well-known/oauth-protected-resource"
OIDC_METADATA = "/.well-known/openid-configuration"
# The MCP endpoint's body cap: the MCP SDK's own (it enforces it again inside).
MCP_MAX_BODY_BYTES = 4 * 1024 * 1024
# The OAuth endpoints and their rate-limit groups (paths below the prefix).
OAUTH_RATE_GROUPS = {
    "/register": "register",
    "/authorize": "authorize",
    "/consent": "authorize",
    "/token": "token",
    "/revoke": "token",
}


class ToolLogMiddleware(McpMiddleware):
    """One log line per tool call: tool name, user, duration, outcome."""

    def __init__(self, log_user: str):
        self.log_user = log_user

    async def on_call_tool(self, context, call_next):
        token = get_access_token()
        claims = (token.claims or {}) if token is not None else {}
        if claims:
            user_var.set(user_label(claims.get("sub"), claims.get("email"), self.log_user))
        started = time.perf_counter()
        outcome = "error"
        try:
            with call_scope():
                result = await call_next(context)
            outcome = "ok"
            return result
        finally:
            log.info(
                "tool %s %s",
                context.message.name,
                outcome,
                extra={
                    "event": "tool_call",
                    "tool": context.message.name,
                    "outcome": outcome,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )


def tool_scopes(settings: Settings) -> list[str]:
    return list(settings.tool_selection.scopes())


def build_mcp(settings: Settings, store: EncryptedKeyValue) -> FastMCP:
    auth = None
    middleware: list[McpMiddleware] = [ToolLogMiddleware(settings.log_user)]
    if settings.oauth21:
        # Imported here: the OAuth proxy (fastmcp oauth_proxy, key_value, beartype) costs about
        # a third of cold start and single-user mode never builds it.
        from workspace_mcp_server.auth.google import build_google_proxy
        from workspace_mcp_server.auth.redirects import RedirectPolicy
        from workspace_mcp_server.auth.scopes import ToolScopeMiddleware

        client_id, client_secret = settings.client_id, settings.client_secret
        if client_id is None or client_secret is None:  # Settings.from_env refuses OAuth 2.1 without them
            raise ValueError("OAuth 2.1 mode needs GOOGLE_OAUTH_CLIENT_ID and GOOGLE_OAUTH_CLIENT_SECRET")
        auth = build_google_proxy(
            endpoints=settings.google,
            client_id=client_id,
            client_secret=client_secret,
            public_url=settings.public_url,
            scopes=tool_scopes(settings),
            storage=store,
            redirect_policy=RedirectPolicy(settings.allowed_redirect_uris),
            access_token_lifetime=settings.access_token_lifetime,
            refresh_token_lifetime=settings.refresh_token_lifetime,
            client_registration_lifetime=settings.client_registration_lifetime,
            auth_cache_ttl=settings.auth_cache_ttl,
        )
        if settings.internal_client_ids:
            accept_internal_callers_of(auth, settings)
        resolver: CredentialsResolver = MultiUserResolver(settings.log_user)
        # A token sees and calls only the tools its scopes allow.
        middleware.append(ToolScopeMiddleware({spec.name: spec.scopes for spec in settings.tool_selection.tools()}))
    else:
        resolver = SingleUserResolver(store, settings.credentials_dir, settings.google.token_url, settings.log_user)
    # Unexpected exceptions reach the client as "Error calling tool", never with their text (paths,
    # library internals); errors meant for the caller are ToolErrors and keep their message.
    mcp = FastMCP(
        SERVER_NAME,
        version=__version__,
        auth=auth,
        middleware=middleware,
        mask_error_details=True,
        dereference_schemas=False,  # register_tools inlines the schemas' $refs once (tools.self_contained)
    )
    names = register_tools(mcp, settings.tool_selection)
    set_credentials_resolver(resolver)
    log.info("registered %d tools", len(names), extra={"event": "tools_registered", "tools": len(names)})
    return mcp


def accept_internal_callers_of(auth, settings: Settings) -> None:
    """Google access tokens of the allow-listed OAuth clients, on the internal route (auth/internal.py)."""
    from workspace_mcp_server.auth.cache import CachingTokenVerifier
    from workspace_mcp_server.auth.internal import InternalTokenVerifier, accept_internal_callers

    verifier = InternalTokenVerifier(settings.google.tokeninfo_url, settings.internal_client_ids)
    ttl = settings.auth_cache_ttl
    accept_internal_callers(auth, CachingTokenVerifier(verifier, ttl) if ttl > 0 else verifier)


def discovery_routes(child: Starlette, prefix: str) -> list[BaseRoute]:
    """Serve the child's metadata documents at every location clients try, including the root forms."""
    endpoints = {}
    for route in child.routes:
        if isinstance(route, Route) and route.path.startswith(AS_METADATA):
            endpoints["as"] = route.endpoint
        elif isinstance(route, Route) and route.path.startswith(PR_METADATA):
            endpoints["pr"] = route.endpoint
    wanted = []
    if "as" in endpoints:
        wanted += [
            (f"{AS_METADATA}{prefix}", endpoints["as"]),
            (f"{OIDC_METADATA}{prefix}", endpoints["as"]),
            (f"{prefix}{AS_METADATA}", endpoints["as"]),
            (f"{prefix}{OIDC_METADATA}", endpoints["as"]),
        ]
    if "pr" in endpoints:
        wanted += [
            (f"{PR_METADATA}{prefix}{MCP_PATH}", endpoints["pr"]),
            (f"{prefix}{PR_METADATA}{MCP_PATH}", endpoints["pr"]),
            (f"{prefix}{PR_METADATA}", endpoints["pr"]),
        ]
    seen: dict[str, BaseRoute] = {}
    for path, endpoint in wanted:
        seen.setdefault(path, Route(path, endpoint=endpoint, methods=["GET", "HEAD", "OPTIONS"]))
    return list(seen.values())


def open_store(settings: Settings) -> EncryptedKeyValue:
    return EncryptedKeyValue(open_blob_store(settings.token_store), TokenCipher(settings.encryption_keys))


def build_app(settings: Settings) -> ASGIApp:
    store = open_store(settings)
    blobs = store.blobs
    mcp = build_mcp(settings, store)
    # Stateless streamable HTTP with JSON responses: no per-process session state, so any task
    # behind the load balancer can serve any request of any session.
    # Host checking is ours (HostCheckMiddleware, for every route), so FastMCP's guard stays off.
    child = mcp.http_app(path=MCP_PATH, stateless_http=True, json_response=True, host_origin_protection=False)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    async def ready(request: Request) -> JSONResponse:
        # The answer says what is wrong, never where: the store's location is for the log only.
        try:
            await blobs.check()
            await store.check_keys()
        except UndecryptableStoreError:
            error = "the configured encryption keys cannot decrypt the token store"
            return JSONResponse({"status": "unavailable", "version": __version__, "error": error}, status_code=503)
        except StorageError:
            error = "the token store cannot be reached"
            return JSONResponse({"status": "unavailable", "version": __version__, "error": error}, status_code=503)
        return JSONResponse({"status": "ready", "version": __version__})

    prefix = settings.path_prefix
    routes: list[BaseRoute] = []
    for path in dict.fromkeys(["/health", f"{prefix}/health"]):
        routes.append(Route(path, health, methods=["GET", "HEAD"]))
    for path in dict.fromkeys(["/ready", f"{prefix}/ready"]):
        routes.append(Route(path, ready, methods=["GET", "HEAD"]))
    routes += discovery_routes(child, prefix)
    routes.append(Mount(prefix, app=child))
    app = Starlette(routes=routes, lifespan=child.router.lifespan_context)
    app.state.settings = settings
    app.state.mcp = mcp

    health_paths = frozenset(["/health", f"{prefix}/health", "/ready", f"{prefix}/ready"])
    endpoint = f"{prefix}{MCP_PATH}"
    aliases = {f"{alias}/": endpoint for alias in {endpoint, MCP_PATH}}
    if prefix:
        aliases[MCP_PATH] = endpoint
    limits = settings.http
    oauth_paths = {f"{prefix}{path}": group for path, group in OAUTH_RATE_GROUPS.items()}
    wrapped: ASGIApp = BodyLimitMiddleware(
        app, lambda path: MCP_MAX_BODY_BYTES if path == endpoint else limits.oauth_max_body_bytes
    )
    wrapped = RateLimitMiddleware(wrapped, oauth_paths, limits.rate_limits)
    wrapped = OriginCheckMiddleware(wrapped, limits.allowed_origins, frozenset([endpoint]), frozenset(oauth_paths))
    wrapped = HostCheckMiddleware(wrapped, settings.allowed_hosts, health_paths)
    wrapped = PathAliasMiddleware(wrapped, aliases)
    if settings.oauth21 and settings.internal_client_ids:
        from workspace_mcp_server.auth.internal import InternalRouteMiddleware

        # Before aliasing: the internal route is the bare /mcp as the caller sent it.
        wrapped = InternalRouteMiddleware(wrapped, MCP_PATH, urlsplit(settings.base_uri).hostname or "")
    wrapped = RequestLogMiddleware(wrapped, settings.log_user)
    return ClientAddressMiddleware(wrapped, limits.trusted_proxies)
