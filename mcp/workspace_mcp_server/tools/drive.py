"""Drive tools: search, read content, create/upload/replace (binary, resumable), download, move, copy, rename,
trash, sharing."""

from __future__ import annotations

import json
import re
from typing import Any, Literal, get_args
from urllib.parse import quote as url_quote

from fastmcp.tools import ToolResult

from ..google.client import call, client
from ..google.errors import UserError
from ..google.scopes import DRIVE_READ, DRIVE_WRITE
from .common import blob_result, check_page_size, decode_base64, email_address, page_note, paged, respond
from .drive_query import QuerySyntaxError, parse, quote, words_query
from .registry import read, write

FIELDS = "id,name,mimeType,size,modifiedTime,parents,webViewLink,trashed,driveId"
FOLDER = "application/vnd.google-apps.folder"
# Google editor files have no bytes of their own: export them as text.
EXPORTS = {
    "application/vnd.google-apps.document": "text/plain",
    "application/vnd.google-apps.spreadsheet": "text/csv",
    "application/vnd.google-apps.presentation": "text/plain",
}
# What Drive converts text content from, per Google editor type.
CONVERT_FROM = {
    "application/vnd.google-apps.document": "text/plain",
    "application/vnd.google-apps.spreadsheet": "text/csv",
}
TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|csv|javascript|x-yaml|yaml|x-sh|sql)|.*\+(xml|json)$)")
ALL_DRIVES = {"supportsAllDrives": True}


def _files(service: Any) -> Any:
    return service.files()


def describe(item: dict) -> str:
    kind = "folder" if item.get("mimeType") == FOLDER else item.get("mimeType", "")
    size = f", {item['size']} bytes" if item.get("size") else ""
    return f"{item.get('name')} (id={item.get('id')}, {kind}{size}, modified {item.get('modifiedTime', '?')})"


async def list_of_type(mime_type: str, query: str, page_size: int, page_token: str | None) -> ToolResult:
    """Files of one type whose name contains ``query`` (Docs and Sheets listings)."""
    q = f"mimeType = {quote(mime_type)} and trashed = false"
    if query:
        q += f" and name contains {quote(query)}"
    return await list_files(q, page_size, page_token)


async def list_files(
    q: str, page_size: int, page_token: str | None, drive_id: str | None = None, note: str | None = None
) -> ToolResult:
    """One page of files.list as text + structured content (shared with Docs/Sheets listings).

    ``note`` (how the search was understood) heads the text, and the query sent is in the data as ``q``.
    """
    check_page_size(page_size, 100)
    scope = {"corpora": "drive", "driveId": drive_id} if drive_id else {"corpora": "allDrives"}
    listing = await call(
        "drive",
        lambda s: _files(s).list(
            q=q,
            pageSize=page_size,
            pageToken=page_token,
            fields=f"nextPageToken,files({FIELDS})",
            includeItemsFromAllDrives=True,
            orderBy="modifiedTime desc",
            **scope,
            **ALL_DRIVES,
        ),
    )
    files, token = listing.get("files", []), listing.get("nextPageToken")
    text = "\n".join(describe(item) for item in files) or "No files found."
    head = f"{note}\n" if note else ""
    return respond(head + text + page_note(token), {"files": files, "nextPageToken": token, "q": q})


@read("core", DRIVE_READ)
async def search_drive_files(
    query: str, page_size: int = 25, page_token: str | None = None, drive_id: str | None = None
) -> ToolResult:
    """Search Drive (incl. shared drives). Plain words search full text (every word must occur); a valid
    Drive query is used as written, e.g. "name contains 'plan' and mimeType = 'application/pdf'". The reply
    says which. Trashed files are excluded unless the query mentions trashed.

    Args:
        drive_id: limit to one shared drive.
    """
    try:
        mentions_trashed = any(term.field == "trashed" for term in parse(query))
        q, how = query, f"Searched with the Drive query: {query}"
    except QuerySyntaxError as why:
        if not query.split():
            raise UserError("query: give words to search for or a Drive query") from None
        mentions_trashed = False
        q, how = (
            words_query(query),
            f"Searched full text for the words {query.split()} (not Drive query syntax: {why}).",
        )
    if not mentions_trashed:
        q = f"({q}) and trashed = false"
    return await list_files(q, page_size, page_token, drive_id, note=how)


