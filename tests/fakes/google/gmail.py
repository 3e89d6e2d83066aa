"""The stand-in's Gmail: messages (raw RFC 5322 bytes), threads, labels, drafts, filters, attachments."""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import re
from typing import Any

from .core import (
    BARE_ADDRESS,
    SEEDERS,
    ApiError,
    Ctx,
    GoogleApiFake,
    b64url,
    check_address,
    get_or_404,
    handles,
    not_found,
    page,
    pop_or_404,
)


def mime_message(
    sender: str,
    subject: str,
    body: str,
    message_id: str,
    html: bool = False,
    attachment: tuple[str, bytes] | None = None,
    to: str = "me@example.com",
) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"], message["Date"] = message_id, "Mon, 3 Mar 2025 09:00:00 +0000"
    message.set_content(body, subtype="html" if html else "plain")
    if attachment:
        message.add_attachment(attachment[1], maintype="text", subtype="plain", filename=attachment[0])
    return message.as_bytes()


def add_message(fake: GoogleApiFake, message_id: str, thread_id: str, raw: bytes, labels: list[str]) -> dict:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    message = {
        "id": message_id,
        "threadId": thread_id,
        "labelIds": list(labels),
        "raw": raw,
        "snippet": " ".join(str(parsed.get_body(("plain", "html")).get_content()).split())[:100]
        if parsed.get_body(("plain", "html"))
        else "",
    }
    fake.state["messages"][message_id] = message
    return message


def _payload(fake: GoogleApiFake, message: dict) -> dict:
    parsed = email.message_from_bytes(message["raw"], policy=email.policy.default)

    def part(node, part_id: str) -> dict:
        out = {
            "partId": part_id,
            "mimeType": node.get_content_type(),
            "filename": node.get_filename() or "",
            "headers": [{"name": k, "value": str(v)} for k, v in node.items()],
        }
        if node.is_multipart():
            out["body"] = {"size": 0}
            out["parts"] = [
                part(child, f"{part_id}.{i}" if part_id else str(i)) for i, child in enumerate(node.iter_parts())
            ]
            return out
        data = node.get_payload(decode=True) or b""
        if out["filename"]:
            attachment_id = f"att-{message['id']}-{part_id}"
            fake.state["attachments"][attachment_id] = data
            out["body"] = {"size": len(data), "attachmentId": attachment_id}
        else:
            out["body"] = {"size": len(data), "data": b64url(data)}
        return out

    return part(parsed, "")


def _message_format(fake: GoogleApiFake, message: dict, params: dict) -> dict:
    fmt = params.get("format", "full")
    out = {k: message[k] for k in ("id", "threadId", "labelIds", "snippet")}
    if fmt == "raw":
        out["raw"] = b64url(message["raw"])
    elif fmt in ("full", "metadata"):
        payload = _payload(fake, message)
        if fmt == "metadata":
            wanted = {h.lower() for h in params.get("metadataHeaders", [])}
            payload = {
                "mimeType": payload["mimeType"],
                "headers": [h for h in payload["headers"] if not wanted or h["name"].lower() in wanted],
            }
        out["payload"] = payload
    return out


def _matches(fake: GoogleApiFake, message: dict, query: str) -> bool:
    parsed = email.message_from_bytes(message["raw"], policy=email.policy.default)
    text = (str(parsed["Subject"]) + " " + message["snippet"]).lower()
    for term in re.findall(r'(?:\S+:)?"[^"]*"|\S+', query or ""):
        key, _, value = term.partition(":") if ":" in term else ("", "", term)
        value = value.strip('"').lower()
        if key == "from" and value not in str(parsed["From"]).lower():
            return False
        if key == "to" and value not in str(parsed["To"]).lower():
            return False
        if key == "subject" and value not in str(parsed["Subject"]).lower():
            return False
        if key in ("label", "in", "is"):
            names = {lid.lower() for lid in message["labelIds"]}
            names |= {
                fake.state["labels"][lid]["name"].lower() for lid in message["labelIds"] if lid in fake.state["labels"]
            }
            if value not in names:
                return False
        if not key and value not in text:
            return False
    return True


