"""Chat tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import pytest

from tests.server.tools.conftest import ACCESS_TOKEN, call, error, text
from tests.server.tools.expected import AUTH
from tests.server.tools.test_selection import listed
from tests.server.tools.test_standin import refused, send
from workspace_mcp_server.tools.selection import ToolSelection

pytestmark = pytest.mark.anyio

TEAM = "spaces/AAAAteam"


async def test_list_spaces_by_type_and_paging(mcp, google_api):
    first = await call(mcp, "list_chat_spaces", page_size=2)
    assert first.content[0].text.splitlines()[:2] == [
        "Team [space] spaces/AAAAteam",
        "(unnamed) [group chat] spaces/AAAAgroup",
    ]
    rest = await call(mcp, "list_chat_spaces", page_token=first.structured_content["nextPageToken"])
    assert [s["name"] for s in rest.structured_content["spaces"]] == ["spaces/AAAAdm"]
    dms = await call(mcp, "list_chat_spaces", space_type="DIRECT_MESSAGE")
    assert google_api.calls("chat.spaces.list")[-1].query["filter"] == ['space_type = "DIRECT_MESSAGE"']
    assert [s["name"] for s in dms.structured_content["spaces"]] == ["spaces/AAAAdm"]
    assert "page_size: must be between 1 and 1000" in await error(mcp, "list_chat_spaces", page_size=1001)


async def test_list_messages_paging_time_range_and_thread(mcp, google_api):
    newest = await call(mcp, "list_chat_messages", space=TEAM, page_size=5)
    names = [m["name"] for m in newest.structured_content["messages"]]
    assert names[0] == "spaces/AAAAteam/messages/m029.m029" and len(names) == 5
    more = await call(
        mcp, "list_chat_messages", space="AAAAteam", page_size=5, page_token=newest.structured_content["nextPageToken"]
    )
    assert more.structured_content["messages"][0]["name"] == "spaces/AAAAteam/messages/m024.m024"
    first = await text(mcp, "list_chat_messages", space=TEAM, newest_first=False, page_size=1)
    assert first.startswith(
        "2025-03-01T00:00:00Z User 0 (spaces/AAAAteam/messages/m000.m000, thread spaces/AAAAteam/threads/t000)\n"
        "   Budget review at 10 (message 0)"
    )
    ranged = await call(
        mcp, "list_chat_messages", space=TEAM, after="2025-03-01T10:00:00+01:00", before="2025-03-01T10:30:00Z"
    )
    sent = google_api.calls("chat.spaces.messages.list")[-1].query
    assert sent["filter"] == ['create_time > "2025-03-01T10:00:00+01:00" AND create_time < "2025-03-01T10:30:00+00:00"']
    assert [m["createTime"] for m in ranged.structured_content["messages"]] == [
        "2025-03-01T10:00:00Z",
        "2025-03-01T09:30:00Z",
    ]
    threaded = await call(mcp, "list_chat_messages", space=TEAM, thread=f"{TEAM}/threads/t002")
    assert [m["name"][-4:] for m in threaded.structured_content["messages"]] == ["m008", "m007", "m006"]
    assert "thread: 'spaces/AAAAdm/threads/d001' is not a thread name of spaces/AAAAteam" in await error(
        mcp, "list_chat_messages", space=TEAM, thread="spaces/AAAAdm/threads/d001"
    )
    assert await text(mcp, "list_chat_messages", space="spaces/AAAAgroup") == "No messages."
    assert "after: 'yesterday' is not an ISO 8601" in await error(
        mcp, "list_chat_messages", space=TEAM, after="yesterday"
    )


@pytest.mark.parametrize("space", ["spaces/", "spaces/a/b", "rooms/AAAA", "spaces/AA AA", "../spaces/AAAAteam"])
async def test_malformed_space_names_are_refused_before_sending(mcp, google_api, space):
    before = len(google_api.requests)
    assert f"space: {space!r} is not a space name" in await error(mcp, "list_chat_messages", space=space)
    assert f"space: {space!r} is not a space name" in await error(mcp, "send_chat_message", space=space, text="hi")
    assert len(google_api.requests) == before


async def test_get_message_and_missing_ones(mcp):
    shown = await text(mcp, "get_chat_message", message="spaces/AAAAdm/messages/d001.d001")
    assert shown.endswith("   see the budget doc")
    assert "message 'spaces/AAAAteam/messages/nope' does not exist" in await error(
        mcp, "get_chat_message", message="spaces/AAAAteam/messages/nope"
    )
    assert "space 'spaces/AAAAgone' does not exist" in await error(mcp, "list_chat_messages", space="spaces/AAAAgone")
    for bad in ("spaces/AAAAteam", "spaces/AAAAteam/messages/", "spaces/AAAAteam/messages/a/b", "m001"):
        assert f"message: {bad!r} is not a message name" in await error(mcp, "get_chat_message", message=bad)


async def test_search_uses_googles_search_with_a_built_filter(mcp, google_api):
    found = await call(mcp, "search_chat_messages", query="budget")
    sent = google_api.calls("chat.spaces.messages.search")[-1]
    assert sent.path == "/v1/spaces/-/messages:search"
    assert sent.json() == {"filter": '"budget"', "pageSize": 25}
    names = [r["message"]["name"] for r in found.structured_content["results"]]
    assert names[0] == "spaces/AAAAdm/messages/d001.d001" and len(names) == 13
    assert found.content[0].text.count("\n   ") == 13
    paged = await call(mcp, "search_chat_messages", query='"budget is" approved', space="AAAAteam", page_size=2)
    assert google_api.calls("chat.spaces.messages.search")[-1].json()["filter"] == (
        '"budget is" AND "approved" AND space.name = "spaces/AAAAteam"'
    )
    token = paged.structured_content["nextPageToken"]
    rest = await call(
        mcp, "search_chat_messages", query='"budget is" approved', space="AAAAteam", page_size=2, page_token=token
    )
    assert len(rest.structured_content["results"]) == 2
    dated = await call(mcp, "search_chat_messages", query="café", after="2025-03-01T13:00:00Z", before="2025-03-01")
    assert "create_time >= " in google_api.calls("chat.spaces.messages.search")[-1].json()["filter"]
    assert dated.content[0].text == "No matching messages."
    unicode = await call(mcp, "search_chat_messages", query="CAFÉ")
    assert all("Café" in r["message"]["text"] for r in unicode.structured_content["results"])
    assert "query: unbalanced double quote" in await error(mcp, "search_chat_messages", query='"budget')
    assert "query: give at least one keyword" in await error(mcp, "search_chat_messages", query='  ""  ')
    long = await error(mcp, "search_chat_messages", query="word " * 200)
    assert "the search filter would be 2195 characters; Chat takes 1000" in long
    assert "page_size: must be between 1 and 100" in await error(mcp, "search_chat_messages", query="x", page_size=500)


async def test_send_reply_and_react(mcp, google_api):
    sent = (await call(mcp, "send_chat_message", space=TEAM, text="Ship it 🚀\nsecond line")).structured_content
    assert google_api.calls("chat.spaces.messages.create")[-1].json() == {"text": "Ship it 🚀\nsecond line"}
    assert google_api.state["chat_messages"][sent["name"]]["text"] == "Ship it 🚀\nsecond line"
    thread = sent["thread"]["name"]
    reply = (await call(mcp, "reply_in_chat_thread", text="on it", thread=thread)).structured_content
    created = google_api.calls("chat.spaces.messages.create")[-1]
    assert created.query["messageReplyOption"] == ["REPLY_MESSAGE_OR_FAIL"]
    assert created.json() == {"text": "on it", "thread": {"name": thread}}
    assert reply["thread"]["name"] == thread and reply["threadReply"] is True
    keyed = await call(mcp, "reply_in_chat_thread", text="standup", thread="daily-standup", space=TEAM)
    again = await call(mcp, "reply_in_chat_thread", text="standup 2", thread="daily-standup", space=TEAM)
    assert keyed.structured_content["thread"]["name"] == again.structured_content["thread"]["name"]
    missing = f"{TEAM}/threads/gone"
    assert f"thread '{missing}' in space '{TEAM}' does not exist" in await error(
        mcp, "reply_in_chat_thread", text="x", thread=missing
    )
    fallback = await call(mcp, "reply_in_chat_thread", text="x", thread=missing, if_thread_missing="new_thread")
    assert fallback.structured_content["thread"]["name"] != missing
    assert "space: required with a thread key" in await error(mcp, "reply_in_chat_thread", text="x", thread="k")
    assert "is not the space of thread" in await error(
        mcp, "reply_in_chat_thread", text="x", thread=thread, space="spaces/AAAAdm"
    )
    assert "only supported in named spaces" in await error(
        mcp, "reply_in_chat_thread", text="x", thread="key", space="spaces/AAAAdm"
    )
    reacted = await text(mcp, "add_chat_reaction", message=sent["name"], emoji="👍")
    assert reacted == f"Reacted 👍 to {sent['name']}."
    await call(mcp, "add_chat_reaction", message=sent["name"], emoji="1️⃣")
    shown = await text(mcp, "get_chat_message", message=sent["name"])
    assert "👍1" in shown and shown.endswith("\n   Ship it 🚀\n   second line")
    assert "already reacted with this emoji" in await error(mcp, "add_chat_reaction", message=sent["name"], emoji="👍")


async def test_edit_read_back_and_delete_own_messages(mcp, google_api):
    sent = (await call(mcp, "send_chat_message", space=TEAM, text="draft")).structured_content
    name = sent["name"]
    edited = await call(mcp, "update_chat_message", message=name, text="final ✅\nsecond line")
    patched = google_api.calls("chat.spaces.messages.patch")[-1]
    assert patched.query == {"updateMask": ["text"], "alt": ["json"]} and patched.json() == {
        "text": "final ✅\nsecond line"
    }
    assert (
        edited.content[0].text.startswith(f"Edited {name}:\n")
        and edited.structured_content["text"] == "final ✅\nsecond line"
    )
    assert (await text(mcp, "get_chat_message", message=name)).endswith("\n   final ✅\n   second line")
    reply = (await call(mcp, "reply_in_chat_thread", text="agreed", thread=sent["thread"]["name"])).structured_content
    kept = await error(mcp, "delete_chat_message", message=name)
    assert kept == f"message: {name} has replies in its thread; with_replies=true deletes them too"
    assert "final ✅" in await text(mcp, "get_chat_message", message=name)
    assert await text(mcp, "delete_chat_message", message=name, with_replies=True) == f"Deleted {name} and its replies."
    assert google_api.calls("chat.spaces.messages.delete")[-1].query["force"] == ["true"]
    for gone in (name, reply["name"]):
        assert f"Not found: message '{gone}' does not exist" in await error(mcp, "get_chat_message", message=gone)
    listed = await call(mcp, "list_chat_messages", space=TEAM, page_size=100)
    assert not {name, reply["name"]} & {m["name"] for m in listed.structured_content["messages"]}
    assert f"message '{name}' does not exist" in await error(mcp, "delete_chat_message", message=name)
    assert f"message '{name}' does not exist" in await error(mcp, "update_chat_message", message=name, text="x")
    single = (await call(mcp, "send_chat_message", space="spaces/AAAAdm", text="oops")).structured_content["name"]
    assert await text(mcp, "delete_chat_message", message=single) == f"Deleted {single}."
    assert "force" not in google_api.calls("chat.spaces.messages.delete")[-1].query
    assert single not in google_api.state["chat_messages"]


async def test_someone_elses_message_cannot_be_edited_or_deleted(mcp, google_api):
    theirs = f"{TEAM}/messages/m001.m001"
    before = dict(google_api.state["chat_messages"][theirs])
    assert before["sender"]["name"] != "users/100"
    edit = await error(mcp, "update_chat_message", message=theirs, text="mine now")
    assert edit == (
        f"Permission denied on message '{theirs}': The caller does not have permission to update this message. "
        "(Chat lets you edit or delete only messages you sent)"
    )
    delete = await error(mcp, "delete_chat_message", message=theirs, with_replies=True)
    assert delete.startswith(f"Permission denied on message '{theirs}'") and "only messages you sent" in delete
    assert google_api.state["chat_messages"][theirs] == before


@pytest.mark.parametrize(
    "message",
    ["spaces/AAAAteam", "spaces/AAAAteam/messages/", "spaces/AAAAteam/messages/a/b", "m001", "", "spaces/../x"],
)
async def test_edit_and_delete_refuse_malformed_message_names_before_sending(mcp, google_api, message):
    before = len(google_api.requests)
    expected = f"message: {message!r} is not a message name (spaces/<id>/messages/<id>)"
    assert expected in await error(mcp, "update_chat_message", message=message, text="x")
    assert expected in await error(mcp, "delete_chat_message", message=message)
    assert len(google_api.requests) == before


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"text": ""}, "text: must not be empty"),
        ({"text": " \n "}, "text: must not be empty"),
        ({"text": "é" * 4097}, "text: 4097 characters; a Chat message holds at most 4096: split it"),
    ],
)
async def test_message_text_is_checked_before_sending(mcp, google_api, arguments, message):
    before = len(google_api.calls("chat.spaces.messages.create")), len(google_api.calls("chat.spaces.messages.patch"))
    assert message in await error(mcp, "send_chat_message", space=TEAM, **arguments)
    assert message in await error(mcp, "reply_in_chat_thread", thread=f"{TEAM}/threads/t000", **arguments)
    assert message in await error(mcp, "update_chat_message", message="spaces/AAAAdm/messages/d001.d001", **arguments)
    after = len(google_api.calls("chat.spaces.messages.create")), len(google_api.calls("chat.spaces.messages.patch"))
    assert after == before


async def test_longest_message_is_sent_whole(mcp, google_api):
    body = "🙂" * 4096
    sent = (await call(mcp, "send_chat_message", space=TEAM, text=body)).structured_content
    assert google_api.state["chat_messages"][sent["name"]]["text"] == body


@pytest.mark.parametrize(
    "emoji, message",
    [
        (":thumbsup:", "give the emoji itself (e.g. 👍), not the shortcode ':thumbsup:'"),
        ("ok", "'ok' is not one Unicode emoji"),
        ("", "'' is not one Unicode emoji"),
        ("👍 👍", "is not one Unicode emoji"),
        ("é", "'é' is not one Unicode emoji"),
    ],
)
async def test_bad_emoji_is_refused(mcp, google_api, emoji, message):
    before = len(google_api.calls("chat.spaces.messages.reactions.create"))
    assert message in await error(mcp, "add_chat_reaction", message=f"{TEAM}/messages/m000.m000", emoji=emoji)
    assert len(google_api.calls("chat.spaces.messages.reactions.create")) == before


async def test_read_only_scopes_and_google_failures(mcp, google_api):
    granted = google_api.tokens[ACCESS_TOKEN]
    auth = "https://www.googleapis.com/auth/"
    google_api.tokens[ACCESS_TOKEN] = {auth + "chat.spaces.readonly", auth + "chat.messages.readonly"}
    try:
        assert "Team" in await text(mcp, "list_chat_spaces")
        assert "Budget" in await text(mcp, "search_chat_messages", query="budget")
        sending = await error(mcp, "send_chat_message", space=TEAM, text="hi")
        reacting = await error(mcp, "add_chat_reaction", message=f"{TEAM}/messages/m000.m000", emoji="👍")
        own = "spaces/AAAAdm/messages/d001.d001"
        editing = await error(mcp, "update_chat_message", message=own, text="changed")
        deleting = await error(mcp, "delete_chat_message", message=own)
    finally:
        google_api.tokens[ACCESS_TOKEN] = granted
    for method, refusal in (("patch", editing), ("delete", deleting)):
        assert refusal == (
            f"Missing OAuth scope: chat.spaces.messages.{method} needs the {auth}chat.messages scope; "
            "sign in again and grant it."
        )
    assert google_api.state["chat_messages"][own]["text"] == "see the budget doc"
    assert sending == (
        f"Missing OAuth scope: chat.spaces.messages.create needs the {auth}chat.messages.create scope; "
        "sign in again and grant it."
    )
    assert f"{auth}chat.messages.reactions.create scope" in reacting
    app = "Google Chat app not found. To create a Chat app, you must turn on the Chat API and configure the app."
    google_api.fail("chat.spaces.list", 404, message=app)
    assert "project has no Chat app configured; an administrator must configure one" in await error(
        mcp, "list_chat_spaces"
    )
    google_api.fail("chat.spaces.messages.list", 403, message="The caller does not have permission")
    assert f"Permission denied on space '{TEAM}'" in await error(mcp, "list_chat_messages", space=TEAM)
    before = len(google_api.calls("chat.spaces.messages.create"))
    google_api.fail("chat.spaces.messages.create", 500)
    try:
        message = await error(mcp, "send_chat_message", space=TEAM, text="once")
    finally:
        google_api.failures.clear()
    # A 500 may come after Google posted the message: never sent twice, the user is told to check.
    assert "may or may not have been applied, so it was not sent again" in message
    assert len(google_api.calls("chat.spaces.messages.create")) == before + 1


def test_standin_refuses_what_google_refuses(google_api):
    path = "v1/spaces/AAAAteam/messages"
    refused(google_api, send(google_api, "POST", path, {"text": "x", "thread": {"threadKey": "k"}}), "reply is lost")
    cards = {"text": "x", "cardsV2": [{"cardId": "c"}]}
    refused(google_api, send(google_api, "POST", path, cards), "user-authenticated messages carry text only")
    status, body = send(google_api, "POST", path, {"text": "x" * 4097})
    assert status == 400 and "at most 4096" in body["error"]["message"]
    status, body = send(google_api, "GET", "v1/spaces/AA%20AA/messages")
    assert status == 400 and "Invalid space name" in body["error"]["message"]
    status, body = send(google_api, "GET", path, filter="text : budget")
    assert status == 400 and "Invalid filter" in body["error"]["message"]
    status, body = send(google_api, "POST", "v1/spaces/AAAAteam/messages:search", {"filter": "budget OR lunch"})
    assert status == 400 and "parent must be spaces/-" in body["error"]["message"]
    status, body = send(google_api, "POST", "v1/spaces/-/messages:search", {"filter": "budget OR lunch"})
    assert status == 400 and "Invalid search query" in body["error"]["message"]
    react = "v1/spaces/AAAAteam/messages/m000.m000/reactions"
    status, body = send(google_api, "POST", react, {"emoji": {"unicode": "thumbsup"}})
    assert status == 400 and "is not an emoji" in body["error"]["message"]


async def test_read_only_mode_lists_neither_edit_nor_delete_nor_asks_for_their_scope():
    chat = ("chat",)
    read_only = {tool.name for tool in await listed(ToolSelection(read_only=True, services=chat))}
    assert "get_chat_message" in read_only and not {"update_chat_message", "delete_chat_message"} & read_only
    assert f"{AUTH}chat.messages" not in ToolSelection(read_only=True, services=chat).scopes()
    extended = {tool.name: tool for tool in await listed(ToolSelection(tier="extended", services=chat))}
    assert "delete_chat_message" not in extended and extended["update_chat_message"].annotations.destructive_hint
    assert f"{AUTH}chat.messages" in ToolSelection(tier="extended", services=chat).scopes()


def test_standin_edits_and_deletes_only_as_google_allows(google_api):
    own, path = "spaces/AAAAdm/messages/d001.d001", "v1/spaces/AAAAdm/messages/d001.d001"
    status, body = send(google_api, "PATCH", path, {"text": "x"})
    assert status == 400 and "updateMask is required" in body["error"]["message"]
    for mask, words in (("cards_v2", "requires app authentication"), ("sender", "'sender' is not a field")):
        status, body = send(google_api, "PATCH", path, {"text": "x"}, updateMask=mask)
        assert status == 400 and words in body["error"]["message"]
    refused(google_api, send(google_api, "PATCH", path, {"text": "x"}, updateMask="*"), "clears every field")
    refused(google_api, send(google_api, "PATCH", path, {"text": "x"}, updateMask="attachment"), "not in updateMask")
    status, body = send(google_api, "PATCH", path, {"text": " "}, updateMask="text")
    assert status == 400 and "must not be empty" in body["error"]["message"]
    theirs = "v1/spaces/AAAAteam/messages/m000.m000"
    status, body = send(google_api, "PATCH", theirs, {"text": "x"}, updateMask="text")
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"
    status, body = send(google_api, "DELETE", theirs)
    assert status == 403 and body["error"]["status"] == "PERMISSION_DENIED"
    missing = "v1/spaces/AAAAteam/messages/zz.zz"
    assert send(google_api, "PATCH", missing, {"text": "x"}, updateMask="text")[0] == 404
    assert send(google_api, "DELETE", missing)[0] == 404
    assert google_api.state["chat_messages"][own]["text"] == "see the budget doc"
