"""A fault-injection HTTP proxy on 127.0.0.1, put between the server and moto or a Google stand-in.

The server is pointed at the proxy (``AWS_ENDPOINT_URL``, ``GOOGLE_API_ROOT_URL``, the OAuth URLs);
requests pass through unchanged until a test adds a rule. A rule matches requests by method and
path (regular expression) and applies one fault to at most ``times`` of them:

- ``delay``: wait ``seconds`` (capped at ``MAX_DELAY``), then forward;
- ``status``: answer ``status`` with ``body`` and ``headers`` without forwarding (S3 503 SlowDown,
  Google 429 with or without Retry-After, ...);
- ``drop``: read the request and never answer (the client's read timeout fires), up to ``MAX_DELAY``;
- ``reset``: read the request and reset the connection (TCP RST) without forwarding;
- ``reset_after``: forward the request, let the upstream act on it, then reset the connection
  before the answer reaches the client (the ambiguous failure: did the write happen?);
- ``close_after``: the same, but the connection is closed cleanly (FIN) instead of reset, which
  HTTP clients tend to take for a stale keep-alive connection and silently send again.

``down()`` makes every request fail with a reset until ``up()``: the dependency is unreachable.
Every request is recorded (method, path, what was done) so tests can count upstream requests.
One request per client connection (the proxy answers ``Connection: close``), so rules apply per
request. Runs an asyncio loop in a daemon thread; use it through ``run_fault_proxy``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.fakes.ports import free_port

MAX_DELAY = 30.0  # seconds: no rule holds a request longer
MAX_HEADER_BYTES = 64 * 1024
ACTIONS = ("delay", "status", "drop", "reset", "reset_after", "close_after")

S3_SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message><RequestId>FAULTPROXY</RequestId></Error>"
)


def google_error(status: int, reason: str, message: str) -> bytes:
    """A Google API error body (JSON, as googleapis.com sends it)."""
    import json

    state = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}.get(status, "UNKNOWN")
    return json.dumps(
        {
            "error": {
                "code": status,
                "message": message,
                "status": state,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
            }
        }
    ).encode()


@dataclass
class Rule:
    action: str
    method: str | None = None  # None: any
    path: str = ".*"  # regular expression searched in the request target (path and query)
    times: int | None = 1  # None: until removed
    seconds: float = 0.0
    status: int = 503
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    applied: int = 0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; one of {ACTIONS}")
        self.seconds = min(max(self.seconds, 0.0), MAX_DELAY)
        self._pattern = re.compile(self.path)

    def matches(self, method: str, target: str) -> bool:
        if self.times is not None and self.applied >= self.times:
            return False
        return (self.method is None or self.method == method) and bool(self._pattern.search(target))


@dataclass(frozen=True)
class Seen:
    method: str
    target: str
    action: str  # "forward" or the rule's action
    at: float


class FaultProxy:
    def __init__(self, upstream: str, port: int):
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.seen: list[Seen] = []
        self._rules: list[Rule] = []
        self._down = False
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"fault-proxy-{port}", daemon=True)

    # --- control ----------------------------------------------------------------------
    def add(self, action: str, **options) -> Rule:
        rule = Rule(action, **options)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule and bring the upstream back up."""
        with self._lock:
            self._rules.clear()
            self._down = False

    def down(self) -> None:
        with self._lock:
            self._down = True

    def up(self) -> None:
        with self._lock:
            self._down = False

    def requests(self, method: str | None = None, path: str = ".*", since: int = 0) -> list[Seen]:
        pattern = re.compile(path)
        with self._lock:
            return [s for s in self.seen[since:] if (method is None or s.method == method) and pattern.search(s.target)]

    def mark(self) -> int:
        """A position in the request record, for ``requests(since=...)``."""
        with self._lock:
            return len(self.seen)

    def _pick(self, method: str, target: str) -> str | Rule:
        with self._lock:
            if self._down:
                action: str | Rule = "down"
            else:
                action = next((r for r in self._rules if r.matches(method, target)), "forward")
                if isinstance(action, Rule):
                    action.applied += 1
            self.seen.append(Seen(method, target, action if isinstance(action, str) else action.action, time.time()))
            return action

    # --- serving ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("fault proxy did not start")

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port, limit=MAX_HEADER_BYTES)
        )
        self._started.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head, body = await _read_message(reader, request=True, writer=writer)
        except (ValueError, ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            return
        if head is None:
            writer.close()
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, target = request_line.split(" ")[:2]
        action = self._pick(method, target)
        try:
            if action == "down":
                _reset(writer)
                return
            if isinstance(action, Rule):
                if action.action == "delay":
                    await asyncio.sleep(action.seconds)
                elif action.action == "status":
                    writer.write(_response(action.status, action.body, action.headers))
                    await writer.drain()
                    writer.close()
                    return
                elif action.action == "drop":
                    await asyncio.sleep(action.seconds or MAX_DELAY)
                    writer.close()
                    return
                elif action.action == "reset":
                    _reset(writer)
                    return
            answer = await self._forward(head, body)
            if isinstance(action, Rule) and action.action == "reset_after":
                _reset(writer)
                return
            if isinstance(action, Rule) and action.action == "close_after":
                writer.close()
                return
            writer.write(answer)
            await writer.drain()
            writer.close()
        except (ConnectionError, OSError):
            _reset(writer)

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self.upstream_host, self.upstream_port, limit=MAX_HEADER_BYTES)
        try:
            writer.write(_with_connection_close(head) + body)
            await writer.drain()
            response_head, response_body = await _read_message(reader, request=False)
            if response_head is None:
                raise ConnectionResetError("upstream closed without answering")
            return _with_connection_close(response_head) + response_body
        finally:
            writer.close()


async def _read_message(
    reader: asyncio.StreamReader, *, request: bool, writer: asyncio.StreamWriter | None = None
) -> tuple[bytes | None, bytes]:
    """One HTTP/1.1 message: (head including the blank line, body). Bodies by length, chunks, or EOF.

    A request's ``Expect: 100-continue`` (boto3 sends it with bodies) is answered here and not forwarded.
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None, b""
        raise
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if request and headers.get(b"expect", b"").lower() == b"100-continue" and writer is not None:
        head = b"\r\n".join(line for line in head.split(b"\r\n") if not line.lower().startswith(b"expect:"))
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    if b"content-length" in headers:
        return head, await reader.readexactly(int(headers[b"content-length"]))
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            body += size_line + chunk
            if size == 0:
                return head, body
    if request:
        return head, b""
    status = int(head.split(b" ", 2)[1])
    if status in (204, 304) or 100 <= status < 200:
        return head, b""
    return head, await reader.read()  # until the upstream closes


def _with_connection_close(head: bytes) -> bytes:
    lines = [line for line in head[:-4].split(b"\r\n") if not line.lower().startswith((b"connection:", b"keep-alive:"))]
    return b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n"


def _response(status: int, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} Fault", f"Content-Length: {len(body)}", "Connection: close"]
    if body and not any(k.lower() == "content-type" for k in headers):
        lines.append("Content-Type: " + ("application/xml" if body.startswith(b"<") else "application/json"))
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN (SO_LINGER 0): the client sees ECONNRESET."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextlib.contextmanager
def run_fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A proxy on a free loopback port in front of ``upstream`` (http://host:port)."""
    proxy = FaultProxy(upstream, free_port())
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
