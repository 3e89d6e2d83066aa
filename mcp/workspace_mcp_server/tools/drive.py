"""Drive tools: search, read content, create/upload, move, copy, rename, trash, sharing."""
from __future__ import annotations

import re
from typing import Any, Literal

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import DRIVE_READ, DRIVE_WRITE
from .common import check_page_size, email_address, paged, respond
from .registry import read, write

FIELDS = "id,name,mimeType,size,modifiedTime,parents,webViewLink,trashed,driveId"
FOLDER = "application/vnd.google-apps.folder"
# Google editor files have no bytes of their own: export them as text.
EXPORTS = {
    "application/vnd.google-apps.document": "text/plain",
    "application/vnd.google-apps.spreadsheet": "text/csv",
    "application/vnd.google-apps.presentation": "text/plain",
}
TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|csv|javascript|x-yaml|yaml|x-sh|sql)|.*\+(xml|json)$)")
# Drive query clauses always quote a value or compare; plain words ("plans in march") are not syntax.
_QUERY_SYNTAX = re.compile(r"['=<>]|\b(trashed|starred|sharedWithMe)\b")
ALL_DRIVES = {"supportsAllDrives": True}


def _files(service: Any) -> Any:
    return service.files()


def describe(item: dict) -> str:
    kind = "folder" if item.get("mimeType") == FOLDER else item.get("mimeType", "")
    size = f", {item['size']} bytes" if item.get("size") else ""
    return f"{item.get('name')} (id={item.get('id')}, {kind}{size}, modified {item.get('modifiedTime', '?')})"


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


async def list_of_type(mime_type: str, query: str, page_size: int, page_token: str | None) -> ToolResult:
    """Files of one type whose name contains ``query`` (Docs and Sheets listings)."""
    q = f"mimeType = {quote(mime_type)} and trashed = false"
    if query:
        q += f" and name contains {quote(query)}"
    return await list_files(q, page_size, page_token)


async def list_files(q: str, page_size: int, page_token: str | None, drive_id: str | None = None) -> ToolResult:
    """One page of files.list as text + structured content (shared with Docs/Sheets listings)."""
    check_page_size(page_size, 100)
    scope = {"corpora": "drive", "driveId": drive_id} if drive_id else {"corpora": "allDrives"}
    listing = await call("drive", lambda s: _files(s).list(
        q=q, pageSize=page_size, pageToken=page_token, fields=f"nextPageToken,files({FIELDS})",
        includeItemsFromAllDrives=True, orderBy="modifiedTime desc", **scope, **ALL_DRIVES))
    return paged(listing, "files", describe, "No files found.")


@read("core", DRIVE_READ)
async def search_drive_files(
    query: str, page_size: int = 25, page_token: str | None = None, drive_id: str | None = None
) -> ToolResult:
    """Search Drive (incl. shared drives). Drive query syntax, e.g. "name contains 'plan' and
    mimeType = 'application/pdf'"; plain words search full text. Trashed files are excluded.

    Args:
        drive_id: limit to one shared drive.
    """
    q = query if _QUERY_SYNTAX.search(query) else f"fullText contains {quote(query)}"
    if "trashed" not in q:
        q = f"({q}) and trashed = false"
    return await list_files(q, page_size, page_token, drive_id)


