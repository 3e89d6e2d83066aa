"""A local stand-in for the Google Workspace APIs on 127.0.0.1, speaking their JSON wire format.

Every request is routed and checked against the discovery documents shipped with
google-api-python-client (HTTP method, path, required and known parameters, enum values) and
against the bearer token's scopes (a token lacking every scope the method accepts gets Google's 403
insufficient-scope answer). Anything that does not fit is recorded in ``violations``; tests assert
that list stays empty. ``requests`` records every request with the token it carried. ``fail``
injects errors. Data lives in ``state`` (seeded with a small, known mailbox, drive, calendar ...).
"""
from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, unquote, urlsplit

from googleapiclient.discovery_cache import get_static_doc

APIS = [("gmail", "v1"), ("drive", "v3"), ("calendar", "v3"), ("docs", "v1"), ("sheets", "v4"),
        ("tasks", "v1"), ("people", "v1")]


class ApiError(Exception):
    """Raised by a handler: becomes Google's JSON error body."""

    def __init__(self, status: int, message: str, reason: str = "", headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.reason, self.headers = status, message, reason, headers or {}


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


@dataclass
class Ctx:
    method_id: str
    params: dict[str, Any]
    body: Any
    media: bytes | None = None
    media_type: str | None = None


def _routes() -> list[Route]:
    routes = []
    for name, version in APIS:
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
                            regex += f"(?P<{_group(piece[2:-1])}>.+)"
                        elif piece.startswith("{"):
                            regex += f"(?P<{_group(piece[1:-1])}>[^/]+)"
                        else:
                            regex += re.escape(piece)
                            literal += len(piece)
                    routes.append(Route(spec["id"], spec["httpMethod"], re.compile("/" + regex + "$"), literal,
                                        spec, doc.get("parameters", {}), upload))
    return sorted(routes, key=lambda r: -r.literal)


def _group(name: str) -> str:
    return "p_" + re.sub(r"\W", "_", name)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def page(items: list, params: dict, size_key: str, default: int) -> tuple[list, str | None]:
    """Google-style paging: an opaque page token (here an offset) and a page size parameter."""
    start = int(params.get("pageToken") or 0)
    size = int(params.get(size_key) or default)
    chunk = items[start:start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


HANDLERS: dict[str, Callable[["GoogleApiFake", Ctx], Any]] = {}


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

    def fail(self, method_id: str, status: int, times: int = 1, reason: str = "", retry_after: str | None = "0",
             message: str = "injected failure") -> None:
        """The next ``times`` calls of ``method_id`` answer ``status`` (Retry-After 0 keeps tests fast)."""
        self.failures.append({"method_id": method_id, "status": status, "times": times, "reason": reason,
                              "retry_after": retry_after, "message": message})

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
            error = {"code": exc.status, "message": exc.message,
                     "errors": [{"message": exc.message, "reason": exc.reason or "error", "domain": "global"}],
                     "status": {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                                404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}.get(exc.status, "UNKNOWN")}
            payload = json.dumps({"error": error}).encode()
        record.status = status
        return status, out_headers, payload

    def _violation(self, status: int, message: str) -> ApiError:
        self.violations.append(message)
        return ApiError(status, message, "badRequest")

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
        if token is None or token not in self.tokens:
            raise ApiError(401, "Request had invalid authentication credentials.", "authError")
        accepted = set(spec.get("scopes", []))
        if accepted and not accepted & self.tokens[token]:
            raise ApiError(403, "Request had insufficient authentication scopes.", "insufficientPermissions",
                           {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(sorted(accepted))}"'})
        content_type = headers.get("content-type", "")
        ctx = Ctx(route.method_id, params, None)
        if route.upload:
            if params.get("uploadType") != "multipart":
                raise self._violation(400, f"{route.method_id}: only uploadType=multipart is emulated")
            message = email.message_from_bytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body, policy=email.policy.HTTP)
            parts = list(message.iter_parts())
            ctx.body = json.loads(parts[0].get_content())
            ctx.media = parts[1].get_payload(decode=True)
            ctx.media_type = parts[1].get_content_type()
        elif body:
            if "json" not in content_type:
                raise self._violation(400, f"{route.method_id}: body is not JSON ({content_type})")
            ctx.body = json.loads(body)
        if "request" in spec and ctx.body is None and route.http_method in ("POST", "PUT", "PATCH"):
            raise self._violation(400, f"{route.method_id}: request body missing")
        return ctx

    def _injected(self, method_id: str) -> None:
        for failure in self.failures:
            if failure["method_id"] == method_id and failure["times"] > 0:
                failure["times"] -= 1
                headers = {"Retry-After": failure["retry_after"]} if failure["retry_after"] is not None else {}
                raise ApiError(failure["status"], failure["message"], failure["reason"], headers)

    @staticmethod
    def _encode(result: Any) -> tuple[int, dict, bytes]:
        if result is None:
            return 204, {}, b""
        if isinstance(result, tuple):  # (bytes, content type) for media downloads
            return 200, {"Content-Type": result[1]}, result[0]
        return 200, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(result).encode()


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
# Seed data: small and fixed so tests can name ids.
# ============================================================================================
def seed(fake: GoogleApiFake) -> None:
    state = fake.state
    state["labels"] = {lid: {"id": lid, "name": lid, "type": "system"} for lid in
                       ("INBOX", "UNREAD", "SENT", "DRAFT", "STARRED", "IMPORTANT", "TRASH", "SPAM")}
    state["labels"]["Label_1"] = {"id": "Label_1", "name": "Receipts", "type": "user"}
    state["messages"], state["attachments"], state["drafts"], state["filters"] = {}, {}, {}, {}
    for index in range(1, 13):
        add_message(fake, f"m{index:03d}", f"t{index:03d}", mime_message(
            sender=f"Sender {index} <sender{index}@example.com>", subject=f"Report {index}",
            body=f"Quarterly numbers, part {index}.", message_id=f"<m{index}@example.com>"), ["INBOX", "UNREAD"])
    add_message(fake, "m100", "t001", mime_message(
        sender="Ann <ann@example.com>", subject="Re: Report 1", body="<p>Looks <b>good</b></p>",
        html=True, message_id="<m100@example.com>", attachment=("notes.txt", b"attached notes\n")), ["INBOX"])
    for extra in SEEDERS:
        extra(fake)


SEEDERS: list[Callable[[GoogleApiFake], None]] = []


def mime_message(sender: str, subject: str, body: str, message_id: str, html: bool = False,
          attachment: tuple[str, bytes] | None = None, to: str = "me@example.com") -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"], message["Date"] = message_id, "Mon, 3 Mar 2025 09:00:00 +0000"
    message.set_content(body, subtype="html" if html else "plain")
    if attachment:
        message.add_attachment(attachment[1], maintype="text", subtype="plain", filename=attachment[0])
    return message.as_bytes()


# ============================================================================================
# Gmail
# ============================================================================================
def add_message(fake: GoogleApiFake, message_id: str, thread_id: str, raw: bytes, labels: list[str]) -> dict:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    message = {"id": message_id, "threadId": thread_id, "labelIds": list(labels), "raw": raw,
               "snippet": " ".join(str(parsed.get_body(("plain", "html")).get_content()).split())[:100]
               if parsed.get_body(("plain", "html")) else ""}
    fake.state["messages"][message_id] = message
    return message


def _payload(fake: GoogleApiFake, message: dict) -> dict:
    parsed = email.message_from_bytes(message["raw"], policy=email.policy.default)

    def part(node, part_id: str) -> dict:
        out = {"partId": part_id, "mimeType": node.get_content_type(), "filename": node.get_filename() or "",
               "headers": [{"name": k, "value": str(v)} for k, v in node.items()]}
        if node.is_multipart():
            out["body"] = {"size": 0}
            out["parts"] = [part(child, f"{part_id}.{i}" if part_id else str(i))
                            for i, child in enumerate(node.iter_parts())]
            return out
        data = node.get_payload(decode=True) or b""
        if out["filename"]:
            attachment_id = f"att-{message['id']}-{part_id}"
            fake.state["attachments"][attachment_id] = data
            out["body"] = {"size": len(data), "attachmentId": attachment_id}
        else:
            out["body"] = {"size": len(data), "data": b64url(data)}
        return out

    return part(parsed, "")


def _message_format(fake: GoogleApiFake, message: dict, params: dict) -> dict:
    fmt = params.get("format", "full")
    out = {k: message[k] for k in ("id", "threadId", "labelIds", "snippet")}
    if fmt == "raw":
        out["raw"] = b64url(message["raw"])
    elif fmt in ("full", "metadata"):
        payload = _payload(fake, message)
        if fmt == "metadata":
            wanted = {h.lower() for h in params.get("metadataHeaders", [])}
            payload = {"mimeType": payload["mimeType"],
                       "headers": [h for h in payload["headers"] if not wanted or h["name"].lower() in wanted]}
        out["payload"] = payload
    return out


def _matches(fake: GoogleApiFake, message: dict, query: str) -> bool:
    parsed = email.message_from_bytes(message["raw"], policy=email.policy.default)
    text = (str(parsed["Subject"]) + " " + message["snippet"]).lower()
    for term in re.findall(r'(?:\S+:)?"[^"]*"|\S+', query or ""):
        key, _, value = term.partition(":") if ":" in term else ("", "", term)
        value = value.strip('"').lower()
        if key == "from" and value not in str(parsed["From"]).lower():
            return False
        if key == "to" and value not in str(parsed["To"]).lower():
            return False
        if key == "subject" and value not in str(parsed["Subject"]).lower():
            return False
        if key in ("label", "in", "is"):
            names = {lid.lower() for lid in message["labelIds"]}
            names |= {fake.state["labels"][lid]["name"].lower() for lid in message["labelIds"]
                      if lid in fake.state["labels"]}
            if value not in names:
                return False
        if not key and value not in text:
            return False
    return True


@handles("gmail.users.messages.list")
def _gmail_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    found = [m for m in fake.state["messages"].values()
             if "DRAFT" not in m["labelIds"] and _matches(fake, m, ctx.params.get("q", ""))]
    chunk, token = page(found, ctx.params, "maxResults", 100)
    out: dict[str, Any] = {"messages": [{"id": m["id"], "threadId": m["threadId"]} for m in chunk],
                           "resultSizeEstimate": len(found)}
    if token:
        out["nextPageToken"] = token
    return out


@handles("gmail.users.messages.get")
def _gmail_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    message = get_or_404(fake.state["messages"], ctx.params["id"], "message")
    return _message_format(fake, message, ctx.params)


@handles("gmail.users.messages.attachments.get")
def _gmail_attachment(fake: GoogleApiFake, ctx: Ctx) -> dict:
    message = get_or_404(fake.state["messages"], ctx.params["messageId"], "message")
    _payload(fake, message)  # registers the message's attachment ids
    data = get_or_404(fake.state["attachments"], ctx.params["id"], "attachment")
    return {"size": len(data), "data": b64url(data)}


@handles("gmail.users.threads.get")
def _gmail_thread(fake: GoogleApiFake, ctx: Ctx) -> dict:
    messages = [m for m in fake.state["messages"].values() if m["threadId"] == ctx.params["id"]]
    if not messages:
        raise not_found("thread", ctx.params["id"])
    return {"id": ctx.params["id"], "messages": [_message_format(fake, m, ctx.params) for m in messages]}


def _raw(body: dict) -> bytes:
    raw = body.get("raw", "")
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))