@handles("gmail.users.messages.list")
def _gmail_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    found = [
        m
        for m in fake.state["messages"].values()
        if "DRAFT" not in m["labelIds"] and _matches(fake, m, ctx.params.get("q", ""))
    ]
    chunk, token = page(found, ctx.params, "maxResults", 100)
    out: dict[str, Any] = {
        "messages": [{"id": m["id"], "threadId": m["threadId"]} for m in chunk],
        "resultSizeEstimate": len(found),
    }
    if token:
        out["nextPageToken"] = token
    return out


@handles("gmail.users.messages.get")
def _gmail_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    message = get_or_404(fake.state["messages"], ctx.params["id"], "message")
    return _message_format(fake, message, ctx.params)


@handles("gmail.users.messages.attachments.get")
def _gmail_attachment(fake: GoogleApiFake, ctx: Ctx) -> dict:
    message = get_or_404(fake.state["messages"], ctx.params["messageId"], "message")
    _payload(fake, message)  # registers the message's attachment ids
    data = get_or_404(fake.state["attachments"], ctx.params["id"], "attachment")
    return {"size": len(data), "data": b64url(data)}


@handles("gmail.users.threads.get")
def _gmail_thread(fake: GoogleApiFake, ctx: Ctx) -> dict:
    messages = [m for m in fake.state["messages"].values() if m["threadId"] == ctx.params["id"]]
    if not messages:
        raise not_found("thread", ctx.params["id"])
    return {"id": ctx.params["id"], "messages": [_message_format(fake, m, ctx.params) for m in messages]}


# RFC 5322 section 3.6.4, written out again here so the referee does not share the tools' code.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM_TEXT = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
MSG_ID_LIST = re.compile(rf"\s*(?:<{_DOT_ATOM_TEXT}@(?:{_DOT_ATOM_TEXT}|\[[\x21-\x5a\x5e-\x7e]*\])>\s*)+")
ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
ADDRESS_HEADERS = ("from", "to", "cc", "bcc", "reply-to", "sender")
MSG_ID_HEADERS = ("message-id", "in-reply-to", "references")


def raw_problems(raw: bytes) -> list[str]:
    """What is wrong with a message by the RFCs' rules, judged on its bytes (a Python round trip hides folding)."""
    problems = []
    lines = raw.split(b"\r\n")
    if any(b"\n" in line or b"\r" in line for line in lines):
        problems.append("line endings must be CRLF (RFC 5322 2.3): found a bare LF or CR")
    if any(len(line) > 998 for line in lines):
        problems.append("a line is longer than 998 octets (RFC 5322 2.1.1)")
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]  # read on past bad line endings for more findings
    if not head.isascii():
        problems.append("raw 8-bit bytes in the header section (needs SMTPUTF8; use RFC 2047 encoded-words)")
        return problems
    fields: list[tuple[str, str]] = []
    for line in head.decode("ascii").split("\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1] = (fields[-1][0], fields[-1][1] + line)  # unfold: only the CRLF goes
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name.strip().lower(), value))
        else:
            problems.append(f"header line without a field name: {line[:60]!r}")
    for name, value in fields:
        for word in ENCODED_WORD.findall(value):
            if len(word) > 75:
                problems.append(f"{name}: encoded-word longer than 75 characters (RFC 2047 2)")
        if name in MSG_ID_HEADERS and not MSG_ID_LIST.fullmatch(value):
            problems.append(
                f"{name}: {value.strip()[:120]!r} is not a list of msg-ids (RFC 5322 3.6.4; "
                "encoded-words are forbidden in a msg-id, RFC 2047 5)"
            )
        if name in ADDRESS_HEADERS:
            if re.search(r'"(?:[^"\\]|\\.)*=\?(?:[^"\\]|\\.)*"', value):
                problems.append(f"{name}: encoded-word inside a quoted-string (RFC 2047 5)")
            for _, address in email.utils.getaddresses([value]):
                if "=?" in address or not BARE_ADDRESS.fullmatch(address):
                    problems.append(
                        f"{name}: {address!r} is not a plain addr-spec (encoded-words are forbidden "
                        "in an addr-spec, RFC 2047 5)"
                    )
    try:
        parsed = email.message_from_bytes(raw, policy=email.policy.strict)
        for part in parsed.walk():
            if not part.is_multipart():
                part.get_content()  # text in its charset, other bytes in their transfer encoding, or it raises
                problems += _attachment_problems(part)
            declared_7bit = part.get("Content-Transfer-Encoding", "7bit").lower() == "7bit"
            if declared_7bit and not part.is_multipart() and not part.get_payload(decode=False).isascii():
                problems.append("8-bit content in a part declared 7bit")
    except Exception as exc:  # the strict policy raises on any defect
        problems.append(f"email.policy.strict refuses the message: {type(exc).__name__}: {exc}")
    return problems