@read("core", DRIVE_READ)
async def list_drive_folder(folder_id: str = "root", page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List the files in a folder ("root" = My Drive)."""
    return await list_files(f"{quote(folder_id)} in parents and trashed = false", page_size, page_token)


async def file_metadata(file_id: str) -> dict:
    return await call("drive", lambda s: _files(s).get(fileId=file_id, fields=FIELDS, **ALL_DRIVES),
                      what=f"file '{file_id}'")


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
        data = await call("drive", lambda s: _files(s).export(fileId=file_id, mimeType=EXPORTS[mime]),
                          what=f"file '{file_id}'")
    elif TEXT_TYPES.match(mime):
        data = await call("drive", lambda s: _files(s).get_media(fileId=file_id, **ALL_DRIVES), what=f"file '{file_id}'")
    else:
        return respond(f"{describe(item)}\nBinary content is not shown; open {item.get('webViewLink', 'it in Drive')}.",
                       item)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    return respond(f"{describe(item)}\n\n{text}", {"id": file_id, "name": item.get("name"), "mimeType": mime})


def _media(content: str, mime_type: str) -> Any:
    from googleapiclient.http import MediaInMemoryUpload

    upload_type = "text/plain" if mime_type.startswith("application/vnd.google-apps.") else mime_type
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
    created = await call("drive", lambda s: _files(s).create(
        body=body, media_body=_media(content, mime_type), fields=FIELDS, **ALL_DRIVES))
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
    updated = await call("drive", lambda s: _files(s).update(
        fileId=file_id, body={}, media_body=_media(content, mime_type), fields=FIELDS, **ALL_DRIVES),
        what=f"file '{file_id}'")
    return respond(f"Updated {describe(updated)}", updated)


async def _update(file_id: str, verb: str, body: dict, **params: Any) -> ToolResult:
    updated = await call("drive", lambda s: _files(s).update(
        fileId=file_id, body=body, fields=FIELDS, **params, **ALL_DRIVES), what=f"file '{file_id}'")
    return respond(f"{verb} {describe(updated)}", updated)


@write("extended", DRIVE_WRITE)
async def move_drive_file(file_id: str, folder_id: str) -> ToolResult:
    """Move a file into a folder (removing it from its current folders)."""
    item = await file_metadata(file_id)
    return await _update(file_id, "Moved", {}, addParents=folder_id, removeParents=",".join(item.get("parents", [])) or None)


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
    copied = await call("drive", lambda s: _files(s).copy(fileId=file_id, body=body, fields=FIELDS, **ALL_DRIVES),
                        what=f"file '{file_id}'")
    return respond(f"Copied to {describe(copied)}", copied)


@read("extended", DRIVE_READ)
async def list_drive_permissions(file_id: str) -> ToolResult:
    """List who a file is shared with (permission ids, roles)."""
    listing = await call("drive", lambda s: s.permissions().list(
        fileId=file_id, fields="permissions(id,type,role,emailAddress,domain,displayName)", **ALL_DRIVES),
        what=f"file '{file_id}'")
    perms = listing.get("permissions", [])
    lines = [f"{p['id']}: {p['role']} for {p['type']} {p.get('emailAddress') or p.get('domain') or ''}".rstrip()
             for p in perms]
    return respond("\n".join(lines) or "Not shared.", {"permissions": perms})


@write("extended", DRIVE_WRITE)
async def share_drive_file(
    file_id: str, type: Literal["user", "group", "domain", "anyone"], role: Literal["reader", "commenter", "writer"],
    email: str | None = None, domain: str | None = None, notify: bool = True,
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
    perm = await call("drive", lambda s: s.permissions().create(
        fileId=file_id, body=body, fields="id,type,role,emailAddress,domain", **extra, **ALL_DRIVES),
        what=f"file '{file_id}'")
    return respond(f"Shared {file_id}: {role} for {type} {email or domain or ''} (permission {perm['id']}).", perm)


@write("complete", DRIVE_WRITE, destructive=True)
async def remove_drive_permission(file_id: str, permission_id: str) -> ToolResult:
    """Remove a permission (from list_drive_permissions)."""
    await call("drive", lambda s: s.permissions().delete(fileId=file_id, permissionId=permission_id, **ALL_DRIVES),
               what=f"permission '{permission_id}' on file '{file_id}'")
    return respond(f"Removed permission {permission_id} from {file_id}.")


@read("complete", DRIVE_READ)
async def list_shared_drives(page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List the shared drives you can access."""
    check_page_size(page_size, 100)
    listing = await call("drive", lambda s: s.drives().list(pageSize=page_size, pageToken=page_token))
    return paged(listing, "drives", lambda d: f"{d['name']} (id={d['id']})", "No shared drives.")
