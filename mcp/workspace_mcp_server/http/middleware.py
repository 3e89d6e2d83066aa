"""Pure ASGI middleware (no response buffering, so streamed MCP responses pass straight through)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Sequence

from workspace_mcp_server.config import is_ip_literal
from workspace_mcp_server.logs import request_id_var, user_label, user_var
from workspace_mcp_server.storage.blobs import StorageError

log = logging.getLogger("workspace_mcp_server.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:=;/+-]{1,128}$")


def header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _hostname(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def send_json(send, status: int, body: dict, extra_headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *extra_headers]})
    await send({"type": "http.response.body", "body": payload})


class HostCheckMiddleware:
    """Refuses requests whose Host header is not ours (DNS rebinding, misrouted traffic).

    Accepted: the configured hosts (public host, Cloud Map name, extras). Load balancer health
    checks address the task by IP and the container health check by ``localhost``, so those are
    accepted on the health paths only.
    """

    def __init__(self, app, allowed_hosts: frozenset[str], health_paths: frozenset[str]):
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.health_paths = health_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = _hostname(header(scope, b"host") or "")
        health_host = host == "localhost" or is_ip_literal(host)
        if host in self.allowed_hosts or (scope["path"] in self.health_paths and health_host):
            return await self.app(scope, receive, send)
        log.warning("refused request for host %r", host[:100], extra={"event": "bad_host", "path": scope["path"]})
        await send_json(
            send, 421, {"error": "misdirected_request", "error_description": f"host {host[:100]!r} is not served here"}
        )


class PathAliasMiddleware:
    """Serves alias paths as their target instead of redirecting.

    ``<prefix>/mcp/`` is served as ``<prefix>/mcp`` instead of answering 307 (clients don't all
    follow it for POST), and with a prefix the bare ``/mcp`` is too: internal clients reach the task
    directly through Cloud Map at ``http://<name>:8000/mcp``, without the ALB's path prefix.
    """

    def __init__(self, app, aliases: dict[str, str]):
        self.app = app
        self.aliases = aliases

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in self.aliases:
            target = self.aliases[scope["path"]]
            scope = dict(scope, path=target, raw_path=target.encode())
        return await self.app(scope, receive, send)


class RequestLogMiddleware:
    """Request id (from X-Request-Id / the ALB trace header, or new), one log line per request."""

    def __init__(self, app, log_user: str):
        self.app = app
        self.log_user = log_user

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = header(scope, b"x-request-id") or header(scope, b"x-amzn-trace-id") or ""
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        id_token = request_id_var.set(request_id)
        user_token = user_var.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = dict(message, headers=[*message.get("headers", []), (b"x-request-id", request_id.encode())])
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            user = scope.get("user")
            token = getattr(user, "access_token", None)
            claims = getattr(token, "claims", None) or {}
            label = user_label(claims.get("sub"), claims.get("email"), self.log_user) if claims else user_var.get()
            user_var.set(label)
            # Path only: query strings can carry OAuth codes and state.
            # Health checks arrive every few seconds from the ALB and ECS: keep them out of INFO.
            level = logging.DEBUG if scope["path"].endswith(("/health", "/ready")) and status < 400 else logging.INFO
            log.log(
                level,
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "event": "request",
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "client": (scope.get("client") or ("-",))[0],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            user_var.reset(user_token)
            request_id_var.reset(id_token)


class StorageErrorMiddleware:
    """A token-store failure becomes a clear JSON error (the store already logged the details); so does
    Google's token endpoint being unavailable while a user's token is refreshed (503 with Retry-After).

    The answer never names the store, the record or the underlying exception: those are for the log,
    which the request id in the answer points at.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        from workspace_mcp_server.auth.upstream import GoogleUnavailableError

        try:
            await self.app(scope, receive, tracking_send)
        except StorageError as exc:
            if started:
                raise
            await send_json(send, *storage_error_answer(exc))
        except GoogleUnavailableError as exc:
            if started:
                raise
            request_id = request_id_var.get() or "-"
            body = {
                "error": "temporarily_unavailable",
                "error_description": (
                    f"Google's token endpoint is unavailable ({exc.cause}); tokens already issued stay valid: "
                    f"retry in {exc.retry_after} s (request id {request_id})"
                ),
            }
            await send_json(send, 503, body, [(b"retry-after", str(exc.retry_after).encode())])


def storage_error_answer(exc: StorageError) -> tuple[int, dict]:
    """The status and body a client sees for a token-store failure."""
    from workspace_mcp_server.storage.keyvalue import RecordTooLargeError, UndecryptableStoreError

    request_id = request_id_var.get() or "-"
    if isinstance(exc, RecordTooLargeError):
        return 413, {
            "error": "request_too_large",
            "error_description": f"the record to store is larger than {exc.limit} bytes (request id {request_id})",
        }
    if isinstance(exc, UndecryptableStoreError):  # its message names no location
        return 503, {
            "error": "temporarily_unavailable",
            "error_description": f"{exc}; the server log has the details (request id {request_id})",
        }
    return 503, {
        "error": "temporarily_unavailable",
        "error_description": (
            f"the token store is unavailable; the server log has the details (request id {request_id})"
        ),
    }
