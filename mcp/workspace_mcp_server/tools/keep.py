"""Keep tools: notes (list, read, create, delete), sharing, attachment downloads.

Google serves the Keep API only to Google Workspace users whose administrator allowed this server's
OAuth client for them (domain-wide delegation); anyone else is refused (403), and the tools say so
next to Google's words. The service is opt-in (``google/services.py``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastmcp.tools import ToolResult
from pydantic import BaseModel

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import KEEP_READ, KEEP_WRITE
from .common import blob_result, check_page_size, email_address, page_note, parse_when, respond
from .registry import read, write

# Keep's limits (discovery document): lengths must be less than these, in characters.
MAX_TITLE = 1000
MAX_TEXT = 20_000
MAX_ITEMS = 1000
MAX_ITEM_TEXT = 1000
MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024  # what one tool reply carries as base64 comfortably
PREVIEW = 80
WORKSPACE_ONLY = (
    " (Google serves Keep only to Google Workspace users whose administrator allowed this server for them;"
    " a personal account is always refused.)"
)
_ID = re.compile(r"[A-Za-z0-9_.~-]{1,200}")


class ChecklistItem(BaseModel):
    text: str
    checked: bool = False
    nested: bool = False  # under the item before it (Keep nests one level only)


def _note_name(note: str) -> str:
    """notes/<id> from the name list_keep_notes shows, or the bare id."""
    note_id = note.strip().removeprefix("notes/")
    if not _ID.fullmatch(note_id):
        raise UserError(f"note: {note!r} is not a note name (notes/<id>, as list_keep_notes shows)")
    return f"notes/{note_id}"


def _child_name(field: str, value: str, kind: str) -> tuple[str, str]:
    """(note name, full name) of notes/<id>/<kind>/<id>."""
    parts = value.strip().split("/")
    if len(parts) != 4 or parts[0] != "notes" or parts[2] != kind or not all(map(_ID.fullmatch, parts[1::2])):
        shown = "get_keep_note" if kind == "permissions" else "get_keep_note's Attachments"
        raise UserError(f"{field}: {value!r} is not a name notes/<id>/{kind}/<id> (as {shown} shows)")
    return f"notes/{parts[1]}", "/".join(parts)


def _what(name: str) -> str:
    return f"note '{name}'"


async def _keep(build: Any, what: str | None = None) -> Any:
    """A Keep request; a permission refusal also says whom Google serves Keep to."""
    return await call("keep", build, what=what, denied_hint=WORKSPACE_ONLY)


def _text(content: dict) -> str:
    return content.get("text", {}).get("text", "")


def _items(note: dict) -> list[dict]:
    return note.get("body", {}).get("list", {}).get("listItems", [])


def _summary(note: dict) -> str:
    if "list" in note.get("body", {}):
        items = [each for item in _items(note) for each in (item, *item.get("childListItems", []))]
        return f"checklist, {sum(bool(i.get('checked')) for i in items)}/{len(items)} checked"
    line = " ".join(_text(note.get("body", {})).split())
    return line if len(line) <= PREVIEW else line[: PREVIEW - 1] + "…"


def _line(note: dict) -> str:
    trashed = " [trashed]" if note.get("trashed") else ""
    summary = _summary(note)
    return f"{note.get('title') or '(untitled)'}{trashed} {note.get('name')}" + (f": {summary}" if summary else "")


def _checklist(items: list[dict], depth: int = 0) -> list[str]:
    lines = []
    for item in items:
        lines.append(f"{'    ' * depth}[{'x' if item.get('checked') else ' '}] {_text(item)}")
        lines += _checklist(item.get("childListItems", []), depth + 1)
    return lines


def _render(note: dict) -> str:
    times = [
        f"{label} {note[key]}" for label, key in (("created", "createTime"), ("updated", "updateTime")) if key in note
    ]
    if note.get("trashed"):
        times.append(f"trashed {note.get('trashTime', '')}".strip())
    lines = [f"{note.get('title') or '(untitled)'} ({note.get('name')})", ", ".join(times), ""]
    body = note.get("body", {})
    lines += _checklist(_items(note)) if "list" in body else [_text(body)]
    if note.get("attachments"):
        lines.append("\nAttachments (download_keep_attachment):")
        lines += [f"- {a.get('name')} ({', '.join(a.get('mimeType', []))})" for a in note["attachments"]]
    if note.get("permissions"):
        lines.append("\nPermissions (unshare_keep_note takes a WRITER's name):")
        for permission in note["permissions"]:
            who = permission.get("email") or permission.get("group", {}).get("email") or "(no email)"
            gone = " [deleted member]" if permission.get("deleted") else ""
            lines.append(f"- {permission.get('role')} {who}{gone} {permission.get('name')}")
    return "\n".join(lines)


def _timestamp(field: str, value: str) -> str:
    """An RFC 3339 UTC timestamp for the list filter; a date is its midnight UTC, a naive time is UTC."""
    when = parse_when(field, value)
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@read("core", KEEP_READ)
async def list_keep_notes(
    trashed: bool = False,
    created_after: str | None = None,
    updated_after: str | None = None,
    updated_before: str | None = None,
    page_size: int = 50,
    page_token: str | None = None,
) -> ToolResult:
    """List notes (trashed=true: trashed ones), optionally by ISO creation/update time."""
    check_page_size(page_size, 1000)
    terms = [f"trashed = {str(trashed).lower()}"]
    bounds = (
        ("created_after", "create_time >", created_after),
        ("updated_after", "update_time >", updated_after),
        ("updated_before", "update_time <", updated_before),
    )
    terms += [f'{term} "{_timestamp(field, value)}"' for field, term, value in bounds if value]
    listing = await _keep(
        lambda s: s.notes().list(filter=" AND ".join(terms), pageSize=page_size, pageToken=page_token),
        what="your Keep notes",
    )
    notes, token = listing.get("notes", []), listing.get("nextPageToken")
    text = "\n".join(_line(note) for note in notes) or ("No trashed notes." if trashed else "No notes.")
    return respond(text + page_note(token), {"notes": notes, "nextPageToken": token})


@read("core", KEEP_READ)
async def get_keep_note(note: str) -> ToolResult:
    """Get a note: text or checklist, attachments and permissions with their names."""
    name = _note_name(note)
    found = await _keep(lambda s: s.notes().get(name=name), what=_what(name))
    return respond(_render(found), found)


def _checklist_body(items: list[str | ChecklistItem]) -> dict:
    """Keep's list body: nested items go under the item before them."""
    listed: list[dict] = []
    for index, item in enumerate(items):
        entry = ChecklistItem(text=item) if isinstance(item, str) else item
        field = f"items[{index}]"
        if not entry.text.strip():
            raise UserError(f"{field}: an item needs text")
        if len(entry.text) >= MAX_ITEM_TEXT:
            raise UserError(f"{field}: Keep takes items under {MAX_ITEM_TEXT} characters (got {len(entry.text)})")
        out = {"text": {"text": entry.text}, "checked": entry.checked}
        if not entry.nested:
            listed.append(out)
        elif not listed:
            raise UserError(f"{field}: a nested item needs an item before it to go under")
        else:
            listed[-1].setdefault("childListItems", []).append(out)
    if not 0 < len(items) < MAX_ITEMS:
        raise UserError(f"items: Keep takes 1 to {MAX_ITEMS - 1} items (got {len(items)})")
    return {"list": {"listItems": listed}}


