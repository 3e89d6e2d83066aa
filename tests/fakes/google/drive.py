"""The stand-in's Drive: files, folders, exports, uploads, permissions, shared drives and the files.list query language."""
from __future__ import annotations

import re
from typing import Any

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles, not_found, page


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
