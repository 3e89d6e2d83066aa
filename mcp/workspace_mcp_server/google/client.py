"""One service object per Google API per process; every request runs with the caller's credentials.

Service objects are built lazily from the discovery documents shipped with google-api-python-client
(never fetched at run time) and shared by all users: a request is built from the shared object and
executed through a short-lived ``AuthorizedHttp`` wrapping the caller's credentials around this
thread's connection pool, so nothing per-user outlives the call.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import anyio
from fastmcp.exceptions import ToolError

from workspace_mcp_server.http import shutdown

from . import errors
from .credentials import call_cache, current_credentials
from .services import APIS, SCOPES_BY_API
from .settings import GoogleApiSettings

HTTP_TIMEOUT = 60  # seconds per HTTP request
# Retries when Google is overloaded (429, 5xx, 403 rate limits), bounded three ways so a storm never
# multiplies: at most errors.MAX_ATTEMPTS requests for one Google request, at most
# RETRIES_PER_TOOL_CALL retries shared by all the Google requests of one tool call (a tool making n
# requests sends at most n + 3), and no retry starts RETRY_WINDOW seconds after the request began.
# A Retry-After longer than errors.MAX_DELAY is not waited for: the caller is told when to retry.
RETRIES_PER_TOOL_CALL = 3
RETRY_WINDOW = 20.0
# Methods that may be sent again after a failure that could have happened after Google acted.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
# Answers meaning Google did not act on the request, so even a write may be sent again.
NOT_APPLIED_STATUSES = frozenset({429, 503})

log = logging.getLogger("workspace_mcp_server.google")


class GoogleClient:
    """Builds and caches service objects; executes requests with retries and error mapping."""

    def __init__(self, settings: GoogleApiSettings):
        self.settings = settings
        self._services: dict[str, Any] = {}
        self._documents: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._local = threading.local()  # httplib2.Http is not thread-safe: one pool per worker thread

    def service(self, api: str) -> Any:
        return _built_once(self._services, self._lock, api, self._build)

    def _build(self, api: str) -> Any:
        import httplib2
        from googleapiclient.discovery import build_from_document
        from googleapiclient.discovery_cache import get_static_doc

        document = json.loads(get_static_doc(api, APIS[api]))
        if self.settings.root_url:
            document["rootUrl"] = document["mtlsRootUrl"] = self.settings.root_url
        self._documents[api] = document
        # A bare Http: credentials are supplied per request, never bound to the shared object.
        return _CachedResource(build_from_document(document, http=httplib2.Http(timeout=HTTP_TIMEOUT)))

    def method_scopes(self, api: str, method_id: str) -> list[str]:
        """Scopes the discovery document lists for ``method_id`` (e.g. gmail.users.messages.get)."""
        pending = [self._documents.get(api, {})]
        while pending:
            node = pending.pop()
            for method in node.get("methods", {}).values():
                if method.get("id") == method_id:
                    return list(method.get("scopes", []))
            pending.extend(node.get("resources", {}).values())
        return []

    def _execute(self, request: Any, credentials: Any) -> Any:
        from google_auth_httplib2 import AuthorizedHttp

        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = _no_resend_http()(timeout=HTTP_TIMEOUT)
        if credentials is None:  # an API-key request: no Authorization header at all
            return request.execute(http=http, num_retries=0)
        return request.execute(http=AuthorizedHttp(credentials, http=http), num_retries=0)

    async def call(
        self, api: str, build: Callable[[Any], Any], what: str | None, api_key: str | None = None, denied_hint: str = ""
    ) -> Any:
        import httplib2
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import HttpError

        # An API-key API (Custom Search) is called as the server's project, never with the caller's token.
        credentials = None if api_key else await current_credentials()
        built: list[Any] = []

        def attempt_once() -> Any:
            # Building and the first execution share one thread hop; retries reuse the request.
            if not built:
                try:
                    request = build(self.service(api))
                except (TypeError, ValueError) as exc:  # the client library's own parameter validation
                    raise _InvalidArgument(str(exc)) from None
                if api_key:
                    request.uri += ("&" if "?" in request.uri else "?") + urlencode({"key": api_key})
                built.append(request)
            return self._execute(built[0], credentials)

        started = time.monotonic()
        for attempt in range(errors.MAX_ATTEMPTS):
            last = attempt == errors.MAX_ATTEMPTS - 1
            shutdown.check_may_start(built[0].methodId if built else api)  # no new request when about to stop
            try:
                return await anyio.to_thread.run_sync(attempt_once)
            except _InvalidArgument as exc:
                raise errors.UserError(f"Invalid argument: {exc}") from None
            except HttpError as exc:
                method_id = built[0].methodId
                status = int(exc.resp.status)
                message, reasons = errors.error_details(status, exc.content)
                if api_key:  # the key is a secret: never echoed, whatever an error body says
                    message = message.replace(api_key, "[API key]")
                retryable = errors.is_retryable(status, reasons)
                if (
                    retryable
                    and built[0].method not in IDEMPOTENT_METHODS
                    and status not in NOT_APPLIED_STATUSES
                    and status != 403
                ):
                    raise ToolError(
                        f"Google API error {status} for {method_id}: {message}. The request may or may not have been "
                        "applied, so it was not sent again: check before retrying."
                    ) from None
                retry_after = _retry_after_seconds(exc.resp.get("retry-after"))
                delay = errors.backoff_delay(attempt) if retry_after is None else retry_after * random.uniform(1, 1.2)
                refusal = None if retryable and not last else "gave up"
                refusal = refusal or _retry_refusal(started, delay, retry_after)
                if not retryable or refusal:
                    scope = errors.narrowest_scope(self.method_scopes(api, method_id), list(SCOPES_BY_API[api]))
                    error = errors.tool_error(
                        status,
                        message,
                        reasons,
                        method_id=method_id,
                        what=what,
                        scope=scope,
                        attempts=attempt + 1,
                        denied_hint=denied_hint,
                    )
                    if retryable:
                        cause = "Google is rate-limiting requests" if status in (429, 403) else "Google is unavailable"
                        wait = f"retry after {math.ceil(retry_after)} s" if retry_after else "retry in a minute"
                        log.warning(
                            "giving up on %s after HTTP %s (%s)",
                            method_id,
                            status,
                            refusal,
                            extra={
                                "event": "google_retry_exhausted",
                                "method": method_id,
                                "status": status,
                                "attempts": attempt + 1,
                            },
                        )
                        raise ToolError(f"{cause} (HTTP {status}); {wait}. {error}") from None
                    raise error from None
                log.warning(
                    "retrying %s after HTTP %s in %.2fs",
                    method_id,
                    status,
                    delay,
                    extra={"event": "google_retry", "method": method_id, "status": status},
                )
                await anyio.sleep(delay)
            except RefreshError as exc:
                if getattr(credentials, "refresh_token", None):
                    raise errors.UserError(
                        f"Could not refresh your Google credentials ({exc}); sign in again."
                    ) from None
                # OAuth mode: the server holds no refresh token here; Google refused the access token
                # itself. The next request's check refreshes it if it can, or asks for a new sign-in.
                raise errors.UserError(
                    "Google refused this session's access token (it expired or was revoked); retry the call, "
                    "and sign in again if it is refused again."
                ) from None
            except (OSError, httplib2.HttpLib2Error) as exc:  # connection refused/reset, timeouts
                if not built:
                    raise
                method_id = built[0].methodId
                # A write that may have reached Google is not repeated (no double sends).
                may_have_run = not isinstance(exc, ConnectionRefusedError) and built[0].method not in IDEMPOTENT_METHODS
                if may_have_run:
                    raise ToolError(
                        f"The connection to the Google API failed after {method_id} was sent ({exc}): it may or may "
                        "not have been applied, so it was not sent again; check before retrying."
                    ) from None
                delay = errors.backoff_delay(attempt)
                refusal = "gave up" if last else _retry_refusal(started, delay, None)
                if refusal:
                    raise ToolError(
                        f"Could not reach the Google API for {method_id} after {attempt + 1} attempts ({exc}); "
                        "retry in a minute."
                    ) from None
                log.warning(
                    "retrying %s after %s in %.2fs",
                    method_id,
                    type(exc).__name__,
                    delay,
                    extra={"event": "google_retry", "method": method_id, "status": 0},
                )
                await anyio.sleep(delay)
        raise AssertionError("unreachable")


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 section 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _retry_refusal(started: float, delay: float, retry_after: float | None) -> str | None:
    """Why this retry must not happen (Retry-After too long, time or the tool call's retries used up), or None."""
    if retry_after is not None and retry_after > errors.MAX_DELAY:
        return f"Retry-After {retry_after:.0f}s is longer than {errors.MAX_DELAY:.0f}s"
    if time.monotonic() - started + delay > RETRY_WINDOW:
        return f"no retry after {RETRY_WINDOW:.0f}s"
    cache = call_cache()
    if cache is not None:
        used = cache.get("google_retries", 0)
        if used >= RETRIES_PER_TOOL_CALL:
            return f"the tool call's {RETRIES_PER_TOOL_CALL} retries are used up"
        cache["google_retries"] = used + 1
    return None


@functools.lru_cache(maxsize=1)
def _no_resend_http() -> type:
    import http.client

    import httplib2

    class NoResendHttp(httplib2.Http):
        """httplib2 silently sends a request again when the first answer is a closed connection (it assumes a
        stale keep-alive connection). For a write that closed connection may come after Google acted on it, so
        non-idempotent requests are sent exactly once, on a fresh connection."""

        def _conn_request(self, conn, request_uri, method, body, headers):
            if method in IDEMPOTENT_METHODS:
                return super()._conn_request(conn, request_uri, method, body, headers)
            conn.close()
            conn.connect()
            try:
                conn.request(method, request_uri, body, headers)
                raw = conn.getresponse()
                content = raw.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                raise
            response = httplib2.Response(raw)
            return response, httplib2._decompressContent(response, content, self.limit_kwargs)

    return NoResendHttp


class _CachedResource:
    """A googleapiclient ``Resource`` whose nested collections (``users()``, ``messages()``) are built once.

    Building a ``Resource`` generates every method of the collection from the discovery document
    (milliseconds, and cyclic garbage) and ``service.users().messages()`` did that on every Google
    request. Resources are not changed after construction and requests built from them carry no
    credentials, so one instance per collection can serve every thread and user.
    """

    def __init__(self, resource: Any):
        from googleapiclient.discovery import fix_method_name

        self._resource = resource
        self._nested = {fix_method_name(name) for name in resource._resourceDesc.get("resources", {})}
        self._children: dict[str, _CachedResource] = {}
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if name not in self._nested:
            return getattr(self._resource, name)
        return lambda: self._child(name)

    def _child(self, name: str) -> _CachedResource:
        return _built_once(self._children, self._lock, name, lambda n: _CachedResource(getattr(self._resource, n)()))


def _built_once(cache: dict, lock: threading.Lock, key: str, build: Callable[[str], Any]) -> Any:
    """``cache[key]``, built under ``lock`` by the first thread that needs it."""
    value = cache.get(key)
    if value is None:
        with lock:
            value = cache.get(key)
            if value is None:
                value = cache[key] = build(key)
    return value


class _InvalidArgument(Exception):
    """The client library refused to build a request from the tool's arguments."""


_client: GoogleClient | None = None


def configure(settings: GoogleApiSettings) -> GoogleClient:
    """Use ``settings`` for every later call (the server calls this once, at start-up)."""
    global _client
    _client = GoogleClient(settings)
    return _client


def client() -> GoogleClient:
    return _client or configure(GoogleApiSettings.from_env(os.environ))


async def call(
    api: str,
    build: Callable[[Any], Any],
    *,
    what: str | None = None,
    api_key: str | None = None,
    denied_hint: str = "",
) -> Any:
    """Build a request from ``api``'s shared service object and execute it as the caller.

    ``what`` names the item for a not-found error, e.g. "message '18c2...'". ``api_key``: send the
    request with this key (a ``key`` query parameter) and without the caller's credentials.
    ``denied_hint`` ends the error when Google refuses the caller permission (403), e.g. why.
    """
    return await client().call(api, build, what, api_key, denied_hint)
