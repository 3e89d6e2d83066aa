"""Drive tools: search, read content, create/upload, move, copy, rename, trash, sharing."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import DRIVE_READ, DRIVE_WRITE
from .common import check_page_size, email_address, page_note, paged, respond
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
            f"{describe(item)}\nBinary content is not shown; open {item.get('webViewLink', 'it in Drive')}.", item
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
