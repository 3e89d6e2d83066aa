"""Browser origins: a page on another site must not drive the MCP endpoint or the OAuth endpoints."""

from __future__ import annotations

import json

import httpx2
import pytest

from tests.security.http.conftest import EXTRA_ORIGIN
from tests.server.conftest import PREFIX

RPC = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
FOREIGN = ["https://evil.example", "null", "http://127.0.0.1.evil.example", "http://127.0.0.1:1"]


def _refused(response: httpx2.Response) -> None:
    assert response.status_code == 403, (response.status_code, response.text[:300])
    body = response.json()
    assert body["error"] == "forbidden_origin", body
    assert "origin" in body["error_description"]


@pytest.mark.parametrize("origin", FOREIGN)
@pytest.mark.parametrize("path", [f"{PREFIX}/mcp", f"{PREFIX}/mcp/", "/mcp"])
def test_foreign_origin_on_the_mcp_endpoint_is_403_in_oauth_mode(server, path, origin):
    _refused(httpx2.post(server.url(path), json=RPC, headers={**MCP_HEADERS, "Origin": origin}))


@pytest.mark.parametrize("origin", FOREIGN)
def test_foreign_origin_on_the_mcp_endpoint_is_403_in_single_user_mode(single_user, origin):
    """No authentication here: without the check, any web page the user opens could read their mail."""
    _refused(httpx2.post(single_user.url(f"{PREFIX}/mcp"), json=RPC, headers={**MCP_HEADERS, "Origin": origin}))


@pytest.mark.parametrize(
    "path,form",
    [
        ("/register", None),
        ("/token", {"grant_type": "authorization_code", "code": "x", "client_id": "y"}),
        ("/revoke", {"token": "x", "client_id": "y"}),
        ("/authorize", {"client_id": "y", "response_type": "code"}),
        ("/consent", {"action": "approve", "txn_id": "x"}),
    ],
)
def test_foreign_origin_on_oauth_posts_is_403(server, path, form):
    headers = {"Origin": "https://evil.example"}
    if form is None:
        response = httpx2.post(
            server.url(PREFIX + path),
            headers=headers,
            json={"redirect_uris": ["http://127.0.0.1:9/cb"], "client_name": "evil"},
        )
    else:
        response = httpx2.post(server.url(PREFIX + path), headers=headers, data=form)
    _refused(response)


def test_refusals_are_logged(server):
    httpx2.post(server.url(f"{PREFIX}/mcp"), json=RPC, headers={**MCP_HEADERS, "Origin": "https://logged.example"})
    entries = [json.loads(line) for line in server.process.log_text().splitlines() if line.startswith("{")]
    assert any(e.get("event") == "bad_origin" and e.get("origin") == "https://logged.example" for e in entries)


def test_no_origin_the_public_origin_and_configured_origins_pass(server):
    """Non-browser clients send no Origin; the consent page posts from the public origin."""
    for origin in (None, server.origin, EXTRA_ORIGIN, EXTRA_ORIGIN.upper()):
        headers = {**MCP_HEADERS, **({"Origin": origin} if origin else {})}
        response = httpx2.post(server.url(f"{PREFIX}/mcp"), json=RPC, headers=headers)
        assert response.status_code == 401, (origin, response.status_code)  # on to authentication
        registration = httpx2.post(
            server.url(f"{PREFIX}/register"),
            headers={"Origin": origin} if origin else {},
            json={"redirect_uris": ["http://127.0.0.1:9/cb"], "client_name": "ok"},
        )
        assert registration.status_code in (201, 429), (origin, registration.status_code, registration.text)


def test_single_user_mode_answers_its_own_origin(single_user):
    for origin in (None, single_user.origin, EXTRA_ORIGIN):
        headers = {**MCP_HEADERS, **({"Origin": origin} if origin else {})}
        response = httpx2.post(
            single_user.url(f"{PREFIX}/mcp"), json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=headers
        )
        assert response.status_code == 200, (origin, response.status_code, response.text)


def test_preflight_and_reads_are_not_refused(server):
    """A CORS preflight changes nothing; discovery documents are public."""
    preflight = httpx2.options(
        server.url(f"{PREFIX}/token"),
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code != 403
    metadata = httpx2.get(
        server.url(f"/.well-known/oauth-authorization-server{PREFIX}"), headers={"Origin": "https://evil.example"}
    )
    assert metadata.status_code == 200
