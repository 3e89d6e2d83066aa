"""Task loss behind the ALB: one of two processes is SIGKILLed and replaced while clients on every protocol
version keep calling. No client signs in again; only requests in flight on the killed process fail."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx2
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from mcp.types import LATEST_PROTOCOL_VERSION

from tests.faults.cluster import PROTOCOLS, call_tool, rpc
from tests.server.oauth_client import login

RAW_PROTOCOLS = PROTOCOLS[:2]  # spoken by hand (initialize, session header); the latest by FastMCP's Client


def _raw_client(url: str, token: str, version: str, stop: threading.Event, outcomes: list) -> None:
    init = rpc(
        url,
        token,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
        },
    )
    assert init.json()["result"]["protocolVersion"] == version, init.text
    session = init.headers.get("mcp-session-id")
    rpc(url, token, {"jsonrpc": "2.0", "method": "notifications/initialized"}, version=version, session=session)
    request_id = 1
    while not stop.is_set():
        request_id += 1
        started = time.time()
        try:
            response = rpc(
                url,
                token,
                call_tool("list_gmail_labels", request_id=request_id),
                version=version,
                session=session,
                timeout=30,
            )
            ok = response.status_code == 200 and not response.json()["result"].get("isError")
            outcomes.append((started, ok, response.status_code, "" if ok else response.text[:200]))
        except (httpx2.HTTPError, ValueError, KeyError) as exc:
            outcomes.append((started, False, 0, repr(exc)))
        time.sleep(0.05)


def _fastmcp_client(url: str, token: str, stop: threading.Event, outcomes: list) -> None:
    async def session() -> None:
        async with Client(StreamableHttpTransport(url, auth=token)) as client:
            while not stop.is_set():
                started = time.time()
                try:
                    result = await client.call_tool("list_gmail_labels", {}, raise_on_error=False)
                    outcomes.append((started, not result.is_error, 200, ""))
                except Exception as exc:  # noqa: BLE001 - every failure is counted and inspected
                    status = 401 if "401" in str(exc) else 0
                    outcomes.append((started, False, status, repr(exc)[:200]))
                await asyncio.sleep(0.05)

    asyncio.run(session())


def test_a_killed_process_is_replaced_while_clients_keep_calling(cluster, google_oauth):
    assert PROTOCOLS[2] == LATEST_PROTOCOL_VERSION
    google_oauth.signed_in = "task-loss@example.com"
    user = login(cluster.mcp_url)
    stop = threading.Event()
    outcomes: dict[str, list] = {version: [] for version in PROTOCOLS}
    threads = [
        threading.Thread(target=_raw_client, args=(cluster.mcp_url, user.access_token, v, stop, outcomes[v]))
        for v in RAW_PROTOCOLS
    ]
    threads.append(
        threading.Thread(
            target=_fastmcp_client, args=(cluster.mcp_url, user.access_token, stop, outcomes[PROTOCOLS[2]])
        )
    )
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        victim = cluster.servers[0]
        victim.process.kill()  # SIGKILL: no drain, no goodbye
        killed_at = time.time()
        victim.process.wait()
        replacement = cluster.replace(0)
        # nginx keeps a failed target out for 2 s, then sends it traffic again (as the ALB's health check would).
        deadline = time.monotonic() + 40
        while replacement.log_text().count('"tool_call"') < 3:
            assert time.monotonic() < deadline, "the replacement never served a call"
            time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    for version, seen in outcomes.items():
        failures = [o for o in seen if not o[1]]
        assert not [f for f in failures if f[2] == 401], (version, failures)  # nobody sent back to sign in
        assert len(failures) <= 1, (version, failures)  # at most the one request in flight at the kill
        assert all(abs(f[0] - killed_at) < 35 for f in failures), (version, failures)
        assert sum(1 for o in seen if o[1] and o[0] > killed_at) >= 3, (version, len(seen))
