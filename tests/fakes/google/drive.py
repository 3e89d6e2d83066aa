"""The stand-in's Drive: files, folders, exports, uploads, permissions, shared drives, query language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from .core import (
    SEEDERS,
    SESSIONS,
    ApiError,
    Ctx,
    GoogleApiFake,
    Reply,
    check_address,
    get_or_404,
    handles,
    not_found,
    page,
)

FOLDER = "application/vnd.google-apps.folder"
GOOGLE_DOC = "application/vnd.google-apps.document"
GOOGLE_SHEET = "application/vnd.google-apps.spreadsheet"
GOOGLE_SLIDES = "application/vnd.google-apps.presentation"


# What Drive imports into each editor type (about.get importFormats, the parts that matter here).
IMPORTS = {
    GOOGLE_DOC: (
        "text/plain",
        "text/html",
        "text/markdown",
        "application/rtf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    GOOGLE_SHEET: (
        "text/csv",
        "text/tab-separated-values",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def add_file(
    fake: GoogleApiFake,
    file_id: str,
    name: str,
    mime: str,
    content: bytes = b"",
    parents: list[str] | None = None,
    drive_id: str | None = None,
) -> dict:
    item = {
        "id": file_id,
        "name": name,
        "mimeType": mime,
        "parents": parents or ["root"],
        "trashed": False,
        "modifiedTime": f"2025-03-{1 + len(fake.state['files']) % 28:02d}T10:00:00.000Z",
        "webViewLink": f"https://drive.google.com/file/d/{file_id}/view",
        "content": content,
    }
    if drive_id:
        item["driveId"] = drive_id
    if mime not in (FOLDER, GOOGLE_DOC, GOOGLE_SHEET):
        item["size"] = str(len(content))
    fake.state["files"][file_id] = item
    fake.state["permissions"][file_id] = [
        {"id": "owner", "type": "user", "role": "owner", "emailAddress": "me@example.com"}
    ]
    return item


def _seed_drive(fake: GoogleApiFake) -> None:
    fake.state["files"], fake.state["permissions"], fake.state["upload_sessions"] = {}, {}, {}
    # Tests append byte counts here: the next session PUT is cut off after that many bytes (503); what arrived is
    # kept in whole 256 KiB units, and the client must ask how much before it resumes.
    fake.state["upload_cuts"] = []
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

# Drive's query language (ref-search-terms), parsed by a grammar of its own: the referee does not share the
# tools' parser. A query that does not parse is answered 400 "Invalid Value", as Google does.
_LEX = re.compile(
    r"""\s*(?:(?P<str>'(?:\\.|[^'\\])*'?)|(?P<cmp><=|>=|!=|=|<|>)|(?P<punct>[(){}])|(?P<name>[A-Za-z][A-Za-z.]*)|(?P<bad>\S))"""
)
_STRING_FIELDS = {
    "name": {"contains", "=", "!="},
    "fullText": {"contains"},
    "mimeType": {"contains", "=", "!="},
    "visibility": {"=", "!="},
    "shortcutDetails.targetId": {"=", "!="},
}
_TIME_FIELDS = {"modifiedTime", "viewedByMeTime", "createdTime"}
_BOOL_FIELDS = {"trashed", "starred", "sharedWithMe"}
_MEMBER_FIELDS = {"parents", "owners", "writers", "readers"}


