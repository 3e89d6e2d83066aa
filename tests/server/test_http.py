"""The HTTP surface of a real server process: health, readiness, prefix, hosts, MCP, logs."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx2
import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.fakes.server_process import console_script, run_server
from tests.server.conftest import PREFIX, log_entries, single_user_env


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory):
    creds = tmp_path_factory.mktemp("creds-prefixed")
    env = {
        **single_user_env(creds, PREFIX),
        "WORKSPACE_MCP_BASE_URI": "http://google-workspace.busyb.local",
        "WORKSPACE_MCP_ALLOWED_HOSTS": "127.0.0.1, extra.example.com",
    }
    with run_server(env, log_path=tmp_path_factory.mktemp("logs") / "prefixed.log") as server:
        yield server


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    creds = tmp_path_factory.mktemp("creds-plain")
    # Started through the console script (the prefixed one through ``python -m``).
    log_path = tmp_path_factory.mktemp("logs") / "plain.log"
    with run_server(single_user_env(creds), log_path=log_path, command=console_script()) as server:
        yield server


@pytest.mark.parametrize("path", ["/health", f"{PREFIX}/health"])
def test_health_answers_with_and_without_prefix(prefixed, path):
    response = httpx2.get(prefixed.url(path))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"]


def test_readiness_checks_the_token_store(prefixed):
    response = httpx2.get(prefixed.url(f"{PREFIX}/ready"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


async def _tool_names(url: str) -> list[str]:
    async with Client(StreamableHttpTransport(url)) as client:
        return [tool.name for tool in await client.list_tools()]


@pytest.mark.parametrize("suffix", ["/mcp", "/mcp/"])
def test_mcp_client_under_the_prefix(prefixed, suffix):
    names = asyncio.run(_tool_names(prefixed.url(PREFIX + suffix)))
    assert names, "the server should list the enabled tools"


def test_mcp_client_without_prefix(plain):
    assert asyncio.run(_tool_names(plain.url("/mcp")))


def test_no_redirect_from_mcp_slash(prefixed):
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    for path in (f"{PREFIX}/mcp", f"{PREFIX}/mcp/"):
        response = httpx2.post(prefixed.url(path), json=body, headers=headers, follow_redirects=False)
        assert response.status_code == 200, (path, response.status_code, response.text)


def test_mcp_at_the_internal_cloud_map_path(prefixed):
    """Inside the VPC clients reach the task directly at http://<cloud map name>:8000/mcp (no ALB prefix)."""
    assert asyncio.run(_tool_names(prefixed.url("/mcp")))
    headers = {
        "Host": "google-workspace.busyb.local:8000",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    }
    ping = httpx2.post(
        prefixed.url("/mcp"),
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers=headers,
        follow_redirects=False,
    )
    assert ping.status_code == 200, ping.text


@pytest.mark.parametrize("path", ["/authorize", "/token", "/nothing", f"{PREFIX}/nothing"])
def test_routes_outside_the_prefix_are_not_served(prefixed, path):
    assert httpx2.post(prefixed.url(path), json={}).status_code in (404, 405)


@pytest.mark.parametrize(
    "host",
    ["google-workspace.busyb.local", "google-workspace.busyb.local:8000", "extra.example.com", "127.0.0.1"],
)
def test_accepted_hosts(prefixed, host):
    response = httpx2.get(prefixed.url(f"{PREFIX}/ready"), headers={"Host": host})
    assert response.status_code == 200, (host, response.text)
    ping = httpx2.post(
        prefixed.url(f"{PREFIX}/mcp"),
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers={"Host": host, "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"},
    )
    assert ping.status_code == 200, (host, ping.text)


@pytest.mark.parametrize(
    "host", ["evil.example.com", "10.0.3.7:8000", "localhost", "google-workspace.busyb.local.evil.com"]
)
def test_refused_hosts(prefixed, host):
    response = httpx2.post(prefixed.url(f"{PREFIX}/mcp"), json={}, headers={"Host": host})
    assert response.status_code == 421
    assert response.json()["error"] == "misdirected_request"


@pytest.mark.parametrize("path", ["/health", f"{PREFIX}/health"])
@pytest.mark.parametrize("host", ["10.0.3.7:8000", "localhost:8000"])
def test_health_checks_by_ip_and_localhost_are_accepted(prefixed, path, host):
    # The ALB health check addresses the task by its private IP, the container check uses localhost.
    assert httpx2.get(prefixed.url(path), headers={"Host": host}).status_code == 200


def test_logs_are_one_json_object_per_line_with_request_ids(prefixed):
    response = httpx2.get(prefixed.url(f"{PREFIX}/nothing"), headers={"X-Request-Id": "trace-abc-123"})
    assert response.headers["x-request-id"] == "trace-abc-123"
    # The request line is written once the response has gone out: give it a moment to land.
    for _ in range(50):
        requests = [e for e in log_entries(prefixed) if e.get("event") == "request"]
        if any(e["request_id"] == "trace-abc-123" for e in requests):
            break
        time.sleep(0.1)
    assert any(e["request_id"] == "trace-abc-123" and e["status"] == 404 for e in requests)
    assert all({"request_id", "method", "path", "status", "duration_ms"} <= set(e) for e in requests)


def test_sigterm_drains_in_flight_requests(tmp_path):
    """A request still running when SIGTERM arrives gets its full answer before the process exits."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from tests.fakes.moto_server import FAKE_CREDENTIALS

    arrived, release = threading.Event(), threading.Event()

    class SlowS3(BaseHTTPRequestHandler):
        def do_GET(self):  # ListObjectsV2, then the key canary's GetObject, from the readiness check
            if "list-type=2" not in self.path:
                body = b'<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>none</Message></Error>'
                self.send_response(404)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            arrived.set()
            release.wait(timeout=20)
            body = b'<?xml version="1.0"?><ListBucketResult><Name>b</Name><KeyCount>0</KeyCount></ListBucketResult>'
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):  # the canary, written by the first readiness check
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("ETag", '"canary"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    s3 = ThreadingHTTPServer(("127.0.0.1", 0), SlowS3)
    threading.Thread(target=s3.serve_forever, daemon=True).start()
    env = {
        **single_user_env(tmp_path / "creds"),
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{s3.server_address[1]}",
        "WORKSPACE_MCP_TOKEN_STORE": "s3://slow-bucket/tokens",
    }
    try:
        with run_server(env) as server:
            result = {}
            client = threading.Thread(target=lambda: result.update(r=httpx2.get(server.url("/ready"), timeout=30)))
            client.start()
            assert arrived.wait(timeout=20), "the readiness check never reached the store"
            server.process.send_signal(signal.SIGTERM)
            release.set()
            client.join(timeout=30)
            assert result["r"].status_code == 200 and result["r"].json()["status"] == "ready"
            # uvicorn drains, runs the shutdown, then re-raises the signal (exit status -15).
            assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in server.log_text()
    finally:
        release.set()
        s3.shutdown()
