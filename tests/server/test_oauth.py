"""Multi-user OAuth 2.1 end to end against the Google stand-ins (one server process, local store)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import httpx2
import jwt
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.server.auth.jwt_issuer import derive_jwt_key

from tests.fakes.google_oauth import CLIENT_SECRET
from tests.fakes.ports import free_port
from tests.fakes.server_process import run_server
from tests.server.conftest import PREFIX, log_entries, oauth_env
from tests.server.oauth_client import authorization_server_metadata_urls, login

ACCEPT = {"Accept": "application/json, text/event-stream"}
AUTH_CACHE_TTL = 2  # seconds: a grant revoked at Google is refused within this (auth/cache.py)


@pytest.fixture(scope="module")
def server(google_oauth, google_api, tmp_path_factory):
    port = free_port()
    public_url = f"http://127.0.0.1:{port}{PREFIX}"
    env = {
        **oauth_env(google_oauth, public_url, str(tmp_path_factory.mktemp("tokens"))),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
        "WORKSPACE_MCP_AUTH_CACHE_TTL": str(AUTH_CACHE_TTL),
    }
    with run_server(env, port=port, log_path=tmp_path_factory.mktemp("logs") / "oauth.log") as process:
        yield process


@pytest.fixture(scope="module")
def mcp_url(server):
    return server.url(f"{PREFIX}/mcp")


def sign_in(google_oauth, google_api, mcp_url: str, email: str):
    """Log ``email`` in through the whole flow (the API stand-in learns the Google tokens issued)."""
    google_oauth.signed_in = email
    return login(mcp_url)


@pytest.fixture(scope="module")
def alice(google_oauth, google_api, mcp_url):
    return sign_in(google_oauth, google_api, mcp_url, "alice@example.com")


@pytest.fixture(scope="module")
def bob(google_oauth, google_api, mcp_url):
    return sign_in(google_oauth, google_api, mcp_url, "bob@example.com")


async def _list_and_call(url: str, token: str, tool: str | None = None):
    async with Client(StreamableHttpTransport(url, auth=token)) as client:
        names = [t.name for t in await client.list_tools()]
        result = await client.call_tool(tool, {}, raise_on_error=False) if tool else None
        return names, result


def test_unauthenticated_request_gets_401_pointing_at_resource_metadata(server, mcp_url):
    response = httpx2.post(mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=ACCEPT)
    assert response.status_code == 401
    header = response.headers["www-authenticate"]
    assert f'resource_metadata="{server.base_url}/.well-known/oauth-protected-resource{PREFIX}/mcp"' in header


def test_discovery_documents_at_every_location_carry_the_prefix(server, alice):
    # The spec-following client already walked 401 -> resource metadata -> issuer metadata (alice).
    issuer = alice.discovery.metadata["issuer"].rstrip("/")
    assert issuer == server.url(PREFIX)
    documents = [httpx2.get(url) for url in authorization_server_metadata_urls(issuer)]
    documents.append(httpx2.get(server.url(f"{PREFIX}/.well-known/oauth-authorization-server")))
    assert [d.status_code for d in documents] == [200] * len(documents)
    for document in documents:
        metadata = document.json()
        assert metadata["issuer"].rstrip("/") == issuer
        for key in ("authorization_endpoint", "token_endpoint", "registration_endpoint"):
            assert metadata[key].startswith(f"{issuer}/"), (key, metadata[key])
    resource = httpx2.get(server.url(f"{PREFIX}/.well-known/oauth-protected-resource/mcp")).json()
    assert resource["resource"] == server.url(f"{PREFIX}/mcp")
    assert [s.rstrip("/") for s in resource["authorization_servers"]] == [issuer]


def test_full_flow_then_authenticated_tools_list_and_call(google_api, mcp_url, alice):
    names, result = asyncio.run(_list_and_call(mcp_url, alice.access_token, "list_gmail_labels"))
    assert "list_gmail_labels" in names
    assert not result.is_error, result
    assert google_api.calls("gmail.users.labels.list")


def test_each_user_acts_only_with_their_own_google_token(google_oauth, google_api, mcp_url, alice, bob):
    alice_google, bob_google = google_oauth.tokens_of("alice@example.com"), google_oauth.tokens_of("bob@example.com")
    assert alice_google and bob_google and not alice_google & bob_google
    for user, own, other in ((alice, alice_google, bob_google), (bob, bob_google, alice_google)):
        before = len(google_api.requests)
        _, result = asyncio.run(_list_and_call(mcp_url, user.access_token, "list_gmail_labels"))
        assert not result.is_error, result
        seen = {r.token for r in google_api.requests[before:]}
        assert seen and seen <= own, "a request must only carry the caller's own Google token"
        assert not seen & other


def test_missing_forged_and_expired_tokens_are_refused(server, mcp_url, alice):
    payload = json.loads(base64.urlsafe_b64decode(alice.access_token.split(".")[1] + "=="))
    right_key = derive_jwt_key(high_entropy_material=CLIENT_SECRET, salt="fastmcp-jwt-signing-key")
    forged = jwt.encode({**payload, "sub": "mallory"}, "another-key-entirely-32-bytes-long!!", algorithm="HS256")
    expired = jwt.encode(
        {**payload, "exp": int(time.time()) - 60, "iat": int(time.time()) - 3600}, right_key, algorithm="HS256"
    )
    tampered = alice.access_token[:-4] + ("AAAA" if not alice.access_token.endswith("AAAA") else "BBBB")
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for label, headers in {
        "missing": {},
        "not-bearer": {"Authorization": f"Basic {alice.access_token}"},
        "garbage": {"Authorization": "Bearer not-a-token"},
        "forged": {"Authorization": f"Bearer {forged}"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "tampered": {"Authorization": f"Bearer {tampered}"},
    }.items():
        response = httpx2.post(mcp_url, json=body, headers={**ACCEPT, **headers})
        assert response.status_code == 401, (label, response.status_code, response.text)
        assert "resource_metadata=" in response.headers["www-authenticate"], label
    ok = httpx2.post(
        mcp_url,
        json=body,
        headers={**ACCEPT, "Authorization": f"Bearer {alice.access_token}", "MCP-Protocol-Version": "2025-06-18"},
    )
    assert ok.status_code == 200, ok.text


def test_expired_token_is_refused_refresh_works_and_revoked_grant_is_refused(google_oauth, google_api, mcp_url):
    google_oauth.access_token_lifetime = 1  # Google's access token (and so ours) expires at once
    try:
        carol = sign_in(google_oauth, google_api, mcp_url, "carol@example.com")
    finally:
        google_oauth.access_token_lifetime = 3600
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}

    def call(token: str) -> int:
        headers = {**ACCEPT, "Authorization": f"Bearer {token}", "MCP-Protocol-Version": "2025-06-18"}
        return httpx2.post(mcp_url, json=body, headers=headers).status_code

    time.sleep(2.5)
    assert call(carol.access_token) == 401, "an expired access token must be refused"
    refreshed = httpx2.post(
        carol.discovery.metadata["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": carol.refresh_token, "client_id": carol.client_id},
    )
    assert refreshed.status_code == 200, refreshed.text
    new_token = refreshed.json()["access_token"]
    assert call(new_token) == 200
    with google_oauth.lock:  # Google revokes carol's grant entirely
        for store in (google_oauth.access_tokens, google_oauth.refresh_tokens):
            for token in [t for t, g in store.items() if g.email == "carol@example.com"]:
                del store[token]
    deadline = time.monotonic() + AUTH_CACHE_TTL + 2  # the server's last check of the token may be reused that long
    while call(new_token) != 401:
        assert time.monotonic() < deadline, "a grant revoked at Google was still accepted after the cache TTL"
        time.sleep(0.25)


def test_no_token_or_secret_in_logs(server, google_oauth, alice, bob):
    text = server.log_text()
    secrets_seen = [alice.access_token, bob.access_token, CLIENT_SECRET]
    secrets_seen += [t for t in google_oauth.access_tokens] + [t for t in google_oauth.refresh_tokens]
    secrets_seen += [t for t in (alice.refresh_token, bob.refresh_token) if t]
    leaked = [s[:12] for s in secrets_seen if s in text]
    assert not leaked, f"tokens found in logs: {leaked}"
    entries = log_entries(server)
    tools = [e for e in entries if e.get("event") == "tool_call"]
    assert tools and all(
        e["tool"] and "duration_ms" in e and e["user"].startswith("u-") and e["request_id"] for e in tools
    )
    assert not any("alice@example.com" in json.dumps(e) for e in entries), "users are logged hashed by default"


def test_oauth_flow_without_prefix(google_oauth, google_api, tmp_path):
    port = free_port()
    env = {
        **oauth_env(google_oauth, f"http://127.0.0.1:{port}", str(tmp_path / "tokens"), prefix=""),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
    }
    with run_server(env, port=port, log_path=tmp_path / "plain.log") as server:
        dave = sign_in(google_oauth, google_api, server.url("/mcp"), "dave@example.com")
        assert dave.discovery.resource_metadata_url == server.url("/.well-known/oauth-protected-resource/mcp")
        assert dave.discovery.metadata["authorization_endpoint"] == server.url("/authorize")
        names, result = asyncio.run(_list_and_call(server.url("/mcp"), dave.access_token, "list_gmail_labels"))
        assert names and not result.is_error, result
