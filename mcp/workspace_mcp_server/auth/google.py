"""FastMCP's OAuth proxy in front of Google, with every Google endpoint configurable.

FastMCP's own ``GoogleProvider`` hard-codes Google's URLs; this one takes them from
configuration so the whole flow runs against a stand-in in tests, and keeps all proxy state
(client registrations, transactions, codes, upstream tokens) in the shared encrypted store.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx2
from fastmcp.server.auth import TokenVerifier
from fastmcp.server.auth.auth import AccessToken
from fastmcp.server.auth.oauth_proxy import OAuthProxy
from key_value.aio.protocols import AsyncKeyValue

from workspace_mcp_server.auth.cache import DEFAULT_TTL_SECONDS, CachingTokenVerifier, cache_request_checks
from workspace_mcp_server.auth.proxy import WorkspaceOAuthProxy
from workspace_mcp_server.auth.redirects import RedirectPolicy
from workspace_mcp_server.auth.scopes import grantable_scopes
from workspace_mcp_server.config import GoogleEndpoints

log = logging.getLogger("workspace_mcp_server.auth")

# Idle connections the verifier keeps to tokeninfo (file descriptors; the soak's bound counts them).
TOKENINFO_KEEPALIVE_CONNECTIONS = 20
BASE_SCOPES = ["openid", "https://www.googleapis.com/auth/userinfo.email"]
_SCOPE_ALIASES = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
}


def normalize_scopes(scopes: list[str]) -> list[str]:
    return list(dict.fromkeys(_SCOPE_ALIASES.get(s, s) for s in scopes))


class GoogleTokenVerifier(TokenVerifier):
    """Validates a Google access token with tokeninfo (audience = our client) and reads the user."""

    def __init__(self, endpoints: GoogleEndpoints, client_id: str, timeout_seconds: float = 10):
        # Scopes are checked by the proxy against what Google granted, not per request here.
        super().__init__(required_scopes=None)
        self.endpoints = endpoints
        self.client_id = client_id
        self.timeout_seconds = timeout_seconds
        self._client: httpx2.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx2.AsyncClient:
        """One client (one CA bundle load, pooled connections) per event loop, for the process lifetime.

        A new client per request spent about a third of the event loop loading the CA bundle.
        Keyed by loop because pooled connections cannot move between loops (tests run several).
        """
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            limits = httpx2.Limits(max_keepalive_connections=TOKENINFO_KEEPALIVE_CONNECTIONS)
            self._client = httpx2.AsyncClient(timeout=self.timeout_seconds, limits=limits)
            self._client_loop = loop
        return self._client

    async def verify_token(self, token: str) -> AccessToken | None:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            client = self._http()
            info = await client.get(self.endpoints.tokeninfo_url, headers=headers)
            if info.status_code != 200:
                log.info(
                    "Google rejected an access token", extra={"event": "token_rejected", "status": info.status_code}
                )
                return None
            data = info.json()
            if data.get("aud") != self.client_id and data.get("azp") != self.client_id:
                log.warning(
                    "Google token was issued to another OAuth client", extra={"event": "token_audience_mismatch"}
                )
                return None
            sub = data.get("sub")
            if not sub:
                return None
            email = data.get("email")
            if not email:
                profile = await client.get(self.endpoints.userinfo_url, headers=headers)
                if profile.status_code == 200:
                    email = profile.json().get("email")
        except (httpx2.HTTPError, ValueError) as exc:
            log.warning(
                "Google token verification failed: %s", type(exc).__name__, extra={"event": "token_verify_error"}
            )
            return None
        expires_in = data.get("expires_in")
        expires_at = int(time.time()) + int(expires_in) if str(expires_in or "").isdigit() else None
        scopes = str(data.get("scope", "")).split()
        return AccessToken(
            token=token,
            client_id=self.client_id,
            scopes=scopes,
            expires_at=expires_at,
            subject=sub,
            claims={"sub": sub, "email": email, "aud": data.get("aud")},
        )


# A Google access token is refreshed this long before it expires, as Google's client libraries do: a
# request checked "valid" just before the expiry would reach Google (tokeninfo, then the API) after it,
# and Google's refusal there is a sign-in again or a failed tool call.
EARLY_REFRESH_SECONDS = 60


def build_google_proxy(
    *,
    endpoints: GoogleEndpoints,
    client_id: str,
    client_secret: str,
    public_url: str,
    scopes: list[str],
    storage: AsyncKeyValue,
    redirect_policy: RedirectPolicy,
    access_token_lifetime: int | None,
    refresh_token_lifetime: int,
    client_registration_lifetime: int,
    auth_cache_ttl: int = DEFAULT_TTL_SECONDS,
) -> OAuthProxy:
    """The OAuth 2.1 authorization server clients see (DCR, PKCE), proxying to Google.

    ``scopes`` are what the enabled tools need: the default grant when a client asks for none.
    ``access_token_lifetime`` None: our access token expires with Google's behind it; set, it
    lives that long and the server refreshes Google's token behind it as needed.
    ``auth_cache_ttl``: how long a request's token check may be reused (auth/cache.py; 0: never).
    """
    default_scopes = normalize_scopes(BASE_SCOPES + scopes)
    verifier = GoogleTokenVerifier(endpoints, client_id)
    proxy = WorkspaceOAuthProxy(
        upstream_authorization_endpoint=endpoints.authorization_url,
        upstream_token_endpoint=endpoints.token_url,
        upstream_revocation_endpoint=endpoints.revoke_url,
        upstream_client_id=client_id,
        upstream_client_secret=client_secret,
        token_verifier=CachingTokenVerifier(verifier, auth_cache_ttl) if auth_cache_ttl > 0 else verifier,
        base_url=public_url,
        issuer_url=public_url,
        valid_scopes=grantable_scopes(default_scopes),
        default_scopes=default_scopes,
        client_storage=storage,
        forward_pkce=True,
        # access_type=offline + prompt=consent: Google only returns a refresh token this way.
        # No "scope" here: Google is asked for exactly what the client asked for.
        extra_authorize_params={"access_type": "offline", "prompt": "consent"},
        require_authorization_consent=True,
        redirect_policy=redirect_policy,
        fastmcp_access_token_expiry_seconds=access_token_lifetime,
        fallback_refresh_token_expiry_seconds=refresh_token_lifetime,
        token_expiry_threshold_seconds=EARLY_REFRESH_SECONDS,
        client_registration_lifetime=client_registration_lifetime,
    )
    cache_request_checks(proxy, auth_cache_ttl)
    return proxy