class _Query:
    """Parses ``q`` into a predicate over a stored file."""

    def __init__(self, fake: GoogleApiFake, q: str):
        self.fake, self.q, self.tokens, self.at = fake, q, [], 0
        for found in _LEX.finditer(q):
            kind = found.lastgroup
            if kind is None:
                continue
            text = found[kind]
            if kind == "bad":
                self.fail(f"unexpected character {text!r}")
            if kind == "str":
                if len(text) < 2 or not text.endswith("'") or not re.fullmatch(r"(?:\\['\\]|[^'\\])*", text[1:-1]):
                    self.fail(f"bad string literal {text!r} (escape ' as \\' and \\ as \\\\)")
                text = re.sub(r"\\(.)", r"\1", text[1:-1])
            self.tokens.append((kind, text))
        self.predicate = self.disjunction()
        if self.at != len(self.tokens):
            self.fail(f"unexpected {self.tokens[self.at][1]!r}")

    def fail(self, why: str) -> None:
        raise ApiError(400, f"Invalid Value: q={self.q!r}: {why}", "invalid")

    def next(self, kind: str | None = None, text: str | None = None) -> str:
        if self.at >= len(self.tokens):
            self.fail("query ends early")
        token_kind, token_text = self.tokens[self.at]
        if (kind and token_kind != kind) or (text and token_text != text):
            self.fail(f"expected {text or kind}, found {token_text!r}")
        self.at += 1
        return token_text

    def sees(self, text: str) -> bool:
        return self.at < len(self.tokens) and self.tokens[self.at][1] == text and self.tokens[self.at][0] != "str"

    def disjunction(self):
        parts = [self.conjunction()]
        while self.sees("or"):
            self.next()
            parts.append(self.conjunction())
        return lambda item: any(part(item) for part in parts)

    def conjunction(self):
        parts = [self.unary()]
        while self.sees("and"):
            self.next()
            parts.append(self.unary())
        return lambda item: all(part(item) for part in parts)

    def unary(self):
        if self.sees("not"):
            self.next()
            inner = self.unary()
            return lambda item: not inner(item)
        if self.sees("("):
            self.next()
            inner = self.disjunction()
            self.next("punct", ")")
            return inner
        return self.comparison()

    def comparison(self):
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "str":
            value = self.next("str")
            self.next("name", "in")
            field = self.next("name")
            if field not in _MEMBER_FIELDS:
                self.fail(f"'in' needs one of {sorted(_MEMBER_FIELDS)}, not {field!r}")
            return lambda item: value in self.members(item, field)
        field = self.next("name")
        if field in ("properties", "appProperties"):
            self.next("name", "has"), self.next("punct", "{"), self.next("name", "key"), self.next("cmp", "=")
            key = self.next("str")
            self.next("name", "and"), self.next("name", "value"), self.next("cmp", "=")
            value = self.next("str")
            self.next("punct", "}")
            return lambda item: item.get(field, {}).get(key) == value
        if field in _BOOL_FIELDS:
            operator = self.next("cmp")
            literal = self.next("name")
            if operator not in ("=", "!=") or literal not in ("true", "false"):
                self.fail(f"{field} compares = or != with true or false")
            return lambda item: (bool(item.get(field, False)) == (literal == "true")) == (operator == "=")
        if field in _TIME_FIELDS:
            operator, value = self.next("cmp"), self.next("str")
            if not re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?)?", value):
                self.fail(f"{field}: {value!r} is not RFC 3339")
            compare = {
                "<": str.__lt__,
                "<=": str.__le__,
                ">": str.__gt__,
                ">=": str.__ge__,
                "=": str.__eq__,
                "!=": str.__ne__,
            }[operator]
            return lambda item: compare(item.get(field, item.get("modifiedTime", ""))[: len(value)], value)
        if field not in _STRING_FIELDS:
            self.fail(f"unknown field {field!r}")
        operator = self.next("name", "contains") if self.sees("contains") else self.next("cmp")
        if operator not in _STRING_FIELDS[field]:
            self.fail(f"{field} does not support {operator!r}")
        value = self.next("str")
        return lambda item: self.compare(item, field, operator, value)

    def members(self, item: dict, field: str) -> list[str]:
        if field == "parents":
            return item["parents"]
        roles = {"owners": {"owner"}, "writers": {"owner", "writer"}, "readers": {"owner", "writer", "reader"}}[field]
        return [p.get("emailAddress") for p in self.fake.state["permissions"].get(item["id"], []) if p["role"] in roles]

    @staticmethod
    def compare(item: dict, field: str, operator: str, value: str) -> bool:
        if field == "fullText":
            actual = item["name"] + " " + item["content"].decode("utf-8", "ignore")
        else:
            actual = item.get(field, "")
        if operator == "contains":
            return value.lower() in actual.lower()
        return (actual == value) == (operator == "=")


def _file_out(item: dict) -> dict:
    return {k: v for k, v in item.items() if k != "content"}


@handles("drive.files.list")
def _drive_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    matches = _Query(fake, ctx.params.get("q", "trashed = false")).predicate
    items = [
        f
        for f in fake.state["files"].values()
        if (not ctx.params.get("driveId") or f.get("driveId") == ctx.params["driveId"]) and matches(f)
    ]
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
            raise ApiError(
                403,
                "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                "fileNotDownloadable",
            )
        return _ranged(item["content"], item["mimeType"], ctx.headers.get("range"))
    return _file_out(item)


def _ranged(content: bytes, mime: str, spec: str | None) -> Any:
    """alt=media with an optional single ``Range: bytes=a-b`` (RFC 9110): 206 with Content-Range, or 416."""
    if spec is None:
        return content, mime
    found = re.fullmatch(r"bytes=(\d+)-(\d*)", spec)
    if not found:
        raise ApiError(400, f"Unsupported Range header {spec!r} (one bytes=first-last range)", "badRequest")
    first = int(found[1])
    last = min(int(found[2]) if found[2] else len(content) - 1, len(content) - 1)
    if first >= len(content) or (found[2] and int(found[2]) < first):
        return Reply(416, {"Content-Range": f"bytes */{len(content)}"}, b"")
    headers = {"Content-Type": mime, "Content-Range": f"bytes {first}-{last}/{len(content)}"}
    return Reply(206, headers, content[first : last + 1])


