"""The stand-in's Drive comments and replies (the comment threads of Docs, Sheets and Slides files).

Google answers these methods only when ``fields`` says what to return, and returns only that; both are
emulated. Comments live in ``state["comments"]`` (file id -> threads) beside the files of ``drive.py``.
"""

from __future__ import annotations

from typing import Any

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles, not_found, page
from .partial import masked

ME = {"displayName": "Solo User", "me": True, "kind": "drive#user"}
# Fields a client may set when creating a comment or a reply (the rest are output only).
COMMENT_INPUT = {"content", "anchor", "quotedFileContent"}
REPLY_INPUT = {"content", "action"}
ACTIONS = {"resolve", "reopen"}


def add_comment(
    fake: GoogleApiFake, file_id: str, content: str, author: str = "Ann", quoted: str | None = None, **extra: Any
) -> dict:
    comment = {
        "kind": "drive#comment",
        "id": fake.new_id("AAAB"),
        "content": content,
        "htmlContent": content,
        "author": {"displayName": author, "me": False, "kind": "drive#user"},
        "createdTime": "2025-03-01T10:00:00.000Z",
        "modifiedTime": "2025-03-01T10:00:00.000Z",
        "resolved": False,
        "deleted": False,
        "replies": [],
        **extra,
    }
    if quoted is not None:
        comment["quotedFileContent"] = {"mimeType": "text/html", "value": quoted}
    fake.state["comments"].setdefault(file_id, []).append(comment)
    return comment


def _reply(fake: GoogleApiFake, comment: dict, author: dict, content: str = "", action: str | None = None) -> dict:
    reply = {
        "kind": "drive#reply",
        "id": fake.new_id("AAAR"),
        "author": author,
        "createdTime": "2025-03-02T10:00:00.000Z",
        "modifiedTime": "2025-03-02T10:00:00.000Z",
        "deleted": False,
    }
    if content:
        reply["content"] = reply["htmlContent"] = content
    if action:
        reply["action"] = action
        comment["resolved"] = action == "resolve"
    comment["replies"].append(reply)
    comment["modifiedTime"] = reply["modifiedTime"]
    return reply


def _seed_comments(fake: GoogleApiFake) -> None:
    fake.state["comments"] = {}
    first = add_comment(fake, "doc1", "Is the plan final?", quoted="The plan is simple.", anchor="kix.a1")
    _reply(fake, first, {"displayName": "Bob", "me": False}, "Not yet")
    done = add_comment(fake, "doc1", "Typo in the title", author="Bob")
    _reply(fake, done, ME, "Fixed", "resolve")
    add_comment(fake, "doc1", "Add goals", author="Cy")
    add_comment(fake, "sheet1", "Check the CPU cost", quoted="30")


SEEDERS.append(_seed_comments)


def _fields(fake: GoogleApiFake, ctx: Ctx) -> str:
    fields = ctx.params.get("fields")
    if not fields:
        raise fake.refuse(ctx.method_id, "The 'fields' parameter is required for this method.")
    return fields


def _threads(fake: GoogleApiFake, file_id: str) -> list[dict]:
    get_or_404(fake.state["files"], file_id, "file")
    return fake.state["comments"].setdefault(file_id, [])


def _comment(fake: GoogleApiFake, ctx: Ctx) -> dict:
    for comment in _threads(fake, ctx.params["fileId"]):
        if comment["id"] == ctx.params["commentId"]:
            return comment
    raise not_found("comment", ctx.params["commentId"])


def _only(fake: GoogleApiFake, ctx: Ctx, allowed: set[str]) -> None:
    extra = set(ctx.body) - allowed
    if extra:
        raise fake.refuse(ctx.method_id, f"output-only fields set: {sorted(extra)}")


@handles("drive.comments.list")
def _comments_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    fields = _fields(fake, ctx)
    size = int(ctx.params.get("pageSize") or 20)
    if not 1 <= size <= 100:
        raise ApiError(400, f"Invalid value '{size}'. Values must be within the range: [1, 100]", "invalid")
    threads = [
        c
        for c in _threads(fake, ctx.params["fileId"])
        if ctx.params.get("includeDeleted") == "true" or not c["deleted"]
    ]
    chunk, token = page(threads, ctx.params, "pageSize", 20)
    listing: dict[str, Any] = {"kind": "drive#commentList", "comments": chunk}
    if token:
        listing["nextPageToken"] = token
    return masked(listing, fields)


@handles("drive.comments.get")
def _comments_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return masked(_comment(fake, ctx), _fields(fake, ctx))


@handles("drive.comments.create")
def _comments_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    fields = _fields(fake, ctx)
    _only(fake, ctx, COMMENT_INPUT)
    if not str(ctx.body.get("content") or "").strip():
        raise ApiError(400, "A comment needs content.", "required")
    _threads(fake, ctx.params["fileId"])
    author = {"displayName": ME["displayName"], "me": True}
    extra = {k: ctx.body[k] for k in ("anchor", "quotedFileContent") if k in ctx.body}
    comment = add_comment(fake, ctx.params["fileId"], ctx.body["content"], **extra)
    comment["author"] = dict(author, kind="drive#user")
    return masked(comment, fields)


@handles("drive.replies.create")
def _replies_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    fields = _fields(fake, ctx)
    _only(fake, ctx, REPLY_INPUT)
    comment = _comment(fake, ctx)
    if comment["deleted"]:
        raise ApiError(400, "The comment has been deleted.", "commentDeleted")
    action = ctx.body.get("action")
    if action is not None and action not in ACTIONS:
        raise ApiError(400, f"Invalid value for action: {action!r}", "invalid")
    if action is None and not str(ctx.body.get("content") or "").strip():
        raise ApiError(400, "A reply needs content or an action.", "required")
    return masked(_reply(fake, comment, ME, ctx.body.get("content") or "", action), fields)