@read("core", DRIVE_READ)
async def list_drive_folder(folder_id: str = "root", page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List the files in a folder ("root" = My Drive)."""
    return await list_files(f"{quote(folder_id)} in parents and trashed = false", page_size, page_token)


async def file_metadata(file_id: str) -> dict:
    return await call(
        "drive", lambda s: _files(s).get(fileId=file_id, fields=FIELDS, **ALL_DRIVES), what=f"file '{file_id}'"
    )


@read("extended", DRIVE_READ)
async def get_drive_file_metadata(file_id: str) -> ToolResult:
    """Get a file's name, type, size, parents, dates and link."""
    item = await file_metadata(file_id)
    return respond(describe(item) + f"\nParents: {item.get('parents', [])}\nLink: {item.get('webViewLink', '')}", item)


@read("core", DRIVE_READ)
async def get_drive_file_content(file_id: str) -> ToolResult:
    """Read a file: Google Docs/Slides as text, Sheets as CSV, text files as is; binary files are described."""
    item = await file_metadata(file_id)
    mime = item.get("mimeType", "")
    if mime in EXPORTS:
        data = await call(
            "drive", lambda s: _files(s).export(fileId=file_id, mimeType=EXPORTS[mime]), what=f"file '{file_id}'"
        )
    elif TEXT_TYPES.match(mime):
        data = await call(
            "drive", lambda s: _files(s).get_media(fileId=file_id, **ALL_DRIVES), what=f"file '{file_id}'"
        )
    else:
        return respond(
            f"{describe(item)}\nBinary content is not shown here; download_drive_file returns its bytes.", item
        )
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    note = ""
    if mime == "application/vnd.google-apps.spreadsheet":
        note = (
            "\n(CSV export holds the first sheet only; get_spreadsheet_info lists the sheets and read_sheet_values "
            "reads any of them.)"
        )
    return respond(
        f"{describe(item)}{note}\n\n{text}",
        {"id": file_id, "name": item.get("name"), "mimeType": mime, "firstSheetOnly": bool(note)},
    )


def _media(content: str, mime_type: str) -> Any:
    from googleapiclient.http import MediaInMemoryUpload

    upload_type = CONVERT_FROM.get(mime_type, mime_type)
    if upload_type.startswith("application/vnd.google-apps."):
        raise UserError(f"mime_type: text converts only to {' or '.join(CONVERT_FROM)} (got {mime_type!r})")
    return MediaInMemoryUpload(content.encode(), mimetype=upload_type, resumable=False)


@write("core", DRIVE_WRITE)
async def create_drive_file(
    name: str, content: str = "", mime_type: str = "text/plain", folder_id: str | None = None
) -> ToolResult:
    """Create a file with text content. mime_type application/vnd.google-apps.document (or
    .spreadsheet for CSV content) converts it to a Google Doc/Sheet."""
    body: dict[str, Any] = {"name": name, "mimeType": mime_type}
    if folder_id:
        body["parents"] = [folder_id]
    created = await call(
        "drive",
        lambda s: _files(s).create(body=body, media_body=_media(content, mime_type), fields=FIELDS, **ALL_DRIVES),
    )
    return respond(f"Created {describe(created)}", created)


@write("extended", DRIVE_WRITE)
async def create_drive_folder(name: str, parent_id: str | None = None) -> ToolResult:
    """Create a folder (in My Drive's root unless parent_id is given)."""
    body: dict[str, Any] = {"name": name, "mimeType": FOLDER, "parents": [parent_id] if parent_id else []}
    created = await call("drive", lambda s: _files(s).create(body=body, fields=FIELDS, **ALL_DRIVES))
    return respond(f"Created {describe(created)}", created)


@write("complete", DRIVE_WRITE, destructive=True)
async def update_drive_file_content(file_id: str, content: str, mime_type: str = "text/plain") -> ToolResult:
    """Replace a file's content with text."""
    updated = await call(
        "drive",
        lambda s: _files(s).update(
            fileId=file_id, body={}, media_body=_media(content, mime_type), fields=FIELDS, **ALL_DRIVES
        ),
        what=f"file '{file_id}'",
    )
    return respond(f"Updated {describe(updated)}", updated)


async def _update(file_id: str, verb: str, body: dict, **params: Any) -> ToolResult:
    updated = await call(
        "drive",
        lambda s: _files(s).update(fileId=file_id, body=body, fields=FIELDS, **params, **ALL_DRIVES),
        what=f"file '{file_id}'",
    )
    return respond(f"{verb} {describe(updated)}", updated)


@write("extended", DRIVE_WRITE)
async def move_drive_file(file_id: str, folder_id: str) -> ToolResult:
    """Move a file into a folder (removing it from its current folders)."""
    item = await file_metadata(file_id)
    return await _update(
        file_id, "Moved", {}, addParents=folder_id, removeParents=",".join(item.get("parents", [])) or None
    )


@write("extended", DRIVE_WRITE)
async def rename_drive_file(file_id: str, name: str) -> ToolResult:
    """Rename a file or folder."""
    return await _update(file_id, "Renamed", {"name": name})


@write("complete", DRIVE_WRITE, destructive=True)
async def trash_drive_file(file_id: str) -> ToolResult:
    """Move a file to the trash (restorable for 30 days)."""
    return await _update(file_id, "Trashed", {"trashed": True})


@write("extended", DRIVE_WRITE)
async def copy_drive_file(file_id: str, name: str | None = None, folder_id: str | None = None) -> ToolResult:
    """Copy a file, optionally renaming it or placing it in a folder."""
    body: dict[str, Any] = {k: v for k, v in {"name": name, "parents": [folder_id] if folder_id else None}.items() if v}
    copied = await call(
        "drive",
        lambda s: _files(s).copy(fileId=file_id, body=body, fields=FIELDS, **ALL_DRIVES),
        what=f"file '{file_id}'",
    )
    return respond(f"Copied to {describe(copied)}", copied)


@read("extended", DRIVE_READ)
async def list_drive_permissions(file_id: str) -> ToolResult:
    """List who a file is shared with (permission ids, roles)."""
    listing = await call(
        "drive",
        lambda s: s.permissions().list(
            fileId=file_id, fields="permissions(id,type,role,emailAddress,domain,displayName)", **ALL_DRIVES
        ),
        what=f"file '{file_id}'",
    )
    perms = listing.get("permissions", [])
    lines = [
        f"{p['id']}: {p['role']} for {p['type']} {p.get('emailAddress') or p.get('domain') or ''}".rstrip()
        for p in perms
    ]
    return respond("\n".join(lines) or "Not shared.", {"permissions": perms})


@write("extended", DRIVE_WRITE)
async def share_drive_file(
    file_id: str,
    type: Literal["user", "group", "domain", "anyone"],
    role: Literal["reader", "commenter", "writer"],
    email: str | None = None,
    domain: str | None = None,
    notify: bool = True,
) -> ToolResult:
    """Share a file with a user/group (email), a domain, or anyone with the link."""
    body: dict[str, Any] = {"type": type, "role": role}
    if type in ("user", "group"):
        if not email:
            raise UserError(f"email: required when sharing with a {type}")
        body["emailAddress"] = email_address("email", email)
    elif type == "domain":
        if not domain or "." not in domain or "@" in domain:
            raise UserError(f"domain: a domain name such as example.com is required (got {domain!r})")
        body["domain"] = domain
    extra = {"sendNotificationEmail": notify} if type in ("user", "group") else {}
    perm = await call(
        "drive",
        lambda s: s.permissions().create(
            fileId=file_id, body=body, fields="id,type,role,emailAddress,domain", **extra, **ALL_DRIVES
        ),
        what=f"file '{file_id}'",
    )
    return respond(f"Shared {file_id}: {role} for {type} {email or domain or ''} (permission {perm['id']}).", perm)


@write("complete", DRIVE_WRITE, destructive=True)
async def remove_drive_permission(file_id: str, permission_id: str) -> ToolResult:
    """Remove a permission (from list_drive_permissions)."""
    await call(
        "drive",
        lambda s: s.permissions().delete(fileId=file_id, permissionId=permission_id, **ALL_DRIVES),
        what=f"permission '{permission_id}' on file '{file_id}'",
    )
    return respond(f"Removed permission {permission_id} from {file_id}.")


@read("complete", DRIVE_READ)
async def list_shared_drives(page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List the shared drives you can access."""
    check_page_size(page_size, 100)
    listing = await call("drive", lambda s: s.drives().list(pageSize=page_size, pageToken=page_token))
    return paged(listing, "drives", lambda d: f"{d['name']} (id={d['id']})", "No shared drives.")


# ---- binary upload (Drive's resumable protocol) and download ----------------------------------------------
CHUNK_UNIT = 256 * 1024  # Drive: every chunk but the last is a multiple of 256 KiB
PART_HINT = 2 * 1024 * 1024  # a part whose base64 fits the MCP endpoint's 4 MiB request limit with room to spare
EXPORT_LIMIT = "10 MB"
EXPORT_FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/x-vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "md": "text/markdown",
    "html": "text/html",
    "png": "image/png",
}
ExportFormat = Literal["pdf", "docx", "xlsx", "pptx", "odt", "ods", "csv", "txt", "md", "html", "png"]
assert set(get_args(ExportFormat)) == set(EXPORT_FORMATS), "one export format list"
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{1,512}")


class _SessionRequest:
    """One request of a resumable upload session, executed by ``call`` like a discovery request.

    Every step may be sent again: a chunk that failed is followed by a status query (``Content-Range:
    bytes */total``) and only the bytes Google lacks are sent, so ``call``'s retries resume, never duplicate.
    """

    method = "PUT"  # how ``call`` judges a retry: repeatable (see above)

    def __init__(
        self,
        uri: str,
        total: int,
        offset: int = 0,
        data: bytes = b"",
        start: dict | None = None,
        ask: bool = False,
        replace: bool = False,
    ):
        self.uri, self.total, self.offset, self.data, self.start = uri, total, offset, data, start
        # A new file's session is opened by files.create (POST), a new revision's by files.update (PATCH).
        self.opening, action = ("PATCH", "update") if replace else ("POST", "create")
        self.methodId = f"drive.files.{action} (resumable upload)"
        self.failed = ask  # ask Google what it holds before sending (a continued or failed part)

    def _send(self, http: Any, method: str, uri: str, body: bytes | None, headers: dict) -> tuple[Any, bytes]:
        import httplib2
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.errors import HttpError

        plain = httplib2.Http(timeout=60)
        plain.follow_redirects = False  # 308 means Resume Incomplete here, not a redirect
        response, content = AuthorizedHttp(http.credentials, http=plain).request(
            uri, method=method, body=body, headers=headers
        )
        if response.status not in (200, 201, 308):
            raise HttpError(response, content, uri=uri)
        return response, content

    def committed(self, http: Any) -> int | dict:
        """Bytes Google holds (from the 308's Range header), or the file when the upload is complete."""
        response, content = self._send(
            http, "PUT", self.uri, b"", {"Content-Range": f"bytes */{self.total}", "Content-Length": "0"}
        )
        if response.status != 308:
            return json.loads(content)
        found = re.fullmatch(r"bytes=0-(\d+)", response.get("range", ""))
        return int(found[1]) + 1 if found else 0

    def execute(self, http: Any, num_retries: int = 0) -> dict:
        if self.start is not None:  # open the session; a repeat only leaves an unused session that expires
            response, _ = self._send(
                http, self.opening, self.uri, json.dumps(self.start["metadata"]).encode(), self.start["headers"]
            )
            return {"location": response.get("location", "")}
        if self.failed or not self.data:
            held = self.committed(http)
            if isinstance(held, dict):
                return {"file": held}
            if held > self.offset + len(self.data) or held < self.offset:
                return {"received": held}
            self.data, self.offset = self.data[held - self.offset :], held
        if self.offset + len(self.data) < self.total:  # not the last chunk: whole 256 KiB units only
            self.data = self.data[: len(self.data) - len(self.data) % CHUNK_UNIT]
        if not self.data:
            return {"received": self.offset}
        self.failed = True  # until Google answers for this chunk
        last = self.offset + len(self.data) - 1
        response, content = self._send(
            http,
            "PUT",
            self.uri,
            self.data,
            {"Content-Range": f"bytes {self.offset}-{last}/{self.total}", "Content-Length": str(len(self.data))},
        )
        self.failed = False
        if response.status == 308:
            found = re.fullmatch(r"bytes=0-(\d+)", response.get("range", ""))
            return {"received": int(found[1]) + 1 if found else 0}
        return {"file": json.loads(content)}


def _upload_root() -> str:
    return (client().settings.root_url or "https://www.googleapis.com/") + "upload/drive/v3/files"


async def _check_replaceable(file_id: str) -> None:
    """Google editor files and folders hold no bytes of their own: refused before a session is opened."""
    item = await file_metadata(file_id)
    mime = item.get("mimeType", "")
    if mime.startswith("application/vnd.google-apps."):
        kind = "a folder" if mime == FOLDER else "a Google editor file"
        raise UserError(
            f"file_id: {item.get('name')!r} is {kind} ({mime}); only files with binary content can take new "
            "content. Edit it with its own tools, or upload a new file with upload_drive_file."
        )


@write("core", DRIVE_WRITE)
async def upload_drive_file(
    content_base64: str,
    name: str | None = None,
    mime_type: str = "application/octet-stream",
    folder_id: str | None = None,
    total_size: int | None = None,
    upload_id: str | None = None,
    offset: int = 0,
) -> ToolResult:
    """Upload a file from base64 (resumable). Over ~2 MB: give total_size and the first part, then call
    again with the upload_id and offset replied; parts are multiples of 262144 bytes but the last."""
    return await _upload(content_base64, name, mime_type, folder_id, None, total_size, upload_id, offset)


@write("extended", DRIVE_WRITE, destructive=True)
async def replace_drive_file(
    file_id: str,
    content_base64: str,
    name: str | None = None,
    mime_type: str | None = None,
    total_size: int | None = None,
    upload_id: str | None = None,
    offset: int = 0,
) -> ToolResult:
    """Replace a binary file's content from base64: same id, sharing and place, a new revision (name renames).
    In parts like upload_drive_file (total_size, then upload_id and offset)."""
    if not file_id.strip():
        raise UserError("file_id: empty; upload_drive_file uploads a new file")
    return await _upload(content_base64, name, mime_type, None, file_id, total_size, upload_id, offset)


async def _upload(
    content_base64: str,
    name: str | None,
    mime_type: str | None,
    folder_id: str | None,
    file_id: str | None,
    total_size: int | None,
    upload_id: str | None,
    offset: int,
) -> ToolResult:
    """A new file (``file_id`` None) or a new revision of ``file_id``, through one resumable session."""
    data = decode_base64("content_base64", content_base64)
    if upload_id is None:
        if (name is None and file_id is None) or (name is not None and not name.strip()):
            raise UserError("name: required to start an upload" if file_id is None else "name: a new name is blank")
        if offset:
            raise UserError("offset: a new upload starts at 0 (give upload_id to continue one)")
        total = len(data) if total_size is None else total_size
        if total < len(data):
            raise UserError(f"total_size: {total} is less than the {len(data)} bytes given")
    else:
        if not _UPLOAD_ID.fullmatch(upload_id):
            raise UserError(f"upload_id: {upload_id!r} is not an upload id from this tool")
        if total_size is None:
            raise UserError("total_size: give the file's total size with upload_id")
        total = total_size
    if offset < 0 or offset + len(data) > total:
        raise UserError(f"offset: bytes {offset}..{offset + len(data)} do not fit a file of {total} bytes")
    if offset + len(data) < total and len(data) % CHUNK_UNIT:
        raise UserError(
            f"content_base64: a part other than the last must be a multiple of {CHUNK_UNIT} bytes "
            f"(got {len(data)}; e.g. {PART_HINT} bytes per part)"
        )
    # A replacement's session lives at the file's own upload URI (files.update), a new file's at the collection.
    session_uri = _upload_root() + (f"/{url_quote(file_id, safe='')}" if file_id else "")
    session_uri += "?uploadType=resumable&supportsAllDrives=true&fields=" + url_quote(FIELDS)
    replace = file_id is not None
    opened = None
    if upload_id is None:
        metadata: dict[str, Any] = {"name": name, "mimeType": mime_type}
        if file_id is not None:
            await _check_replaceable(file_id)
        else:
            metadata["mimeType"] = mime_type = mime_type or "application/octet-stream"
            if folder_id:
                metadata["parents"] = [folder_id]
        metadata = {key: value for key, value in metadata.items() if value}
        headers = {"Content-Type": "application/json; charset=UTF-8", "X-Upload-Content-Length": str(total)}
        if mime_type:
            headers["X-Upload-Content-Type"] = mime_type
        opened = await call(
            "drive",
            lambda s: _SessionRequest(
                session_uri, total, start={"metadata": metadata, "headers": headers}, replace=replace
            ),
            what=f"file '{file_id}'" if replace else f"folder '{folder_id}'" if folder_id else None,
        )
        found = re.search(r"[?&]upload_id=([A-Za-z0-9_-]+)", opened["location"])
        if not found:
            raise UserError("Google did not open an upload session (no session URI in its answer); try again")
        upload_id = found[1]
    continuing = opened is None
    result = await call(
        "drive",
        lambda s: _SessionRequest(
            f"{session_uri}&upload_id={upload_id}", total, offset, data, ask=continuing, replace=replace
        ),
        what=f"upload '{upload_id}'{f' of file {file_id!r}' if replace else ''} (sessions expire after a week: start "
        "again; a replacement continues with replace_drive_file and its file_id)",
    )
    if "file" in result:
        item = result["file"]
        verb = "Replaced the content of" if replace else "Uploaded"
        return respond(f"{verb} {describe(item)}", {**item, "complete": True})
    received = result["received"]
    if received < offset:
        raise UserError(
            f"offset: Google has the first {received} bytes of upload {upload_id}, not {offset}: "
            f"send again from offset={received}"
        )
    same_file = {"file_id": file_id} if replace else {}
    return respond(
        f"Received {received} of {total} bytes. Continue with upload_id={upload_id}, offset={received}, "
        f"total_size={total}" + (f", file_id={file_id} (replace_drive_file)." if replace else "."),
        {"upload_id": upload_id, "offset": received, "total_size": total, **same_file, "complete": False},
    )


@read("core", DRIVE_READ)
async def download_drive_file(
    file_id: str, export_format: ExportFormat | None = None, offset: int = 0, max_bytes: int = 1_048_576
) -> ToolResult:
    """Download a file as an embedded resource (base64), max_bytes (<= 4 MB) from offset; the reply gives the
    next offset. Docs/Sheets/Slides are exported to export_format (default pdf, at most 10 MB)."""
    if not 1 <= max_bytes <= 4 * 1024 * 1024:
        raise UserError(f"max_bytes: must be between 1 and {4 * 1024 * 1024} (got {max_bytes})")
    if offset < 0:
        raise UserError(f"offset: must be 0 or more (got {offset})")
    item = await file_metadata(file_id)
    mime = item.get("mimeType", "")
    what = f"file '{file_id}'"
    if mime == FOLDER:
        raise UserError(f"file_id: {item.get('name')!r} is a folder; list_drive_folder lists its files")
    if mime.startswith("application/vnd.google-apps."):
        if mime not in EXPORTS:
            raise UserError(f"file_id: {item.get('name')!r} ({mime}) has no content Drive can export")
        target = EXPORT_FORMATS[export_format or "pdf"]
        try:
            exported = await call("drive", lambda s: _files(s).export(fileId=file_id, mimeType=target), what=what)
        except UserError as failure:
            if "too large to be exported" in str(failure) or "exportSizeLimitExceeded" in str(failure):
                raise UserError(
                    f"{item.get('name')!r} is too large to export: Drive exports at most {EXPORT_LIMIT}. Read it with "
                    "the Docs/Sheets/Slides tools, or try a more compact format (txt, csv)."
                ) from None
            raise
        content = exported if isinstance(exported, bytes) else str(exported).encode()
        total, mime, part = len(content), target, content[offset : offset + max_bytes]
    else:
        if export_format:
            raise UserError(f"export_format: only Google Docs/Sheets/Slides are exported; {mime} downloads as is")
        total = int(item.get("size") or 0)
        part = b""
        if offset < total:
            last = min(offset + max_bytes, total) - 1

            def ranged(service: Any) -> Any:
                request = _files(service).get_media(fileId=file_id, **ALL_DRIVES)
                request.headers["Range"] = f"bytes={offset}-{last}"
                return request

            part = await call("drive", ranged, what=what)
    if offset > total or (offset == total and total):
        raise UserError(f"offset: {offset} is past the end of {item.get('name')!r} ({total} bytes)")
    end = offset + len(part)
    more = f" Next part: offset={end}." if end < total else ""
    info = {"id": file_id, "name": item.get("name"), "mimeType": mime, "size": total, "offset": offset}
    info |= {"bytes": len(part), "nextOffset": end if end < total else None}
    uri = item.get("webViewLink") or f"https://drive.google.com/file/d/{file_id}/view"
    return blob_result(
        f"{item.get('name')} ({mime}): bytes {offset}-{end - 1} of {total}.{more}", part, mime, uri, info
    )