@handles("gmail.users.messages.send")
def _gmail_send(fake: GoogleApiFake, ctx: Ctx) -> dict:
    thread_id = ctx.body.get("threadId") or fake.new_id("t")
    message = add_message(fake, fake.new_id("m"), thread_id, _raw(ctx.body), ["SENT"])
    return {"id": message["id"], "threadId": thread_id, "labelIds": ["SENT"]}


@handles("gmail.users.messages.batchModify")
def _gmail_modify(fake: GoogleApiFake, ctx: Ctx) -> None:
    for label_id in ctx.body.get("addLabelIds", []) + ctx.body.get("removeLabelIds", []):
        if label_id not in fake.state["labels"]:
            raise ApiError(400, f"Invalid label: {label_id}", "invalidArgument")
    for message_id in ctx.body["ids"]:
        message = get_or_404(fake.state["messages"], message_id, "message")
        labels = [lid for lid in message["labelIds"] if lid not in ctx.body.get("removeLabelIds", [])]
        message["labelIds"] = labels + [lid for lid in ctx.body.get("addLabelIds", []) if lid not in labels]


@handles("gmail.users.labels.list")
def _gmail_labels(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"labels": list(fake.state["labels"].values())}


@handles("gmail.users.labels.create")
def _gmail_label_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if any(label["name"] == ctx.body["name"] for label in fake.state["labels"].values()):
        raise ApiError(409, "Label name exists or conflicts", "duplicate")
    label = {"id": fake.new_id("Label_"), "name": ctx.body["name"], "type": "user"}
    fake.state["labels"][label["id"]] = label
    return label


def _draft_out(draft: dict) -> dict:
    message = draft["message"]
    return {"id": draft["id"], "message": {"id": message["id"], "threadId": message["threadId"],
                                           "labelIds": message["labelIds"]}}


@handles("gmail.users.drafts.create", "gmail.users.drafts.update")
def _gmail_draft_save(fake: GoogleApiFake, ctx: Ctx) -> dict:
    draft_id = ctx.params.get("id") or fake.new_id("r")
    if ctx.method_id.endswith("update"):
        old = get_or_404(fake.state["drafts"], draft_id, "draft")
        fake.state["messages"].pop(old["message"]["id"], None)
    body = ctx.body["message"]
    message = add_message(fake, fake.new_id("m"), body.get("threadId") or fake.new_id("t"), _raw(body), ["DRAFT"])
    fake.state["drafts"][draft_id] = {"id": draft_id, "message": message}
    return _draft_out(fake.state["drafts"][draft_id])