@write("core", KEEP_WRITE)
async def create_keep_note(
    title: str, text: str | None = None, items: list[str | ChecklistItem] | None = None
) -> ToolResult:
    """Create a note: a title and either text or checklist items (strings or {text, checked, nested}; nested:
    under the item before)."""
    if (text is None) == (items is None):
        raise UserError("Give either text (a text note) or items (a checklist), not both and not neither")
    if len(title) >= MAX_TITLE:
        raise UserError(f"title: Keep takes titles under {MAX_TITLE} characters (got {len(title)})")
    if text is not None:
        if len(text) >= MAX_TEXT:
            raise UserError(f"text: Keep takes text under {MAX_TEXT} characters (got {len(text)})")
        body: dict[str, Any] = {"text": {"text": text}}
    else:
        body = _checklist_body(items or [])
    created = await _keep(lambda s: s.notes().create(body={"title": title, "body": body}))
    return respond("Created " + _line(created), created)


@write("complete", KEEP_WRITE, destructive=True)
async def delete_keep_note(note: str) -> ToolResult:
    """Delete a note you own, at once and for good (not to the trash); collaborators lose it too."""
    name = _note_name(note)
    await _keep(lambda s: s.notes().delete(name=name), what=_what(name))
    return respond(f"Deleted {name}.", {"name": name})


