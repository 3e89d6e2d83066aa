"""Oversized bodies and floods against the real server: refused early, memory flat, limits per client."""

from __future__ import annotations

import json
import time

import httpx2
import pytest

from tests.fakes.raw_http import repeated, request, rss_bytes
from tests.security.http.conftest import oauth_server
from tests.server.conftest import PREFIX

HUNDRED_MB = 100 * 1024 * 1024
REDIRECT = "http://127.0.0.1:43117/callback"


def registration(name: str = "client") -> dict:
    return {
        "client_name": name,
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }


def huge_registration() -> tuple[bytes, bytes]:
    """The JSON of a registration whose client_name fills it up: (prefix, suffix) around the name."""
    return b'{"client_name": "', f'", "redirect_uris": ["{REDIRECT}"]}}'.encode()


def headers(target, **extra: str) -> dict[str, str]:
    return {"Host": f"127.0.0.1:{target.port}", "Content-Type": "application/json", **extra}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_100_mb_registration_is_refused_fast_and_memory_stays_flat(server, chunked):
    before = rss_bytes(server.process.process.pid)
    prefix, suffix = huge_registration()
    extra = {} if chunked else {"Content-Length": str(HUNDRED_MB)}
    answer = request(
        server.port,
        "POST",
        f"{PREFIX}/register",
        headers(server, **extra),
        repeated(prefix, b"A", HUNDRED_MB, suffix),
        chunked=chunked,
        timeout=60,
    )
    after = rss_bytes(server.process.process.pid)
    assert answer.status == 413, (answer.status, answer.body[:300])
    assert json.loads(answer.body)["error"] == "request_too_large"
    assert answer.seconds < 2, f"took {answer.seconds:.1f} s to refuse"
    # Refused by the declared length before a byte of the body, or within a few pieces of it.
    assert answer.sent <= 8 * 1024 * 1024, f"the server read {answer.sent} bytes before refusing"
    assert after - before < 20 * 1024 * 1024, f"RSS grew {(after - before) / 2**20:.1f} MiB"
    # The server is fine afterwards, and nothing of the name was stored or echoed.
    assert httpx2.get(server.url(f"{PREFIX}/health")).status_code == 200


@pytest.mark.parametrize("path", ["/token", "/revoke", "/authorize", "/consent"])
def test_every_oauth_endpoint_caps_its_body(server, path):
    body = b"x=" + b"A" * (64 * 1024)
    response = httpx2.post(
        server.url(PREFIX + path), content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413, (path, response.status_code, response.text[:300])
    assert response.json()["error"] == "request_too_large"


def test_a_registration_under_the_cap_still_works(server):
    response = httpx2.post(server.url(f"{PREFIX}/register"), json=registration("x" * 4000))
    assert response.status_code == 201, response.text


def test_the_mcp_endpoint_keeps_its_own_larger_cap(server):
    """A 1 MiB JSON-RPC message is not refused for its size (401: it still needs a token)."""
    big = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "send_gmail_message", "arguments": {"body": "x" * (1 << 20)}},
    }
    response = httpx2.post(
        server.url(f"{PREFIX}/mcp"), json=big, headers={"Accept": "application/json, text/event-stream"}
    )
    assert response.status_code == 401, response.status_code
    too_big = request(
        server.port,
        "POST",
        f"{PREFIX}/mcp",
        headers(server, **{"Content-Length": str(HUNDRED_MB)}),
        repeated(b"{", b"A", HUNDRED_MB, b"}"),
        timeout=30,
    )
    assert too_big.status == 413


@pytest.fixture(scope="module")
def flooded(google_oauth, google_api, moto, tmp_path_factory):
    """A server of its own: the floods below use up its budgets."""
    with oauth_server(google_oauth, google_api, moto, tmp_path_factory.mktemp("flood")) as target:
        yield target


def _register_many(target, count: int, forwarded_for=None) -> list[httpx2.Response]:
    with httpx2.Client(timeout=10) as http:
        return [
            http.post(
                target.url(f"{PREFIX}/register"),
                json=registration(f"flood-{i}"),
                headers={"X-Forwarded-For": forwarded_for(i)} if forwarded_for else {},
            )
            for i in range(count)
        ]


def test_registration_flood_gets_429_with_retry_after(flooded):
    started = time.monotonic()
    answers = _register_many(flooded, 120)
    statuses = [a.status_code for a in answers]
    assert statuses.count(201) <= 35, f"{statuses.count(201)} of 120 rapid registrations were accepted"
    refused = [a for a in answers if a.status_code == 429]
    assert refused, statuses
    assert all(a.headers["retry-after"].isdigit() and int(a.headers["retry-after"]) >= 1 for a in refused)
    assert refused[0].json()["error"] == "too_many_requests"
    assert time.monotonic() - started < 30
    # Registrations are limited, not the rest of the server.
    assert httpx2.get(flooded.url(f"{PREFIX}/health")).status_code == 200
    metadata = httpx2.get(flooded.url(f"/.well-known/oauth-authorization-server{PREFIX}"))
    assert metadata.status_code == 200
    entries = [json.loads(line) for line in flooded.process.log_text().splitlines() if line.startswith("{")]
    assert any(e.get("event") == "rate_limited" and e.get("group") == "register" for e in entries)


def test_spoofed_x_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_limit(flooded):
    answers = _register_many(flooded, 60, forwarded_for=lambda i: f"203.0.113.{i}")
    statuses = [a.status_code for a in answers]
    assert statuses.count(201) <= 35, f"{statuses.count(201)} of 60 registrations with invented addresses accepted"


@pytest.mark.parametrize("path,group_limit", [("/token", 300), ("/authorize", 120)])
def test_token_and_authorization_floods_are_limited(flooded, path, group_limit):
    with httpx2.Client(timeout=10) as http:
        if path == "/token":
            answers = [
                http.post(flooded.url(PREFIX + path), data={"grant_type": "authorization_code", "code": "x"})
                for _ in range(group_limit + 20)
            ]
        else:
            answers = [
                http.get(flooded.url(PREFIX + path), params={"client_id": "nobody", "response_type": "code"})
                for _ in range(group_limit + 20)
            ]
    statuses = [a.status_code for a in answers]
    assert 429 in statuses, statuses
    assert all(a.headers.get("retry-after", "").isdigit() for a in answers if a.status_code == 429)


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    google_oauth, google_api, moto, tmp_path_factory
):
    """With the proxy trusted, the address it appends is the client; what the client wrote before it is not."""
    with oauth_server(
        google_oauth,
        google_api,
        moto,
        tmp_path_factory.mktemp("proxied"),
        WORKSPACE_MCP_TRUSTED_PROXIES="127.0.0.1/32",
        WORKSPACE_MCP_RATE_LIMIT_REGISTER="5",
    ) as target:
        # One client behind the proxy, inventing a new leftmost address each time: one budget.
        same = _register_many(target, 10, forwarded_for=lambda i: f"198.51.100.{i}, 192.0.2.7")
        assert [a.status_code for a in same].count(201) == 5, [a.status_code for a in same]
        # Other clients behind the same proxy are not affected by that one's flood.
        others = _register_many(target, 5, forwarded_for=lambda i: f"192.0.2.{100 + i}")
        assert all(a.status_code == 201 for a in others), [a.status_code for a in others]
        entries = [json.loads(line) for line in target.process.log_text().splitlines() if line.startswith("{")]
        assert any(e.get("event") == "rate_limited" and e.get("client") == "192.0.2.7" for e in entries)
