"""The MCP OAuth flow one step at a time, for tests that attack a step: register, authorize,
consent, code exchange, refresh, revoke. Each step returns the raw response; nothing is followed
implicitly, so a test sees exactly what the server answered (status, Location, body).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx2

LOOPBACK_REDIRECT = "http://127.0.0.1:43117/callback"
ACCEPT = {"Accept": "application/json, text/event-stream"}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def jwt_claims(token: str) -> dict:
    """The payload of a JWT, unverified (the test only reads what the server put there)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def consent_form(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(\w+)"\s+value="([^"]*)"', html))


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int
    raw: dict = field(repr=False, default_factory=dict)


@dataclass
class OAuthSteps:
    """Endpoints of one server (``public_url`` includes the prefix) and a cookie-keeping browser-like client."""

    public_url: str
    http: httpx2.Client = field(default_factory=lambda: httpx2.Client(timeout=30, follow_redirects=False))

    @property
    def resource(self) -> str:
        return f"{self.public_url}/mcp"

    def metadata(self) -> dict:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.public_url))
        path = urlsplit(self.public_url).path
        response = self.http.get(f"{origin}/.well-known/oauth-authorization-server{path}")
        assert response.status_code == 200, response.text
        return response.json()

    def register(self, redirect_uris: list[str], **extra) -> httpx2.Response:
        body = {
            "client_name": "security test client",
            "redirect_uris": redirect_uris,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            **extra,
        }
        return self.http.post(f"{self.public_url}/register", json=body)

    def register_ok(self, redirect_uri: str = LOOPBACK_REDIRECT, **extra) -> str:
        response = self.register([redirect_uri], **extra)
        assert response.status_code == 201, response.text
        return response.json()["client_id"]

    def authorize(
        self, client_id: str, redirect_uri: str, challenge: str, scope: str | None = None, state: str = "st4te"
    ) -> httpx2.Response:
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": self.resource,
        }
        if scope is not None:
            params["scope"] = scope
        return self.http.get(f"{self.public_url}/authorize", params=params)

    def consent_page(self, authorize: httpx2.Response) -> httpx2.Response:
        assert authorize.status_code == 302, (authorize.status_code, authorize.text)
        location = authorize.headers["location"]
        assert "/consent?" in location, location
        return self.http.get(location)

    def submit_consent(self, page: httpx2.Response, action: str = "approve", **headers) -> httpx2.Response:
        form = consent_form(page.text)
        return self.http.post(
            str(page.url),
            data={"txn_id": form["txn_id"], "csrf_token": form["csrf_token"], "action": action},
            headers=headers,
        )

    def code_for(
        self, client_id: str, redirect_uri: str = LOOPBACK_REDIRECT, scope: str | None = None
    ) -> tuple[str, str]:
        """Register-less: authorize, approve, pass Google (the stand-in approves); returns (code, verifier)."""
        verifier, challenge = pkce_pair()
        page = self.consent_page(self.authorize(client_id, redirect_uri, challenge, scope))
        response = self.submit_consent(page)
        for _ in range(5):
            assert response.status_code in (302, 303), (response.status_code, response.text[:300])
            location = response.headers["location"]
            if location.startswith(redirect_uri):
                query = parse_qs(urlsplit(location).query)
                assert "code" in query, location
                return query["code"][0], verifier
            response = self.http.get(location)
        raise AssertionError("the flow never reached the client's redirect URI")

    def exchange(
        self, client_id: str, code: str, verifier: str, redirect_uri: str = LOOPBACK_REDIRECT
    ) -> httpx2.Response:
        return self.http.post(
            f"{self.public_url}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "code_verifier": verifier,
                "resource": self.resource,
            },
        )

    def refresh(self, client_id: str, refresh_token: str) -> httpx2.Response:
        return self.http.post(
            f"{self.public_url}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": client_id,
            },
        )

    def revoke(self, client_id: str, token: str, **extra) -> httpx2.Response:
        return self.http.post(f"{self.public_url}/revoke", data={"token": token, "client_id": client_id, **extra})

    def sign_in(self, redirect_uri: str = LOOPBACK_REDIRECT, scope: str | None = None) -> tuple[str, Tokens]:
        client_id = self.register_ok(redirect_uri)
        code, verifier = self.code_for(client_id, redirect_uri, scope)
        response = self.exchange(client_id, code, verifier, redirect_uri)
        assert response.status_code == 200, response.text
        return client_id, tokens(response)

    def mcp_status(self, access_token: str) -> int:
        """HTTP status of an authenticated tools/list (200 accepted, 401 refused)."""
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        headers = {**ACCEPT, "Authorization": f"Bearer {access_token}", "MCP-Protocol-Version": "2025-06-18"}
        return self.http.post(self.resource, json=body, headers=headers).status_code


def tokens(response: httpx2.Response) -> Tokens:
    body = response.json()
    return Tokens(body["access_token"], body.get("refresh_token"), body.get("scope", ""), body["expires_in"], body)
