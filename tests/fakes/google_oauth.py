"""A stand-in for Google's OAuth 2.0 endpoints on 127.0.0.1, speaking their wire format.

authorize (auto-approves as the "signed-in browser user" and redirects back), token
(authorization_code with PKCE, refresh_token), tokeninfo, userinfo, revoke. Every request is
recorded with the bearer/access token it carried so tests can assert who sent what.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.ports import free_port, wait_for_http

CLIENT_ID = "test-client.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-test-secret-for-the-stand-in"


@dataclass
class Grant:
    email: str
    sub: str
    scope: str
    expires_at: float
    client_id: str = CLIENT_ID  # the OAuth client the token was issued to (tokeninfo's azp and aud)
    email_verified: bool = True


@dataclass
class RecordedRequest:
    path: str
    token: str | None  # bearer / access_token the request carried
    params: dict[str, str]


@dataclass
class GoogleOAuthStandIn:
    base_url: str = ""
    users: dict[str, str] = field(default_factory=dict)  # email -> sub
    signed_in: str = "alice@example.com"  # the browser user who approves the next authorize
    access_token_lifetime: int = 3600
    access_tokens: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Called with (access_token, grant) for every access token issued, e.g. to tell an API stand-in.
    on_issue: Callable[[str, Grant], None] | None = None
    # Stricter than Google usually is: every refresh returns a new refresh token and retires the old
    # one; presenting a retired one revokes every token of that sign-in (reuse detection).
    rotate_refresh_tokens: bool = False
    retired_refresh_tokens: dict[str, str] = field(default_factory=dict)  # retired token -> sub
    refresh_grants: int = 0

    # --- test helpers -------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """Server environment pointing every Google OAuth endpoint here."""
        return {
            "GOOGLE_OAUTH_CLIENT_ID": CLIENT_ID,
            "GOOGLE_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
            "GOOGLE_OAUTH_AUTHORIZATION_URL": f"{self.base_url}/o/oauth2/v2/auth",
            "GOOGLE_OAUTH_TOKEN_URL": f"{self.base_url}/token",
            "GOOGLE_OAUTH_USERINFO_URL": f"{self.base_url}/oauth2/v2/userinfo",
            "GOOGLE_OAUTH_TOKENINFO_URL": f"{self.base_url}/tokeninfo",
            "GOOGLE_OAUTH_REVOKE_URL": f"{self.base_url}/revoke",
        }

    def sub_for(self, email: str) -> str:
        return self.users.setdefault(email, str(100000000000000000000 + len(self.users) + 1))

    def issue(
        self,
        email: str,
        scope: str = "openid https://www.googleapis.com/auth/userinfo.email",
        client_id: str = CLIENT_ID,
        email_verified: bool = True,
    ) -> tuple[str, str]:
        """Mint an access + refresh token pair for ``email`` directly (single-user seeding; another
        OAuth client's sign-in, e.g. an internal caller's)."""
        grant = Grant(
            email, self.sub_for(email), scope, time.time() + self.access_token_lifetime, client_id, email_verified
        )
        access, refresh = "ya29." + secrets.token_urlsafe(24), "1//" + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[access] = grant
            self.refresh_tokens[refresh] = grant
        if self.on_issue:
            self.on_issue(access, grant)
        return access, refresh

    def expire_all_access_tokens(self) -> None:
        with self.lock:
            for grant in self.access_tokens.values():
                grant.expires_at = 0

    def tokens_of(self, email: str) -> set[str]:
        with self.lock:
            return {t for t, g in self.access_tokens.items() if g.email == email}

    def seen_tokens(self, path_suffix: str = "") -> list[str]:
        with self.lock:
            return [r.token for r in self.requests if r.token and r.path.endswith(path_suffix)]

    # --- endpoints ----------------------------------------------------------------------
    def _record(self, request: Request, params: dict[str, str]) -> str | None:
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else params.get("access_token")
        with self.lock:
            self.requests.append(RecordedRequest(request.url.path, token, params))
        return token

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self._record(request, params)
        if params.get("client_id") != CLIENT_ID:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if params.get("response_type") != "code" or not params.get("redirect_uri"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = "4/" + secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "email": self.signed_in,
                "redirect_uri": params["redirect_uri"],
                "scope": params.get("scope", "openid"),
                "code_challenge": params.get("code_challenge"),
            }
        query = urlencode({"code": code, "state": params.get("state", ""), "scope": params.get("scope", "")})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
        return client_id == CLIENT_ID and client_secret == CLIENT_SECRET

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self._record(request, {k: v for k, v in form.items() if k in ("grant_type", "redirect_uri")})
        if not self._client_ok(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self.lock:
                code = self.codes.pop(form.get("code", ""), None)
            if code is None or code["redirect_uri"] != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            if code["code_challenge"]:
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).decode().rstrip("=") != code["code_challenge"]:
                    return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, status_code=400)
            access, refresh = self.issue(code["email"], code["scope"])
        elif grant_type == "refresh_token":
            presented = form.get("refresh_token", "")
            with self.lock:
                self.refresh_grants += 1
                grant = self.refresh_tokens.get(presented)
                if grant is None and presented in self.retired_refresh_tokens:
                    self._revoke_sign_in(self.retired_refresh_tokens[presented])
            if grant is None:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
                    status_code=400,
                )
            access = "ya29." + secrets.token_urlsafe(24)
            refresh = None
            fresh = Grant(
                grant.email,
                grant.sub,
                grant.scope,
                time.time() + self.access_token_lifetime,
                grant.client_id,
                grant.email_verified,
            )
            with self.lock:
                self.access_tokens[access] = fresh
                if self.rotate_refresh_tokens:
                    refresh = "1//" + secrets.token_urlsafe(24)
                    self.refresh_tokens[refresh] = self.refresh_tokens.pop(presented)
                    self.retired_refresh_tokens[presented] = grant.sub
            if self.on_issue:
                self.on_issue(access, fresh)
        else:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        grant = self.access_tokens[access]
        body = {
            "access_token": access,
            "expires_in": self.access_token_lifetime,
            "scope": grant.scope,
            "token_type": "Bearer",
        }
        if refresh:
            body["refresh_token"] = refresh
        return JSONResponse(body)

    def _revoke_sign_in(self, sub: str) -> None:
        """Every access and refresh token of user ``sub`` (caller holds the lock)."""
        for tokens in (self.access_tokens, self.refresh_tokens):
            for token in [t for t, g in tokens.items() if g.sub == sub]:
                del tokens[token]

    def _grant(self, token: str | None) -> Grant | None:
        with self.lock:
            grant = self.access_tokens.get(token or "")
        return grant if grant is not None and grant.expires_at > time.time() else None

    def live_grant(self, token: str | None) -> Grant | None:
        """The grant of a live (issued, unexpired, unrevoked) access token, else None."""
        return self._grant(token)

    def tokeninfo_json(self, token: str | None) -> dict | None:
        """tokeninfo's answer for ``token``, None when Google would answer invalid_token."""
        grant = self._grant(token)
        if grant is None:
            return None
        return {
            "azp": grant.client_id,
            "aud": grant.client_id,
            "sub": grant.sub,
            "scope": grant.scope,
            "exp": str(int(grant.expires_at)),
            "expires_in": str(int(grant.expires_at - time.time())),
            "email": grant.email,
            "email_verified": "true" if grant.email_verified else "false",
            "access_type": "offline",
        }

    async def tokeninfo(self, request: Request) -> Response:
        info = self.tokeninfo_json(self._record(request, dict(request.query_params)))
        if info is None:
            return JSONResponse({"error": "invalid_token", "error_description": "Invalid Value"}, status_code=400)
        return JSONResponse(info)

    async def userinfo(self, request: Request) -> Response:
        grant = self._grant(self._record(request, {}))
        if grant is None:
            return JSONResponse({"error": {"code": 401, "status": "UNAUTHENTICATED"}}, status_code=401)
        return JSONResponse({"id": grant.sub, "email": grant.email, "verified_email": True})

    async def revoke(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self._record(request, {})
        with self.lock:
            self.access_tokens.pop(form.get("token", ""), None)
            self.refresh_tokens.pop(form.get("token", ""), None)
        return Response(status_code=200)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/o/oauth2/v2/auth", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/tokeninfo", self.tokeninfo, methods=["GET", "POST"]),
                Route("/oauth2/v2/userinfo", self.userinfo),
                Route("/revoke", self.revoke, methods=["POST"]),
            ]
        )


@contextlib.contextmanager
def run_google_oauth() -> Iterator[GoogleOAuthStandIn]:
    """Serve the stand-in from a background thread on a free loopback port."""
    port = free_port()
    stand_in = GoogleOAuthStandIn(base_url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(stand_in.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_http(f"{stand_in.base_url}/tokeninfo", timeout=30)
        yield stand_in
    finally:
        server.should_exit = True
        thread.join(timeout=10)
