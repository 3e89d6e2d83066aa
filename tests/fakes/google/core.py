"""The shared machinery of the Google Workspace API stand-in on 127.0.0.1 (JSON wire format).

Every request is routed and checked against the discovery documents shipped with
google-api-python-client (HTTP method, path, required and known parameters, enum values) and
against the bearer token's scopes (a token lacking every scope the method accepts gets Google's 403
insufficient-scope answer). Anything that does not fit is recorded in ``violations``; tests assert
that list stays empty. ``requests`` records every request with the token it carried. ``fail``
injects errors. Data lives in ``state`` (seeded with a small, known mailbox, drive, calendar ...).
Each service's handlers and seed data live in a module of their own next to this one.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from googleapiclient.discovery_cache import get_static_doc

from workspace_mcp_server.google.services import APIS  # every API the tools call


class ApiError(Exception):
    """Raised by a handler: becomes Google's JSON error body."""

    def __init__(self, status: int, message: str, reason: str = "", headers: dict | None = None, status_name: str = ""):
        super().__init__(message)
        self.status, self.message, self.reason, self.headers = status, message, reason, headers or {}
        self.status_name = status_name  # the canonical code when not the usual one for ``status`` (FAILED_PRECONDITION)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    token: str | None
    method_id: str | None
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Route:
    method_id: str
    http_method: str
    pattern: re.Pattern
    literal: int
    spec: dict
    api_params: dict
    upload: bool = False
    schemas: dict | None = None


@dataclass
class Ctx:
    method_id: str
    params: dict[str, Any]
    body: Any
    media: bytes | None = None
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    token: str | None = None


@dataclass
class Reply:
    """A handler's answer with its own status and headers (308 Resume Incomplete, 206 Partial Content ...)."""

    status: int
    headers: dict[str, str]
    body: bytes = b""


# Requests to a resumable upload session URI (``upload_id`` in the query) are not discovery methods: each
# upload path maps to a handler(fake, method, path, query, headers, body, token) of the service owning it.
SESSIONS: dict[str, Callable[..., Any]] = {}


def _routes() -> list[Route]:
    routes = []
    for name, version in APIS.items():
        doc = json.loads(get_static_doc(name, version))
        pending = [doc]
        while pending:
            node = pending.pop()
            pending.extend(node.get("resources", {}).values())
            for spec in node.get("methods", {}).values():
                templates = [(doc["servicePath"] + spec["path"], False)]
                simple = spec.get("mediaUpload", {}).get("protocols", {}).get("simple", {}).get("path")
                if simple:
                    templates.append((simple.lstrip("/"), True))
                for template, upload in templates:
                    regex, literal = "", 0
                    for piece in re.split(r"(\{\+?[^}]+\})", template):
                        if piece.startswith("{+"):
                            # A resource name (spaces/x/messages/y) routes by its declared pattern, as
                            # Google does: people/x and contactGroups/x share one path template.
                            pattern = spec["parameters"][piece[2:-1]].get("pattern", ".+")
                            pattern = pattern.removeprefix("^").removesuffix("$")
                            regex += f"(?P<{_group(piece[2:-1])}>{pattern})"
                        elif piece.startswith("{"):
                            regex += f"(?P<{_group(piece[1:-1])}>[^/]+)"
                        else:
                            regex += re.escape(piece)
                            literal += len(piece)
                    routes.append(
                        Route(
                            spec["id"],
                            spec["httpMethod"],
                            re.compile("/" + regex + "$"),
                            literal,
                            spec,
                            doc.get("parameters", {}),
                            upload,
                            doc.get("schemas", {}),
                        )
                    )
    return sorted(routes, key=lambda r: -r.literal)


_JSON_TYPES = {"string": (str,), "boolean": (bool,), "number": (int, float), "integer": (int, str)}