@write("extended", KEEP_WRITE)
async def share_keep_note(note: str, emails: list[str]) -> ToolResult:
    """Share a note with people or groups as writers (Keep's only role to grant)."""
    name = _note_name(note)
    addresses = [email_address(f"emails[{i}]", value) for i, value in enumerate(emails)]
    if not addresses:
        raise UserError("emails: give at least one address")
    if len({a.lower() for a in addresses}) != len(addresses):
        raise UserError("emails: an address is listed twice")
    requests = [{"parent": name, "permission": {"email": a, "role": "WRITER"}} for a in addresses]
    created = await _keep(
        lambda s: s.notes().permissions().batchCreate(parent=name, body={"requests": requests}), what=_what(name)
    )
    permissions = created.get("permissions", [])
    lines = [f"- {p.get('email')} {p.get('name')}" for p in permissions]
    return respond(f"Shared {name} as writer with:\n" + "\n".join(lines), {"permissions": permissions})


@write("complete", KEEP_WRITE, destructive=True)
async def unshare_keep_note(permissions: list[str]) -> ToolResult:
    """Remove people from a note: permission names notes/<id>/permissions/<id> of one note, from get_keep_note."""
    if not permissions:
        raise UserError("permissions: give at least one permission name (get_keep_note lists them)")
    pairs = [_child_name(f"permissions[{i}]", value, "permissions") for i, value in enumerate(permissions)]
    notes = {note for note, _ in pairs}
    if len(notes) > 1:
        raise UserError(f"permissions: names of one note at a time (got {', '.join(sorted(notes))})")
    name, names = pairs[0][0], sorted({full for _, full in pairs})
    await _keep(lambda s: s.notes().permissions().batchDelete(parent=name, body={"names": names}), what=_what(name))
    return respond(f"Removed from {name}: " + ", ".join(names), {"name": name, "removed": names})


@read("extended", KEEP_READ)
async def download_keep_attachment(attachment: str, mime_type: str | None = None) -> ToolResult:
    """Download a note's attachment (notes/<id>/attachments/<id>) as an embedded resource, in one of its
    MIME types (default the first), at most 4 MiB."""
    note, name = _child_name("attachment", attachment, "attachments")
    found = await _keep(lambda s: s.notes().get(name=note), what=_what(note))
    listed = next((a for a in found.get("attachments", []) if a.get("name") == name), None)
    if listed is None:
        names = ", ".join(a.get("name", "") for a in found.get("attachments", [])) or "none"
        raise UserError(f"attachment: {note} has no attachment {name} (its attachments: {names})")
    types = listed.get("mimeType", [])
    if mime_type is not None and mime_type not in types:
        raise UserError(f"mime_type: {name} is available as {', '.join(types)} (got {mime_type!r})")
    chosen = mime_type or (types[0] if types else None)
    if chosen is None:
        raise UserError(f"attachment: Keep lists no MIME type for {name}, so it cannot be downloaded")
    data = await _keep(lambda s: s.media().download_media(name=name, mimeType=chosen), what=f"attachment '{name}'")
    content = data if isinstance(data, bytes) else str(data).encode()
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise UserError(
            f"{name} is {len(content)} bytes, more than the {MAX_ATTACHMENT_BYTES} this tool returns; "
            "open the note in Keep to get it"
        )
    info = {"name": name, "mimeType": chosen, "size": len(content)}
    uri = f"https://keep.googleapis.com/v1/{name}"
    return blob_result(f"{name} ({chosen}, {len(content)} bytes) of {note}", content, chosen, uri, info)
