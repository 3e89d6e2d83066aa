"""Limits in front of every route: the client's address, body caps, rate limits, origin checks.

Pure ASGI (nothing buffered): a body is counted while it streams in and refused the moment it
passes its cap, so an oversized request never sits in memory.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from workspace_mcp_server.http.middleware import header, send_json

log = logging.getLogger("workspace_mcp_server.http")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's IP: the TCP peer, or with a trusted peer, the rightmost untrusted ``X-Forwarded-For`` hop.

    Hops are read right to left because each proxy appends the address it saw; anything to the left
    of the first untrusted hop was written by the client and may be invented.
    """
    address = peer or "unknown"
    if not trusted or not forwarded_for:
        return address
    current = _ip(address)
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    while current is not None and any(current in network for network in trusted) and hops:
        hop = _ip(hops.pop())
        if hop is None:  # a malformed hop: stop at the last address a trusted proxy vouched for
            break
        address, current = str(hop), hop
    return address


class ClientAddressMiddleware:
    """Puts the client's real address in ``scope["client"]`` (and the scheme the proxy saw)."""

    def __init__(self, app, trusted: Sequence[Network]):
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        peer, port = (scope.get("client") or (None, 0))[:2]
        address = client_address(peer, header(scope, b"x-forwarded-for"), self.trusted)
        if address != peer:
            scope = dict(scope, client=(address, port))
            proto = (header(scope, b"x-forwarded-proto") or "").strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
        return await self.app(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Caps each request body by route: refused up front by ``Content-Length``, else while it streams.

    ``cap_for(path)`` gives the cap in bytes for a path.
    """

    def __init__(self, app, cap_for: Callable[[str], int]):
        self.app = app
        self.cap_for = cap_for

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cap = self.cap_for(scope["path"])
        declared = header(scope, b"content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > cap):
            return await self._refuse(scope, send, cap)
        received = 0
        state = "waiting"  # -> "answering" once the app starts its response, "refused" once we answered 413

        async def counting_receive():
            nonlocal received, state
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    if state == "waiting":
                        # Answer now: the app's error handling may answer 500 on its way out.
                        state = "refused"
                        await self._refuse(scope, send, cap)
                    raise _BodyTooLarge
            return message

        async def guarded_send(message):
            nonlocal state
            if state == "refused":  # we answered 413 already: whatever the app sends now is dropped
                return
            if message["type"] == "http.response.start":
                state = "answering"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # Our _BodyTooLarge, or what the app made of it: the client has its 413.
            if state != "refused":
                raise

    async def _refuse(self, scope, send, cap: int) -> None:
        log.warning(
            "refused a request body over %d bytes",
            cap,
            extra={"event": "body_too_large", "path": scope["path"], "limit": cap},
        )
        await send_json(
            send,
            413,
            {"error": "request_too_large", "error_description": f"the request body is larger than {cap} bytes"},
            # The rest of the body is never read: the connection cannot be reused.
            extra_headers=[(b"connection", b"close")],
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Per-key token buckets: ``per_minute`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int, max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = self.clock()
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= self.max_keys:
                self._prune(now)
            bucket = self.buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        # Full buckets carry no state worth keeping; if none are full, drop the oldest half.
        full = [k for k, b in self.buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for key in full or sorted(self.buckets, key=lambda k: self.buckets[k].updated)[: len(self.buckets) // 2]:
            del self.buckets[key]


class RateLimitMiddleware:
    """Per-client rate limits on the OAuth endpoints; over the limit is 429 with ``Retry-After``.

    ``groups`` maps a path to its endpoint group; ``limits`` a group to requests per minute (0 = none).
    The limits are per process: with N tasks behind the load balancer a client gets up to N times as many.
    """

    def __init__(self, app, groups: Mapping[str, str], limits: Mapping[str, int]):
        self.app = app
        self.groups = dict(groups)
        self.buckets = {group: TokenBuckets(limit) for group, limit in limits.items() if limit > 0}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] == "OPTIONS":
            return await self.app(scope, receive, send)
        group = self.groups.get(scope["path"])
        buckets = self.buckets.get(group) if group else None
        if buckets is None:
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown",))[0]
        wait = buckets.take(client)
        if not wait:
            return await self.app(scope, receive, send)
        retry_after = max(1, math.ceil(wait))
        log.warning(
            "rate limit for %s reached by %s",
            group,
            client,
            extra={
                "event": "rate_limited",
                "path": scope["path"],
                "group": group,
                "client": client,
                "retry_after": retry_after,
            },
        )
        await send_json(
            send,
            429,
            {
                "error": "too_many_requests",
                "error_description": f"too many {group} requests from this address; retry in {retry_after} s",
            },
            extra_headers=[(b"retry-after", str(retry_after).encode())],
        )


class OriginCheckMiddleware:
    """Refuses browser requests from foreign origins (403) on the paths that act on a user's behalf.

    No ``Origin`` header is fine (non-browser clients send none); the server's public origin and the
    configured extra origins are fine; anything else, ``null`` included, is refused. The MCP endpoint
    is checked for every method, the OAuth endpoints for POST. Preflights (OPTIONS) pass: they change
    nothing and the request that follows is checked.
    """

    def __init__(self, app, allowed: frozenset[str], any_method_paths: frozenset[str], post_paths: frozenset[str]):
        self.app = app
        self.allowed = allowed
        self.any_method_paths = any_method_paths
        self.post_paths = post_paths

    def _checked(self, method: str, path: str) -> bool:
        if method == "OPTIONS":
            return False
        return path in self.any_method_paths or (method == "POST" and path in self.post_paths)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        origin = header(scope, b"origin")
        unchecked = not self._checked(scope["method"], scope["path"])
        if origin is None or unchecked or origin.strip().lower() in self.allowed:
            return await self.app(scope, receive, send)
        shown = origin[:100]
        log.warning(
            "refused a request from origin %r",
            shown,
            extra={"event": "bad_origin", "path": scope["path"], "origin": shown},
        )
        await send_json(
            send,
            403,
            {
                "error": "forbidden_origin",
                "error_description": f"requests from origin {shown!r} are not accepted by this server",
            },
        )