def schema_problems(schemas: dict, schema: dict, value: Any, path: str) -> list[str]:
    """Where ``value`` does not fit the discovery schema: unknown fields and wrong types (null clears a field)."""
    if value is None:
        return []
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            return [f"{path or 'body'}: expected an object"]
        problems = []
        for key, item in value.items():
            inner = schema.get("properties", {}).get(key, schema.get("additionalProperties"))
            if inner is None:
                problems.append(f"Unknown name \"{key}\" at '{path or 'body'}': Cannot find field.")
            else:
                problems += schema_problems(schemas, inner, item, f"{path}.{key}" if path else key)
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [
            p
            for index, item in enumerate(value)
            for p in schema_problems(schemas, schema.get("items", {}), item, f"{path}[{index}]")
        ]
    expected = _JSON_TYPES.get(kind or "")
    if expected and (not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool))):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    return []


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def page(items: list, params: dict, size_key: str, default: int) -> tuple[list, str | None]:
    """Google-style paging: an opaque page token (here an offset) and a page size parameter."""
    start = int(params.get("pageToken") or 0)
    size = int(params.get(size_key) or default)
    chunk = items[start : start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


HANDLERS: dict[str, Callable[[GoogleApiFake, Ctx], Any]] = {}


def handles(*method_ids: str):
    def register(fn):
        for method_id in method_ids:
            HANDLERS[method_id] = fn
        return fn

    return register


class GoogleApiFake:
    """The stand-in. Use ``run_google_api()`` to start one."""

    def __init__(self):
        self.routes = _routes()
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.tokens: dict[str, set[str]] = {}
        # Whether a known token is still live (unexpired, unrevoked); set when the tokens come from the
        # OAuth stand-in, which knows. Without it a token lives as long as the stand-in.
        self.token_is_live: Callable[[str], bool] = lambda token: True
        self.api_keys: set[str] = set()  # keys the API-key methods accept (a service's seeder adds them)
        self.failures: list[dict] = []
        self.lock = threading.RLock()
        self.state: dict[str, Any] = {}
        self.counter = 0
        self.server: ThreadingHTTPServer | None = None
        seed(self)

    # -- control ------------------------------------------------------------------------------
    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def add_token(self, token: str, scopes: list[str] | set[str]) -> None:
        self.tokens[token] = set(scopes)

    def fail(
        self,
        method_id: str,
        status: int,
        times: int = 1,
        reason: str = "",
        retry_after: str | None = "0",
        message: str = "injected failure",
    ) -> None:
        """The next ``times`` calls of ``method_id`` answer ``status`` (Retry-After 0 keeps tests fast)."""
        self.failures.append(
            {
                "method_id": method_id,
                "status": status,
                "times": times,
                "reason": reason,
                "retry_after": retry_after,
                "message": message,
            }
        )

    def calls(self, method_id: str) -> list[Recorded]:
        return [r for r in self.requests if r.method_id == method_id]

    def new_id(self, prefix: str) -> str:
        with self.lock:
            self.counter += 1
            return f"{prefix}{self.counter:04d}"

    # -- request handling ---------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        record = Recorded(method, parts.path, query, token, None, body)
        with self.lock:
            self.requests.append(record)
        try:
            if "upload_id" in query and parts.path in SESSIONS:
                with self.lock:
                    result = SESSIONS[parts.path](self, method, parts.path, query, headers, body, token)
                status, out_headers, payload = self._encode(result)
                record.status = status
                return status, out_headers, payload
            route, path_params = self._match(method, parts.path)
            record.method_id = route.method_id
            ctx = self._check(route, path_params, query, headers, body, token)
            with self.lock:
                self._injected(route.method_id)
                handler = HANDLERS.get(route.method_id)
                if handler is None:
                    raise self._violation(501, f"{route.method_id}: no handler in the stand-in")
                result = handler(self, ctx)
            status, out_headers, payload = self._encode(result)
        except ApiError as exc:
            status, out_headers = exc.status, {"Content-Type": "application/json", **exc.headers}
            error = {
                "code": exc.status,
                "message": exc.message,
                "errors": [{"message": exc.message, "reason": exc.reason or "error", "domain": "global"}],
                "status": exc.status_name
                or {
                    400: "INVALID_ARGUMENT",
                    401: "UNAUTHENTICATED",
                    403: "PERMISSION_DENIED",
                    404: "NOT_FOUND",
                    429: "RESOURCE_EXHAUSTED",
                }.get(exc.status, "UNKNOWN"),
            }
            payload = json.dumps({"error": error}).encode()
        record.status = status
        return status, out_headers, payload

    def _violation(self, status: int, message: str) -> ApiError:
        self.violations.append(message)
        return ApiError(status, message, "badRequest")

    def refuse(self, method_id: str, message: str) -> ApiError:
        """A request Google might let through but that is wrong: recorded (the test fails) and answered 400."""
        return self._violation(400, f"{method_id}: {message}")

    def data_loss(self, method_id: str, message: str) -> None:
        """A read-modify-write that would erase stored data: recorded so the test fails, then applied."""
        self.violations.append(f"{method_id}: data loss: {message}")

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.http_method == method:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        raise self._violation(404, f"{method} {path}: no such method in the discovery documents")

    def _check(self, route: Route, path_params: dict, query: dict, headers: dict, body: bytes, token) -> Ctx:
        spec = route.spec
        declared = spec.get("parameters", {})
        params: dict[str, Any] = {}
        for group, value in path_params.items():
            name = next(n for n in declared if _group(n) == group)
            params[name] = value
        for name, values in query.items():
            info = declared.get(name) or route.api_params.get(name)
            if info is None:
                raise self._violation(400, f"{route.method_id}: unknown parameter {name!r}")
            for value in values:
                if "enum" in info and value not in info["enum"]:
                    raise self._violation(400, f"{route.method_id}: {name}={value!r} not in {info['enum']}")
            params[name] = values if info.get("repeated") else values[-1]
        for name, info in declared.items():
            if info.get("required") and name not in params:
                raise self._violation(400, f"{route.method_id}: required parameter {name!r} missing")
        if not spec.get("scopes"):  # an API-key method (Custom Search): judged by its key, never by a token
            self._check_key(route.method_id, params, token)
        elif token is None or token not in self.tokens or not self.token_is_live(token):
            raise ApiError(401, "Request had invalid authentication credentials.", "authError")
        accepted = set(spec.get("scopes", []))
        if accepted and not accepted & self.tokens[token]:
            raise ApiError(
                403,
                "Request had insufficient authentication scopes.",
                "insufficientPermissions",
                {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(sorted(accepted))}"'},
            )
        content_type = headers.get("content-type", "")
        ctx = Ctx(route.method_id, params, None, headers=headers, token=token)
        if route.upload and params.get("uploadType") == "resumable":
            ctx.body = json.loads(body) if body else {}  # the session's metadata; the bytes follow in PUTs
        elif route.upload and params.get("uploadType") == "media":  # the bytes alone, no metadata
            ctx.body, ctx.media, ctx.media_type = {}, body, content_type.split(";")[0].strip().lower()
        elif route.upload:
            if params.get("uploadType") != "multipart":
                raise self._violation(
                    400, f"{route.method_id}: only uploadType=media, multipart and resumable are emulated"
                )
            ctx.body, ctx.media, ctx.media_type = _multipart(content_type, body)
        elif body:
            if "json" not in content_type:
                raise self._violation(400, f"{route.method_id}: body is not JSON ({content_type})")
            ctx.body = json.loads(body)
        if "request" in spec and ctx.body is None and route.http_method in ("POST", "PUT", "PATCH"):
            raise self._violation(400, f"{route.method_id}: request body missing")
        if "request" in spec and ctx.body is not None:
            problems = schema_problems(route.schemas or {}, spec["request"], ctx.body, "")
            if problems:  # Google's own answer to an unknown or mistyped field
                raise ApiError(400, "Invalid JSON payload received. " + "; ".join(problems[:5]), "invalid")
        return ctx

    def _check_key(self, method_id: str, params: dict, token: str | None) -> None:
        if "key" not in params:  # Google's answer to a request carrying only a bearer token, or nothing
            raise ApiError(
                403,
                "Method doesn't allow unregistered callers (callers without established identity). "
                "Please use API Key or other form of API consumer identity to call this API.",
                "forbidden",
            )
        if token is not None:  # stricter than Google: a user's token has no business reaching an API-key API
            raise self._violation(400, f"{method_id}: a user's OAuth token was sent along with an API key")
        if params["key"] not in self.api_keys:
            raise ApiError(400, "API key not valid. Please pass a valid API key.", "keyInvalid")

    def _injected(self, method_id: str) -> None:
        for failure in self.failures:
            if failure["method_id"] == method_id and failure["times"] > 0:
                failure["times"] -= 1
                headers = {"Retry-After": failure["retry_after"]} if failure["retry_after"] is not None else {}
                raise ApiError(failure["status"], failure["message"], failure["reason"], headers)

    @staticmethod
    def _encode(result: Any) -> tuple[int, dict, bytes]:
        if isinstance(result, Reply):
            return result.status, result.headers, result.body
        if result is None:
            return 204, {}, b""
        if isinstance(result, tuple):  # (bytes, content type) for media downloads
            return 200, {"Content-Type": result[1]}, result[0]
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(result).encode()


def _multipart(content_type: str, body: bytes) -> tuple[Any, bytes, str]:
    """A multipart/related upload: JSON metadata, then the media part's bytes exactly as sent."""
    head = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n", policy=email.policy.HTTP)
    boundary = head.get_param("boundary")
    if head.get_content_type() != "multipart/related" or not boundary:
        raise ApiError(400, f"Upload body must be multipart/related with a boundary (got {content_type})", "badContent")
    delimiter = b"--" + str(boundary).encode()
    # Delimiters as RFC 2046 writes them (CRLF) or as google-api-python-client does (LF), which Google accepts.
    pieces = re.split(rb"\r?\n" + re.escape(delimiter), body) if body.startswith(delimiter) else []
    if len(pieces) != 3 or not pieces[2].startswith(b"--"):
        raise ApiError(400, "Upload body must hold exactly a metadata part and a media part", "badContent")
    parts = []
    for piece in (pieces[0][len(delimiter) :], pieces[1]):
        found = re.match(rb"\r?\n(.*?)\r?\n\r?\n", piece, re.S)
        if not found:
            raise ApiError(400, "Upload part without headers", "badContent")
        parsed = email.message_from_bytes(found[1] + b"\r\n\r\n", policy=email.policy.HTTP)
        data = piece[found.end() :]
        if (parsed.get("Content-Transfer-Encoding") or "binary").lower() == "base64":
            data = base64.b64decode(data)
        parts.append((parsed.get_content_type(), data))
    return json.loads(parts[0][1] or b"{}"), parts[1][1], parts[1][0]


class _Handler(BaseHTTPRequestHandler):
    fake: GoogleApiFake
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, payload = self.fake.handle(self.command, self.path, headers, body)
        self.send_response(status)
        for key, value in out_headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def run_google_api() -> Iterator[GoogleApiFake]:
    """Serve a fresh stand-in on a free loopback port for the duration of the context."""
    fake = GoogleApiFake()
    handler = type("Handler", (_Handler,), {"fake": fake})
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    fake.server.daemon_threads = True
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


# A bare RFC 5321 mailbox as Google's JSON APIs take it (no display name, no SMTPUTF8): referee for
# attendees, permission and contact emails, forwarding addresses.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
BARE_ADDRESS = re.compile(
    rf"(?=.{{1,254}}$)(?=[^@]{{1,64}}@){_ATOM}(?:\.{_ATOM})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
)


def check_address(fake: GoogleApiFake, method_id: str, field: str, value: Any) -> None:
    if not isinstance(value, str) or not BARE_ADDRESS.fullmatch(value):
        raise fake.refuse(method_id, f"{field}: {value!r} is not a bare email address")


def lost_subfields(
    stored: list[dict], sent: list[dict], key: Callable[[dict], Any], output_only: frozenset[str] = frozenset()
) -> list[str]:
    """Subfields of stored entries that the entry sent for them (matched by ``key``) no longer has."""
    by_key = {key(entry): entry for entry in sent}
    lost = []
    for old in stored:
        new = by_key.get(key(old))
        if new is None:
            continue
        lost += [f"{key(old)!r}.{field}" for field in old if field not in output_only and field not in new]
    return lost


def not_found(kind: str, key: str) -> ApiError:
    return ApiError(404, f"Requested entity was not found: {kind} {key}", "notFound")


def get_or_404(collection: dict, key: str, kind: str) -> Any:
    if key not in collection:
        raise not_found(kind, key)
    return collection[key]


def pop_or_404(collection: dict, key: str, kind: str) -> Any:
    get_or_404(collection, key, kind)
    return collection.pop(key)


# ============================================================================================
# Seed data: each service module appends a seeder; small and fixed so tests can name ids.
# ============================================================================================
SEEDERS: list[Callable[[GoogleApiFake], None]] = []


def seed(fake: GoogleApiFake) -> None:
    for extra in SEEDERS:
        extra(fake)
