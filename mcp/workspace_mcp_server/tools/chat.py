"""Chat tools: spaces, messages (list, read, search), sending, editing, deleting, thread replies and reactions."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import (
    CHAT_MESSAGES,
    CHAT_MESSAGES_CREATE,
    CHAT_MESSAGES_READ,
    CHAT_REACTIONS_CREATE,
    CHAT_SPACES_READ,
)
from .common import check_page_size, page_note, paged, respond, rfc3339
from .registry import read, write

MAX_TEXT = 4096  # characters Chat shows in one message
MAX_THREAD_KEY = 4000
_SPACE = re.compile(r"(?:spaces/)?([A-Za-z0-9_-]{1,100})")
_MESSAGE = re.compile(r"spaces/[A-Za-z0-9_-]{1,100}/messages/[A-Za-z0-9_.-]{1,200}")
_THREAD = re.compile(r"spaces/([A-Za-z0-9_-]{1,100})/threads/[A-Za-z0-9_.-]{1,200}")
_SEARCH_TERM = re.compile(r'"([^"]*)"|(\S+)')


def _space(space: str) -> str:
    """spaces/<id> from a space name or a bare id."""
    found = _SPACE.fullmatch(space.strip())
    if not found:
        raise UserError(f"space: {space!r} is not a space name (spaces/<id>, as list_chat_spaces shows)")
    return f"spaces/{found.group(1)}"


def _message(name: str) -> str:
    if not _MESSAGE.fullmatch(name):
        raise UserError(f"message: {name!r} is not a message name (spaces/<id>/messages/<id>)")
    return name


def _text(text: str) -> str:
    if not text.strip():
        raise UserError("text: must not be empty")
    if len(text) > MAX_TEXT:
        raise UserError(f"text: {len(text)} characters; a Chat message holds at most {MAX_TEXT}: split it")
    return text


def _time_filter(after: str | None, before: str | None, op_after: str) -> list[str]:
    clauses = [f'create_time {op_after} "{rfc3339("after", after)}"'] if after else []
    return clauses + ([f'create_time < "{rfc3339("before", before)}"'] if before else [])


def _render_space(space: dict) -> str:
    kind = {"SPACE": "space", "GROUP_CHAT": "group chat", "DIRECT_MESSAGE": "direct message"}
    label = space.get("displayName") or "(unnamed)"
    return f"{label} [{kind.get(space.get('spaceType', ''), 'space')}] {space.get('name')}"


def _render_message(message: dict) -> str:
    sender = message.get("sender", {})
    who = sender.get("displayName") or sender.get("name", "?")
    thread = message.get("thread", {}).get("name")
    reactions = " ".join(
        f"{r.get('emoji', {}).get('unicode', '?')}{r.get('reactionCount', 0)}"
        for r in message.get("emojiReactionSummaries", [])
    )
    head = f"{message.get('createTime', '')} {who} ({message.get('name')}"
    head += f", thread {thread})" if thread else ")"
    attached = len(message.get("attachment", [])) + len(message.get("cardsV2", []))
    body = message.get("text") or f"(no text{f'; {attached} attachments or cards' if attached else ''})"
    # Every line indented: a message's text cannot pass for the header of another message.
    return f"{head}{' ' + reactions if reactions else ''}\n   " + body.replace("\n", "\n   ")


@read("core", CHAT_SPACES_READ)
async def list_chat_spaces(
    space_type: Literal["SPACE", "GROUP_CHAT", "DIRECT_MESSAGE"] | None = None,
    page_size: int = 100,
    page_token: str | None = None,
) -> ToolResult:
    """List the Chat spaces, group chats and direct messages you are in."""
    check_page_size(page_size, 1000)
    query = f'space_type = "{space_type}"' if space_type else None
    listing = await call("chat", lambda s: s.spaces().list(pageSize=page_size, pageToken=page_token, filter=query))
    return paged(listing, "spaces", _render_space, "No spaces.")


@read("core", CHAT_MESSAGES_READ)
async def list_chat_messages(
    space: str,
    after: str | None = None,
    before: str | None = None,
    thread: str | None = None,
    newest_first: bool = True,
    page_size: int = 25,
    page_token: str | None = None,
) -> ToolResult:
    """List messages of a space, optionally of one thread or a time range.

    Args:
        after, before: ISO date-times (UTC if no offset).
        thread: spaces/<id>/threads/<id>.
    """
    check_page_size(page_size, 1000)
    parent = _space(space)
    clauses = _time_filter(after, before, ">")
    if thread:
        found = _THREAD.fullmatch(thread)
        if not found or f"spaces/{found.group(1)}" != parent:
            raise UserError(f"thread: {thread!r} is not a thread name of {parent} ({parent}/threads/<id>)")
        clauses.append(f"thread.name = {thread}")
    listing = await call(
        "chat",
        lambda s: (
            s.spaces()
            .messages()
            .list(
                parent=parent,
                filter=" AND ".join(clauses) or None,
                orderBy="createTime desc" if newest_first else "createTime asc",
                pageSize=page_size,
                pageToken=page_token,
            )
        ),
        what=f"space '{parent}'",
    )
    return paged(listing, "messages", _render_message, "No messages.")


@read("extended", CHAT_MESSAGES_READ)
async def get_chat_message(message: str) -> ToolResult:
    """Read one message (spaces/<id>/messages/<id>)."""
    name = _message(message)
    found = await call("chat", lambda s: s.spaces().messages().get(name=name), what=f"message '{name}'")
    return respond(_render_message(found), found)


@read("core", CHAT_MESSAGES_READ)
async def search_chat_messages(
    query: str,
    space: str | None = None,
    after: str | None = None,
    before: str | None = None,
    page_size: int = 25,
    page_token: str | None = None,
) -> ToolResult:
    """Search Chat messages by keywords ("a phrase" ok), newest first. Skips app, private and muted-space ones.

    Args:
        space: limit to one space (default: all).
    """
    check_page_size(page_size, 100)
    terms = []
    for phrase, word in _SEARCH_TERM.findall(query):
        term = phrase if phrase else word
        if '"' in term:
            raise UserError(f"query: unbalanced double quote in {query!r}")
        if term.strip():
            terms.append(f'"{term.strip()}"')
    if not terms:
        raise UserError("query: give at least one keyword")
    clauses = terms + _time_filter(after, before, ">=")
    if space:
        clauses.append(f'space.name = "{_space(space)}"')
    body: dict[str, Any] = {"filter": " AND ".join(clauses), "pageSize": page_size}
    if page_token:
        body["pageToken"] = page_token
    if len(body["filter"]) > 1000:
        raise UserError(f"query: the search filter would be {len(body['filter'])} characters; Chat takes 1000")
    found = await call("chat", lambda s: s.spaces().messages().search(parent="spaces/-", body=body))
    results, token = found.get("results", []), found.get("nextPageToken")
    text = "\n".join(_render_message(r.get("message", {})) for r in results) or "No matching messages."
    return respond(text + page_note(token), {"results": results, "nextPageToken": token})


@write("core", CHAT_MESSAGES_CREATE)
async def send_chat_message(space: str, text: str) -> ToolResult:
    """Post a message to a space as you (a new thread where spaces thread)."""
    parent = _space(space)
    body = {"text": _text(text)}
    sent = await call(
        "chat", lambda s: s.spaces().messages().create(parent=parent, body=body), what=f"space '{parent}'"
    )
    return respond(f"Sent {sent.get('name')} (thread {sent.get('thread', {}).get('name', '-')}).", sent)


@write("core", CHAT_MESSAGES_CREATE)
async def reply_in_chat_thread(
    text: str,
    thread: str,
    space: str | None = None,
    if_thread_missing: Literal["fail", "new_thread"] = "fail",
) -> ToolResult:
    """Reply in a thread of a named space.

    Args:
        thread: a thread name (spaces/<id>/threads/<id>) or a thread key of your own (then give space).
    """
    found = _THREAD.fullmatch(thread)
    if found:
        parent = f"spaces/{found.group(1)}"
        if space and _space(space) != parent:
            raise UserError(f"space: {space!r} is not the space of thread {thread}")
        target = {"name": thread}
    else:
        if not space:
            raise UserError("space: required with a thread key (a thread name spaces/<id>/threads/<id> has it)")
        if not thread.strip() or len(thread) > MAX_THREAD_KEY:
            raise UserError(f"thread: a thread key has 1 to {MAX_THREAD_KEY} characters")
        parent, target = _space(space), {"threadKey": thread}
    body = {"text": _text(text), "thread": target}
    option = "REPLY_MESSAGE_OR_FAIL" if if_thread_missing == "fail" else "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    sent = await call(
        "chat",
        lambda s: s.spaces().messages().create(parent=parent, body=body, messageReplyOption=option),
        what=f"thread '{thread}' in space '{parent}'",
    )
    return respond(f"Replied {sent.get('name')} in thread {sent.get('thread', {}).get('name', '-')}.", sent)


def _emoji(emoji: str) -> str:
    """One Unicode emoji as Chat takes it (👍, ❤️, 1️⃣), not a :shortcode: or a word."""
    text = emoji.strip()
    if text.startswith(":") and text.endswith(":") and len(text) > 2:
        raise UserError(f"emoji: give the emoji itself (e.g. 👍), not the shortcode {text!r}")
    pictographic = any(unicodedata.category(c) == "So" for c in text) or "\u20e3" in text  # keycap 1️⃣
    words = any(c.isspace() or (c.isascii() and c.isalpha()) for c in text)
    if not pictographic or words or len(text) > 16:
        raise UserError(f"emoji: {emoji!r} is not one Unicode emoji (e.g. 👍)")
    return text


@write("extended", CHAT_REACTIONS_CREATE)
async def add_chat_reaction(message: str, emoji: str) -> ToolResult:
    """React to a message with a Unicode emoji (e.g. 👍)."""
    body, parent = {"emoji": {"unicode": _emoji(emoji)}}, _message(message)
    reaction = await call(
        "chat",
        lambda s: s.spaces().messages().reactions().create(parent=parent, body=body),
        what=f"message '{message}'",
    )
    return respond(f"Reacted {body['emoji']['unicode']} to {message}.", reaction)


# Google's 403 on an edit or delete: someone else sent the message.
OWN_MESSAGES_ONLY = " (Chat lets you edit or delete only messages you sent)"


@write("extended", CHAT_MESSAGES, destructive=True)
async def update_chat_message(message: str, text: str) -> ToolResult:
    """Replace the text of a message you sent (spaces/<id>/messages/<id>)."""
    name, body = _message(message), {"text": _text(text)}
    updated = await call(
        "chat",
        lambda s: s.spaces().messages().patch(name=name, updateMask="text", body=body),
        what=f"message '{name}'",
        denied_hint=OWN_MESSAGES_ONLY,
    )
    return respond(f"Edited {name}:\n" + _render_message(updated), updated)


@write("complete", CHAT_MESSAGES, destructive=True)
async def delete_chat_message(message: str, with_replies: bool = False) -> ToolResult:
    """Delete a message you sent (spaces/<id>/messages/<id>).

    Args:
        with_replies: also delete its thread's replies (else a message with replies is kept).
    """
    name = _message(message)
    try:
        await call(
            "chat",
            lambda s: s.spaces().messages().delete(name=name, force=with_replies or None),
            what=f"message '{name}'",
            denied_hint=OWN_MESSAGES_ONLY,
        )
    except UserError as failure:
        if "threaded replies" not in str(failure):
            raise
        raise UserError(f"message: {name} has replies in its thread; with_replies=true deletes them too") from None
    return respond(f"Deleted {name}{' and its replies' if with_replies else ''}.")
