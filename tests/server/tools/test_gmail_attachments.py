"""Gmail attachments through a real server against the stand-in: sent and drafted messages judged on their
raw bytes by Python's email parser with policy.strict, large messages through the /upload endpoint, and
attachments read back as embedded resources, byte-exact."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os

import httplib2
import pytest

from tests.fakes.google.gmail import add_message
from tests.server.tools.conftest import ACCESS_TOKEN, call, error
from workspace_mcp_server.google.errors import UserError
from workspace_mcp_server.tools.gmail import Attachment, attachment_parts

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def restored(google_api):
    """The mailbox as seeded after each test (the stand-in is shared with every other tool test)."""
    saved = {key: dict(google_api.state[key]) for key in ("messages", "drafts", "attachments")}
    yield
    google_api.state.update(saved)


PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
UNICODE_NAME = "Überblick – résumé 2025 (final, really the final version).pdf"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def stored(google_api, message_id: str) -> email.message.EmailMessage:
    """The message as Gmail stored it, parsed strictly from its bytes."""
    return email.message_from_bytes(google_api.state["messages"][message_id]["raw"], policy=email.policy.strict)


def files_of(message) -> dict[str, tuple[str, bytes]]:
    return {part.get_filename(): (part.get_content_type(), part.get_content()) for part in message.iter_attachments()}


async def test_send_with_attachments_then_read_them_back(mcp, google_api):
    sent = await call(
        mcp,
        "send_gmail_message",
        to="Ann <ann@example.com>",
        subject="Files",
        body="Two files attached.",
        attachments=[
            {"filename": UNICODE_NAME, "content_base64": b64(PDF)},  # type guessed from the name
            {"filename": "data.csv", "content_base64": b64(b"a,b\r\n1,2\r\n"), "mime_type": "text/csv"},
        ],
    )
    message_id = sent.structured_content["id"]
    request = google_api.calls("gmail.users.messages.send")[-1]
    assert request.path == "/gmail/v1/users/me/messages/send" and "uploadType" not in request.query  # small: JSON
    parsed = stored(google_api, message_id)
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed.get_body(("plain",)).get_content().strip() == "Two files attached."
    assert files_of(parsed) == {UNICODE_NAME: ("application/pdf", PDF), "data.csv": ("text/csv", "a,b\r\n1,2\r\n")}
    raw = google_api.state["messages"][message_id]["raw"]
    assert b"filename*0*=utf-8''%C3%9Cberblick" in raw  # RFC 2231, not an encoded-word nor raw UTF-8

    listed = await call(mcp, "get_gmail_message", message_id=message_id)
    attachments = {a["filename"]: a for a in listed.structured_content["attachments"]}
    assert attachments[UNICODE_NAME]["size"] == len(PDF) and attachments[UNICODE_NAME]["mimeType"] == "application/pdf"
    assert f"Attachment: {UNICODE_NAME} (application/pdf, {len(PDF)} bytes)" in listed.content[0].text

    pdf = await call(
        mcp, "get_gmail_attachment", message_id=message_id, attachment_id=attachments[UNICODE_NAME]["attachmentId"]
    )
    resource = pdf.content[1].resource
    assert pdf.content[1].type == "resource" and resource.mime_type == "application/pdf"
    assert base64.b64decode(resource.blob) == PDF and len(pdf.content[0].text) < 200  # no base64 in the text
    csv = await call(
        mcp, "get_gmail_attachment", message_id=message_id, attachment_id=attachments["data.csv"]["attachmentId"]
    )
    assert csv.content[0].text.endswith("a,b\r\n1,2\r\n") and len(csv.content) == 1

    parts, offset = b"", 0
    while offset is not None:
        piece = await call(
            mcp,
            "get_gmail_attachment",
            message_id=message_id,
            attachment_id=attachments[UNICODE_NAME]["attachmentId"],
            offset=offset,
            max_bytes=4000,
        )
        parts += base64.b64decode(piece.content[1].resource.blob)
        offset = piece.structured_content["nextOffset"]
    assert parts == PDF
    beyond = await error(
        mcp,
        "get_gmail_attachment",
        message_id=message_id,
        attachment_id=attachments["data.csv"]["attachmentId"],
        offset=50,
    )
    assert "past the end" in beyond
    unknown = await error(mcp, "get_gmail_attachment", message_id=message_id, attachment_id="nope")
    assert "data.csv" in unknown  # the error lists what the message has


async def test_a_large_message_goes_through_the_upload_endpoint(mcp, google_api):
    data = os.urandom(3_000_000)  # base64url of the message passes 5 MB: too large for a JSON body
    sent = await call(
        mcp,
        "send_gmail_message",
        to="bo@example.org",
        subject="Big",
        body="See attached.",
        attachments=[{"filename": "big.bin", "content_base64": b64(data)}],
    )
    request = google_api.calls("gmail.users.messages.send")[-1]
    assert request.path == "/upload/gmail/v1/users/me/messages/send" and request.query["uploadType"] == ["multipart"]
    assert files_of(stored(google_api, sent.structured_content["id"])) == {
        "big.bin": ("application/octet-stream", data)
    }
    reply = await call(
        mcp,
        "create_gmail_draft",
        to="bo@example.org",
        subject="",
        body="Again, in the thread.",
        reply_to_message_id="m100",
        attachments=[{"filename": "big.bin", "content_base64": b64(data)}],
    )
    request = google_api.calls("gmail.users.drafts.create")[-1]
    assert request.path == "/upload/gmail/v1/users/me/drafts" and request.query["uploadType"] == ["multipart"]
    draft = google_api.state["drafts"][reply.structured_content["id"]]["message"]
    assert draft["threadId"] == "t001"
    parsed = stored(google_api, draft["id"])
    assert parsed["In-Reply-To"] == "<m100@example.com>" and files_of(parsed)["big.bin"][1] == data


async def test_drafts_carry_attachments_through_update_and_send(mcp, google_api):
    created = await call(
        mcp,
        "create_gmail_draft",
        to="ann@example.com",
        subject="Draft with file",
        body="v1",
        html=True,
        attachments=[{"filename": "a.txt", "content_base64": b64(b"first")}],
    )
    draft_id = created.structured_content["id"]
    first = stored(google_api, google_api.state["drafts"][draft_id]["message"]["id"])
    assert first.get_body(("html",)) is not None and files_of(first) == {"a.txt": ("text/plain", "first")}
    await call(
        mcp,
        "update_gmail_draft",
        draft_id=draft_id,
        to="ann@example.com",
        subject="Draft with file",
        body="v2",
        attachments=[
            {"filename": "b.png", "content_base64": b64(b"\x89PNG\r\n\x1a\n")},
            {"filename": 'q"1; final=yes.txt', "content_base64": b64(b"x")},  # quotes and ; in a parameter
        ],
    )
    updated = stored(google_api, google_api.state["drafts"][draft_id]["message"]["id"])
    assert files_of(updated) == {
        "b.png": ("image/png", b"\x89PNG\r\n\x1a\n"),
        'q"1; final=yes.txt': ("text/plain", "x"),
    }
    # an update that does not mention attachments keeps them, byte for byte; [] removes them
    await call(mcp, "update_gmail_draft", draft_id=draft_id, to="ann@example.com", subject="Draft", body="v3")
    kept = stored(google_api, google_api.state["drafts"][draft_id]["message"]["id"])
    assert files_of(kept) == files_of(updated) and kept.get_body(("plain",)).get_content().strip() == "v3"
    sent = await call(mcp, "send_gmail_draft", draft_id=draft_id)
    assert "b.png" in files_of(stored(google_api, sent.structured_content["id"]))
    again = await call(
        mcp,
        "create_gmail_draft",
        to="ann@example.com",
        subject="s",
        body="b",
        attachments=[{"filename": "c.bin", "content_base64": b64(b"\0\1")}],
    )
    draft_id = again.structured_content["id"]
    await call(
        mcp, "update_gmail_draft", draft_id=draft_id, to="ann@example.com", subject="s", body="b", attachments=[]
    )
    assert files_of(stored(google_api, google_api.state["drafts"][draft_id]["message"]["id"])) == {}


@pytest.mark.parametrize(
    "attachment, message",
    [
        ({"filename": "a\r\nBcc: x@evil.example", "content_base64": "YQ=="}, "no CR/LF"),
        ({"filename": "../../etc/passwd", "content_base64": "YQ=="}, "without folders"),
        ({"filename": "C:\\Users\\me\\a.pdf", "content_base64": "YQ=="}, "without folders"),
        ({"filename": "  ", "content_base64": "YQ=="}, "printable name"),
        ({"filename": "x" * 300, "content_base64": "YQ=="}, "at most 255 bytes"),
        ({"filename": "a.pdf", "content_base64": "not base64!"}, "attachments[0].content_base64: not base64"),
        ({"filename": "a.pdf", "content_base64": "YQ", "mime_type": "pdf"}, "expected type/subtype"),
        ({"filename": "a.pdf", "content_base64": "YQ", "mime_type": "text/plain\r\nX: y"}, "expected type/subtype"),
    ],
)
async def test_bad_attachments_are_refused_before_sending(mcp, google_api, attachment, message):
    before = len(google_api.requests)
    found = await error(
        mcp, "send_gmail_message", to="ann@example.com", subject="s", body="b", attachments=[attachment]
    )
    assert message in found
    assert len(google_api.requests) == before


def test_attachments_over_gmails_25_mb_are_refused():
    # Beyond one MCP request (4 MiB), so checked on the function the tools call.
    chunk = Attachment(filename="part.bin", content_base64=b64(b"\0" * (9 * 1024 * 1024)))
    assert len(attachment_parts([chunk, chunk])) == 2
    with pytest.raises(UserError, match="at most 25 MB of attachments"):
        attachment_parts([chunk, chunk, chunk])


def gmail_post(google_api, path: str, body: bytes, content_type: str) -> int:
    headers = {"Authorization": f"Bearer {ACCESS_TOKEN}", "Content-Type": content_type}
    response, _ = httplib2.Http().request(f"{google_api.root_url}{path}", "POST", body=body, headers=headers)
    return response.status


def with_attachment(disposition: str) -> bytes:
    return (
        b"From: me@example.com\r\nTo: ann@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n'
        b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        + disposition.encode()
        + b"\r\n\r\nYWJj\r\n--b--\r\n"
    )


def test_the_stand_in_judges_what_gmail_receives(google_api):
    send = "gmail/v1/users/me/messages/send"
    good = with_attachment("Content-Disposition: attachment; filename*=utf-8''%C3%9Cber.pdf")
    assert gmail_post(google_api, send, json.dumps({"raw": b64(good)}).encode(), "application/json") == 200
    assert google_api.violations == []
    encoded_word = with_attachment('Content-Disposition: attachment; filename="=?utf-8?b?w5xiZXIucGRm?="')
    assert gmail_post(google_api, send, json.dumps({"raw": b64(encoded_word)}).encode(), "application/json") == 400
    assert "RFC 2047" in google_api.violations[-1]
    path = with_attachment('Content-Disposition: attachment; filename="../x.pdf"')
    assert gmail_post(google_api, send, json.dumps({"raw": b64(path)}).encode(), "application/json") == 400
    assert "not a bare printable name" in google_api.violations[-1]
    huge = json.dumps({"raw": "A" * (5 * 1024 * 1024 + 4)}).encode()
    assert gmail_post(google_api, send, huge, "application/json") == 413
    assert gmail_post(google_api, "upload/" + send + "?uploadType=media", good, "message/rfc822") == 200
    assert gmail_post(google_api, "upload/" + send + "?uploadType=media", good, "text/plain") == 400
    assert len(google_api.violations) == 4
    google_api.violations.clear()


async def test_a_draft_attachment_that_cannot_be_rebuilt_is_not_dropped(mcp, google_api):
    from email.message import EmailMessage

    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content("the original")
    outer = EmailMessage()
    outer["To"], outer["Subject"] = "ann@example.com", "Fwd"
    outer.set_content("see below")
    outer.add_attachment(inner)  # message/rfc822
    message = add_message(google_api, "m-fwd", "t-fwd", outer.as_bytes(), ["DRAFT"])
    google_api.state["drafts"]["r-fwd"] = {"id": "r-fwd", "message": message}
    before = len(google_api.calls("gmail.users.drafts.update"))
    refused = await error(mcp, "update_gmail_draft", draft_id="r-fwd", to="ann@example.com", subject="Fwd", body="x")
    assert "message/rfc822 that cannot be kept" in refused
    assert len(google_api.calls("gmail.users.drafts.update")) == before and "m-fwd" in google_api.state["messages"]
