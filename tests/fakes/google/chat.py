"""The stand-in's Chat: spaces, messages with threads, message search, reactions (user authentication).

Stricter than Google where it matters to the tools: resource names must be well formed (400
otherwise), a message holds text only (cards need app authentication) of at most 4,096 characters,
a thread given without a messageReplyOption (Google would silently start a new thread) is refused,
list and search filters are parsed and anything outside the documented grammar is refused. Editing
and deleting: only the caller's own messages (403 otherwise, as Google answers a user), an edit needs
an updateMask naming only fields a user may update, and fields sent but not in the mask are refused
(Google would drop them silently); a message with threaded replies is deleted only with force.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from datetime import datetime

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles, page

SPACE = re.compile(r"spaces/[A-Za-z0-9_-]+")
MESSAGE = re.compile(r"(spaces/[A-Za-z0-9_-]+)/messages/[A-Za-z0-9_.-]+")
THREAD = re.compile(r"(spaces/[A-Za-z0-9_-]+)/threads/[A-Za-z0-9_.-]+")
MAX_TEXT = 4096
ME = {"name": "users/100", "type": "HUMAN"}
_TIME = r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))"'


def _seed_chat(fake: GoogleApiFake) -> None:
    spaces = {
        "spaces/AAAAteam": {"name": "spaces/AAAAteam", "displayName": "Team", "spaceType": "SPACE"},
        "spaces/AAAAgroup": {"name": "spaces/AAAAgroup", "spaceType": "GROUP_CHAT"},
        "spaces/AAAAdm": {"name": "spaces/AAAAdm", "spaceType": "DIRECT_MESSAGE"},
    }
    messages: dict[str, dict] = {}
    texts = ["Budget review at 10", "Lunch?", "The budget is approved ✅", "Café at noon ☕", "Deploy done"]
    for index in range(30):
        name = f"spaces/AAAAteam/messages/m{index:03d}.m{index:03d}"
        thread = f"spaces/AAAAteam/threads/t{index // 3:03d}"
        messages[name] = {
            "name": name,
            "sender": {"name": f"users/{200 + index % 3}", "type": "HUMAN", "displayName": f"User {index % 3}"},
            "createTime": f"2025-03-01T{index // 2:02d}:{(index % 2) * 30:02d}:00Z",
            "text": f"{texts[index % len(texts)]} (message {index})",
            "thread": {"name": thread},
            "space": {"name": "spaces/AAAAteam"},
        }
    dm = "spaces/AAAAdm/messages/d001.d001"
    messages[dm] = {
        "name": dm,
        "sender": ME,
        "createTime": "2025-03-02T09:00:00Z",
        "text": "see the budget doc",
        "thread": {"name": "spaces/AAAAdm/threads/d001"},
        "space": {"name": "spaces/AAAAdm"},
    }
    fake.state["chat_spaces"] = spaces
    fake.state["chat_messages"] = messages
    fake.state["chat_reactions"] = {}


SEEDERS.append(_seed_chat)


def _bad(message: str) -> ApiError:
    return ApiError(400, message, "badRequest")


def _space(fake: GoogleApiFake, name: str) -> dict:
    if not SPACE.fullmatch(name):
        raise _bad(f"Invalid space name: {name!r} (spaces/{{space}})")
    return get_or_404(fake.state["chat_spaces"], name, "space")


def _message(fake: GoogleApiFake, name: str) -> dict:
    found = MESSAGE.fullmatch(name)
    if not found:
        raise _bad(f"Invalid message name: {name!r} (spaces/{{space}}/messages/{{message}})")
    _space(fake, found.group(1))
    return get_or_404(fake.state["chat_messages"], name, "message")


def _page_size(ctx: Ctx) -> None:
    if int(ctx.params.get("pageSize") or 0) < 0:
        raise _bad("pageSize must not be negative")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _with_reactions(fake: GoogleApiFake, message: dict) -> dict:
    result = copy.deepcopy(message)
    counts: dict[str, int] = {}
    for reaction in fake.state["chat_reactions"].get(message["name"], []):
        counts[reaction["emoji"]["unicode"]] = counts.get(reaction["emoji"]["unicode"], 0) + 1
    if counts:
        result["emojiReactionSummaries"] = [{"emoji": {"unicode": e}, "reactionCount": n} for e, n in counts.items()]
    return result


@handles("chat.spaces.list")
def _spaces(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _page_size(ctx)
    spaces = list(fake.state["chat_spaces"].values())
    query = ctx.params.get("filter")
    if query:
        terms = re.split(r"\s+OR\s+", query.strip())
        wanted = set()
        for term in terms:
            found = re.fullmatch(r'(?:space_type|spaceType) = "(SPACE|GROUP_CHAT|DIRECT_MESSAGE)"', term)
            if not found:
                raise _bad(f"Invalid filter: {query!r}")
            wanted.add(found.group(1))
        spaces = [s for s in spaces if s["spaceType"] in wanted]
    chunk, token = page(spaces, ctx.params, "pageSize", 100)
    return {"spaces": chunk, **({"nextPageToken": token} if token else {})}


def _list_filter(query: str, parent: str):
    """The documented messages.list grammar: create_time > / < "RFC 3339" and one thread.name, joined by AND."""
    tests = []
    threads = 0
    for clause in re.split(r"\s+AND\s+", query.strip()):
        found = re.fullmatch(r"create_time ([<>]) " + _TIME, clause)
        if found:
            op, bound = found.group(1), _when(found.group(2))
            tests.append(
                lambda m, op=op, b=bound: _when(m["createTime"]) > b if op == ">" else _when(m["createTime"]) < b
            )
            continue
        found = re.fullmatch(r"thread\.name = ((spaces/[A-Za-z0-9_-]+)/threads/[A-Za-z0-9_.-]+)", clause)
        if found and found.group(2) == parent:
            threads, thread = threads + 1, found.group(1)
            tests.append(lambda m, t=thread: m.get("thread", {}).get("name") == t)
            continue
        raise _bad(f"Invalid filter: {query!r}")
    if threads > 1:
        raise _bad("Only one thread.name may be given")
    return lambda m: all(test(m) for test in tests)


@handles("chat.spaces.messages.list")
def _messages(fake: GoogleApiFake, ctx: Ctx) -> dict:
    parent = ctx.params["parent"]
    _space(fake, parent)
    _page_size(ctx)
    order = (ctx.params.get("orderBy") or "createTime asc").strip()
    if not re.fullmatch(r"(?i)(createTime|create_time) (asc|desc)", order):
        raise _bad(f"Invalid orderBy: {order!r}")
    messages = [m for n, m in fake.state["chat_messages"].items() if n.startswith(parent + "/")]
    if ctx.params.get("filter"):
        keep = _list_filter(ctx.params["filter"], parent)
        messages = [m for m in messages if keep(m)]
    messages.sort(key=lambda m: _when(m["createTime"]), reverse=order.lower().endswith("desc"))
    chunk, token = page(messages, ctx.params, "pageSize", 25)
    listed = [_with_reactions(fake, m) for m in chunk]
    return {"messages": listed, **({"nextPageToken": token} if token else {})} if listed else {}


@handles("chat.spaces.messages.get")
def _get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return _with_reactions(fake, _message(fake, ctx.params["name"]))


def _search_filter(query: str):
    """A strict subset of the search grammar: "keywords", create_time >= / <, one space.name, joined by AND."""
    if len(query) > 1000:
        raise _bad("The query is longer than 1,000 characters")
    tests, keywords = [], 0
    for clause in re.split(r"\s+AND\s+", query.strip()):
        found = re.fullmatch(r'"([^"]+)"', clause)
        if found:
            keywords += 1
            word = found.group(1).casefold()
            tests.append(lambda m, w=word: w in m.get("text", "").casefold())
            continue
        found = re.fullmatch(r"create_time (>=|<) " + _TIME, clause)
        if found:
            op, bound = found.group(1), _when(found.group(2))
            tests.append(
                lambda m, op=op, b=bound: _when(m["createTime"]) >= b if op == ">=" else _when(m["createTime"]) < b
            )
            continue
        found = re.fullmatch(r'space\.name = "(spaces/[A-Za-z0-9_-]+)"', clause)
        if found:
            space = found.group(1)
            tests.append(lambda m, s=space: m["name"].startswith(s + "/"))
            continue
        raise _bad(f"Invalid search query: {query!r}")
    return keywords, (lambda m: all(test(m) for test in tests))


@handles("chat.spaces.messages.search")
def _search(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if ctx.params["parent"] != "spaces/-":
        raise _bad("parent must be spaces/-")
    body = ctx.body
    if not body.get("filter"):
        raise _bad("filter is required")
    size = int(body.get("pageSize") or 25)
    if size < 0:
        raise _bad("pageSize must not be negative")
    _, keep = _search_filter(body["filter"])
    found = [m for m in fake.state["chat_messages"].values() if keep(m)]
    found.sort(key=lambda m: _when(m["createTime"]), reverse=True)
    chunk, token = page(found, {"pageToken": body.get("pageToken"), "pageSize": min(size, 100)}, "pageSize", 25)
    results = [{"message": _with_reactions(fake, m), "read": True} for m in chunk]
    return {"results": results, **({"nextPageToken": token} if token else {})} if results else {}


@handles("chat.spaces.messages.create")
def _create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    parent = ctx.params["parent"]
    space = _space(fake, parent)
    body = ctx.body
    extra = sorted(set(body) - {"text", "thread"})
    if extra:  # cards, attachments, private viewers: app authentication only
        raise fake.refuse(ctx.method_id, f"user-authenticated messages carry text only (got {extra})")
    text = body.get("text") or ""
    if not text.strip():
        raise _bad("Message text must not be empty.")
    if len(text) > MAX_TEXT:
        raise _bad(f"Message text is {len(text)} characters; at most {MAX_TEXT} are allowed.")
    option = ctx.params.get("messageReplyOption", "MESSAGE_REPLY_OPTION_UNSPECIFIED")
    thread = body.get("thread")
    if thread and option == "MESSAGE_REPLY_OPTION_UNSPECIFIED":
        raise fake.refuse(ctx.method_id, "a thread without messageReplyOption starts a new thread: the reply is lost")
    if option != "MESSAGE_REPLY_OPTION_UNSPECIFIED" and not thread:
        raise _bad("messageReplyOption needs thread.name or thread.threadKey")
    if ctx.params.get("threadKey"):
        raise fake.refuse(ctx.method_id, "threadKey (query) is deprecated: use thread.threadKey")
    message_id = fake.new_id("n")
    threads = fake.state.setdefault("chat_thread_keys", {})
    new_thread = f"{parent}/threads/{message_id}"
    if thread:
        if space["spaceType"] != "SPACE":
            raise _bad("Threaded replies are only supported in named spaces.")
        if set(thread) - {"name", "threadKey"} or len(thread) != 1:
            raise _bad("thread: give exactly one of name and threadKey")
        if "name" in thread:
            found = THREAD.fullmatch(thread["name"])
            if not found or found.group(1) != parent:
                raise _bad(f"Invalid thread name: {thread['name']!r}")
            exists = any(
                m.get("thread", {}).get("name") == thread["name"] for m in fake.state["chat_messages"].values()
            )
            if exists:
                new_thread = thread["name"]
            elif option == "REPLY_MESSAGE_OR_FAIL":
                raise ApiError(404, f"Thread {thread['name']} not found", "notFound")
        else:
            key = thread["threadKey"]
            if not 1 <= len(key) <= 4000:
                raise _bad("threadKey has 1 to 4000 characters")
            new_thread = threads.setdefault((parent, key), new_thread)
    name = f"{parent}/messages/{message_id}"
    message = {
        "name": name,
        "sender": ME,
        "createTime": "2025-03-20T12:00:00Z",
        "text": text,
        "thread": {"name": new_thread},
        "space": {"name": parent},
        "threadReply": new_thread != f"{parent}/threads/{message_id}",
    }
    fake.state["chat_messages"][name] = message
    return copy.deepcopy(message)


# updateMask paths of messages.patch (snake_case as documented, camelCase as the JSON names them).
_UPDATABLE = {"text": "text", "attachment": "attachment", "quoted_message_metadata": "quotedMessageMetadata"}
_APP_ONLY = {"cards", "cards_v2", "cardsV2", "accessory_widgets", "accessoryWidgets"}


def _mine(fake: GoogleApiFake, ctx: Ctx, verb: str) -> dict:
    message = _message(fake, ctx.params["name"])
    if message["sender"] != ME:  # Google: a user may edit or delete only messages they sent
        raise ApiError(403, f"The caller does not have permission to {verb} this message.", "forbidden")
    return message


@handles("chat.spaces.messages.patch")
def _patch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if ctx.params.get("allowMissing") not in (None, "false"):
        raise fake.refuse(ctx.method_id, "allowMissing creates a message where an edit was meant")
    mask = (ctx.params.get("updateMask") or "").strip()
    if not mask:
        raise _bad("updateMask is required")
    paths = [path.strip() for path in mask.split(",")]
    if "*" in paths:
        raise fake.refuse(ctx.method_id, "updateMask '*' clears every field the request does not carry")
    fields = []
    for path in paths:
        if path in _APP_ONLY:
            raise _bad(f"updateMask: {path} requires app authentication")
        field = _UPDATABLE.get(path) or (path if path in _UPDATABLE.values() else None)
        if field is None:
            raise _bad(f"updateMask: {path!r} is not a field that can be updated")
        fields.append(field)
    body = ctx.body or {}
    ignored = sorted(set(body) - set(fields) - {"name"})
    if ignored:
        raise fake.refuse(ctx.method_id, f"{ignored} sent but not in updateMask: Google would drop them")
    if body.get("name") not in (None, ctx.params["name"]):
        raise _bad("name in the body differs from the message being updated")
    if "quotedMessageMetadata" in fields and body.get("quotedMessageMetadata"):
        raise _bad("quoted_message_metadata can only be removed")
    message = _mine(fake, ctx, "update")
    if "text" in fields:
        text = body.get("text") or ""
        if not text.strip() and not message.get("attachment"):
            raise _bad("Message text must not be empty.")
        if len(text) > MAX_TEXT:
            raise _bad(f"Message text is {len(text)} characters; at most {MAX_TEXT} are allowed.")
    for field in fields:
        if body.get(field):
            message[field] = copy.deepcopy(body[field])
        else:
            message.pop(field, None)
    message["lastUpdateTime"] = "2025-03-20T12:30:00Z"
    return _with_reactions(fake, message)


@handles("chat.spaces.messages.delete")
def _delete(fake: GoogleApiFake, ctx: Ctx) -> dict:
    message = _mine(fake, ctx, "delete")
    messages = fake.state["chat_messages"]
    thread = message.get("thread", {}).get("name")
    replies = (
        []
        if message.get("threadReply")
        else [n for n, m in messages.items() if n != message["name"] and m.get("thread", {}).get("name") == thread]
    )
    if replies and ctx.params.get("force") != "true":
        raise ApiError(
            400,
            "The message has threaded replies; set force to delete them too.",
            "failedPrecondition",
            status_name="FAILED_PRECONDITION",
        )
    for name in [message["name"], *replies]:
        del messages[name]
        fake.state["chat_reactions"].pop(name, None)
    return {}


def _is_emoji(text: str) -> bool:
    if (
        not text
        or len(text) > 16
        or any(c.isspace() or (c.isascii() and c.isalnum() and c not in "#*0123456789") for c in text)
    ):
        return False
    return any(unicodedata.category(c) == "So" for c in text) or "\u20e3" in text


@handles("chat.spaces.messages.reactions.create")
def _react(fake: GoogleApiFake, ctx: Ctx) -> dict:
    message = _message(fake, ctx.params["parent"])
    emoji = (ctx.body or {}).get("emoji") or {}
    if set(emoji) != {"unicode"}:
        raise _bad("emoji: give exactly one of unicode and customEmoji")
    if not _is_emoji(emoji["unicode"]):
        raise _bad(f"emoji.unicode: {emoji['unicode']!r} is not an emoji")
    reactions = fake.state["chat_reactions"].setdefault(message["name"], [])
    if any(r["emoji"] == emoji and r["user"] == ME for r in reactions):
        raise ApiError(409, "The user already reacted with this emoji.", "alreadyExists")
    reaction = {"name": f"{message['name']}/reactions/{fake.new_id('r')}", "emoji": emoji, "user": ME}
    reactions.append(reaction)
    return copy.deepcopy(reaction)
