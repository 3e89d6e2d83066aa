"""Gmail tools through a real server over streamable HTTP against the Google API stand-in."""
from __future__ import annotations

import email
import email.policy

import pytest

from tests.server.tools.conftest import ACCESS_TOKEN, call, error, text

pytestmark = pytest.mark.anyio


def sent_message(google_api, message_id: str) -> email.message.EmailMessage:
    return email.message_from_bytes(google_api.state["messages"][message_id]["raw"], policy=email.policy.default)


async def test_search_pages_and_summarizes(mcp, google_api):
    first = await call(mcp, "search_gmail_messages", query="subject:Report", page_size=5)
    ids = [m["id"] for m in first.structured_content["messages"]]
    assert ids == ["m001", "m002", "m003", "m004", "m005"]
    assert "Subject: Report 1" in first.content[0].text and "From: Sender 1" in first.content[0].text
    token = first.structured_content["nextPageToken"]
    assert f"page_token={token}" in first.content[0].text
    second = await call(mcp, "search_gmail_messages", query="subject:Report", page_size=5, page_token=token)
    assert [m["id"] for m in second.structured_content["messages"]][0] == "m006"
    listed = google_api.calls("gmail.users.messages.list")[-1]
    assert listed.query["q"] == ["subject:Report"] and listed.query["pageToken"] == [token]
    gmail = [r for r in google_api.requests if r.method_id and r.method_id.startswith("gmail.")]
    assert {r.token for r in gmail} == {ACCESS_TOKEN}  # the seeded single-user credential


async def test_search_without_results(mcp):
    assert "No messages match" in await text(mcp, "search_gmail_messages", query="from:nobody@nowhere.example")


async def test_get_message_html_body_and_attachments(mcp):
    result = await call(mcp, "get_gmail_message", message_id="m100")
    body = result.content[0].text
    assert "From: Ann <ann@example.com>" in body and "Looks good" in body and "<b>" not in body
    attachment = result.structured_content["attachments"][0]
    assert attachment["filename"] == "notes.txt" and attachment["attachmentId"]
    content = await text(mcp, "get_gmail_attachment", message_id="m100", attachment_id=attachment["attachmentId"])
    assert "attached notes" in content


async def test_get_unknown_message_names_the_id(mcp):
    assert "message 'nope-123'" in await error(mcp, "get_gmail_message", message_id="nope-123")


async def test_get_unknown_attachment(mcp):
    assert "attachment 'zzz'" in await error(mcp, "get_gmail_attachment", message_id="m100", attachment_id="zzz")


async def test_get_several_messages_and_thread(mcp):
    many = await call(mcp, "get_gmail_messages", message_ids=["m002", "m003"])
    assert [m["id"] for m in many.structured_content["messages"]] == ["m002", "m003"]
    assert "part 3" in many.content[0].text
    assert "between 1 and 25" in await error(mcp, "get_gmail_messages", message_ids=[])
    thread = await call(mcp, "get_gmail_thread", thread_id="t001")
    assert [m["id"] for m in thread.structured_content["messages"]][:2] == ["m001", "m100"]
    assert "thread 'nothread'" in await error(mcp, "get_gmail_thread", thread_id="nothread")


async def test_send_plain_and_html(mcp, google_api):
    result = await call(mcp, "send_gmail_message", to="Bob <bob@example.com>, carol@example.org", subject="Hi",
                        body="<p>Hello <b>there</b></p>", cc="dave@example.com", bcc="eve@example.com", html=True)
    sent = sent_message(google_api, result.structured_content["id"])
    assert sent["To"] == "Bob <bob@example.com>, carol@example.org" and sent["Cc"] == "dave@example.com"
    assert sent["Bcc"] == "eve@example.com"
    assert sent.get_body(("plain",)).get_content().strip() == "Hello there"
    assert "<b>there</b>" in sent.get_body(("html",)).get_content()


