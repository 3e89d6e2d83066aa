"""FastMCP's OAuth proxy with this server's front-door rules.

On top of FastMCP's ``OAuthProxy`` (DCR, PKCE, consent, token swap):

- the upstream Google client id is never an MCP client (it would bypass registration and the
  redirect policy), and every redirect URI must pass :class:`RedirectPolicy`, at registration
  and again at authorization;
- scopes: a client gets what it asked for (at most what the enabled tools use), or the tools'
  scopes when it asked for none; the token's scopes are what the client asked for and Google
  granted, never more;
- tokens form a family per sign-in (one stored Google token set). Revoking any of them
  (RFC 7009, public clients without a secret), reusing a rotated refresh token or replaying an
  authorization code revokes the whole family (RFC 9700 §4.14, RFC 6749 §4.1.2);
- lifetimes: access token, refresh token (an absolute limit on a sign-in) and client registration;
- the consent page is ours (client name and redirect host prominent, no third-party assets,
  never framed, cross-site submissions refused).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import secrets
import time
from contextvars import ContextVar
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import httpx2
from fastmcp.server.auth.oauth_proxy.consent import _MAX_CSRF_TOKENS, _consent_state_base_name
from fastmcp.server.auth.oauth_proxy.models import (
    HTTP_TIMEOUT_SECONDS,
    ConsentCSRFToken,
    ProxyDCRClient,
    _hash_token,
)
from fastmcp.utilities import ui as fastmcp_ui
from joserfc.errors import JoseError
from key_value.aio.adapters.pydantic import PydanticAdapter
from mcp.server.auth.provider import (
    # What FastMCP's OAuthProxy.load_access_token returns (the SDK's, without FastMCP's claims).
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    RegistrationError,
    TokenError,
)
from mcp.server.auth.routes import cors_middleware
from mcp.shared.auth import InvalidRedirectUriError, OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl, BaseModel, PrivateAttr
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from workspace_mcp_server.auth.consent import SECURITY_HEADERS, logo_data_uri, render_consent
from workspace_mcp_server.auth.coordination import CLAIM_TTL, StoreCoordinatedProxy
from workspace_mcp_server.auth.redirects import RedirectPolicy, RedirectRefused
from workspace_mcp_server.auth.scopes import IDENTITY_SCOPES
from workspace_mcp_server.auth.upstream import TokenEndpointClient
from workspace_mcp_server.http.middleware import StorageErrorMiddleware

log = logging.getLogger("workspace_mcp_server.auth")
_AnyResponse = TypeVar("_AnyResponse", bound=Response)

# FastMCP's own pages (unregistered client, callback errors) show a logo fetched from
# gofastmcp.com; point them at the inlined one so no page loads anything from a third party.
fastmcp_ui.FASTMCP_LOGO_URL = logo_data_uri()

# The scopes the client asked for, while FastMCP turns Google's answer into our token.
_requested_scopes: ContextVar[frozenset[str] | None] = ContextVar("requested_scopes", default=None)
SERVER_DISPLAY_NAME = "Google Workspace MCP"


class SpentGrant(BaseModel):
    """A used authorization code or rotated refresh token, and the sign-in it belongs to."""

    upstream_token_id: str
    spent_at: float


class ContestedGrant(BaseModel):
    """An authorization code a second exchange presented while the first held it."""

    contested_at: float


class PolicyClient(ProxyDCRClient):
    """A registered client whose redirect URIs must also pass the server's redirect policy."""

    _policy: RedirectPolicy = PrivateAttr(default_factory=RedirectPolicy)

    @classmethod
    def wrap(cls, client: ProxyDCRClient, policy: RedirectPolicy) -> PolicyClient:
        wrapped = cls.model_construct(**{name: getattr(client, name) for name in type(client).model_fields})
        wrapped._policy = policy
        return wrapped

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        resolved = super().validate_redirect_uri(redirect_uri)
        try:
            self._policy.check(str(resolved))
        except RedirectRefused as exc:
            raise InvalidRedirectUriError(str(exc)) from None
        return resolved


