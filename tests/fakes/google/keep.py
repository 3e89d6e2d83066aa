"""The stand-in's Keep: notes (text or checklist), permissions and attachment media.

Stricter than Google: a created note has a body of exactly one kind within Keep's limits and no
output-only fields; permissions are WRITERs with a bare email, created under their own note and
deleted only from it (never the owner's); the list filter is parsed strictly (AIP-160 terms joined
by AND over the four fields Keep names); media comes only with alt=media in one of the attachment's types.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, check_address, get_or_404, handles, page, pop_or_404

OWNER = "solo@example.com"
OTHER = "boss@example.com"
NOW = "2025-03-20T12:00:00Z"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(64)) + b"\xff\xd9"
MAX_TITLE, MAX_TEXT, MAX_ITEMS, MAX_ITEM_TEXT = 1000, 20_000, 1000, 1000
OUTPUT_ONLY = ("name", "createTime", "updateTime", "trashTime", "trashed", "attachments", "permissions")
TIME_FIELDS = {"create_time": "createTime", "update_time": "updateTime", "trash_time": "trashTime"}


def _permission(note: str, key: str, role: str, email: str) -> dict:
    return {"name": f"{note}/permissions/{key}", "role": role, "email": email, "user": {"email": email}}


def _item(text: str, checked: bool = False, children: list[dict] | None = None) -> dict:
    item: dict[str, Any] = {"text": {"text": text}, "checked": checked}
    if children:
        item["childListItems"] = children
    return item


def _note(name: str, title: str, body: dict, created: str, owner: str = OWNER, **extra: Any) -> dict:
    note = {"name": name, "title": title, "body": body, "createTime": created, "updateTime": created, "trashed": False}
    note["permissions"] = [_permission(name, "owner", "OWNER", owner)]
    return note | extra


def _seed_keep(fake: GoogleApiFake) -> None:
    text = {"text": {"text": "Ideas for the offsite:\nboat trip\nescape room"}}
    groceries = {
        "list": {
            "listItems": [
                _item("Milk", checked=True),
                _item("Fruit", children=[_item("Apples", checked=True), _item("Pears")]),
                _item("Bread"),
            ]
        }
    }
    notes = [
        _note("notes/offsite", "Offsite", text, "2025-01-10T09:00:00Z"),
        _note("notes/groceries", "Groceries", groceries, "2025-02-01T09:00:00Z", updateTime="2025-03-01T09:00:00Z"),
        _note(
            "notes/old",
            "Old plans",
            {"text": {"text": "obsolete"}},
            "2024-06-01T09:00:00Z",
            trashed=True,
            trashTime="2025-01-05T09:00:00Z",
        ),
        _note(
            "notes/whiteboard",
            "Whiteboard",
            {"text": {"text": "photo of the plan"}},
            "2025-02-15T09:00:00Z",
            attachments=[{"name": "notes/whiteboard/attachments/photo", "mimeType": ["image/png", "image/jpeg"]}],
        ),
        _note("notes/shared", "Team list", {"text": {"text": "agenda"}}, "2025-03-05T09:00:00Z"),
        _note("notes/theirs", "Boss's note", {"text": {"text": "read me"}}, "2025-03-10T09:00:00Z", owner=OTHER),
    ]
    notes[4]["permissions"].append(_permission("notes/shared", "ann", "WRITER", "ann@example.com"))
    notes[5]["permissions"].append(_permission("notes/theirs", "me", "WRITER", OWNER))
    fake.state["keep_notes"] = {note["name"]: note for note in notes}
    fake.state["keep_media"] = {"notes/whiteboard/attachments/photo": {"image/png": PNG, "image/jpeg": JPEG}}


SEEDERS.append(_seed_keep)

# -- the list filter (AIP-160, the part Keep documents) --------------------------------------------------
_TERM = re.compile(r'\s*(\w+)\s*(<=|>=|!=|=|<|>)\s*("[^"]*"|\w+)\s*')


def _when(literal: str) -> datetime:
    if not (literal.startswith('"') and literal.endswith('"')):
        raise ApiError(400, f"Invalid filter: a timestamp must be a quoted RFC 3339 string (got {literal})", "invalid")
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", literal[1:-1]):
            raise ValueError
        return datetime.fromisoformat(literal[1:-1].replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Invalid filter: {literal} is not an RFC 3339 timestamp", "invalid") from None


_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _matcher(text: str) -> Callable[[dict], bool]:
    """A predicate over notes for ``text`` (terms joined by AND); 400 for anything else."""
    tests = []
    for part in re.split(r"\s+AND\s+", text.strip()):
        found = _TERM.fullmatch(part)
        if not found:
            raise ApiError(400, f"Invalid filter: cannot parse {part!r}", "invalid")
        field, operator, literal = found.groups()
        if field == "trashed":
            if operator not in ("=", "!=") or literal not in ("true", "false"):
                raise ApiError(
                    400, f"Invalid filter: trashed takes = or != with true or false (got {part!r})", "invalid"
                )
            wanted = literal == "true"
            tests.append(lambda n, w=wanted, o=operator: _COMPARE[o](bool(n.get("trashed")), w))
        elif field in TIME_FIELDS:
            bound, key = _when(literal), TIME_FIELDS[field]
            tests.append(
                lambda n, b=bound, k=key, o=operator: (
                    k in n and _COMPARE[o](datetime.fromisoformat(n[k].replace("Z", "+00:00")), b)
                )
            )
        else:
            raise ApiError(
                400,
                f"Invalid filter: unknown field {field!r} (create_time, update_time, trash_time, trashed)",
                "invalid",
            )
    mentions_trashed = re.search(r"\btrashed\b", text)
    # Without a trashed term Keep lists what is not trashed.
    return lambda n: all(t(n) for t in tests) and bool(mentions_trashed or not n.get("trashed"))


def _note_or_404(fake: GoogleApiFake, name: str) -> dict:
    return get_or_404(fake.state["keep_notes"], name, "note")


@handles("keep.notes.list")
def _list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    matches = _matcher(ctx.params.get("filter") or "trashed = false")
    size = int(ctx.params.get("pageSize") or 0)
    if size < 0:
        raise ApiError(400, "page_size must not be negative", "invalid")
    notes = sorted(
        (n for n in fake.state["keep_notes"].values() if matches(n)), key=lambda n: n["updateTime"], reverse=True
    )
    params = dict(ctx.params, pageSize=size or 100)
    chunk, token = page(notes, params, "pageSize", 100)
    return {"notes": chunk, **({"nextPageToken": token} if token else {})}


@handles("keep.notes.get")
def _get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return _note_or_404(fake, ctx.params["name"])


def _check_items(items: Any, depth: int) -> int:
    if not isinstance(items, list) or not items:
        raise ApiError(400, "A list note needs at least one list item", "invalid")
    count = 0
    for item in items:
        text = item.get("text", {}).get("text")
        if not isinstance(text, str) or not text:
            raise ApiError(400, "A list item needs text", "invalid")
        if len(text) >= MAX_ITEM_TEXT:
            raise ApiError(400, f"List item text must be less than {MAX_ITEM_TEXT} characters", "invalid")
        count += 1
        if item.get("childListItems"):
            if depth:
                raise ApiError(400, "Only one level of list item nesting is allowed", "invalid")
            count += _check_items(item["childListItems"], depth + 1)
    return count


@handles("keep.notes.create")
def _create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    body = ctx.body
    sent = [key for key in OUTPUT_ONLY if key in body]
    if sent:
        raise fake.refuse(ctx.method_id, f"output-only fields sent: {sent}")
    if len(body.get("title", "")) >= MAX_TITLE:
        raise ApiError(400, f"Title must be less than {MAX_TITLE} characters", "invalid")
    kinds = [kind for kind in ("text", "list") if kind in body.get("body", {})]
    if len(kinds) != 1:
        raise ApiError(400, "The note body must have exactly one of text or list", "invalid")
    if kinds == ["text"]:
        text = body["body"]["text"].get("text", "")
        if len(text) >= MAX_TEXT:
            raise ApiError(400, f"Text content must be less than {MAX_TEXT} characters", "invalid")
    elif _check_items(body["body"]["list"].get("listItems"), 0) >= MAX_ITEMS:
        raise ApiError(400, f"The number of list items must be less than {MAX_ITEMS}", "invalid")
    name = "notes/" + fake.new_id("note")
    note = _note(name, body.get("title", ""), body["body"], NOW)
    fake.state["keep_notes"][name] = note
    return note


def _owner(note: dict) -> str:
    return next(p["email"] for p in note["permissions"] if p["role"] == "OWNER")


@handles("keep.notes.delete")
def _delete(fake: GoogleApiFake, ctx: Ctx) -> dict:
    note = _note_or_404(fake, ctx.params["name"])
    if _owner(note) != OWNER:
        raise ApiError(403, "The caller does not have permission", "forbidden")
    pop_or_404(fake.state["keep_notes"], ctx.params["name"], "note")
    fake.state["keep_media"] = {
        k: v for k, v in fake.state["keep_media"].items() if not k.startswith(note["name"] + "/")
    }
    return {}


@handles("keep.notes.permissions.batchCreate")
def _share(fake: GoogleApiFake, ctx: Ctx) -> dict:
    parent = ctx.params["parent"]
    note = _note_or_404(fake, parent)
    requests = ctx.body.get("requests") or []
    if not requests:
        raise ApiError(400, "requests must not be empty", "invalid")
    created, emails = [], set()
    for index, request in enumerate(requests):
        if request.get("parent") != parent:
            raise fake.refuse(ctx.method_id, f"requests[{index}].parent {request.get('parent')!r} is not {parent!r}")
        permission = request.get("permission") or {}
        sent = [key for key in ("name", "user", "group", "family", "deleted") if key in permission]
        if sent:
            raise fake.refuse(ctx.method_id, f"requests[{index}].permission: output-only fields sent: {sent}")
        if permission.get("role") != "WRITER":
            raise ApiError(400, f"Only the WRITER role may be created (got {permission.get('role')!r})", "invalid")
        check_address(fake, ctx.method_id, f"requests[{index}].permission.email", permission.get("email"))
        email = permission["email"].lower()
        if email in emails:
            raise fake.refuse(ctx.method_id, f"requests[{index}]: {email} is listed twice")
        emails.add(email)
        existing = next((p for p in note["permissions"] if p["email"].lower() == email), None)
        created.append(existing or _permission(parent, fake.new_id("perm"), "WRITER", permission["email"]))
    note["permissions"] += [p for p in created if p not in note["permissions"]]
    return {"permissions": created}


@handles("keep.notes.permissions.batchDelete")
def _unshare(fake: GoogleApiFake, ctx: Ctx) -> dict:
    parent = ctx.params["parent"]
    note = _note_or_404(fake, parent)
    names = ctx.body.get("names") or []
    if not names:
        raise ApiError(400, "names must not be empty", "invalid")
    by_name = {p["name"]: p for p in note["permissions"]}
    for name in names:
        if not name.startswith(parent + "/permissions/"):
            raise ApiError(400, f"Permission {name} does not belong to {parent}", "invalid")
        if name not in by_name:
            raise ApiError(400, f"Permission {name} does not exist on the note", "invalid")
        if by_name[name]["role"] == "OWNER":
            raise ApiError(400, "A permission with the OWNER role can't be removed", "invalid")
    note["permissions"] = [p for p in note["permissions"] if p["name"] not in names]
    return {}


@handles("keep.media.download")
def _download(fake: GoogleApiFake, ctx: Ctx) -> Any:
    name = ctx.params["name"]
    note = _note_or_404(fake, name.rsplit("/attachments/", 1)[0])
    attachment = next((a for a in note.get("attachments", []) if a["name"] == name), None)
    if attachment is None:
        raise ApiError(404, f"Requested entity was not found: attachment {name}", "notFound")
    if ctx.params.get("alt") != "media":
        raise fake.refuse(ctx.method_id, "downloading attachment media requires alt=media")
    mime = ctx.params.get("mimeType")
    if mime not in attachment["mimeType"]:
        raise ApiError(400, f"Attachment media is not available as {mime!r}", "invalid")
    return fake.state["keep_media"][name][mime], mime
