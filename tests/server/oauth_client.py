"""A spec-following MCP OAuth client (MCP authorization spec 2025-06-18 / 2025-11-25).

It starts from nothing but the MCP endpoint URL: the 401's ``WWW-Authenticate`` header names
the protected-resource metadata (RFC 9728); that names the authorization server, whose
metadata is found by the RFC 8414 / OIDC well-known forms; then dynamic client registration
(RFC 7591), authorization code + PKCE (S256) through FastMCP's consent page and the Google
stand-in, and the token request. Every hop goes through the URL the server advertised.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx2

CLIENT_REDIRECT = "http://127.0.0.1:33418/callback"


@dataclass
class Discovery:
    resource_metadata_url: str
    resource_metadata: dict
    metadata_url: str
    metadata: dict
    tried: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Login:
    access_token: str
    refresh_token: str | None
    client_id: str
    discovery: Discovery


def _bearer_param(header: str, name: str) -> str | None:
    match = re.search(rf'{name}="([^"]+)"', header)
    return match.group(1) if match else None


def authorization_server_metadata_urls(issuer: str) -> list[str]:
    """Where a client looks for an issuer with a path, in the MCP spec's order."""
    parts = urlsplit(issuer)
    origin, path = f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")
    if not path:
        return [f"{origin}/.well-known/oauth-authorization-server", f"{origin}/.well-known/openid-configuration"]
    return [
        f"{origin}/.well-known/oauth-authorization-server{path}",
        f"{origin}/.well-known/openid-configuration{path}",
        f"{origin}{path}/.well-known/openid-configuration",
    ]


def discover(http: httpx2.Client, mcp_url: str) -> Discovery:
    challenge = http.post(
        mcp_url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert challenge.status_code == 401, (challenge.status_code, challenge.text)
    header = challenge.headers["www-authenticate"]
    assert header.lower().startswith("bearer"), header
    resource_metadata_url = _bearer_param(header, "resource_metadata")
    assert resource_metadata_url, header
    resource = http.get(resource_metadata_url)
    assert resource.status_code == 200, (resource_metadata_url, resource.status_code, resource.text)
    resource_metadata = resource.json()
    assert resource_metadata["resource"].rstrip("/") == mcp_url.rstrip("/"), resource_metadata
    issuer = resource_metadata["authorization_servers"][0]
    tried = []
    for url in authorization_server_metadata_urls(issuer):
        response = http.get(url)
        tried.append((url, response.status_code))
        if response.status_code == 200:
            metadata = response.json()
            assert metadata["issuer"].rstrip("/") == issuer.rstrip("/"), (metadata["issuer"], issuer)
            assert "S256" in metadata.get("code_challenge_methods_supported", []), metadata
            return Discovery(resource_metadata_url, resource_metadata, url, metadata, tried)
    raise AssertionError(f"no authorization server metadata found for {issuer}: {tried}")


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def _follow_to_client(http: httpx2.Client, response: httpx2.Response) -> dict[str, list[str]]:
    """Follow redirects (consent page included) until one lands on the client's redirect URI."""
    for _ in range(10):
        if response.status_code in (302, 303, 307):
            location = response.headers["location"]
            if location.startswith(CLIENT_REDIRECT):
                return parse_qs(urlsplit(location).query)
            response = http.get(location)
            continue
        if response.status_code == 200 and "csrf_token" in response.text:
            # FastMCP's consent page: approve it as the user would.
            form = dict(re.findall(r'name="(\w+)"\s+value="([^"]*)"', response.text))
            action = urlsplit(str(response.url))
            response = http.post(
                f"{action.scheme}://{action.netloc}{action.path}",
                data={"txn_id": form["txn_id"], "csrf_token": form["csrf_token"], "action": "approve"},
            )
            continue
        raise AssertionError(f"unexpected step {response.status_code} at {response.url}: {response.text[:500]}")
    raise AssertionError("too many redirects")


@dataclass
class Authorized:
    """A registered client's authorization code, not exchanged yet."""

    discovery: Discovery
    client_id: str
    code: str
    verifier: str

    def token_request(self) -> dict[str, str]:
        """The form of the code's exchange at the token endpoint."""
        return {
            "grant_type": "authorization_code",
            "code": self.code,
            "redirect_uri": CLIENT_REDIRECT,
            "client_id": self.client_id,
            "code_verifier": self.verifier,
            "resource": self.discovery.resource_metadata["resource"],
        }


def authorize(http: httpx2.Client, mcp_url: str, client_name: str = "spec-following test client") -> Authorized:
    """Discovery, registration and the authorization request through consent: the code the client receives."""
    found = discover(http, mcp_url)
    meta = found.metadata
    registration = http.post(
        meta["registration_endpoint"],
        json={
            "client_name": client_name,
            "redirect_uris": [CLIENT_REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        },
    )
    assert registration.status_code == 201, registration.text
    client_id = registration.json()["client_id"]
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    authorize = http.get(
        meta["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": CLIENT_REDIRECT,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": found.resource_metadata["resource"],
        },
    )
    callback = _follow_to_client(http, authorize)
    assert callback.get("state") == [state], callback
    assert "code" in callback, callback
    return Authorized(found, client_id, callback["code"][0], verifier)


def login(mcp_url: str, *, http: httpx2.Client | None = None) -> Login:
    """The whole flow; returns the server-issued tokens."""
    own = http is None
    http = http or httpx2.Client(timeout=30, follow_redirects=False)
    try:
        authorized = authorize(http, mcp_url)
        token = http.post(authorized.discovery.metadata["token_endpoint"], data=authorized.token_request())
        assert token.status_code == 200, token.text
        body = token.json()
        return Login(body["access_token"], body.get("refresh_token"), authorized.client_id, authorized.discovery)
    finally:
        if own:
            http.close()
