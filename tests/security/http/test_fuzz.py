"""A bounded fuzz pass over the HTTP surface (fixed seed, fixed count): random JSON-RPC shapes,
headers, paths and OAuth parameters against the real server. No answer may be a 5xx or show a
traceback or an internal path, and the process's memory must stay flat."""

from __future__ import annotations

import json
import random
import re
import string
import time

import httpx2
import pytest

from tests.fakes.raw_http import request as raw_request
from tests.fakes.raw_http import rss_bytes
from tests.security.http.conftest import oauth_server, single_user_server
from tests.server.conftest import PREFIX
from tests.server.oauth_client import login

SEED = 20261201
COUNT = 1000
LEAKS = re.compile(r"Traceback|File \"|site-packages|/tmp/|/work/|/home/|/root/|s3://|http-sec-|\bline \d+, in\b")

ENDPOINTS = [
    "/mcp",
    "/mcp/",
    "/register",
    "/authorize",
    "/token",
    "/revoke",
    "/consent",
    "/auth/callback",
    "/health",
    "/ready",
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
    "/.well-known/oauth-protected-resource/mcp",
    "",
]
TRICKS = [
    "/../",
    "/..%2f",
    "%2e%2e/",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "//",
    "/./",
    "%00",
    "%ff",
    "/\u00e9",
    ";x=1",
    "/mcp%2f..%2fregister",
    "\\..\\",
    "/" + "a" * 3000,
    "?x=" + "%" * 20,
]
METHODS = ["GET", "POST", "POST", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"]
RPC_METHODS = [
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "prompts/get",
    "logging/setLevel",
    "completion/complete",
    "notifications/initialized",
    "notifications/cancelled",
    "sampling/createMessage",
    "",
    "x" * 500,
    "tools/call/../list",
    "\u0000",
    "rpc.discover",
]
TOOLS = ["list_gmail_labels", "search_gmail_messages", "get_gmail_message", "modify_gmail_labels", "nope", "", "../x"]


def junk(rng: random.Random, depth: int = 0):
    """Any JSON value, sometimes large or deep."""
    kind = rng.randrange(10 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**63, -(2**70), 1e308, -0.0, 3.5])
    if kind == 3:
        return "".join(rng.choice(string.printable + "\u00e9\u202e\U0001f600\x00") for _ in range(rng.randrange(40)))
    if kind == 4:
        return "A" * rng.choice([0, 1, 1000, 20000])
    if kind == 5:
        return rng.choice(["../../etc/passwd", "%2e%2e", "${jndi:ldap://x}", "'; DROP TABLE x;--", "<script>"])
    if kind in (6, 7):
        return [junk(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {
        rng.choice(["id", "name", "arguments", "params", "x", "", "__proto__"]): junk(rng, depth + 1)
        for _ in range(rng.randrange(4))
    }


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def rpc_body(rng: random.Random) -> bytes:
    shape = rng.randrange(9)
    if shape == 0:
        return b"{not json"
    if shape == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if shape == 2:
        return deep(rng.choice([10, 100, 1000, 5000])).encode()
    if shape == 3:
        return json.dumps([{"jsonrpc": "2.0", "id": i, "method": rng.choice(RPC_METHODS)} for i in range(5)]).encode()
    message: dict = {"jsonrpc": rng.choice(["2.0", "2.0", "1.0", None, 2]), "method": rng.choice(RPC_METHODS)}
    if rng.random() < 0.8:
        message["id"] = rng.choice([1, "x", None, [], {}, 1.5, 2**64, "A" * 300])
    if message["method"] == "tools/call" or rng.random() < 0.3:
        message["params"] = {"name": rng.choice(TOOLS), "arguments": junk(rng)} if rng.random() < 0.7 else junk(rng)
    if shape == 4:
        message["params"] = {
            "protocolVersion": rng.choice(["2025-06-18", "1999-01-01", "", None]),
            "capabilities": junk(rng),
            "clientInfo": junk(rng),
        }
    return json.dumps(message).encode()


def oauth_params(rng: random.Random) -> dict:
    keys = [
        "client_id",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "code_challenge_method",
        "scope",
        "state",
        "grant_type",
        "code",
        "code_verifier",
        "refresh_token",
        "token",
        "token_type_hint",
        "resource",
        "txn_id",
        "action",
        "client_secret",
    ]
    values = [
        "",
        "x",
        "https://evil.example/cb",
        "http://127.0.0.1:1/cb#frag",
        "javascript:alert(1)",
        "code",
        "token",
        "S256",
        "plain",
        "openid email",
        "authorization_code",
        "refresh_token",
        "A" * 5000,
        "\u00e9\u0000",
        "../../",
        "%0d%0aSet-Cookie:x=1",
    ]
    return {rng.choice(keys): rng.choice(values) for _ in range(rng.randrange(1, 8))}


def headers(rng: random.Random, target, token: str) -> dict:
    out = {"Host": rng.choice([f"127.0.0.1:{target.port}"] * 8 + ["evil.example", "127.0.0.1"])}
    if rng.random() < 0.7:
        out["Accept"] = rng.choice(["application/json, text/event-stream", "*/*", "text/html", "application/json"])
    if rng.random() < 0.6:
        out["Content-Type"] = rng.choice(
            [
                "application/json",
                "application/x-www-form-urlencoded",
                "text/plain",
                "multipart/form-data; boundary=x",
                "application/json; charset=latin-1",
            ]
        )
    if rng.random() < 0.5:
        out["Authorization"] = rng.choice(
            [
                f"Bearer {token}",
                f"Bearer {token}",
                "Bearer x",
                "Basic Og==",
                "Bearer " + "A" * 4000,
                "Bearer eyJhbGciOiJub25lIn0.e30.",
            ]
        )
    if rng.random() < 0.3:
        out["Origin"] = rng.choice([target.origin, "https://evil.example", "null", ""])
    if rng.random() < 0.3:
        out["MCP-Protocol-Version"] = rng.choice(["2025-06-18", "2025-11-25", "1.0", "", "x" * 100])
    if rng.random() < 0.2:
        out["X-Forwarded-For"] = rng.choice(["1.2.3.4", "garbage", "::1, 10.0.0.1", "1.1.1.1," * 100])
    if rng.random() < 0.1:
        out["Mcp-Session-Id"] = rng.choice(["x", "A" * 1000, "\u00e9".encode().decode("latin-1")])
    return out


def one_request(rng: random.Random, target, token: str, mcp_share: float) -> tuple[str, int, str]:
    path = PREFIX + ("/mcp" if rng.random() < mcp_share else rng.choice(ENDPOINTS))
    if rng.random() < 0.25:
        path = rng.choice([PREFIX, "", "/mcp"]) + rng.choice(TRICKS) + rng.choice(ENDPOINTS).lstrip("/")
    method = rng.choice(METHODS)
    sent_headers = headers(rng, target, token)
    form = rng.random() < 0.4
    if path.endswith(("/mcp", "/mcp/")):
        method = "POST" if rng.random() < 0.8 else method
    if path.endswith(("/mcp", "/mcp/")) or not form:
        body = rpc_body(rng) if method in ("POST", "PUT", "PATCH") else b""
    else:
        params = oauth_params(rng)
        if method == "GET":
            return _send_raw(target, method, path + "?" + httpx2.QueryParams(params).__str__(), sent_headers, b"")
        body = str(httpx2.QueryParams(params)).encode()
    return _send_raw(target, method, path, sent_headers, body)


def _send_raw(target, method: str, path: str, sent_headers: dict, body: bytes) -> tuple[str, int, str]:
    """Paths and headers exactly as chosen (no client normalizes them away)."""
    sent_headers = {**sent_headers, "Content-Length": str(len(body)), "Connection": "close"}
    target_path = path.encode("utf-8", "surrogatepass").decode("latin-1")
    answer = raw_request(target.port, method, target_path, sent_headers, body, timeout=30)
    return f"{method} {path[:120]}", answer.status, answer.body.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def oauth_target(google_oauth, google_api, moto, tmp_path_factory):
    """Rate limits off so the fuzz reaches the OAuth handlers instead of 429s."""
    limits_off = {f"WORKSPACE_MCP_RATE_LIMIT_{group}": "0" for group in ("REGISTER", "AUTHORIZE", "TOKEN")}
    with oauth_server(google_oauth, google_api, moto, tmp_path_factory.mktemp("fuzz"), **limits_off) as target:
        # A signed-in user's token, so JSON-RPC shapes get past authentication.
        yield target, login(target.url(f"{PREFIX}/mcp")).access_token


@pytest.fixture(scope="module")
def single_user_target(google_oauth, google_api, tmp_path_factory):
    """No authentication: every JSON-RPC shape reaches the tools (which call the Google stand-in)."""
    directory = tmp_path_factory.mktemp("fuzz-single-user")
    with single_user_server(google_oauth, directory, PREFIX, GOOGLE_API_ROOT_URL=google_api.root_url) as target:
        yield target, "no-token"


@pytest.mark.parametrize(
    "mode,count,mcp_share",
    [
        ("oauth_target", COUNT, 0.3),
        ("single_user_target", COUNT // 2, 0.7),  # most requests at the tools: nothing stands in front of them
    ],
)
def test_fuzz_the_http_surface(request, mode, count, mcp_share):
    target, token = request.getfixturevalue(mode)
    rng = random.Random(f"{SEED}-{mode}")
    pid = target.process.process.pid
    for _ in range(30):  # warm-up: first-use allocations (imports, caches) are not growth
        one_request(random.Random(rng.random()), target, token, mcp_share)
    before = rss_bytes(pid)
    started = time.monotonic()
    problems, statuses = [], {}
    for _ in range(count):
        what, status, text = one_request(rng, target, token, mcp_share)
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            problems.append(f"{what} -> {status}: {text[:300]}")
        elif LEAKS.search(text):
            problems.append(f"{what} -> {status} shows internals: {LEAKS.search(text).group(0)!r} in {text[:300]}")
    elapsed = time.monotonic() - started
    growth = rss_bytes(pid) - before
    assert not problems, "\n".join(problems[:20])
    assert elapsed < 60, f"{count} requests took {elapsed:.0f} s"
    assert growth < 25 * 1024 * 1024, f"RSS grew {growth / 2**20:.1f} MiB over {count} requests ({statuses})"
    assert httpx2.get(target.url(f"{PREFIX}/ready")).status_code == 200
    # Bad input is the client's problem: nothing of ours logs it as a server error. (The MCP SDK and
    # FastMCP log some malformed OAuth requests at ERROR themselves.)
    ours = [json.loads(line) for line in target.process.log_text().splitlines() if line.startswith("{")]
    server_errors = [e for e in ours if e["level"] == "ERROR" and e["logger"].startswith("workspace_mcp_server")]
    assert not server_errors, server_errors[:5]
    print(f"{count} requests in {elapsed:.1f} s, RSS {growth / 2**20:+.1f} MiB, statuses {sorted(statuses.items())}")
