"""Gmail tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import email
import email.policy
import json
import re
from email.message import EmailMessage

import pytest

from tests.fakes.google import add_message, mime_message
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
    result = await call(
        mcp,
        "send_gmail_message",
        to="Bob <bob@example.com>, carol@example.org",
        subject="Hi",
        body="<p>Hello <b>there</b></p>",
        cc="dave@example.com",
        bcc="eve@example.com",
        html=True,
    )
    sent = sent_message(google_api, result.structured_content["id"])
    assert sent["To"] == "Bob <bob@example.com>, carol@example.org" and sent["Cc"] == "dave@example.com"
    assert sent["Bcc"] == "eve@example.com"
    assert sent.get_body(("plain",)).get_content().strip() == "Hello there"
    assert "<b>there</b>" in sent.get_body(("html",)).get_content()


async def test_reply_threads_with_headers(mcp, google_api):
    result = await call(
        mcp, "send_gmail_message", to="ann@example.com", subject="", body="Thanks", reply_to_message_id="m100"
    )
    assert result.structured_content["threadId"] == "t001"
    sent = sent_message(google_api, result.structured_content["id"])
    assert sent["In-Reply-To"] == "<m100@example.com>" and sent["References"] == "<m100@example.com>"
    assert sent["Subject"] == "Re: Report 1"  # already a reply: no second "Re:"


@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
async def test_send_rejects_malformed_addresses(mcp, google_api, field):
    arguments = {"to": "ok@example.com", "subject": "s", "body": "b", field: "not-an-address"}
    before = len(google_api.calls("gmail.users.messages.send"))
    assert f"{field}: 'not-an-address' is not a valid email address" in await error(
        mcp, "send_gmail_message", **arguments
    )
    assert len(google_api.calls("gmail.users.messages.send")) == before


async def test_labels_list_create_modify(mcp, google_api):
    labels = (await call(mcp, "list_gmail_labels")).structured_content["labels"]
    assert {"id": "Label_1", "name": "Receipts", "type": "user"} in labels
    created = (await call(mcp, "create_gmail_label", name="Projects/Alpha")).structured_content
    await call(
        mcp,
        "modify_gmail_labels",
        message_ids=["m007"],
        add_labels=["projects/alpha", "STARRED"],
        remove_labels=["UNREAD"],
    )
    assert google_api.state["messages"]["m007"]["labelIds"] == ["INBOX", created["id"], "STARRED"]
    assert "Unknown label 'Nope'" in await error(mcp, "modify_gmail_labels", message_ids=["m007"], add_labels=["Nope"])
    assert "Unknown label 'Gone'" in await error(
        mcp, "modify_gmail_labels", message_ids=["m007"], remove_labels=["Gone"]
    )
    assert "Google API error 409" in await error(mcp, "create_gmail_label", name="Receipts")


async def test_drafts_create_list_update_send(mcp, google_api):
    draft = (
        await call(mcp, "create_gmail_draft", to="bob@example.com", subject="Draft 1", body="v1")
    ).structured_content
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
    assert not {d["id"] for d in first.structured_content["drafts"]} & {
        d["id"] for d in second.structured_content["drafts"]
    }


async def test_filters_create_list_delete(mcp, google_api):
    created = (
        await call(
            mcp,
            "create_gmail_filter",
            from_address="news@example.com",
            add_labels=["Receipts"],
            remove_labels=["INBOX"],
            forward_to="Archive <archive@example.com>",
        )
    ).structured_content
    stored = google_api.state["filters"][created["id"]]
    assert stored["criteria"] == {"from": "news@example.com"}
    assert stored["action"] == {
        "addLabelIds": ["Label_1"],
        "removeLabelIds": ["INBOX"],
        "forward": "archive@example.com",
    }
    assert "forward_to: 'nope' is not a valid" in await error(
        mcp, "create_gmail_filter", subject="x", forward_to="nope"
    )
    assert created["id"] in await text(mcp, "list_gmail_filters")
    await call(mcp, "delete_gmail_filter", filter_id=created["id"])
    assert f"filter '{created['id']}'" in await error(mcp, "delete_gmail_filter", filter_id=created["id"])
    assert "at least one criterion" in await error(mcp, "create_gmail_filter", add_labels=["Receipts"])
    assert "Unknown label 'Ghost'" in await error(mcp, "create_gmail_filter", subject="x", add_labels=["Ghost"])


# -- what is sent must be right by the RFCs, judged on the raw bytes (the stand-in checks them too) ----------------
LONG_ID = "<DM6PR12MB4321A1B2C3D4E5F60718293A4B5C6D7E8F9012345@DM6PR12MB4321.namprd12.prod.outlook.com>"


def raw_of(google_api, message_id: str) -> bytes:
    return google_api.state["messages"][message_id]["raw"]


def unfolded(raw: bytes, name: str) -> str:
    """A header's value from the raw bytes with only the folding CRLFs removed."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    found = re.search(rf"(?im)^{name}:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head)
    return found[1].replace("\r\n", "") if found else ""


