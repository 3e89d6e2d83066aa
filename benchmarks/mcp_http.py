"""A minimal MCP streamable-HTTP client (JSON-RPC over POST) for measuring servers.

Deliberately thin so that client overhead stays small and identical for every server
measured: one HTTP request per JSON-RPC call, SSE or JSON responses, protocol 2025-06-18
(the version that uses ``Mcp-Session-Id``, like most deployed clients).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

import httpx2

PROTOCOL_VERSION = "2025-06-18"
MAX_PAGES = 100  # tools/list pagination bound


class McpError(RuntimeError):
    """A JSON-RPC error, a tool result with isError, or an unexpected HTTP answer."""


def _decode(response: httpx2.Response, request_id: int) -> dict:
    if response.status_code != 200:
        raise McpError(f"HTTP {response.status_code}: {response.text[:300]}")
    ctype = response.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        messages = [response.json()]
    elif ctype.startswith("text/event-stream"):
        messages = [
            json.loads(line[5:].strip())
            for line in response.text.splitlines()
            if line.startswith("data:") and line[5:].strip()
        ]
    else:
        raise McpError(f"unexpected content-type {ctype!r}")
    for message in messages:
        if message.get("id") == request_id:
            if "error" in message:
                raise McpError(f"JSON-RPC error: {message['error']}")
            return message["result"]
    raise McpError(f"no response with id {request_id} in {response.text[:300]}")


class McpSession:
    """One initialized MCP session over an httpx2.AsyncClient (shared connection pool)."""

    def __init__(self, client: httpx2.AsyncClient, url: str, bearer: str | None = None):
        self.client = client
        self.url = url
        self.headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        if bearer:
            self.headers["Authorization"] = f"Bearer {bearer}"
        self._ids = itertools.count(1)
        self.last_body_bytes = 0

    async def _post(self, payload: dict) -> httpx2.Response:
        return await self.client.post(self.url, content=json.dumps(payload), headers=self.headers)

    async def request(self, method: str, params: dict | None = None) -> dict:
        request_id = next(self._ids)
        payload: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            payload["params"] = params
        response = await self._post(payload)
        self.last_body_bytes = len(response.content)
        return _decode(response, request_id)

    async def open(self) -> McpSession:
        request_id = next(self._ids)
        response = await self._post(
            {
                "jsonrpc": "2.0",
                "id": request_id,
                "method": "initialize",
                "params": {
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "bench", "version": "1"},
                },
            }
        )
        result = _decode(response, request_id)
        session_id = response.headers.get("mcp-session-id")
        if session_id:
            self.headers["Mcp-Session-Id"] = session_id
        self.headers["MCP-Protocol-Version"] = result.get("protocolVersion", PROTOCOL_VERSION)
        note = await self.client.post(
            self.url,
            content=json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            headers=self.headers,
        )
        if note.status_code not in (200, 202):
            raise McpError(f"notifications/initialized: HTTP {note.status_code}")
        return self

    async def list_tools(self) -> list[dict]:
        """Every tool, following pagination; ``last_body_bytes`` sums the HTTP bodies."""
        tools: list[dict] = []
        params: dict | None = None
        total_bytes = 0
        for _ in range(MAX_PAGES):
            result = await self.request("tools/list", params)
            total_bytes += self.last_body_bytes
            tools.extend(result.get("tools", []))
            cursor = result.get("nextCursor")
            if not cursor:
                break
            params = {"cursor": cursor}
        self.last_body_bytes = total_bytes
        return tools

    async def call_tool(self, name: str, arguments: dict) -> dict:
        result = await self.request("tools/call", {"name": name, "arguments": arguments})
        if result.get("isError"):
            raise McpError(f"tool {name} returned an error: {json.dumps(result)[:300]}")
        return result

    async def timed_call_tool(self, name: str, arguments: dict) -> float:
        started = time.perf_counter()
        await self.call_tool(name, arguments)
        return time.perf_counter() - started


def new_client(concurrency: int = 1) -> httpx2.AsyncClient:
    """An HTTP client for loopback only: no proxies from the environment, bounded timeouts."""
    limits = httpx2.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    return httpx2.AsyncClient(timeout=30.0, limits=limits, trust_env=False)


def tools_json_bytes(tools: list[dict]) -> int:
    """Bytes of the tool list as a model sees it: compact UTF-8 JSON of the ``tools`` array."""
    return len(json.dumps(tools, separators=(",", ":"), ensure_ascii=False).encode())