# Stricter than Google documents: a message in a JSON body past ~5 MB is refused; larger ones go to /upload.
JSON_BODY_LIMIT = 5 * 1024 * 1024
UPLOAD_LIMIT = 36_700_160  # the discovery document's mediaUpload maxSize for send and drafts


def _attachment_problems(part: Any) -> list[str]:
    """A part's filename is a bare name sent as RFC 2231 says (RFC 2047 encoded-words are not allowed in
    parameters, RFC 2047 5)."""
    problems = []
    disposition = next((value for key, value in part.raw_items() if key.lower() == "content-disposition"), "")
    if "=?" in disposition:
        problems.append("Content-Disposition: an RFC 2047 encoded-word in a parameter (RFC 2047 5; use RFC 2231)")
    name = part.get_filename()
    if name is not None and (not name or "/" in name or "\\" in name or not name.isprintable()):
        problems.append(f"attachment filename {name!r} is not a bare printable name")
    return problems


def _raw(fake: GoogleApiFake, ctx: Ctx, body: dict) -> bytes:
    if ctx.media is not None:
        if not (ctx.media_type or "").startswith("message/"):
            raise fake.refuse(ctx.method_id, f"media must be message/rfc822 (got {ctx.media_type})")
        if body.get("raw"):
            raise fake.refuse(ctx.method_id, "both raw in the metadata and an uploaded message")
        if len(ctx.media) > UPLOAD_LIMIT:
            raise ApiError(413, "Request Entity Too Large", "uploadTooLarge")
        raw = ctx.media
    else:
        encoded = body.get("raw", "")
        if len(encoded) > JSON_BODY_LIMIT:
            fake.violations.append(f"{ctx.method_id}: a {len(encoded)}-byte raw message in a JSON body; use /upload")
            raise ApiError(413, "Request Entity Too Large", "requestTooLarge")
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    problems = raw_problems(raw)
    if problems:
        raise fake.refuse(ctx.method_id, "invalid raw message: " + "; ".join(problems))
    return raw


@handles("gmail.users.messages.send")
def _gmail_send(fake: GoogleApiFake, ctx: Ctx) -> dict:
    thread_id = ctx.body.get("threadId") or fake.new_id("t")
    message = add_message(fake, fake.new_id("m"), thread_id, _raw(fake, ctx, ctx.body), ["SENT"])
    return {"id": message["id"], "threadId": thread_id, "labelIds": ["SENT"]}


@handles("gmail.users.messages.batchModify")
def _gmail_modify(fake: GoogleApiFake, ctx: Ctx) -> None:
    for label_id in ctx.body.get("addLabelIds", []) + ctx.body.get("removeLabelIds", []):
        if label_id not in fake.state["labels"]:
            raise ApiError(400, f"Invalid label: {label_id}", "invalidArgument")
    for message_id in ctx.body["ids"]:
        message = get_or_404(fake.state["messages"], message_id, "message")
        labels = [lid for lid in message["labelIds"] if lid not in ctx.body.get("removeLabelIds", [])]
        message["labelIds"] = labels + [lid for lid in ctx.body.get("addLabelIds", []) if lid not in labels]


@handles("gmail.users.labels.list")
def _gmail_labels(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"labels": list(fake.state["labels"].values())}


@handles("gmail.users.labels.create")
def _gmail_label_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if any(label["name"] == ctx.body["name"] for label in fake.state["labels"].values()):
        raise ApiError(409, "Label name exists or conflicts", "duplicate")
    label = {"id": fake.new_id("Label_"), "name": ctx.body["name"], "type": "user"}
    fake.state["labels"][label["id"]] = label
    return label


def _draft_out(draft: dict) -> dict:
    message = draft["message"]
    return {
        "id": draft["id"],
        "message": {"id": message["id"], "threadId": message["threadId"], "labelIds": message["labelIds"]},
    }


def _threading(raw: bytes) -> dict[str, str]:
    parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
    return {name: " ".join(str(parsed.get(name, "")).split()) for name in ("In-Reply-To", "References")}