class _ExpiringAdapter(PydanticAdapter):
    """Client registrations expire unless something renews them (a sign-in does)."""

    def __init__(self, *, ttl: int, **kwargs):
        super().__init__(**kwargs)
        self._ttl = ttl

    async def put(self, key, value, *, collection=None, ttl=None) -> None:
        await super().put(key, value, collection=collection, ttl=self._ttl if ttl is None else ttl)


def _secure_html(response: _AnyResponse) -> _AnyResponse:
    if response.headers.get("content-type", "").startswith("text/html") or 300 <= response.status_code < 400:
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
    return response


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


class _RevocationMethods:
    """ASGI wrapper of FastMCP's metadata document: public clients revoke with their client_id alone
    (RFC 7009), and no other revocation method is accepted, so that is what it advertises."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if start.get("status") == 200 and scope["method"] == "GET":
            document = json.loads(body)
            document["revocation_endpoint_auth_methods_supported"] = ["none"]
            body = json.dumps(document, separators=(",", ":")).encode()
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if scope["method"] == "GET":
            headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class WorkspaceOAuthProxy(StoreCoordinatedProxy):
    def __init__(
        self,
        *,
        redirect_policy: RedirectPolicy,
        default_scopes: list[str],
        client_registration_lifetime: int,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._redirect_policy = redirect_policy
        self._default_scopes = list(default_scopes)
        self._client_lifetime = client_registration_lifetime
        self._refresh_lifetime = self._fallback_refresh_token_expiry_seconds
        self._client_store = _ExpiringAdapter(
            ttl=client_registration_lifetime,
            key_value=self._client_storage,
            pydantic_model=ProxyDCRClient,
            default_collection="mcp-oauth-proxy-clients",
            raise_on_validation_error=True,
        )
        self._spent_codes = self._spent_store("mcp-spent-authorization-codes")
        self._spent_refresh_tokens = self._spent_store("mcp-spent-refresh-tokens")
        self._contested_codes = PydanticAdapter[ContestedGrant](
            key_value=self._client_storage,
            pydantic_model=ContestedGrant,
            default_collection="mcp-contested-authorization-codes",
            raise_on_validation_error=True,
        )

    def _spent_store(self, collection: str) -> PydanticAdapter[SpentGrant]:
        return PydanticAdapter[SpentGrant](
            key_value=self._client_storage,
            pydantic_model=SpentGrant,
            default_collection=collection,
            raise_on_validation_error=True,
        )

    def _create_upstream_oauth_client(self) -> TokenEndpointClient:
        # Google busy (429, 5xx, unreachable) is a retryable error, not an invalid grant.
        return TokenEndpointClient(
            client_id=self._upstream_client_id,
            client_secret=self._upstream_client_secret.get_secret_value() if self._upstream_client_secret else None,
            token_endpoint_auth_method=self._token_endpoint_auth_method,
            timeout=HTTP_TIMEOUT_SECONDS,
        )

    def get_middleware(self) -> list:
        # Outermost, so token-store failures and Google's token endpoint being unavailable, inside
        # authentication and the OAuth routes, become a 503.
        return [Middleware(StorageErrorMiddleware), *super().get_middleware()]

    # --- clients and redirect URIs ---------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        if client_id == self._upstream_client_id:
            # FastMCP accepts it without registration and with any redirect URI.
            log.warning(
                "refused the upstream Google client id as an MCP client", extra={"event": "upstream_client_id_refused"}
            )
            return None
        client = await super().get_client(client_id)
        if isinstance(client, ProxyDCRClient):
            return PolicyClient.wrap(client, self._redirect_policy)
        return client

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        """Keep the redirect URIs the policy allows (RFC 7591 §3.2.1 lets the server drop values);
        refuse the registration when one is malformed or none is allowed."""
        allowed, refused = [], []
        for uri in client_info.redirect_uris or []:
            try:
                self._redirect_policy.check(str(uri))
                allowed.append(uri)
            except RedirectRefused as exc:
                if exc.malformed:
                    raise RegistrationError("invalid_redirect_uri", str(exc)) from None
                refused.append(exc)
        if refused and not allowed:
            raise RegistrationError("invalid_redirect_uri", str(refused[0]))
        if refused:
            log.warning(
                "registration dropped %d redirect URI(s) the policy does not allow",
                len(refused),
                extra={"event": "redirect_uri_dropped"},
            )
            client_info.redirect_uris = allowed
        await super().register_client(client_info)

    # --- scopes ----------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        # Nothing asked: the default (what the tools need), or what the client registered for when
        # it registered for less.
        registered = (client.scope or "").split()
        default = self._default_scopes if set(self._default_scopes) <= set(registered) else registered
        scopes = list(dict.fromkeys([*IDENTITY_SCOPES, *(params.scopes or default)]))
        return await super().authorize(client, params.model_copy(update={"scopes": scopes}))

    def _translate_scopes_from_idp(self, scopes: list[str]) -> list[str]:
        # Google may return scopes granted earlier to the same OAuth client; keep only those asked for.
        requested = _requested_scopes.get()
        return [s for s in scopes if requested is None or s in requested]

    # FastMCP's OAuthProxy returns the SDK's AccessToken where its provider protocol names FastMCP's subclass
    # (fastmcp carries the same ignore on the method this overrides).
    async def load_access_token(self, token: str) -> AccessToken | None:  # type: ignore[override]  # as FastMCP's own
        validated = await super().load_access_token(token)
        if validated is None:
            return None
        try:
            payload = self.jwt_issuer.verify_token(token)
        except (JoseError, ValueError, KeyError):
            return None
        # What Google says the upstream token can do, limited to what this token was issued for.
        granted = set(str(payload.get("scope", "")).split())
        return validated.model_copy(update={"scopes": [s for s in validated.scopes if s in granted]})

    # --- codes, refresh tokens and their families ------------------------------------------

    async def _family_of(self, token: str, token_use: str) -> str | None:
        try:
            payload = self.jwt_issuer.verify_token(token, expected_token_use=token_use)
        except (JoseError, ValueError, KeyError):
            return None
        mapping = await self._jti_mapping_store.get(key=payload["jti"])
        return mapping.upstream_token_id if mapping else None

    async def revoke_family(self, upstream_token_id: str, reason: str) -> None:
        """Revoke every token of one sign-in: ours (their shared Google token set) and Google's."""
        token_set = await self._upstream_token_store.get(key=upstream_token_id)
        await self._upstream_token_store.delete(key=upstream_token_id)
        log.warning("revoked a sign-in's tokens: %s", reason, extra={"event": "token_family_revoked", "reason": reason})
        if token_set is None or not self._upstream_revocation_endpoint:
            return
        upstream = token_set.refresh_token or token_set.access_token
        try:
            async with httpx2.AsyncClient(timeout=10) as http:
                await http.post(
                    self._upstream_revocation_endpoint,
                    data={"token": upstream},
                    auth=(self._upstream_client_id, self._upstream_client_secret.get_secret_value())
                    if self._upstream_client_secret is not None
                    else httpx2.USE_CLIENT_DEFAULT,  # the client's: no authentication
                )
        except httpx2.HTTPError as exc:
            log.warning("Google revocation failed: %s", type(exc).__name__, extra={"event": "upstream_revoke_error"})

    async def load_authorization_code(self, client, authorization_code: str) -> AuthorizationCode | None:
        code = await super().load_authorization_code(client, authorization_code)
        if code is None:
            spent = await self._spent_codes.get(key=authorization_code)
            if spent is not None:
                await self.revoke_family(spent.upstream_token_id, "authorization code replayed")
        return code

    async def _code_exchanged(self, code: str, tokens: OAuthToken) -> None:
        """Record the spent code, then look for a second exchange of it that arrived meanwhile."""
        family = await self._family_of(tokens.access_token, "access")
        if family is None:
            return
        await self._spent_codes.put(
            key=code, value=SpentGrant(upstream_token_id=family, spent_at=time.time()), ttl=self._refresh_lifetime
        )
        if await self._contested_codes.get(key=code) is not None:
            await self.revoke_family(family, "authorization code presented twice at once")
            raise TokenError(
                "invalid_grant", "authorization code presented twice; the tokens issued for it are revoked"
            )

    async def _code_contested(self, code: str) -> None:
        """A second exchange of a code another one holds: mark it, and revoke if the first already finished.
        Each side writes its record before reading the other's, so at least one of them sees both."""
        await self._contested_codes.put(key=code, value=ContestedGrant(contested_at=time.time()), ttl=CLAIM_TTL)
        spent = await self._spent_codes.get(key=code)
        if spent is not None:
            await self.revoke_family(spent.upstream_token_id, "authorization code presented twice at once")

    async def exchange_authorization_code(self, client, authorization_code: AuthorizationCode) -> OAuthToken:
        marker = _requested_scopes.set(frozenset(authorization_code.scopes))
        try:
            tokens = await super().exchange_authorization_code(client, authorization_code)
        finally:
            _requested_scopes.reset(marker)
        if isinstance(client, ProxyDCRClient) and client.cimd_document is None and client.client_id:
            # A sign-in renews the registration: it lives as long as the tokens it just got.
            await self._client_store.put(
                key=client.client_id,
                value=ProxyDCRClient.model_validate(client.model_dump()),
                ttl=max(self._client_lifetime, self._refresh_lifetime),
            )
        return tokens

    async def load_refresh_token(self, client, refresh_token: str) -> RefreshToken | None:
        loaded = await super().load_refresh_token(client, refresh_token)
        if loaded is None:
            spent = await self._spent_refresh_tokens.get(key=_hash_token(refresh_token))
            if spent is not None:
                await self.revoke_family(spent.upstream_token_id, "rotated refresh token reused")
        return loaded

    async def exchange_refresh_token(self, client, refresh_token: RefreshToken, scopes: list[str]) -> OAuthToken:
        family = await self._family_of(refresh_token.token, "refresh")
        marker = _requested_scopes.set(frozenset(scopes))
        try:
            tokens = await super().exchange_refresh_token(client, refresh_token, scopes)
        finally:
            _requested_scopes.reset(marker)
        if family is not None:
            await self._spent_refresh_tokens.put(
                key=_hash_token(refresh_token.token),
                value=SpentGrant(upstream_token_id=family, spent_at=time.time()),
                ttl=self._refresh_lifetime,
            )
        return tokens

    # --- revocation (RFC 7009) -------------------------------------------------------------

    async def _handle_revoke(self, request: Request) -> Response:
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 - any unparsable body is the client's error
            return _oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                basic_id, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return _oauth_error(401, "invalid_client", "malformed Basic authorization header")
            basic_id, secret = unquote(basic_id), unquote(secret)
            if client_id and client_id != basic_id:
                return _oauth_error(401, "invalid_client", "client_id differs from the Basic authorization")
            client_id = basic_id
        if not isinstance(client_id, str) or not client_id:
            return _oauth_error(401, "invalid_client", "client_id is required")
        client = await self.get_client(client_id)
        if client is None:
            return _oauth_error(401, "invalid_client", "unknown client_id")
        if client.client_secret:
            if not isinstance(secret, str) or not hmac.compare_digest(client.client_secret.encode(), secret.encode()):
                return _oauth_error(401, "invalid_client", "wrong or missing client_secret")
        elif secret:
            # Public client (token_endpoint_auth_method "none"): it has no secret, so one sent is wrong.
            return _oauth_error(401, "invalid_client", "this client is public and has no client_secret; omit it")
        token = form.get("token")
        if not isinstance(token, str) or not token:
            return _oauth_error(400, "invalid_request", "token is required")
        hint = form.get("token_type_hint")
        uses = ("refresh", "access") if hint == "refresh_token" else ("access", "refresh")
        for token_use in uses:
            try:
                payload = self.jwt_issuer.verify_token(token, expected_token_use=token_use)
            except (JoseError, ValueError, KeyError):
                continue
            if payload.get("client_id") != client_id:
                return _oauth_error(400, "unauthorized_client", "the token was not issued to this client")
            family = await self._family_of(token, token_use)
            if token_use == "refresh":
                await self._refresh_token_store.delete(key=_hash_token(token))
            if family is not None:
                await self.revoke_family(family, "revoked by its client")
            break
        # RFC 7009 §2.2: an unknown, expired or already revoked token is answered 200 too.
        return Response(status_code=200, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    # --- routes and metadata ---------------------------------------------------------------

    def get_routes(self, mcp_path: str | None = None) -> list[Route]:
        routes = []
        for route in super().get_routes(mcp_path):
            path = getattr(route, "path", "")
            if path == "/revoke":
                route = Route(
                    "/revoke", cors_middleware(self._handle_revoke, ["POST", "OPTIONS"]), methods=["POST", "OPTIONS"]
                )
            elif path.startswith("/.well-known/oauth-authorization-server"):
                route = Route(path, _RevocationMethods(route.endpoint), methods=route.methods, name=route.name)
            elif path in ("/authorize", self._redirect_path):
                route = Route(path, self._secure_endpoint(route.endpoint), methods=route.methods, name=route.name)
            routes.append(route)
        return routes

    @staticmethod
    def _secure_endpoint(endpoint):
        async def secured(request: Request) -> Response:
            return _secure_html(await endpoint(request))

        return secured

    # --- consent page ----------------------------------------------------------------------

    async def _handle_consent(self, request: Request) -> HTMLResponse | RedirectResponse:
        if request.method == "POST":
            refusal = self._cross_site_refusal(request)
            if refusal is not None:
                return refusal
            return _secure_html(await self._submit_consent(request))
        return _secure_html(await self._show_consent_page(request))

    def _cross_site_refusal(self, request: Request) -> HTMLResponse | None:
        """A consent form may only be submitted from the consent page itself."""
        origin = request.headers.get("origin")
        own = urlsplit(str(self.base_url))
        foreign_origin = origin is not None and origin.rstrip("/").lower() != f"{own.scheme}://{own.netloc}".lower()
        cross_site_fetch = request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")
        if not (foreign_origin or cross_site_fetch):
            return None
        log.warning("refused a consent submission from another site", extra={"event": "consent_cross_site"})
        return _secure_html(
            HTMLResponse(
                "<!DOCTYPE html><title>Refused</title><h1>Refused</h1>"
                "<p>This consent form was not submitted from this server's own page. "
                "Start the sign-in again from your application.</p>",
                status_code=403,
            )
        )

    async def _show_consent_page(self, request: Request) -> HTMLResponse | RedirectResponse:
        txn_id = request.query_params.get("txn_id", "")
        txn = await self._transaction_store.get(key=txn_id) if txn_id else None
        if txn is None:
            return HTMLResponse(
                "<!DOCTYPE html><title>Expired</title><h1>This sign-in has expired</h1>"
                "<p>Start it again from your application.</p>",
                status_code=400,
            )
        csrf_token = secrets.token_urlsafe(32)
        issued_at = time.time()
        await self._consent_csrf_store.put(
            key=_hash_token(csrf_token), value=ConsentCSRFToken(txn_id=txn_id, expires_at=issued_at + 900), ttl=900
        )
        client = await self.get_client(txn.client_id)
        page = render_consent(
            client_id=txn.client_id,
            client_name=getattr(client, "client_name", None),
            redirect_uri=txn.client_redirect_uri,
            scopes=txn.scopes,
            txn_id=txn_id,
            csrf_token=csrf_token,
            server_name=SERVER_DISPLAY_NAME,
        )
        response = HTMLResponse(page)
        self._set_consent_state_cookie(response, csrf_token, txn_id, issued_at)
        # Bound the browser's consent cookies: the oldest beyond FastMCP's limit are expired.
        own = self._cookie_name(_consent_state_base_name(csrf_token))
        others = {name: entry for name, entry in self._read_consent_state_cookies(request).items() if name != own}
        surplus = len(others) + 1 - _MAX_CSRF_TOKENS
        for name, _entry in sorted(others.items(), key=lambda item: item[1][1])[: max(surplus, 0)]:
            self._expire_cookie(response, name)
        return response