@pytest.fixture(scope="module")
def exchange_message(google_api):
    add_message(
        google_api,
        "m-exchange",
        "t-exchange",
        mime_message(sender="Exchange <ex@example.com>", subject="Budget", body="See attached.", message_id=LONG_ID),
        ["INBOX"],
    )
    return "m-exchange"


@pytest.mark.parametrize("tool", ["send_gmail_message", "create_gmail_draft"])
async def test_reply_to_a_long_message_id_keeps_it_one_token(mcp, google_api, exchange_message, tool):
    result = await call(mcp, tool, to="ex@example.com", subject="", body="Thanks", reply_to_message_id=exchange_message)
    if tool == "send_gmail_message":
        message_id = result.structured_content["id"]
    else:
        message_id = google_api.state["drafts"][result.structured_content["id"]]["message"]["id"]
    raw = raw_of(google_api, message_id)
    assert unfolded(raw, "In-Reply-To").strip() == LONG_ID
    assert unfolded(raw, "References").split() == [LONG_ID]
    assert b"=?" not in raw.split(b"\r\n\r\n", 1)[0].split(b"In-Reply-To:", 1)[1]
    assert google_api.state["messages"][message_id]["threadId"] == "t-exchange"


async def test_display_names_in_any_script_and_encoded_subject(mcp, google_api):
    to = '"Lee, Ann" <ann@example.com>, Jürgen Müller <j@example.de>, 王小明 <wang@example.cn>, Ω <o@bücher.de>'
    subject = "Grüße — 你好 — " + "long words " * 12
    sent = await call(mcp, "send_gmail_message", to=to, subject=subject, body="Hallo ✓\n" + "ä" * 2000)
    raw = raw_of(google_api, sent.structured_content["id"])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        ("Lee, Ann", "ann@example.com"),
        ("Jürgen Müller", "j@example.de"),
        ("王小明", "wang@example.cn"),
        ("Ω", "o@xn--bcher-kva.de"),
    ]
    assert parsed["Subject"] == subject
    assert parsed.get_content().replace("\r\n", "\n") == "Hallo ✓\n" + "ä" * 2000 + "\n"
    assert all(len(line) <= 78 for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"))


async def test_non_ascii_local_part_is_refused_clearly(mcp, google_api):
    before = len(google_api.calls("gmail.users.messages.send"))
    message = await error(mcp, "send_gmail_message", to="jürgen@example.com", subject="s", body="b")
    assert "to: 'jürgen@example.com' has a non-ASCII local part" in message and "SMTPUTF8" in message
    assert len(google_api.calls("gmail.users.messages.send")) == before


@pytest.mark.parametrize(
    "arguments, field",
    [
        ({"subject": "Hi\r\nBcc: evil@example.com"}, "subject"),
        ({"subject": "Hi\nX-Injected: 1"}, "subject"),
        ({"to": "ann@example.com\r\nBcc: evil@example.com"}, "to"),
        ({"cc": "Ann\n <ann@example.com>"}, "cc"),
    ],
)
async def test_line_breaks_in_headers_are_a_specific_error_logged_as_a_warning(
    mcp, google_api, server, arguments, field
):
    before = len(google_api.calls("gmail.users.messages.send"))
    log_start = len(server.log_text())
    message = await error(
        mcp, "send_gmail_message", **{"to": "ann@example.com", "subject": "s", "body": "b", **arguments}
    )
    assert message.startswith(f"{field}: must not contain line breaks (CR or LF)")
    assert len(google_api.calls("gmail.users.messages.send")) == before
    lines = [json.loads(line) for line in server.log_text()[log_start:].splitlines() if line.startswith("{")]
    failures = [line for line in lines if "send_gmail_message" in line["message"] and line["level"] != "INFO"]
    assert failures and all(line["level"] == "WARNING" and "error" not in line for line in failures), failures
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL")]


async def test_google_4xx_is_logged_as_a_warning_without_traceback(mcp, server):
    log_start = len(server.log_text())
    await error(mcp, "get_gmail_message", message_id="missing-for-log")
    lines = [json.loads(line) for line in server.log_text()[log_start:].splitlines() if line.startswith("{")]
    failures = [line for line in lines if "get_gmail_message" in line["message"] and line["level"] != "INFO"]
    assert failures and all(line["level"] == "WARNING" and "error" not in line for line in failures), failures


async def test_body_in_its_own_charset(mcp, google_api):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "Köln <k@example.de>", "me@example.com", "Grüße"
    message.set_content("Grüße aus Köln", charset="iso-8859-1")
    add_message(google_api, "m-latin1", "t-latin1", message.as_bytes(), ["INBOX"])
    body = await text(mcp, "get_gmail_message", message_id="m-latin1")
    assert "Grüße aus Köln" in body and "\ufffd" not in body


async def test_html_links_keep_their_url(mcp, google_api):
    html_body = (
        '<p>Read <a href="https://example.com/q1?a=1&amp;b=2">the report</a> or '
        '<a href="mailto:x@example.com">x@example.com</a>.</p>'
    )
    sent = await call(mcp, "send_gmail_message", to="ann@example.com", subject="Links", body=html_body, html=True)
    parsed = email.message_from_bytes(raw_of(google_api, sent.structured_content["id"]), policy=email.policy.default)
    plain = parsed.get_body(("plain",)).get_content()
    assert "the report (https://example.com/q1?a=1&b=2)" in plain and "x@example.com." in plain
    add_message(
        google_api,
        "m-links",
        "t-links",
        mime_message(sender="a@example.com", subject="html only", body=html_body, html=True, message_id="<l@x.com>"),
        [],
    )
    assert "the report (https://example.com/q1?a=1&b=2)" in await text(mcp, "get_gmail_message", message_id="m-links")


async def test_updating_a_reply_draft_keeps_its_thread(mcp, google_api):
    draft = (
        await call(mcp, "create_gmail_draft", to="ann@example.com", subject="", body="v1", reply_to_message_id="m100")
    ).structured_content
    await call(mcp, "update_gmail_draft", draft_id=draft["id"], to="ann@example.com", subject="Re: Report 1", body="v2")
    stored = google_api.state["drafts"][draft["id"]]["message"]
    assert stored["threadId"] == "t001"
    assert unfolded(stored["raw"], "In-Reply-To").strip() == "<m100@example.com>"
    assert unfolded(stored["raw"], "References").split() == ["<m100@example.com>"]


async def test_filter_forward_takes_the_bare_address(mcp, google_api):
    created = await call(mcp, "create_gmail_filter", subject="fw", forward_to="Archiv Müller <archiv@example.com>")
    assert google_api.state["filters"][created.structured_content["id"]]["action"]["forward"] == "archiv@example.com"
