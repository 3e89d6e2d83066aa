"""Internal callers: a backend inside the VPC (the Core Agent) calls tools as its signed-in user with the
Google access token it already holds, on the internal route (bare ``/mcp``, Cloud Map host, not through
the ALB). Real server process, the Google OAuth and API stand-ins, a real MCP client."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

import httpx2
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.fakes.ports import free_port
from tests.fakes.server_process import run_server
from tests.server.conftest import GMAIL_SCOPE, PREFIX, log_entries, oauth_env
from tests.server.oauth_client import login

CORE_AGENT = "core-agent.apps.googleusercontent.com"
OTHER_CLIENT = "someone-else.apps.googleusercontent.com"
INTERNAL_HOST = "google-workspace.busyb.local"
SCOPES = f"openid https://www.googleapis.com/auth/userinfo.email {GMAIL_SCOPE}"
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
LIST_LABELS = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "list_gmail_labels", "arguments": {}},
}


@pytest.fixture(scope="module")
def server(moto, s3_store, google_oauth, google_api, tmp_path_factory):
    port = free_port()
    env = {
        **oauth_env(google_oauth, f"http://127.0.0.1:{port}{PREFIX}", s3_store),
        **moto.env(),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
        "WORKSPACE_MCP_BASE_URI": f"http://{INTERNAL_HOST}",  # the Cloud Map name, as the stack sets it
        "WORKSPACE_MCP_INTERNAL_CLIENT_IDS": f"{CORE_AGENT}, another-backend.apps.googleusercontent.com",
    }
    with run_server(env, port=port, log_path=tmp_path_factory.mktemp("internal") / "server.log") as process:
        yield process


def _internal(server, token: str, *, host: str = f"{INTERNAL_HOST}:8000", path: str = "/mcp", **headers):
    return httpx2.post(
        server.url(path),
        json=LIST_LABELS,
        timeout=30,
        headers={**ACCEPT, "Host": host, "Authorization": f"Bearer {token}", **headers},
    )


def _ok(response) -> bool:
    return response.status_code == 200 and not response.json()["result"].get("isError")


def test_internal_caller_calls_a_tool_with_its_users_google_token(server, google_oauth, google_api):
    token, _ = google_oauth.issue("carol@example.com", SCOPES, client_id=CORE_AGENT)

    async def session():
        transport = StreamableHttpTransport(server.url("/mcp"), headers={"Host": f"{INTERNAL_HOST}:8000"}, auth=token)
        async with Client(transport) as client:
            tools = {tool.name for tool in await client.list_tools()}
            return tools, await client.call_tool("list_gmail_labels", {}, raise_on_error=False)

    tools, result = asyncio.run(session())
    assert "list_gmail_labels" in tools
    assert not result.is_error, result
    # Google was called as carol, with carol's own token.
    assert google_api.calls("gmail.users.labels.list")[-1].token == token
    refused = [e for e in log_entries(server) if e.get("event") == "internal_token_refused"]
    assert not refused, refused


@pytest.mark.parametrize(
    ("case", "issue"),
    [
        ("client outside the allow-list", {"client_id": OTHER_CLIENT}),
        ("the server's own OAuth client", {}),  # a Google token of the public sign-in is not a bearer here
        ("unverified email", {"client_id": CORE_AGENT, "email_verified": False}),
    ],
)
def test_tokens_the_internal_route_refuses(server, google_oauth, google_api, case, issue):
    token, _ = google_oauth.issue("mallory@example.com", SCOPES, **issue)
    before = len(google_api.calls("gmail.users.labels.list"))
    response = _internal(server, token)
    assert response.status_code == 401, (case, response.text)
    assert len(google_api.calls("gmail.users.labels.list")) == before, "a refused token reached Google"


def test_expired_token_is_refused(server, google_oauth, google_api):
    token, _ = google_oauth.issue("dave@example.com", SCOPES, client_id=CORE_AGENT)
    google_oauth.access_tokens[token].expires_at = time.time() - 1  # Google now answers invalid_token
    before = len(google_api.calls("gmail.users.labels.list"))
    assert _internal(server, token).status_code == 401
    assert len(google_api.calls("gmail.users.labels.list")) == before


def test_each_token_acts_only_as_its_own_user(server, google_oauth, google_api):
    alice, _ = google_oauth.issue("alice@example.com", SCOPES, client_id=CORE_AGENT)
    bob, _ = google_oauth.issue("bob@example.com", SCOPES, client_id=CORE_AGENT)
    before = len(google_api.calls("gmail.users.labels.list"))

    async def call(token: str) -> bool:
        return await asyncio.to_thread(lambda: _ok(_internal(server, token)))

    async def interleaved():
        return await asyncio.gather(*(call(token) for token in [alice, bob] * 4))

    assert all(asyncio.run(interleaved()))
    used = [c.token for c in google_api.calls("gmail.users.labels.list")[before:]]
    assert sorted(used) == sorted([alice, bob] * 4), "every call reached Google with the caller's own token"


@pytest.mark.parametrize(
    ("case", "request_args"),
    [
        ("the public path", {"path": f"{PREFIX}/mcp"}),
        ("the public host", {"host": "127.0.0.1"}),
        ("through a proxy (X-Forwarded-For)", {"x-forwarded-for": "10.0.0.7"}),
    ],
)
def test_outside_the_internal_route_a_google_token_is_refused(server, google_oauth, case, request_args):
    token, _ = google_oauth.issue("erin@example.com", SCOPES, client_id=CORE_AGENT)
    assert _ok(_internal(server, token)), "the token works on the internal route"
    args = dict(request_args)
    if args.get("host") == "127.0.0.1":
        args["host"] = f"127.0.0.1:{server.port}"
    assert _internal(server, token, **args).status_code == 401, case


def test_public_route_keeps_its_oauth_sign_in(server, google_oauth):
    google_oauth.signed_in = "frank@example.com"
    signed_in = login(server.url(f"{PREFIX}/mcp"))
    response = httpx2.post(
        server.url(f"{PREFIX}/mcp"),
        json=LIST_LABELS,
        timeout=30,
        headers={**ACCEPT, "Authorization": f"Bearer {signed_in.access_token}"},
    )
    assert _ok(response), response.text
    # The same sign-in's token also works on the internal route (nothing weaker, nothing lost).
    assert _ok(_internal(server, signed_in.access_token))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"WORKSPACE_MCP_PATH_PREFIX": ""}, "needs WORKSPACE_MCP_PATH_PREFIX"),
        ({"WORKSPACE_MCP_BASE_URI": "https://mcp.busyb.ai"}, "must name the Cloud Map host"),
        ({"WORKSPACE_MCP_INTERNAL_CLIENT_IDS": "core agent;drop"}, "is not an OAuth client id"),
        ({"MCP_ENABLE_OAUTH21": "false", "MCP_SINGLE_USER_MODE": "1"}, "need MCP_ENABLE_OAUTH21=true"),
    ],
)
def test_settings_that_would_blur_the_routes_are_refused(google_oauth, change, message):
    from workspace_mcp_server.config import ConfigError, Settings

    env = {
        **oauth_env(google_oauth, "https://mcp.busyb.ai" + PREFIX, "s3://tokens-unused/mcp"),
        "WORKSPACE_MCP_BASE_URI": f"http://{INTERNAL_HOST}",
        "WORKSPACE_MCP_INTERNAL_CLIENT_IDS": CORE_AGENT,
        **change,
    }
    if not change.get("WORKSPACE_MCP_PATH_PREFIX", PREFIX):
        env["WORKSPACE_MCP_PUBLIC_URL"] = "https://mcp.busyb.ai"
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    assert str(error.value).startswith("WORKSPACE_MCP_INTERNAL_CLIENT_IDS: ") and message in str(error.value)


def _doc_example() -> str:
    from tests.infra.runbook import DOCS, extract_blocks

    (block,) = [b for b in extract_blocks(DOCS[0]) if "GOOGLE_ACCESS_TOKEN" in b.code]
    return block.code


@pytest.mark.parametrize(("client_id", "works"), [(CORE_AGENT, True), (OTHER_CLIENT, False)])
def test_the_documented_call_works_for_a_listed_client_only(server, google_oauth, tmp_path, client_id, works):
    token, _ = google_oauth.issue("grace@example.com", SCOPES, client_id=client_id)
    # curl resolves the Cloud Map name to this process, as the VPC's DNS would to a task.
    (tmp_path / ".curlrc").write_text(f"connect-to = {INTERNAL_HOST}:8000:127.0.0.1:{server.port}\n")
    env = {
        "PATH": os.environ["PATH"],
        "CURL_HOME": str(tmp_path),
        "STACK": "local",
        "GOOGLE_ACCESS_TOKEN": token,
        "INTERNAL_MCP_URL": f"http://{INTERNAL_HOST}:8000/mcp",
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _doc_example()], env=env, capture_output=True, text=True, timeout=60
    )
    if works:
        assert result.returncode == 0 and "called as the token's user" in result.stdout, result.stderr
    else:
        assert result.returncode != 0 and "401" in result.stderr + result.stdout, (result.stdout, result.stderr)