@handles("gmail.users.drafts.list")
def _gmail_drafts(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(list(fake.state["drafts"].values()), ctx.params, "maxResults", 100)
    out: dict[str, Any] = {"drafts": [_draft_out(d) for d in chunk]}
    if token:
        out["nextPageToken"] = token
    return out


@handles("gmail.users.drafts.send")
def _gmail_draft_send(fake: GoogleApiFake, ctx: Ctx) -> dict:
    draft = fake.state["drafts"].pop(ctx.body["id"], None)
    if draft is None:
        raise not_found("draft", ctx.body["id"])
    draft["message"]["labelIds"] = ["SENT"]
    return {"id": draft["message"]["id"], "threadId": draft["message"]["threadId"], "labelIds": ["SENT"]}


@handles("gmail.users.settings.filters.list")
def _gmail_filters(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"filter": list(fake.state["filters"].values())} if fake.state["filters"] else {}


@handles("gmail.users.settings.filters.create")
def _gmail_filter_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    for label_id in ctx.body.get("action", {}).get("addLabelIds", []):
        if label_id not in fake.state["labels"]:
            raise ApiError(400, f"Invalid label: {label_id}", "invalidArgument")
    created = {"id": fake.new_id("f"), **ctx.body}
    fake.state["filters"][created["id"]] = created
    return created


@handles("gmail.users.settings.filters.delete")
def _gmail_filter_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(fake.state["filters"], ctx.params["id"], "filter")


# ============================================================================================
# Drive
# ============================================================================================
FOLDER = "application/vnd.google-apps.folder"
GOOGLE_DOC = "application/vnd.google-apps.document"
GOOGLE_SHEET = "application/vnd.google-apps.spreadsheet"


def add_file(fake: GoogleApiFake, file_id: str, name: str, mime: str, content: bytes = b"",
             parents: list[str] | None = None, drive_id: str | None = None) -> dict:
    item = {"id": file_id, "name": name, "mimeType": mime, "parents": parents or ["root"], "trashed": False,
            "modifiedTime": f"2025-03-{1 + len(fake.state['files']) % 28:02d}T10:00:00.000Z",
            "webViewLink": f"https://drive.google.com/file/d/{file_id}/view", "content": content}
    if drive_id:
        item["driveId"] = drive_id
    if mime not in (FOLDER, GOOGLE_DOC, GOOGLE_SHEET):
        item["size"] = str(len(content))
    fake.state["files"][file_id] = item
    fake.state["permissions"][file_id] = [{"id": "owner", "type": "user", "role": "owner",
                                           "emailAddress": "me@example.com"}]
    return item


def _seed_drive(fake: GoogleApiFake) -> None:
    fake.state["files"], fake.state["permissions"] = {}, {}
    fake.state["drives"] = [{"id": f"sd{i}", "name": f"Team {i}", "kind": "drive#drive"} for i in range(1, 4)]
    add_file(fake, "folder1", "Projects", FOLDER)
    add_file(fake, "txt1", "plan.txt", "text/plain", b"Step 1: plan\nStep 2: ship\n", ["folder1"])
    add_file(fake, "pdf1", "scan.pdf", "application/pdf", b"%PDF-1.4 binary\x00\x01")
    add_file(fake, "doc1", "Design doc", GOOGLE_DOC, b"Design\nThe plan is simple.")
    add_file(fake, "sheet1", "Budget", GOOGLE_SHEET, b"")
    add_file(fake, "shared1", "team-notes.md", "text/markdown", b"# Team", ["sd1"], drive_id="sd1")
    for index in range(1, 8):
        add_file(fake, f"note{index}", f"note {index}.txt", "text/plain", f"note {index}".encode(), ["folder1"])


SEEDERS.append(_seed_drive)

_CLAUSE = re.compile(r"""^\s*(?:
    '(?P<parent>(?:[^'\\]|\\.)*)'\s+in\s+parents |
    (?P<field>name|mimeType|fullText)\s+(?P<op>contains|=|!=)\s+'(?P<value>(?:[^'\\]|\\.)*)' |
    trashed\s*=\s*(?P<trashed>true|false)
)\s*$""", re.X)


def _drive_match(fake: GoogleApiFake, item: dict, q: str) -> bool:
    """The subset of Drive's query language the tools produce: clauses joined by 'and'."""
    q = q.strip()
    while q.startswith("(") and ")" in q:
        inner, _, rest = q[1:].partition(")")
        q = (inner + rest).strip()
    for clause in re.split(r"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", q):
        clause = clause.strip().strip("()")
        found = _CLAUSE.match(clause)
        if not found:
            raise ApiError(400, f"Invalid Value: unsupported query clause {clause!r}", "invalid")
        if found["parent"] is not None and found["parent"] not in item["parents"]:
            return False
        if found["trashed"] is not None and item["trashed"] != (found["trashed"] == "true"):
            return False
        if found["field"]:
            value = found["value"].replace("\\'", "'")
            actual = item["name"] if found["field"] == "name" else item["mimeType"]
            if found["field"] == "fullText":
                actual = item["name"] + " " + item["content"].decode("utf-8", "ignore")
            ok = value.lower() in actual.lower() if found["op"] == "contains" else actual == value
            if ok == (found["op"] == "!="):
                return False
    return True


def _file_out(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "content"}


@handles("drive.files.list")
def _drive_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    items = [f for f in fake.state["files"].values()
             if (not ctx.params.get("driveId") or f.get("driveId") == ctx.params["driveId"])
             and _drive_match(fake, f, ctx.params.get("q", "trashed = false"))]
    chunk, token = page(items, ctx.params, "pageSize", 100)
    out: dict[str, Any] = {"files": [_file_out(f) for f in chunk]}
    if token:
        out["nextPageToken"] = token
    return out


@handles("drive.files.get")
def _drive_get(fake: GoogleApiFake, ctx: Ctx) -> Any:
    item = get_or_404(fake.state["files"], ctx.params["fileId"], "file")
    if ctx.params.get("alt") == "media":
        if item["mimeType"].startswith("application/vnd.google-apps."):
            raise ApiError(403, "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                           "fileNotDownloadable")
        return item["content"], item["mimeType"]
    return _file_out(item)


@handles("drive.files.export")
def _drive_export(fake: GoogleApiFake, ctx: Ctx) -> Any:
    item = get_or_404(fake.state["files"], ctx.params["fileId"], "file")
    if item["mimeType"] == GOOGLE_SHEET:
        values = fake.state.get("sheet_values", {}).get((item["id"], "Sheet1"), [])
        return "\n".join(",".join(map(str, row)) for row in values).encode(), "text/csv"
    return item["content"], ctx.params["mimeType"]


@handles("drive.files.create")
def _drive_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    body = ctx.body or {}
    for parent in body.get("parents", []):
        get_or_404(fake.state["files"], parent, "file")
    item = add_file(fake, fake.new_id("file"), body.get("name", "Untitled"),
                    body.get("mimeType") or ctx.media_type or "application/octet-stream", ctx.media or b"",
                    body.get("parents") or None)
    return _file_out(item)


@handles("drive.files.update")
def _drive_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    item = get_or_404(fake.state["files"], ctx.params["fileId"], "file")
    body = ctx.body or {}
    for key in ("name", "trashed", "description"):
        if key in body:
            item[key] = body[key]
    if ctx.params.get("addParents"):
        get_or_404(fake.state["files"], ctx.params["addParents"], "file")
        removed = set((ctx.params.get("removeParents") or "").split(","))
        item["parents"] = [p for p in item["parents"] if p not in removed] + [ctx.params["addParents"]]
    if ctx.media is not None:
        item["content"] = ctx.media
        item["size"] = str(len(ctx.media))
    return _file_out(item)


@handles("drive.files.copy")
def _drive_copy(fake: GoogleApiFake, ctx: Ctx) -> dict:
    source = get_or_404(fake.state["files"], ctx.params["fileId"], "file")
    body = ctx.body or {}
    item = add_file(fake, fake.new_id("file"), body.get("name") or f"Copy of {source['name']}", source["mimeType"],
                    source["content"], body.get("parents") or source["parents"])
    return _file_out(item)


@handles("drive.permissions.list")
def _drive_permissions(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"permissions": get_or_404(fake.state["permissions"], ctx.params["fileId"], "file")}


@handles("drive.permissions.create")
def _drive_share(fake: GoogleApiFake, ctx: Ctx) -> dict:
    perms = get_or_404(fake.state["permissions"], ctx.params["fileId"], "file")
    body = ctx.body
    if body["type"] in ("user", "group") and "@" not in body.get("emailAddress", ""):
        raise ApiError(400, "The permission emailAddress field is required", "required")
    perm = {"id": fake.new_id("perm"), **body}
    perms.append(perm)
    return perm


@handles("drive.permissions.delete")
def _drive_unshare(fake: GoogleApiFake, ctx: Ctx) -> None:
    perms = get_or_404(fake.state["permissions"], ctx.params["fileId"], "file")
    remaining = [p for p in perms if p["id"] != ctx.params["permissionId"]]
    if len(remaining) == len(perms):
        raise not_found("permission", ctx.params["permissionId"])
    perms[:] = remaining


@handles("drive.drives.list")
def _drive_drives(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(fake.state["drives"], ctx.params, "pageSize", 10)
    return {"drives": chunk, **({"nextPageToken": token} if token else {})}


# ============================================================================================
# Calendar
# ============================================================================================
def _seed_calendar(fake: GoogleApiFake) -> None:
    fake.state["calendars"] = {
        "me@example.com": {"id": "me@example.com", "summary": "Me", "accessRole": "owner",
                           "timeZone": "Europe/Berlin", "primary": True},
        "team@group.calendar.google.com": {"id": "team@group.calendar.google.com", "summary": "Team",
                                           "accessRole": "reader", "timeZone": "UTC"},
    }
    fake.state["events"] = {cal: {} for cal in fake.state["calendars"]}
    mine = fake.state["events"]["me@example.com"]
    for day in range(3, 9):
        mine[f"ev{day}"] = {"id": f"ev{day}", "summary": f"Standup {day}", "status": "confirmed",
                            "start": {"dateTime": f"2025-03-{day:02d}T09:00:00Z"},
                            "end": {"dateTime": f"2025-03-{day:02d}T09:15:00Z"}}
    mine["allday"] = {"id": "allday", "summary": "Offsite", "start": {"date": "2025-03-10"},
                      "end": {"date": "2025-03-11"}, "status": "confirmed"}
    mine["invite"] = {"id": "invite", "summary": "Planning", "status": "confirmed",
                      "start": {"dateTime": "2025-03-12T14:00:00+01:00"}, "end": {"dateTime": "2025-03-12T15:00:00+01:00"},
                      "attendees": [{"email": "boss@example.com", "organizer": True, "responseStatus": "accepted"},
                                    {"email": "me@example.com", "self": True, "responseStatus": "needsAction"}]}


SEEDERS.append(_seed_calendar)


def _calendar(fake: GoogleApiFake, calendar_id: str) -> dict:
    if calendar_id == "primary":
        calendar_id = "me@example.com"
    return get_or_404(fake.state["events"], calendar_id, "calendar")


def _instant(value: dict) -> "datetime":
    from datetime import datetime, timezone

    if "dateTime" in value:
        parsed = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            from zoneinfo import ZoneInfo

            parsed = parsed.replace(tzinfo=ZoneInfo(value["timeZone"]))
        return parsed
    return datetime.fromisoformat(value["date"]).replace(tzinfo=timezone.utc)


def _in_zone(event: dict, zone_name: str | None) -> dict:
    if not zone_name:
        return event
    from zoneinfo import ZoneInfo

    out = dict(event)
    for key in ("start", "end"):
        if "dateTime" in event[key]:
            out[key] = {"dateTime": _instant(event[key]).astimezone(ZoneInfo(zone_name)).isoformat(),
                        "timeZone": zone_name}
    return out


def _events_between(events: dict, params: dict) -> list[dict]:
    from datetime import datetime

    low = datetime.fromisoformat(params["timeMin"].replace("Z", "+00:00")) if params.get("timeMin") else None
    high = datetime.fromisoformat(params["timeMax"].replace("Z", "+00:00")) if params.get("timeMax") else None
    found = []
    for event in events.values():
        if (low and _instant(event["end"]) <= low) or (high and _instant(event["start"]) >= high):
            continue
        text = (event.get("summary", "") + " " + event.get("description", "")).lower()
        if params.get("q") and params["q"].lower() not in text:
            continue
        found.append(event)
    return sorted(found, key=lambda e: _instant(e["start"]))


@handles("calendar.calendarList.list")
def _cal_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"items": list(fake.state["calendars"].values())}


@handles("calendar.events.list")
def _cal_events(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if ctx.params.get("orderBy") == "startTime" and ctx.params.get("singleEvents") != "true":
        raise ApiError(400, "The requested ordering is not available for the particular query.", "invalid")
    found = _events_between(_calendar(fake, ctx.params["calendarId"]), ctx.params)
    chunk, token = page(found, ctx.params, "maxResults", 250)
    return {"items": [_in_zone(e, ctx.params.get("timeZone")) for e in chunk], **({"nextPageToken": token} if token else {})}


@handles("calendar.events.get")
def _cal_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return get_or_404(_calendar(fake, ctx.params["calendarId"]), ctx.params["eventId"], "event")


def _check_times(event: dict) -> None:
    for key in ("start", "end"):
        value = event.get(key, {})
        if "dateTime" in value:
            from datetime import datetime

            if datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00")).tzinfo is None and not value.get("timeZone"):
                raise ApiError(400, f"Missing time zone definition for {key} time.", "required")
        elif "date" not in value:
            raise ApiError(400, f"Missing {key} time.", "required")
    if _instant(event["end"]) <= _instant(event["start"]):
        raise ApiError(400, "The specified time range is empty.", "timeRangeEmpty")


def _conference(fake: GoogleApiFake, event: dict, ctx: Ctx) -> None:
    request = event.pop("conferenceData", {}).get("createRequest")
    if request and ctx.params.get("conferenceDataVersion") == "1":
        link = f"https://meet.google.com/{fake.new_id('abc-')}"
        event["hangoutLink"] = link
        event["conferenceData"] = {"entryPoints": [{"entryPointType": "video", "uri": link}],
                                   "conferenceSolution": {"key": request["conferenceSolutionKey"]}}


@handles("calendar.events.insert")
def _cal_insert(fake: GoogleApiFake, ctx: Ctx) -> dict:
    events = _calendar(fake, ctx.params["calendarId"])
    event = {"id": fake.new_id("ev"), "status": "confirmed", **ctx.body}
    _check_times(event)
    for attendee in event.get("attendees", []):
        attendee.setdefault("responseStatus", "needsAction")
    _conference(fake, event, ctx)
    events[event["id"]] = event
    return event


@handles("calendar.events.patch")
def _cal_patch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    event = get_or_404(_calendar(fake, ctx.params["calendarId"]), ctx.params["eventId"], "event")
    merged = {**event, **ctx.body}
    _check_times(merged)
    _conference(fake, merged, ctx)
    event.clear()
    event.update(merged)
    return event


@handles("calendar.events.delete")
def _cal_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(_calendar(fake, ctx.params["calendarId"]), ctx.params["eventId"], "event")


@handles("calendar.freebusy.query")
def _cal_freebusy(fake: GoogleApiFake, ctx: Ctx) -> dict:
    out = {}
    for item in ctx.body.get("items", []):
        try:
            events = _calendar(fake, item["id"])
        except ApiError:
            out[item["id"]] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
            continue
        busy = _events_between(events, ctx.body)
        out[item["id"]] = {"busy": [{"start": _instant(e["start"]).isoformat(), "end": _instant(e["end"]).isoformat()}
                                    for e in busy]}
    return {"kind": "calendar#freeBusy", "timeMin": ctx.body["timeMin"], "timeMax": ctx.body["timeMax"], "calendars": out}


# ============================================================================================
# Docs: a body is a list of paragraphs {"text", "style", "bullet", "runs"} and tables {"table": rows}
# ============================================================================================
def _seed_docs(fake: GoogleApiFake) -> None:
    fake.state["documents"] = {"doc1": {"title": "Design doc", "lists": {
        "kix.bul": {"listProperties": {"nestingLevels": [{"glyphSymbol": "●"}, {"glyphSymbol": "○"}]}},
        "kix.num": {"listProperties": {"nestingLevels": [{"glyphType": "DECIMAL"}]}}},
        "body": [
            {"text": "Design\n", "style": "HEADING_1"},
            {"text": "The plan is simple.\n", "runs": [("The plan is ", {}), ("simple", {"bold": True}), (".\n", {})]},
            {"text": "First point\n", "bullet": ("kix.bul", 0)},
            {"text": "Nested point\n", "bullet": ("kix.bul", 1)},
            {"text": "Step one\n", "bullet": ("kix.num", 0)},
            {"table": [["Name", "Cost"], ["Disk", "10"]]},
            {"text": "Goals\n", "style": "HEADING_2"},
            {"text": "Ship it.\n"},
        ]}}


SEEDERS.append(_seed_docs)


def _doc_elements(document: dict) -> list[tuple[dict, int, int]]:
    """(element, startIndex, endIndex) for each body element; the section break takes index 0."""
    out, index = [], 1
    for element in document["body"]:
        if "table" in element:
            size = 2 + sum(1 + sum(2 + len(cell) for cell in row) for row in element["table"])
        else:
            size = len(element["text"])
        out.append((element, index, index + size))
        index += size
    return out


def _paragraph_json(element: dict, start: int) -> dict:
    runs = element.get("runs") or [(element["text"], {})]
    elements, index = [], start
    for text, style in runs:
        elements.append({"startIndex": index, "endIndex": index + len(text),
                         "textRun": {"content": text, "textStyle": style}})
        index += len(text)
    paragraph = {"elements": elements, "paragraphStyle": {"namedStyleType": element.get("style", "NORMAL_TEXT")}}
    if element.get("bullet"):
        paragraph["bullet"] = {"listId": element["bullet"][0], "nestingLevel": element["bullet"][1]}
    return {"startIndex": start, "endIndex": index, "paragraph": paragraph}


def _document_json(document_id: str, document: dict) -> dict:
    content = [{"endIndex": 1, "sectionBreak": {}}]
    for element, start, end in _doc_elements(document):
        if "table" not in element:
            content.append(_paragraph_json(element, start))
            continue
        rows, index = [], start + 1
        for row in element["table"]:
            cells, index = [], index + 1
            for cell in row:
                cells.append({"content": [_paragraph_json({"text": cell + "\n"}, index + 1)]})
                index += 2 + len(cell)
            rows.append({"tableCells": cells})
        content.append({"startIndex": start, "endIndex": end, "table": {
            "rows": len(rows), "columns": len(element["table"][0]), "tableRows": rows}})
    return {"documentId": document_id, "title": document["title"], "body": {"content": content},
            "lists": document.get("lists", {}), "revisionId": "r1"}


@handles("docs.documents.get")
def _docs_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return _document_json(ctx.params["documentId"], get_or_404(fake.state["documents"], ctx.params["documentId"], "document"))


@handles("docs.documents.create")
def _docs_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    document_id = fake.new_id("doc")
    fake.state["documents"][document_id] = {"title": ctx.body.get("title", "Untitled document"),
                                            "body": [{"text": "\n"}]}
    return _document_json(document_id, fake.state["documents"][document_id])


def _paragraphs_at(document: dict, start: int, end: int) -> tuple[int, int, int]:
    """Indexes (first, last) of the body paragraphs covering [start, end) and the first's start index."""
    covering = [(i, s) for i, (element, s, e) in enumerate(_doc_elements(document)) if s < max(end, start + 1) and e > start]
    if not covering or any("table" in document["body"][i] for i, _ in covering):
        raise ApiError(400, "Invalid range: the stand-in edits text in paragraphs only", "badRequest")
    return covering[0][0], covering[-1][0], covering[0][1]


def _respan(document: dict, first: int, last: int, text: str) -> None:
    head = document["body"][first]
    lines = [line + "\n" for line in text.split("\n")[:-1]] + ([text.split("\n")[-1]] if not text.endswith("\n") else [])
    new = [{"text": line, **{k: v for k, v in head.items() if k in ("style", "bullet")}} for line in lines if line]
    document["body"][first:last + 1] = new or [{"text": "\n"}]


def _apply_doc_request(fake: GoogleApiFake, document: dict, request: dict) -> dict:
    kind, args = next(iter(request.items()))
    body_end = _doc_elements(document)[-1][2]
    if kind == "insertText":
        index = args["location"]["index"] if "location" in args else body_end - 1
        if not 1 <= index < body_end:
            raise ApiError(400, f"Index {index} must be less than the end index of the referenced segment, {body_end}.",
                           "badRequest")
        first, last, offset = _paragraphs_at(document, index, index)
        joined = "".join(document["body"][i]["text"] for i in range(first, last + 1))
        _respan(document, first, last, joined[:index - offset] + args["text"] + joined[index - offset:])
        return {}
    if kind == "deleteContentRange":
        start, end = args["range"]["startIndex"], args["range"]["endIndex"]
        if end >= body_end or start < 1 or end <= start:
            raise ApiError(400, "Invalid deletion range: cannot include the newline at the end of the segment",
                           "badRequest")
        first, last, offset = _paragraphs_at(document, start, end)
        joined = "".join(document["body"][i]["text"] for i in range(first, last + 1))
        _respan(document, first, last, joined[:start - offset] + joined[end - offset:])
        return {}
    if kind == "replaceAllText":
        needle, flags = args["containsText"]["text"], 0 if args["containsText"].get("matchCase") else re.I
        count = 0
        for element in document["body"]:
            if "text" in element:
                element["text"], hits = re.subn(re.escape(needle), args["replaceText"].replace("\\", "\\\\"),
                                                element["text"], flags=flags)
                element.pop("runs", None) if hits else None
                count += hits
        return {"replaceAllText": {"occurrencesChanged": count}}
    if kind == "insertTable":
        index = args["location"]["index"] if "location" in args else body_end - 1
        first, _, _ = _paragraphs_at(document, index, index)
        document["body"].insert(first + 1, {"table": [[""] * args["columns"] for _ in range(args["rows"])]})
        document["body"].insert(first + 2, {"text": "\n"})
        return {}
    if kind in ("updateTextStyle", "updateParagraphStyle", "createParagraphBullets"):
        return {}
    raise ApiError(400, f"Invalid requests[0]: unknown request type {kind!r}", "badRequest")


@handles("docs.documents.batchUpdate")
def _docs_batch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    import copy

    document = get_or_404(fake.state["documents"], ctx.params["documentId"], "document")
    working = copy.deepcopy(document)  # all or nothing, like the real API
    replies = [_apply_doc_request(fake, working, request) for request in ctx.body.get("requests", [])]
    document.clear()
    document.update(working)
    return {"documentId": ctx.params["documentId"], "replies": replies}


# ============================================================================================
# Sheets: values per (spreadsheet id, sheet title) as dense rows of strings
# ============================================================================================
def add_spreadsheet(fake: GoogleApiFake, spreadsheet_id: str, title: str, sheets: list[tuple[str, int, int]]) -> dict:
    book = {"spreadsheetId": spreadsheet_id, "properties": {"title": title}, "sheets": [
        {"properties": {"sheetId": index * 100, "title": name, "index": index,
                        "gridProperties": {"rowCount": rows, "columnCount": columns}}}
        for index, (name, rows, columns) in enumerate(sheets)],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"}
    fake.state["spreadsheets"][spreadsheet_id] = book
    return book


def _seed_sheets(fake: GoogleApiFake) -> None:
    fake.state["spreadsheets"], fake.state["sheet_values"], fake.state["formats"] = {}, {}, []
    book = add_spreadsheet(fake, "sheet1", "Budget", [("Sheet1", 20, 5), ("Q1 Plan", 10, 3)])
    book["namedRanges"] = [{"namedRangeId": "nr1", "name": "Costs", "range": {
        "sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 2}}]
    fake.state["sheet_values"][("sheet1", "Sheet1")] = [["Item", "Cost"], ["Disk", "10"], ["CPU", "30"]]


SEEDERS.append(_seed_sheets)


def _sheet_range(fake: GoogleApiFake, spreadsheet_id: str, text: str) -> tuple[dict, int, int, int | None, int | None]:
    """(sheet properties, first row, first column, last row, last column), 0-based, inclusive."""
    book = get_or_404(fake.state["spreadsheets"], spreadsheet_id, "spreadsheet")
    name, _, cells = text.rpartition("!") if "!" in text else (text, "", "")
    name = name[1:-1].replace("''", "'") if name.startswith("'") else name
    if not name and cells:
        name = book["sheets"][0]["properties"]["title"]
    sheet = next((s["properties"] for s in book["sheets"] if s["properties"]["title"] == name), None)
    if sheet is None:
        raise ApiError(400, f"Unable to parse range: {text}", "badRequest")
    refs = [re.fullmatch(r"([A-Z]*)(\d*)", part) for part in cells.split(":")] if cells else []
    if any(ref is None for ref in refs):
        raise ApiError(400, f"Unable to parse range: {text}", "badRequest")

    def col(letters: str) -> int | None:
        return sum((ord(c) - 64) * 26 ** i for i, c in enumerate(reversed(letters))) - 1 if letters else None

    first, last = (refs[0], refs[-1]) if refs else (None, None)
    return (sheet, int(first[2]) - 1 if first and first[2] else 0, (col(first[1]) or 0) if first else 0,
            int(last[2]) - 1 if last and last[2] else None, col(last[1]) if last else None)


def _grid_check(sheet: dict, row: int, column: int) -> None:
    grid = sheet["gridProperties"]
    if row >= grid["rowCount"] or column >= grid["columnCount"]:
        raise ApiError(400, f"Range ({sheet['title']}!R{row + 1}C{column + 1}) exceeds grid limits. "
                            f"Max rows: {grid['rowCount']}, max columns: {grid['columnCount']}", "badRequest")


def _a1(sheet: dict, row0: int, col0: int, row1: int, col1: int) -> str:
    def letters(index: int) -> str:
        out = ""
        index += 1
        while index:
            index, rem = divmod(index - 1, 26)
            out = chr(65 + rem) + out
        return out
    return f"'{sheet['title']}'!{letters(col0)}{row0 + 1}:{letters(col1)}{row1 + 1}"


def _write_cells(fake: GoogleApiFake, spreadsheet_id: str, sheet: dict, row: int, column: int, values: list) -> dict:
    rows = fake.state["sheet_values"].setdefault((spreadsheet_id, sheet["title"]), [])
    width = max((len(r) for r in values), default=0)
    if values:
        _grid_check(sheet, row + len(values) - 1, column + width - 1)
    for r, new in enumerate(values):
        while len(rows) <= row + r:
            rows.append([])
        target = rows[row + r]
        while len(target) < column + len(new):
            target.append("")
        for c, value in enumerate(new):
            target[column + c] = "" if value is None else str(value).upper() if isinstance(value, bool) else str(value)
    cells = sum(len(r) for r in values)
    return {"spreadsheetId": spreadsheet_id, "updatedRange": _a1(sheet, row, column, row + len(values) - 1,
                                                                  column + max(width - 1, 0)),
            "updatedRows": len(values), "updatedColumns": width, "updatedCells": cells}


def _require_input_option(ctx: Ctx) -> None:
    if ctx.params.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, "'valueInputOption' is required but not specified", "badRequest")


@handles("sheets.spreadsheets.get")
def _sheets_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return get_or_404(fake.state["spreadsheets"], ctx.params["spreadsheetId"], "spreadsheet")


@handles("sheets.spreadsheets.create")
def _sheets_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    names = [s["properties"]["title"] for s in ctx.body.get("sheets", [])] or ["Sheet1"]
    return add_spreadsheet(fake, fake.new_id("ss"), ctx.body.get("properties", {}).get("title", "Untitled"),
                           [(name, 1000, 26) for name in names])


@handles("sheets.spreadsheets.values.get")
def _sheets_values(fake: GoogleApiFake, ctx: Ctx) -> dict:
    sheet, row0, col0, row1, col1 = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    rows = fake.state["sheet_values"].get((ctx.params["spreadsheetId"], sheet["title"]), [])
    window = [r[col0:None if col1 is None else col1 + 1] for r in rows[row0:None if row1 is None else row1 + 1]]
    while window and not any(window[-1]):
        window.pop()
    out = {"range": ctx.params["range"], "majorDimension": "ROWS"}
    return {**out, "values": window} if window else out


@handles("sheets.spreadsheets.values.update")
def _sheets_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _require_input_option(ctx)
    sheet, row0, col0, _, _ = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    return _write_cells(fake, ctx.params["spreadsheetId"], sheet, row0, col0, ctx.body.get("values", []))


@handles("sheets.spreadsheets.values.append")
def _sheets_append(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _require_input_option(ctx)
    sheet, row0, col0, _, _ = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    rows = fake.state["sheet_values"].get((ctx.params["spreadsheetId"], sheet["title"]), [])
    start = max(row0, len(rows))
    grid = sheet["gridProperties"]
    grid["rowCount"] = max(grid["rowCount"], start + len(ctx.body.get("values", [])))  # INSERT_ROWS grows the grid
    updates = _write_cells(fake, ctx.params["spreadsheetId"], sheet, start, col0, ctx.body.get("values", []))
    return {"spreadsheetId": ctx.params["spreadsheetId"], "tableRange": ctx.params["range"], "updates": updates}


@handles("sheets.spreadsheets.values.clear")
def _sheets_clear(fake: GoogleApiFake, ctx: Ctx) -> dict:
    sheet, row0, col0, row1, col1 = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    for r, row in enumerate(fake.state["sheet_values"].get((ctx.params["spreadsheetId"], sheet["title"]), [])):
        if r >= row0 and (row1 is None or r <= row1):
            for c in range(col0, len(row) if col1 is None else min(col1 + 1, len(row))):
                row[c] = ""
    return {"spreadsheetId": ctx.params["spreadsheetId"], "clearedRange": ctx.params["range"]}


@handles("sheets.spreadsheets.batchUpdate")
def _sheets_batch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    book = get_or_404(fake.state["spreadsheets"], ctx.params["spreadsheetId"], "spreadsheet")
    by_id = {s["properties"]["sheetId"]: s for s in book["sheets"]}
    replies = []
    for request in ctx.body.get("requests", []):
        kind, args = next(iter(request.items()))
        if kind == "addSheet":
            props = {"sheetId": max(by_id, default=0) + 1, "index": len(book["sheets"]),
                     "gridProperties": {"rowCount": 1000, "columnCount": 26}, **args.get("properties", {})}
            if any(s["properties"]["title"] == props["title"] for s in book["sheets"]):
                raise ApiError(400, f"Invalid requests[0].addSheet: A sheet with the name \"{props['title']}\" already exists.",
                               "badRequest")
            book["sheets"].append({"properties": props})
            replies.append({"addSheet": {"properties": props}})
            continue
        sheet_id = args.get("sheetId", args.get("properties", {}).get("sheetId", args.get("range", {}).get("sheetId")))
        if sheet_id not in by_id:
            raise ApiError(400, f"Invalid requests[0].{kind}: No grid with id: {sheet_id}", "badRequest")
        if kind == "updateSheetProperties":
            old = by_id[sheet_id]["properties"]["title"]
            by_id[sheet_id]["properties"]["title"] = args["properties"]["title"]
            values = fake.state["sheet_values"].pop((book["spreadsheetId"], old), None)
            if values is not None:
                fake.state["sheet_values"][(book["spreadsheetId"], args["properties"]["title"])] = values
        elif kind == "deleteSheet":
            book["sheets"].remove(by_id[sheet_id])
        elif kind == "repeatCell":
            fake.state["formats"].append(args)
        else:
            raise ApiError(400, f"Invalid requests[0]: unsupported request {kind!r}", "badRequest")
        replies.append({})
    return {"spreadsheetId": book["spreadsheetId"], "replies": replies}


# ============================================================================================
# Tasks
# ============================================================================================
def _seed_tasks(fake: GoogleApiFake) -> None:
    fake.state["tasklists"] = {"list1": {"id": "list1", "title": "My Tasks"}, "list2": {"id": "list2", "title": "Work"}}
    fake.state["tasks"] = {"list1": {}, "list2": {}}
    for index in range(1, 6):
        fake.state["tasks"]["list1"][f"task{index}"] = {
            "id": f"task{index}", "title": f"Task {index}", "status": "needsAction",
            "due": f"2025-03-{index:02d}T00:00:00.000Z", "position": f"{index:020d}"}
    fake.state["tasks"]["list1"]["task5"]["status"] = "completed"


SEEDERS.append(_seed_tasks)


def _tasklist(fake: GoogleApiFake, list_id: str) -> dict:
    return get_or_404(fake.state["tasks"], "list1" if list_id == "@default" else list_id, "task list")


@handles("tasks.tasklists.list")
def _tasklists(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(list(fake.state["tasklists"].values()), ctx.params, "maxResults", 20)
    return {"items": chunk, **({"nextPageToken": token} if token else {})}


@handles("tasks.tasklists.insert")
def _tasklist_insert(fake: GoogleApiFake, ctx: Ctx) -> dict:
    created = {"id": fake.new_id("list"), "title": ctx.body["title"]}
    fake.state["tasklists"][created["id"]] = created
    fake.state["tasks"][created["id"]] = {}
    return created


@handles("tasks.tasklists.delete")
def _tasklist_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(fake.state["tasklists"], ctx.params["tasklist"], "task list")
    del fake.state["tasks"][ctx.params["tasklist"]]


@handles("tasks.tasks.list")
def _tasks_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    items = sorted(_tasklist(fake, ctx.params["tasklist"]).values(), key=lambda t: (t.get("parent", ""), t["position"]))
    if ctx.params.get("showCompleted") == "false":
        items = [t for t in items if t["status"] != "completed"]
    if ctx.params.get("dueMin"):
        items = [t for t in items if t.get("due", "") >= ctx.params["dueMin"]]
    if ctx.params.get("dueMax"):
        items = [t for t in items if t.get("due", "9") < ctx.params["dueMax"]]
    chunk, token = page(items, ctx.params, "maxResults", 20)
    return {"items": chunk, **({"nextPageToken": token} if token else {})}


@handles("tasks.tasks.get")
def _task_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return get_or_404(_tasklist(fake, ctx.params["tasklist"]), ctx.params["task"], "task")


def _check_due(task: dict) -> None:
    if "due" in task and not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", task["due"]):
        raise ApiError(400, f"Invalid value for due: {task['due']}", "invalid")


@handles("tasks.tasks.insert")
def _task_insert(fake: GoogleApiFake, ctx: Ctx) -> dict:
    tasks = _tasklist(fake, ctx.params["tasklist"])
    task = {"id": fake.new_id("task"), "status": "needsAction", "position": "0" * 20, **ctx.body}
    _check_due(task)
    if ctx.params.get("parent"):
        get_or_404(tasks, ctx.params["parent"], "task")
        task["parent"] = ctx.params["parent"]
    tasks[task["id"]] = task
    return task


@handles("tasks.tasks.patch")
def _task_patch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    task = get_or_404(_tasklist(fake, ctx.params["tasklist"]), ctx.params["task"], "task")
    task.update(ctx.body)
    _check_due(task)
    if task.get("status") == "completed":
        task.setdefault("completed", "2025-03-15T12:00:00.000Z")
    else:
        task.pop("completed", None)
    return task


@handles("tasks.tasks.delete")
def _task_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(_tasklist(fake, ctx.params["tasklist"]), ctx.params["task"], "task")


@handles("tasks.tasks.move")
def _task_move(fake: GoogleApiFake, ctx: Ctx) -> dict:
    tasks = _tasklist(fake, ctx.params["tasklist"])
    task = get_or_404(tasks, ctx.params["task"], "task")
    if ctx.params.get("destinationTasklist"):
        target = _tasklist(fake, ctx.params["destinationTasklist"])
        del tasks[task["id"]]
        target[task["id"]] = task
        tasks = target
    for key in ("parent", "previous"):
        if ctx.params.get(key):
            get_or_404(tasks, ctx.params[key], "task")
    task.pop("parent", None)
    if ctx.params.get("parent"):
        task["parent"] = ctx.params["parent"]
    previous = tasks.get(ctx.params.get("previous") or "", {})
    task["position"] = previous.get("position", "0" * 20) + "5"
    return task


# ============================================================================================
# People
# ============================================================================================
def _seed_people(fake: GoogleApiFake) -> None:
    fake.state["people"] = {}
    for index, (given, family, mail) in enumerate([("Ann", "Lee", "ann@example.com"), ("Bob", "Stone", "bob@example.com"),
                                                   ("Cara", "Diaz", "cara@example.org"), ("Dan", "Lee", "dan@example.net")]):
        person_id = f"people/c{index + 1}"
        fake.state["people"][person_id] = {
            "resourceName": person_id, "etag": "etag-1",
            "names": [{"givenName": given, "familyName": family, "displayName": f"{given} {family}"}],
            "emailAddresses": [{"value": mail}], "phoneNumbers": [{"value": f"+49 30 {index}000"}]}
    fake.state["contact_groups"] = [
        {"resourceName": "contactGroups/myContacts", "name": "myContacts", "formattedName": "My Contacts",
         "groupType": "SYSTEM_CONTACT_GROUP", "memberCount": 4},
        {"resourceName": "contactGroups/friends", "name": "Friends", "formattedName": "Friends",
         "groupType": "USER_CONTACT_GROUP", "memberCount": 2}]


SEEDERS.append(_seed_people)


def _person_out(person: dict, fields: str) -> dict:
    wanted = set(fields.split(",")) | {"resourceName", "etag"}
    out = {k: v for k, v in person.items() if k in wanted}
    if "names" in out:
        out["names"] = [{**n, "displayName": f"{n.get('givenName', '')} {n.get('familyName', '')}".strip()}
                        for n in out["names"]]
    return out


@handles("people.people.searchContacts")
def _people_search(fake: GoogleApiFake, ctx: Ctx) -> dict:
    query = ctx.params["query"].lower()
    found = [p for p in fake.state["people"].values()
             if any(w.startswith(query) for w in _person_out(p, "names")["names"][0]["displayName"].lower().split())
             or any(e["value"].lower().startswith(query) for e in p.get("emailAddresses", []))]
    size = int(ctx.params.get("pageSize") or 10)
    return {"results": [{"person": _person_out(p, ctx.params["readMask"])} for p in found[:size]]}


@handles("people.people.connections.list")
def _people_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if ctx.params["resourceName"] != "people/me":
        raise ApiError(400, "resourceName must be people/me", "badRequest")
    if not ctx.params.get("personFields"):
        raise ApiError(400, "personFields mask is required", "badRequest")
    people = sorted(fake.state["people"].values(), key=lambda p: p["names"][0]["givenName"])
    chunk, token = page(people, ctx.params, "pageSize", 100)
    return {"connections": [_person_out(p, ctx.params["personFields"]) for p in chunk],
            "totalPeople": len(people), **({"nextPageToken": token} if token else {})}


@handles("people.people.get")
def _people_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if not ctx.params.get("personFields"):
        raise ApiError(400, "personFields mask is required", "badRequest")
    return _person_out(get_or_404(fake.state["people"], ctx.params["resourceName"], "person"), ctx.params["personFields"])


@handles("people.people.createContact")
def _people_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    person = {"resourceName": fake.new_id("people/c"), "etag": "etag-1", **ctx.body}
    fake.state["people"][person["resourceName"]] = person
    return _person_out(person, ctx.params.get("personFields") or "names")


@handles("people.people.updateContact")
def _people_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    person = get_or_404(fake.state["people"], ctx.params["resourceName"], "person")
    if ctx.body.get("etag") != person["etag"]:
        raise ApiError(400, "Request person.etag is different than the current person.etag.", "failedPrecondition")
    for field_name in ctx.params["updatePersonFields"].split(","):
        person[field_name] = ctx.body.get(field_name, [])
    person["etag"] = f"etag-{int(person['etag'].rsplit('-', 1)[1]) + 1}"
    return _person_out(person, ctx.params.get("personFields") or "names")


@handles("people.people.deleteContact")
def _people_delete(fake: GoogleApiFake, ctx: Ctx) -> dict:
    pop_or_404(fake.state["people"], ctx.params["resourceName"], "person")
    return {}


@handles("people.contactGroups.list")
def _people_groups(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(fake.state["contact_groups"], ctx.params, "pageSize", 30)
    return {"contactGroups": chunk, "totalItems": len(fake.state["contact_groups"]),
            **({"nextPageToken": token} if token else {})}