@handles("gmail.users.drafts.create", "gmail.users.drafts.update")
def _gmail_draft_save(fake: GoogleApiFake, ctx: Ctx) -> dict:
    draft_id = ctx.params.get("id") or fake.new_id("r")
    body = ctx.body["message"]
    raw = _raw(fake, ctx, body)
    if ctx.method_id.endswith("update"):
        old = get_or_404(fake.state["drafts"], draft_id, "draft")["message"]
        # Google replaces the whole message: a reply draft saved without its thread leaves the conversation.
        others = [m for m in fake.state["messages"].values() if m["threadId"] == old["threadId"] and m is not old]
        if others and body.get("threadId") != old["threadId"]:
            fake.data_loss(ctx.method_id, f"draft {draft_id} leaves thread {old['threadId']}")
        lost = [name for name, value in _threading(old["raw"]).items() if value and not _threading(raw)[name]]
        if lost:
            fake.data_loss(ctx.method_id, f"draft {draft_id} loses its {', '.join(lost)} header(s)")
        fake.state["messages"].pop(old["id"], None)
    message = add_message(fake, fake.new_id("m"), body.get("threadId") or fake.new_id("t"), raw, ["DRAFT"])
    fake.state["drafts"][draft_id] = {"id": draft_id, "message": message}
    return _draft_out(fake.state["drafts"][draft_id])


@handles("gmail.users.drafts.get")
def _gmail_draft_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    draft = get_or_404(fake.state["drafts"], ctx.params["id"], "draft")
    return {"id": draft["id"], "message": _message_format(fake, draft["message"], ctx.params)}


@handles("gmail.users.drafts.list")
def _gmail_drafts(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(list(fake.state["drafts"].values()), ctx.params, "maxResults", 100)
    out: dict[str, Any] = {"drafts": [_draft_out(d) for d in chunk]}
    if token:
        out["nextPageToken"] = token
    return out


@handles("gmail.users.drafts.send")
def _gmail_draft_send(fake: GoogleApiFake, ctx: Ctx) -> dict:
    draft = fake.state["drafts"].pop(ctx.body["id"], None)
    if draft is None:
        raise not_found("draft", ctx.body["id"])
    draft["message"]["labelIds"] = ["SENT"]
    return {"id": draft["message"]["id"], "threadId": draft["message"]["threadId"], "labelIds": ["SENT"]}


@handles("gmail.users.settings.filters.list")
def _gmail_filters(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"filter": list(fake.state["filters"].values())} if fake.state["filters"] else {}


@handles("gmail.users.settings.filters.create")
def _gmail_filter_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    for label_id in ctx.body.get("action", {}).get("addLabelIds", []):
        if label_id not in fake.state["labels"]:
            raise ApiError(400, f"Invalid label: {label_id}", "invalidArgument")
    if "forward" in ctx.body.get("action", {}):
        check_address(fake, ctx.method_id, "action.forward", ctx.body["action"]["forward"])
    created = {"id": fake.new_id("f"), **ctx.body}
    fake.state["filters"][created["id"]] = created
    return created


@handles("gmail.users.settings.filters.delete")
def _gmail_filter_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(fake.state["filters"], ctx.params["id"], "filter")


def _seed_gmail(fake: GoogleApiFake) -> None:
    state = fake.state
    state["labels"] = {
        lid: {"id": lid, "name": lid, "type": "system"}
        for lid in ("INBOX", "UNREAD", "SENT", "DRAFT", "STARRED", "IMPORTANT", "TRASH", "SPAM")
    }
    state["labels"]["Label_1"] = {"id": "Label_1", "name": "Receipts", "type": "user"}
    state["messages"], state["attachments"], state["drafts"], state["filters"] = {}, {}, {}, {}
    for index in range(1, 13):
        add_message(
            fake,
            f"m{index:03d}",
            f"t{index:03d}",
            mime_message(
                sender=f"Sender {index} <sender{index}@example.com>",
                subject=f"Report {index}",
                body=f"Quarterly numbers, part {index}.",
                message_id=f"<m{index}@example.com>",
            ),
            ["INBOX", "UNREAD"],
        )
    add_message(
        fake,
        "m100",
        "t001",
        mime_message(
            sender="Ann <ann@example.com>",
            subject="Re: Report 1",
            body="<p>Looks <b>good</b></p>",
            html=True,
            message_id="<m100@example.com>",
            attachment=("notes.txt", b"attached notes\n"),
        ),
        ["INBOX"],
    )


SEEDERS.insert(0, _seed_gmail)
