"""Comments on Docs, Sheets and Slides files, through Drive's comments and replies resources.

``comment_tools`` builds the same four tools for one editor: each is made in and registered as a tool of
that service's module, so it follows that service's selection (disabling slides removes slide comments).
"""

# No postponed annotations: the tools are registered under another module, so their types are resolved here.
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import DRIVE_READ, DRIVE_WRITE
from .common import check_page_size, gather, page_note, respond
from .registry import read, write

# The Drive API answers comments and replies requests only when ``fields`` names what to return.
_REPLY_FIELDS = "id,content,action,author(displayName),createdTime"
_COMMENT_FIELDS = (
    "id,content,author(displayName),createdTime,modifiedTime,resolved,quotedFileContent,anchor,"
    f"replies({_REPLY_FIELDS})"
)


@dataclass(frozen=True)
class Editor:
    """One kind of Google editor file: tool name noun, what users call it, its Drive MIME type."""

    noun: str
    kind: str
    mime_type: str


EDITORS = {
    editor.noun: editor
    for editor in (
        Editor("doc", "Google Doc", "application/vnd.google-apps.document"),
        Editor("sheet", "Google Sheets spreadsheet", "application/vnd.google-apps.spreadsheet"),
        Editor("slide", "Google Slides presentation", "application/vnd.google-apps.presentation"),
    )
}
_BY_MIME = {editor.mime_type: editor for editor in EDITORS.values()}


async def _check_type(editor: Editor, file_id: str) -> dict:
    """The file's name and type; a UserError when it is not this editor's kind (it names the right tools)."""
    found = await call(
        "drive",
        lambda s: s.files().get(fileId=file_id, fields="id,name,mimeType", supportsAllDrives=True),
        what=f"file '{file_id}'",
    )
    if found.get("mimeType") != editor.mime_type:
        other = _BY_MIME.get(found.get("mimeType", ""))
        named = f"file_id: '{file_id}' ({found.get('name')})"
        if other:
            raise UserError(f"{named} is a {other.kind}, not a {editor.kind}; use the {other.noun}_comment tools")
        raise UserError(f"{named} is not a {editor.kind} (its type is {found.get('mimeType')})")
    return found


def _render(comment: dict) -> str:
    state = "resolved" if comment.get("resolved") else "open"
    who = comment.get("author", {}).get("displayName", "?")
    quoted = comment.get("quotedFileContent", {}).get("value")
    lines = [f"[{state}] {who}: {comment.get('content', '')} (id={comment['id']}, {comment.get('createdTime', '')})"]
    if quoted:
        lines.append(f'  on: "{quoted}"')
    for reply in comment.get("replies", []):
        action = f" [{reply['action']}]" if reply.get("action") else ""
        lines.append(f"  - {reply.get('author', {}).get('displayName', '?')}{action}: {reply.get('content', '')}")
    return "\n".join(lines)


def comment_tools(module: str, noun: str) -> tuple[Callable[..., Any], ...]:
    """list_X_comments, add_X_comment, reply_to_X_comment, resolve_X_comment (X: ``noun``) as tools of ``module``."""
    editor = EDITORS[noun]

    async def list_comments(
        file_id: str, include_resolved: bool = True, page_size: int = 50, page_token: str | None = None
    ) -> ToolResult:
        check_page_size(page_size, 100)
        _, listing = await gather(
            [
                _check_type(editor, file_id),
                call(
                    "drive",
                    lambda s: s.comments().list(
                        fileId=file_id,
                        pageSize=page_size,
                        pageToken=page_token,
                        fields=f"nextPageToken,comments({_COMMENT_FIELDS})",
                    ),
                    what=f"file '{file_id}'",
                ),
            ]
        )
        comments = [c for c in listing.get("comments", []) if include_resolved or not c.get("resolved")]
        token = listing.get("nextPageToken")
        text = "\n".join(_render(c) for c in comments) or "No comments."
        return respond(text + page_note(token), {"comments": comments, "nextPageToken": token})

    async def add_comment(file_id: str, content: str) -> ToolResult:
        if not content.strip():
            raise UserError("content: the comment is empty")
        await _check_type(editor, file_id)
        created = await call(
            "drive",
            lambda s: s.comments().create(fileId=file_id, body={"content": content}, fields=_COMMENT_FIELDS),
            what=f"file '{file_id}'",
        )
        return respond("Added " + _render(created), created)

    async def _reply(file_id: str, comment_id: str, body: dict) -> dict:
        await _check_type(editor, file_id)
        return await call(
            "drive",
            lambda s: s.replies().create(fileId=file_id, commentId=comment_id, body=body, fields=_REPLY_FIELDS),
            what=f"comment '{comment_id}' on file '{file_id}'",
        )

    async def reply_to_comment(file_id: str, comment_id: str, content: str) -> ToolResult:
        if not content.strip():
            raise UserError("content: the reply is empty")
        reply = await _reply(file_id, comment_id, {"content": content})
        return respond(f"Replied to comment {comment_id} (reply id={reply['id']}).", reply)

    async def resolve_comment(file_id: str, comment_id: str, content: str | None = None) -> ToolResult:
        body = {"action": "resolve", **({"content": content} if content else {})}
        reply = await _reply(file_id, comment_id, body)
        return respond(f"Resolved comment {comment_id} (reply id={reply['id']}).", reply)

    tools = (
        (
            list_comments,
            f"list_{editor.noun}_comments",
            f"List comments on a {editor.kind} with replies, quoted text and resolved state.",
            read("core", DRIVE_READ),
        ),
        (
            add_comment,
            f"add_{editor.noun}_comment",
            f"Add a comment to a {editor.kind} (Google shows API comments unanchored, on the whole file).",
            write("extended", DRIVE_WRITE),
        ),
        (
            reply_to_comment,
            f"reply_to_{editor.noun}_comment",
            f"Reply to a comment on a {editor.kind}.",
            write("extended", DRIVE_WRITE),
        ),
        (
            resolve_comment,
            f"resolve_{editor.noun}_comment",
            f"Resolve a comment on a {editor.kind}, with an optional closing reply.",
            write("extended", DRIVE_WRITE),
        ),
    )
    made = []
    for fn, name, description, mark in tools:
        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = module  # the registry reads a tool's service from its module
        fn.__doc__ = description
        made.append(mark(fn))
    return tuple(made)