async def test_reply_threads_with_headers(mcp, google_api):
    result = await call(mcp, "send_gmail_message", to="ann@example.com", subject="", body="Thanks",
                        reply_to_message_id="m100")
    assert result.structured_content["threadId"] == "t001"
    sent = sent_message(google_api, result.structured_content["id"])
    assert sent["In-Reply-To"] == "<m100@example.com>" and sent["References"] == "<m100@example.com>"
    assert sent["Subject"] == "Re: Report 1"  # already a reply: no second "Re:"


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
async def test_send_rejects_malformed_addresses(mcp, google_api, field):
    arguments = {"to": "ok@example.com", "subject": "s", "body": "b", field: "not-an-address"}
    before = len(google_api.calls("gmail.users.messages.send"))
    assert f"{field}: 'not-an-address' is not a valid email address" in await error(mcp, "send_gmail_message", **arguments)
    assert len(google_api.calls("gmail.users.messages.send")) == before


async def test_labels_list_create_modify(mcp, google_api):
    labels = (await call(mcp, "list_gmail_labels")).structured_content["labels"]
    assert {"id": "Label_1", "name": "Receipts", "type": "user"} in labels
    created = (await call(mcp, "create_gmail_label", name="Projects/Alpha")).structured_content
    await call(mcp, "modify_gmail_labels", message_ids=["m007"], add_labels=["projects/alpha", "STARRED"],
               remove_labels=["UNREAD"])
    assert google_api.state["messages"]["m007"]["labelIds"] == ["INBOX", created["id"], "STARRED"]
    assert "Unknown label 'Nope'" in await error(mcp, "modify_gmail_labels", message_ids=["m007"], add_labels=["Nope"])
    assert "Unknown label 'Gone'" in await error(mcp, "modify_gmail_labels", message_ids=["m007"], remove_labels=["Gone"])
    assert "Google API error 409" in await error(mcp, "create_gmail_label", name="Receipts")


async def test_drafts_create_list_update_send(mcp, google_api):
    draft = (await call(mcp, "create_gmail_draft", to="bob@example.com", subject="Draft 1", body="v1")).structured_content
    listing = await call(mcp, "list_gmail_drafts")
    assert {"id": draft["id"], "to": "bob@example.com", "subject": "Draft 1"} in listing.structured_content["drafts"]
    await call(mcp, "update_gmail_draft", draft_id=draft["id"], to="carol@example.com", subject="Draft 2", body="v2")
    message_id = google_api.state["drafts"][draft["id"]]["message"]["id"]
    assert sent_message(google_api, message_id)["Subject"] == "Draft 2"
    sent = (await call(mcp, "send_gmail_draft", draft_id=draft["id"])).structured_content
    assert google_api.state["messages"][sent["id"]]["labelIds"] == ["SENT"]
    assert f"draft '{draft['id']}'" in await error(mcp, "send_gmail_draft", draft_id=draft["id"])
    assert "to: 'x@' is not a valid" in await error(mcp, "create_gmail_draft", to="x@", subject="s", body="b")


async def test_draft_paging(mcp):
    for index in range(3):
        await call(mcp, "create_gmail_draft", to="pager@example.com", subject=f"page {index}", body="b")
    first = await call(mcp, "list_gmail_drafts", page_size=2)
    token = first.structured_content["nextPageToken"]
    second = await call(mcp, "list_gmail_drafts", page_size=2, page_token=token)
    assert not {d["id"] for d in first.structured_content["drafts"]} & {d["id"] for d in second.structured_content["drafts"]}


async def test_filters_create_list_delete(mcp, google_api):
    created = (await call(mcp, "create_gmail_filter", from_address="news@example.com", add_labels=["Receipts"],
                          remove_labels=["INBOX"], forward_to="Archive <archive@example.com>")).structured_content
    stored = google_api.state["filters"][created["id"]]
    assert stored["criteria"] == {"from": "news@example.com"}
    assert stored["action"] == {"addLabelIds": ["Label_1"], "removeLabelIds": ["INBOX"], "forward": "archive@example.com"}
    assert "forward_to: 'nope' is not a valid" in await error(mcp, "create_gmail_filter", subject="x", forward_to="nope")
    assert created["id"] in await text(mcp, "list_gmail_filters")
    await call(mcp, "delete_gmail_filter", filter_id=created["id"])
    assert f"filter '{created['id']}'" in await error(mcp, "delete_gmail_filter", filter_id=created["id"])
    assert "at least one criterion" in await error(mcp, "create_gmail_filter", add_labels=["Receipts"])
    assert "Unknown label 'Ghost'" in await error(mcp, "create_gmail_filter", subject="x", add_labels=["Ghost"])