# What Drive exports each editor type to (about.get exportFormats, the common ones).
EXPORTS = {
    GOOGLE_DOC: {
        "application/pdf",
        "text/plain",
        "text/html",
        "text/markdown",
        "application/rtf",
        "application/epub+zip",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    },
    GOOGLE_SHEET: {
        "application/pdf",
        "text/csv",
        "text/tab-separated-values",
        "application/x-vnd.oasis.opendocument.spreadsheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    },
    GOOGLE_SLIDES: {
        "application/pdf",
        "text/plain",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "image/png",
        "image/jpeg",
        "image/svg+xml",
    },
}
EXPORT_LIMIT = 10 * 1024 * 1024  # files.export answers 403 exportSizeLimitExceeded past 10 MB


@handles("drive.files.export")
def _drive_export(fake: GoogleApiFake, ctx: Ctx) -> Any:
    item = get_or_404(fake.state["files"], ctx.params["fileId"], "file")
    target = ctx.params["mimeType"]
    if item["mimeType"] not in EXPORTS:
        raise ApiError(403, "Export only supports Docs Editors files.", "fileNotExportable")
    if target not in EXPORTS[item["mimeType"]]:
        raise ApiError(400, f"The requested conversion is not supported: {target}", "badRequest")
    if item["mimeType"] == GOOGLE_SHEET:
        values = fake.state.get("sheet_values", {}).get((item["id"], "Sheet1"), [])
        return "\n".join(",".join(map(str, row)) for row in values).encode(), "text/csv"
    if len(item["content"]) > EXPORT_LIMIT:
        raise ApiError(403, "This file is too large to be exported.", "exportSizeLimitExceeded")
    return item["content"], target


@handles("drive.files.create")
def _drive_create(fake: GoogleApiFake, ctx: Ctx) -> Any:
    body = ctx.body or {}
    for parent in body.get("parents", []):
        get_or_404(fake.state["files"], parent, "file")
    if ctx.params.get("uploadType") == "resumable":
        return _start_session(fake, ctx)
    target = body.get("mimeType")
    if ctx.media is not None and target in IMPORTS and ctx.media_type not in IMPORTS[target]:
        raise fake.refuse(ctx.method_id, f"cannot convert {ctx.media_type} to {target} (import from {IMPORTS[target]})")
    item = add_file(
        fake,
        fake.new_id("file"),
        body.get("name", "Untitled"),
        body.get("mimeType") or ctx.media_type or "application/octet-stream",
        ctx.media or b"",
        body.get("parents") or None,
    )
    return _file_out(item)


@handles("drive.files.update")
def _drive_update(fake: GoogleApiFake, ctx: Ctx) -> Any:
    item = get_or_404(fake.state["files"], ctx.params["fileId"], "file")
    if ctx.params.get("uploadType") == "resumable":
        return _start_session(fake, ctx, item)
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
    item = add_file(
        fake,
        fake.new_id("file"),
        body.get("name") or f"Copy of {source['name']}",
        source["mimeType"],
        source["content"],
        body.get("parents") or source["parents"],
    )
    return _file_out(item)


@handles("drive.permissions.list")
def _drive_permissions(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"permissions": get_or_404(fake.state["permissions"], ctx.params["fileId"], "file")}


@handles("drive.permissions.create")
def _drive_share(fake: GoogleApiFake, ctx: Ctx) -> dict:
    perms = get_or_404(fake.state["permissions"], ctx.params["fileId"], "file")
    body = ctx.body
    if body["type"] in ("user", "group"):
        if "emailAddress" not in body:
            raise ApiError(400, "The permission emailAddress field is required", "required")
        check_address(fake, ctx.method_id, "emailAddress", body["emailAddress"])
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


# ---- resumable uploads, as https://developers.google.com/drive/api/guides/manage-uploads#resumable says ----
CHUNK_UNIT = 256 * 1024  # every chunk but the last is a multiple of this
UPLOAD_PATH = "/upload/drive/v3/files"


def _replaceable(item: dict) -> dict:
    """A file that can take new content: Google refuses bytes for its editor files and folders (400)."""
    if item["mimeType"].startswith("application/vnd.google-apps."):
        raise ApiError(400, f"Files of type {item['mimeType']} have no binary content to replace.", "badRequest")
    return item


def _start_session(fake: GoogleApiFake, ctx: Ctx, replacing: dict | None = None) -> Reply:
    """files.create or, for a new revision of ``replacing``, files.update with uploadType=resumable."""
    declared = ctx.headers.get("x-upload-content-length")
    if declared is not None and not declared.isdigit():
        raise fake.refuse(ctx.method_id, f"X-Upload-Content-Length {declared!r} is not a byte count")
    path = UPLOAD_PATH
    if replacing is not None:
        _replaceable(replacing)
        if "parents" in (ctx.body or {}):
            raise ApiError(
                403,
                "The parents field is not directly writable in update requests. Use the addParents and "
                "removeParents parameters instead.",
                "fieldNotWritable",
            )
        path = f"{UPLOAD_PATH}/{replacing['id']}"
        SESSIONS.setdefault(path, _session_put)  # the session URI names the file: its chunks go there only
    upload_id = fake.new_id("upl")
    fake.state["upload_sessions"][upload_id] = {
        "token": ctx.token,
        "path": path,
        "replacing": replacing and replacing["id"],
        "metadata": ctx.body or {},
        "mime": ctx.headers.get("x-upload-content-type") or (ctx.body or {}).get("mimeType"),
        "total": int(declared) if declared is not None else None,
        "received": bytearray(),
        "file": None,
    }
    location = f"http://{ctx.headers.get('host', '127.0.0.1')}{path}?uploadType=resumable&upload_id={upload_id}"
    return Reply(200, {"Location": location, "Content-Length": "0"})


def _session_put(fake: GoogleApiFake, method: str, path: str, query: dict, headers: dict, body: bytes, token) -> Any:
    what = f"PUT {path} (resumable upload)"
    session = fake.state["upload_sessions"].get(query["upload_id"][-1])
    if method != "PUT":
        raise fake.refuse(what, f"{method} to a session URI; chunks and status queries are PUTs")
    # expired, unknown, another user's session, or another session URI's (a new file's vs a file's revision)
    if session is None or session["token"] != token or session["path"] != path:
        raise ApiError(404, "The upload session has expired or does not exist; start a new upload.", "notFound")
    spec = headers.get("content-range", "")
    received = session["received"]
    status = re.fullmatch(r"bytes \*/(\d+|\*)", spec)
    chunk = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", spec)
    if status:
        if body:
            raise fake.refuse(what, "a status query (Content-Range: bytes */total) has an empty body")
        if session["file"] is not None:
            return _file_out(session["file"])
        return Reply(308, {"Range": f"bytes=0-{len(received) - 1}"} if received else {})
    if not chunk:
        raise fake.refuse(what, f"Content-Range {spec!r} is neither 'bytes first-last/total' nor 'bytes */total'")
    if session["file"] is not None:
        raise fake.refuse(what, "the upload is complete already")
    first, last, total_text = int(chunk[1]), int(chunk[2]), chunk[3]
    total = None if total_text == "*" else int(total_text)
    if first != len(received):
        raise fake.refuse(what, f"chunk starts at {first}, but {len(received)} bytes were received: ask first")
    if last - first + 1 != len(body):
        raise fake.refuse(what, f"Content-Range covers {last - first + 1} bytes but the body has {len(body)}")
    known = session["total"]
    if total is not None and known is not None and total != known:
        raise fake.refuse(what, f"total {total} differs from the {known} bytes announced")
    session["total"] = known = total if total is not None else known
    final = known is not None and last + 1 == known
    if known is not None and last + 1 > known:
        raise fake.refuse(what, f"chunk ends at byte {last}, past the {known} bytes announced")
    if not final and len(body) % CHUNK_UNIT:
        raise fake.refuse(what, f"a chunk other than the last must be a multiple of 256 KiB (got {len(body)} bytes)")
    cuts = fake.state["upload_cuts"]
    if cuts:  # Google keeps what arrived of a cut chunk in whole 256 KiB units
        kept = cuts.pop(0)
        received += body[: kept - kept % CHUNK_UNIT]
        raise ApiError(503, "Backend Error (the chunk was cut off)", "backendError")
    received += body
    if not final:
        return Reply(308, {"Range": f"bytes=0-{len(received) - 1}"})
    metadata = session["metadata"]
    if session["replacing"]:  # a new revision: same id, parents and sharing; name and type only if given
        old = _replaceable(get_or_404(fake.state["files"], session["replacing"], "file"))
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        session["file"] = fake.state["files"][old["id"]] = {
            **old,
            **{key: metadata[key] for key in ("name", "mimeType") if key in metadata},
            "content": bytes(received),
            "size": str(len(received)),
            "modifiedTime": now,
            "headRevisionId": fake.new_id("rev"),
        }
        return _file_out(session["file"])
    session["file"] = add_file(
        fake,
        fake.new_id("file"),
        metadata.get("name", "Untitled"),
        metadata.get("mimeType") or session["mime"] or "application/octet-stream",
        bytes(received),
        metadata.get("parents") or None,
    )
    return _file_out(session["file"])


SESSIONS[UPLOAD_PATH] = _session_put
