"""Scale-out behind the ALB stand-in: nginx round-robins (no stickiness) between two server
processes that share one token store on moto's S3. Login, MCP sessions on every protocol
version, a restarted process, and a corrupt record."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from contextlib import ExitStack

import httpx2
import pytest
from cryptography.fernet import Fernet
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.fakes.nginx_alb import run_nginx_alb
from tests.fakes.ports import free_port
from tests.fakes.server_process import run_server
from tests.server.conftest import PREFIX, oauth_env
from tests.server.oauth_client import authorization_server_metadata_urls, login

ACCEPT = {"Accept": "application/json, text/event-stream"}


@pytest.fixture(scope="module")
def cluster(moto, s3_store, google_oauth, google_api, tmp_path_factory):
    """Two server processes behind nginx; yields (alb, [a, b], env)."""
    logs = tmp_path_factory.mktemp("scale-out")
    alb_port = free_port()
    env = {
        **oauth_env(google_oauth, f"http://127.0.0.1:{alb_port}{PREFIX}", s3_store),
        **moto.env(),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
    }
    with ExitStack() as stack:
        servers = [stack.enter_context(run_server(env, log_path=logs / f"server-{i}.log")) for i in range(2)]
        targets = [f"127.0.0.1:{s.port}" for s in servers]
        alb = stack.enter_context(run_nginx_alb(logs / "nginx", targets, PREFIX, port=alb_port))
        yield alb, servers, env


@pytest.fixture(scope="module")
def alice(cluster, google_oauth, google_api):
    alb, _, _ = cluster
    google_oauth.signed_in = "alice@example.com"
    return login(alb.base_url + PREFIX + "/mcp")


def _targets_of(alb, start: int) -> set[str]:
    return set(alb.upstreams()[start:])


def test_alb_forwards_only_the_prefix_and_discovery(cluster):
    alb, _, _ = cluster
    assert httpx2.get(f"{alb.base_url}{PREFIX}/health").json()["status"] == "ok"
    for path in ("/health", "/mcp", "/authorize", "/.well-known/oauth-authorization-server"):
        assert httpx2.get(alb.base_url + path).status_code == 404, path


def test_oauth_flow_through_the_alb_spreads_over_both_processes(cluster, alice):
    alb, servers, _ = cluster
    assert alice.discovery.resource_metadata_url == f"{alb.base_url}/.well-known/oauth-protected-resource{PREFIX}/mcp"
    assert alice.discovery.metadata_url == f"{alb.base_url}/.well-known/oauth-authorization-server{PREFIX}"
    issuer = alice.discovery.metadata["issuer"]
    for url in authorization_server_metadata_urls(issuer):  # every form a client may try, through the ALB
        assert httpx2.get(url).json()["issuer"] == issuer, url
    served = _targets_of(alb, 0)
    assert served == {f"127.0.0.1:{s.port}" for s in servers}, "round robin should have used both processes"


def test_fastmcp_client_through_the_alb(cluster, alice):
    alb, servers, _ = cluster
    start = len(alb.upstreams())

    async def session():
        async with Client(StreamableHttpTransport(alb.base_url + PREFIX + "/mcp", auth=alice.access_token)) as client:
            tools = await client.list_tools()
            results = [await client.call_tool("list_gmail_labels", {}, raise_on_error=False) for _ in range(3)]
            return tools, results

    tools, results = asyncio.run(session())
    assert tools and all(not r.is_error for r in results), results
    assert len(_targets_of(alb, start)) == 2


def _rpc(url: str, token: str, version: str, session: str | None, message: dict) -> httpx2.Response:
    headers = {**ACCEPT, "Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if message.get("method") != "initialize":
        headers["MCP-Protocol-Version"] = version
    if session:
        headers["Mcp-Session-Id"] = session
    return httpx2.post(url, json=message, headers=headers, timeout=30)


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_session_on_older_protocols_alternates_between_processes(cluster, alice, version):
    alb, _, _ = cluster
    url = alb.base_url + PREFIX + "/mcp"
    start = len(alb.upstreams())
    init = _rpc(
        url,
        alice.access_token,
        version,
        None,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
        },
    )
    assert init.status_code == 200, init.text
    assert init.json()["result"]["protocolVersion"] == version
    session = init.headers.get("mcp-session-id")
    notified = _rpc(
        url, alice.access_token, version, session, {"jsonrpc": "2.0", "method": "notifications/initialized"}
    )
    assert notified.status_code == 202, notified.text
    for request_id in range(2, 6):
        message = (
            {"jsonrpc": "2.0", "id": request_id, "method": "tools/list"}
            if request_id % 2
            else {
                "jsonrpc": "2.0",
                "id": request_id,
                "method": "tools/call",
                "params": {"name": "list_gmail_labels", "arguments": {}},
            }
        )
        response = _rpc(url, alice.access_token, version, session, message)
        assert response.status_code == 200, (request_id, response.status_code, response.text)
        body = response.json()
        assert "result" in body and not body["result"].get("isError"), body
    assert len(_targets_of(alb, start)) == 2, "consecutive requests of the session must have hit both processes"


def test_one_login_used_directly_on_each_process(cluster, alice):
    _, servers, _ = cluster
    for server in servers:
        response = _rpc(
            server.url(f"{PREFIX}/mcp"),
            alice.access_token,
            "2025-06-18",
            None,
            {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        )
        assert response.status_code == 200, (server.port, response.text)


def test_a_new_process_sees_existing_logins(cluster, alice, tmp_path):
    _, _, env = cluster
    with run_server(env, log_path=tmp_path / "restarted.log") as fresh:
        response = _rpc(
            fresh.url(f"{PREFIX}/mcp"),
            alice.access_token,
            "2025-06-18",
            None,
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "list_gmail_labels", "arguments": {}},
            },
        )
        assert response.status_code == 200, response.text
        assert not response.json()["result"].get("isError"), response.text


def test_records_are_encrypted_at_rest(moto, s3_store, alice):
    bucket, _, prefix = s3_store[len("s3://") :].partition("/")
    s3 = moto.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    assert any("/mcp-upstream-tokens/" in k for k in keys)
    for key in keys:
        blob = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert b"ya29." not in blob and b"refresh" not in blob and b"alice" not in blob, key
        assert blob.startswith(b"gAAAA"), "Fernet token expected"


@pytest.mark.parametrize("damage", ["garbage", "other-key"])
def test_corrupt_record_gives_a_clear_error(cluster, moto, s3_store, google_oauth, damage):
    alb, servers, _ = cluster
    google_oauth.signed_in = f"{damage}@example.com"
    victim = login(alb.base_url + PREFIX + "/mcp")
    jti = json.loads(base64.urlsafe_b64decode(victim.access_token.split(".")[1] + "=="))["jti"]
    bucket, _, prefix = s3_store[len("s3://") :].partition("/")
    key = f"{prefix}/oauth/mcp-jti-mappings/{hashlib.sha256(jti.encode()).hexdigest()}.bin"
    s3 = moto.client("s3")
    s3.head_object(Bucket=bucket, Key=key)  # the record exists where we expect it
    blob = b"\x00not a record" if damage == "garbage" else Fernet(Fernet.generate_key()).encrypt(b'{"value": {}}')
    s3.put_object(Bucket=bucket, Key=key, Body=blob)
    response = _rpc(
        servers[0].url(f"{PREFIX}/mcp"),
        victim.access_token,
        "2025-06-18",
        None,
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )
    assert response.status_code == 503, response.text
    assert "unreadable" in response.json()["error_description"]
    errors = [json.loads(line) for line in servers[0].log_text().splitlines() if '"storage_error"' in line]
    assert any(key.split("/", 1)[1] in e["message"] for e in errors), "the failure must be logged"
