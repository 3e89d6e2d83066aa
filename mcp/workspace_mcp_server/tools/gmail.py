"""Gmail tools: search, read, send, drafts, labels, filters, attachments."""

from __future__ import annotations

import base64
import html
import io
import mimetypes
import re
from typing import Any

from fastmcp.tools import ToolResult
from pydantic import BaseModel

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import GMAIL_READ, GMAIL_SETTINGS, GMAIL_WRITE
from .common import (
    ATEXT,
    Mailbox,
    blob_result,
    check_page_size,
    decode_base64,
    email_address,
    gather,
    header,
    mailboxes,
    no_line_breaks,
    page_note,
    respond,
)
from .registry import read, write

SUMMARY_HEADERS = ["From", "To", "Subject", "Date"]
_TEXT_TYPES = re.compile(r"^(text/|application/(json|xml|csv|javascript)|.*\+xml$|.*\+json$)")


def _users(service: Any) -> Any:
    return service.users()


def _b64decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _link(found: re.Match) -> str:
    url, label = html.unescape(found[2]), re.sub(r"<[^>]+>", "", found[3]).strip()
    return label if not url or html.unescape(label) in (url, url.removeprefix("mailto:")) else f"{label} ({url})"


def _html_to_text(markup: str) -> str:
    """Readable text from HTML: tags dropped, block ends as line breaks, link targets kept after their text."""
    markup = re.sub(r"(?is)<(script|style).*?</\1>", "", markup)
    markup = re.sub(r"""(?is)<a\b[^>]*?\bhref\s*=\s*(["']?)([^"'\s>]*)\1[^>]*>(.*?)</a\s*>""", _link, markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def _walk(part: dict) -> list[dict]:
    parts = [part]
    for child in part.get("parts", []) or []:
        parts.extend(_walk(child))
    return parts


def _decode_text(data: bytes, part: dict) -> str:
    """A text part's bytes in the charset its Content-Type names (UTF-8 when none or unknown)."""
    import codecs

    found = re.search(r"""(?i)charset\s*=\s*"?([^";\s]+)""", header(part.get("headers", []) or [], "Content-Type"))
    charset = found[1] if found else "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return data.decode(charset, "replace")


def _body_and_attachments(payload: dict) -> tuple[str, list[dict]]:
    plain, rich, attachments = "", "", []
    for part in _walk(payload):
        body = part.get("body", {}) or {}
        mime = part.get("mimeType", "")
        if part.get("filename"):
            attachments.append(
                {
                    "filename": part["filename"],
                    "mimeType": mime,
                    "size": body.get("size", 0),
                    "attachmentId": body.get("attachmentId", ""),
                }
            )
        elif mime == "text/plain" and body.get("data") and not plain:
            plain = _decode_text(_b64decode(body["data"]), part)
        elif mime == "text/html" and body.get("data") and not rich:
            rich = _decode_text(_b64decode(body["data"]), part)
    return (plain or _html_to_text(rich)).strip(), attachments


def _render(message: dict, with_body: bool = True) -> tuple[str, dict]:
    payload = message.get("payload", {}) or {}
    headers = payload.get("headers", []) or []
    fields = {name.lower(): header(headers, name) for name in SUMMARY_HEADERS + ["Cc"]}
    data = {
        "id": message.get("id"),
        "threadId": message.get("threadId"),
        "labelIds": message.get("labelIds", []),
        **{k: v for k, v in fields.items() if v},
    }
    lines = [f"Message {message.get('id')} (thread {message.get('threadId')})"]
    lines += [f"{name}: {fields[name.lower()]}" for name in SUMMARY_HEADERS + ["Cc"] if fields[name.lower()]]
    if message.get("labelIds"):
        lines.append("Labels: " + ", ".join(message["labelIds"]))
    if with_body:
        body, attachments = _body_and_attachments(payload)
        data["attachments"] = attachments
        for item in attachments:
            lines.append(
                f"Attachment: {item['filename']} ({item['mimeType']}, {item['size']} bytes) "
                f"attachment_id={item['attachmentId']}"
            )
        lines += ["", body or "(no text body)"]
    else:
        lines.append(f"Snippet: {message.get('snippet', '')}")
    return "\n".join(lines), data


async def _get_message(message_id: str, fmt: str = "full") -> dict:
    extra = {"metadataHeaders": SUMMARY_HEADERS} if fmt == "metadata" else {}
    return await call(
        "gmail",
        lambda s: _users(s).messages().get(userId="me", id=message_id, format=fmt, **extra),
        what=f"message '{message_id}'",
    )


@read("core", GMAIL_READ)
async def search_gmail_messages(query: str, page_size: int = 10, page_token: str | None = None) -> ToolResult:
    """Search Gmail with Gmail query syntax (e.g. "from:ann is:unread after:2025/01/01").

    Args:
        query: Gmail search query.
        page_size: 1-50 messages per page.
        page_token: from a previous page.
    """
    check_page_size(page_size, 50)
    listing = await call(
        "gmail", lambda s: _users(s).messages().list(userId="me", q=query, maxResults=page_size, pageToken=page_token)
    )
    ids = [m["id"] for m in listing.get("messages", [])]
    messages = await gather([_get_message(i, "metadata") for i in ids])
    summaries = [_render(m, with_body=False) for m in messages]
    token = listing.get("nextPageToken")
    text = "\n\n".join(t for t, _ in summaries) or f"No messages match {query!r}."
    return respond(text + page_note(token), {"messages": [d for _, d in summaries], "nextPageToken": token})


@read("core", GMAIL_READ)
async def get_gmail_message(message_id: str) -> ToolResult:
    """Get one message: headers, plain-text body and attachment list."""
    text, data = _render(await _get_message(message_id))
    return respond(text, data)


@read("core", GMAIL_READ)
async def get_gmail_messages(message_ids: list[str]) -> ToolResult:
    """Get up to 25 messages at once (headers, body, attachments)."""
    if not 1 <= len(message_ids) <= 25:
        raise UserError(f"message_ids: give between 1 and 25 ids (got {len(message_ids)})")
    rendered = [_render(m) for m in await gather([_get_message(i) for i in message_ids])]
    return respond("\n\n---\n\n".join(t for t, _ in rendered), {"messages": [d for _, d in rendered]})


@read("core", GMAIL_READ)
async def get_gmail_thread(thread_id: str) -> ToolResult:
    """Get every message of a thread, oldest first."""
    thread = await call(
        "gmail",
        lambda s: _users(s).threads().get(userId="me", id=thread_id, format="full"),
        what=f"thread '{thread_id}'",
    )
    rendered = [_render(m) for m in thread.get("messages", [])]
    text = f"Thread {thread_id}: {len(rendered)} messages\n\n" + "\n\n---\n\n".join(t for t, _ in rendered)
    return respond(text, {"id": thread_id, "messages": [d for _, d in rendered]})


# RFC 5322 msg-id: "<" dot-atom-text "@" (dot-atom-text / no-fold-literal) ">".
_DOT_ATOM_TEXT = rf"[{ATEXT}]+(?:\.[{ATEXT}]+)*"
MSG_ID = re.compile(rf"<{_DOT_ATOM_TEXT}@(?:{_DOT_ATOM_TEXT}|\[[!-Z^-~]*\])>")
LINE = 78  # RFC 5322's recommended header line length; 998 is the hard limit
ENCODED_WORD_BYTES = 39  # base64 of 39 bytes is 52 characters: each encoded-word is at most 64


def msg_ids(value: str) -> list[str]:
    """The well-formed msg-ids in a Message-ID/References value (malformed ones would break threading)."""
    return [token for token in re.findall(r"<[^<>\s]*>", value or "") if MSG_ID.fullmatch(token)]


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 encoded-words (UTF-8, base64), each under 75 characters, never splitting a character."""
    words, chunk = [], b""
    for char in text:
        data = char.encode()
        if len(chunk) + len(data) > ENCODED_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in words if word]


def _plain_words(text: str) -> bool:
    """ASCII text that folds at its own single spaces and that no reader could mistake for an encoded-word."""
    return (
        text.isascii()
        and text.isprintable()
        and "=?" not in text
        and text == " ".join(text.split())
        and all(len(word) <= LINE for word in text.split())
    )


def _phrase(name: str) -> list[str]:
    """A display name as RFC 5322 phrase tokens: atoms, a quoted-string, or encoded-words for the runs of
    words that need them (plain words between runs keep the runs apart, so every reader gets the spaces right)."""
    if _plain_words(name):
        if all(re.fullmatch(f"[{ATEXT}]+", word) for word in name.split()):
            return name.split()
        return ['"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"']
    if not (name.isprintable() and name == " ".join(name.split())):
        return _encoded_words(name)  # irregular spacing lives inside the encoding
    tokens: list[str] = []
    run: list[str] = []
    for word in name.split():
        if "=?" not in word and re.fullmatch(f"[{ATEXT}]+", word):
            tokens += _encoded_words(" ".join(run)) if run else []
            tokens.append(word)
            run = []
        else:
            run.append(word)
    return tokens + (_encoded_words(" ".join(run)) if run else [])


def _fold(name: str, groups: list[list[str]], separator: str = "") -> bytes:
    """``Name: tokens`` folded at the spaces between tokens, never inside one; groups end with ``separator``."""
    tokens = [
        token + (separator if last and index < len(groups) - 1 else "")
        for index, group in enumerate(groups)
        for last, token in ((position == len(group) - 1, token) for position, token in enumerate(group))
    ]
    lines, line = [], f"{name}:"
    for token in tokens:
        if len(line) + 1 + len(token) > LINE and line != f"{name}:":
            lines.append(line)
            line = " " + token
        else:
            line += " " + token
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def header_block(
    recipients: dict[str, list[Mailbox]], subject: str, in_reply_to: str | None, references: list[str]
) -> bytes:
    """The message's own headers, written by hand so that addresses and msg-ids stay intact tokens.

    Python's email policies fold a long msg-id into an encoded-word (forbidden inside a msg-id, and
    it breaks threading in mail clients); here msg-ids and addr-specs are never encoded or split.
    """
    out = b""
    for field, boxes in recipients.items():
        if boxes:
            out += _fold(
                field,
                [
                    [*(_phrase(box.name) if box.name else []), f"<{box.address}>" if box.name else box.address]
                    for box in boxes
                ],
                ",",
            )
    subject_tokens = subject.split() if _plain_words(subject) else _encoded_words(subject)
    out += _fold("Subject", [subject_tokens]) if subject_tokens else b"Subject: \r\n"
    if in_reply_to:
        out += _fold("In-Reply-To", [[in_reply_to]])
    if references:
        out += _fold("References", [[ref] for ref in references])
    return out


class Attachment(BaseModel):
    filename: str
    content_base64: str
    mime_type: str | None = None  # default: guessed from the filename


ATTACHMENTS_LIMIT = 25 * 1024 * 1024  # Gmail: at most 25 MB of attachments per message
_MIME_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")


def attachment_parts(attachments: list[Attachment] | None) -> list[tuple[str, str, str, bytes]]:
    """(filename, maintype, subtype, bytes) per attachment, checked: base64 decodes, the filename is a bare
    name on one line, the MIME type is type/subtype, and the total stays under Gmail's 25 MB."""
    parts, total = [], 0
    for index, item in enumerate(attachments or []):
        field = f"attachments[{index}]"
        name = item.filename.strip()
        if not name or name in (".", "..") or not name.isprintable():
            raise UserError(f"{field}.filename: {item.filename!r} must be a printable name on one line (no CR/LF)")
        if "/" in name or "\\" in name:
            raise UserError(f"{field}.filename: give the file's name without folders (got {item.filename!r})")
        if len(name.encode()) > 255:
            raise UserError(f"{field}.filename: at most 255 bytes (got {len(name.encode())})")
        mime = item.mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        if not _MIME_TYPE.fullmatch(mime):
            raise UserError(f"{field}.mime_type: expected type/subtype such as application/pdf (got {mime!r})")
        data = decode_base64(f"{field}.content_base64", item.content_base64)
        total += len(data)
        if total > ATTACHMENTS_LIMIT:
            raise UserError(
                f"attachments: {total} bytes and counting; Gmail sends at most 25 MB of attachments "
                "(share large files from Drive and send the link)"
            )
        maintype, subtype = mime.lower().split("/")
        parts.append((name, maintype, subtype, data))
    return parts


def build_raw(
    recipients: dict[str, list[Mailbox]],
    subject: str,
    body: str,
    html_body: bool = False,
    in_reply_to: str | None = None,
    references: list[str] | tuple[str, ...] = (),
    attachments: list[tuple[str, str, str, bytes]] | None = None,
) -> bytes:
    """An RFC 5322 message (CRLF line endings, lines under 998 octets) for the Gmail API's ``raw``; with
    attachments a multipart/mixed one (non-ASCII filenames RFC 2231-encoded by the email package)."""
    import email.policy
    from email.message import EmailMessage

    no_line_breaks("subject", subject)
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    content = EmailMessage(policy=email.policy.SMTP)
    if html_body:
        content.set_content(_html_to_text(text))
        content.add_alternative(text, subtype="html")
    else:
        content.set_content(text)
    for name, maintype, subtype, data in attachments or []:
        content.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return header_block(recipients, subject, in_reply_to, list(references)) + content.as_bytes()


async def _mime(
    to: str,
    subject: str,
    body: str,
    cc: str | None,
    bcc: str | None,
    html_body: bool,
    reply_to_message_id: str | None,
    keep: dict | None = None,
    attachments: list[Attachment] | None = None,
    kept_files: list[tuple[str, str, str, bytes]] | None = None,
) -> dict:
    """The Gmail API message resource ({raw, threadId}) for a new message or a reply.

    ``keep`` carries the threading of the message being replaced (a draft update): its threadId and
    In-Reply-To/References, so that saving a reply draft keeps it in its thread.
    """
    recipients = {"To": mailboxes("to", to), "Cc": mailboxes("cc", cc), "Bcc": mailboxes("bcc", bcc)}
    if not recipients["To"]:
        raise UserError("to: at least one recipient is required")
    no_line_breaks("subject", subject)
    files = kept_files if kept_files is not None else attachment_parts(attachments)  # kept: a draft's own
    resource: dict[str, Any] = {}
    in_reply_to, references = None, []
    if reply_to_message_id:
        original = await call(
            "gmail",
            lambda s: (
                _users(s)
                .messages()
                .get(
                    userId="me",
                    id=reply_to_message_id,
                    format="metadata",
                    metadataHeaders=["Message-ID", "References", "Subject"],
                )
            ),
            what=f"message '{reply_to_message_id}'",
        )
        headers = original.get("payload", {}).get("headers", [])
        parent = msg_ids(header(headers, "Message-ID"))
        if parent:
            in_reply_to = parent[0]
            references = [ref for ref in msg_ids(header(headers, "References")) if ref != in_reply_to] + parent[:1]
        resource["threadId"] = original.get("threadId")
        if not subject:
            original_subject = header(headers, "Subject")
            subject = original_subject if original_subject.lower().startswith("re:") else f"Re: {original_subject}"
    elif keep:
        in_reply_to = next(iter(msg_ids(keep.get("in_reply_to", ""))), None)
        references = msg_ids(keep.get("references", ""))
        if keep.get("threadId"):
            resource["threadId"] = keep["threadId"]
    raw = build_raw(recipients, subject, body, html_body, in_reply_to, references, files)
    resource["raw"] = base64.urlsafe_b64encode(raw).decode()
    return resource


# Past this the message goes as media to the /upload endpoint (message/rfc822 bytes) instead of base64url in
# a JSON body: Google's upload guide puts simple requests at about 5 MB, and base64url adds a third.
SIMPLE_BODY_LIMIT = 5 * 1024 * 1024


def _as_upload(resource: dict) -> tuple[dict, Any]:
    """(metadata, media) for a message too large for a JSON body: the raw bytes as message/rfc822 media."""
    if len(resource["raw"]) <= SIMPLE_BODY_LIMIT - 64 * 1024:  # room for the JSON around it
        return resource, None
    from googleapiclient.http import MediaIoBaseUpload

    raw = base64.urlsafe_b64decode(resource["raw"])
    metadata = {key: value for key, value in resource.items() if key != "raw"}
    return metadata, MediaIoBaseUpload(io.BytesIO(raw), mimetype="message/rfc822", resumable=False)


async def _send(resource: dict) -> dict:
    metadata, media = _as_upload(resource)
    return await call("gmail", lambda s: _users(s).messages().send(userId="me", body=metadata, media_body=media))


async def _save_draft(resource: dict, draft_id: str | None = None) -> dict:
    """drafts.create, or drafts.update of ``draft_id``; large messages go through the upload endpoint."""
    metadata, media = _as_upload(resource)
    drafts = lambda s: _users(s).drafts()  # noqa: E731
    if draft_id is None:
        return await call(
            "gmail", lambda s: drafts(s).create(userId="me", body={"message": metadata}, media_body=media)
        )
    body = {"id": draft_id, "message": metadata}
    return await call(
        "gmail",
        lambda s: drafts(s).update(userId="me", id=draft_id, body=body, media_body=media),
        what=f"draft '{draft_id}'",
    )


@write("core", GMAIL_WRITE)
async def send_gmail_message(
    to: str,
    subject: str,
    body: str,
    cc: str | None = None,
    bcc: str | None = None,
    html: bool = False,
    reply_to_message_id: str | None = None,
    attachments: list[Attachment] | None = None,
) -> ToolResult:
    """Send an email. To reply in a thread give reply_to_message_id (subject may then be empty).

    Args:
        to: comma-separated addresses, e.g. "Ann <ann@x.com>, bo@y.org".
        html: body is HTML (a plain-text part is added).
        attachments: base64 files, 25 MB in all (~3 MB per call).
    """
    message = await _mime(to, subject, body, cc, bcc, html, reply_to_message_id, attachments=attachments)
    sent = await _send(message)
    return respond(
        f"Sent message {sent['id']} in thread {sent.get('threadId')}.",
        {"id": sent["id"], "threadId": sent.get("threadId")},
    )


@read("extended", GMAIL_READ)
async def list_gmail_labels() -> ToolResult:
    """List labels (system and user) with their ids."""
    labels = (await call("gmail", lambda s: _users(s).labels().list(userId="me"))).get("labels", [])
    items = [{"id": label["id"], "name": label["name"], "type": label.get("type", "user")} for label in labels]
    return respond("\n".join(f"{i['name']} (id={i['id']}, {i['type']})" for i in items), {"labels": items})


async def _label_ids(add: list[str] | None, remove: list[str] | None) -> tuple[list[str], list[str]]:
    """Label ids for names or ids (one labels.list call); a UserError names an unknown label."""
    if not add and not remove:
        return [], []
    labels = (await call("gmail", lambda s: _users(s).labels().list(userId="me"))).get("labels", [])
    by_key = {label["id"]: label["id"] for label in labels}
    by_key.update({label["name"].lower(): label["id"] for label in labels})

    def resolve(names: list[str] | None) -> list[str]:
        ids = []
        for name in names or []:
            label_id = by_key.get(name) or by_key.get(name.lower())
            if label_id is None:
                raise UserError(f"Unknown label {name!r}; list_gmail_labels shows the available ones")
            ids.append(label_id)
        return ids

    return resolve(add), resolve(remove)


@write("extended", GMAIL_WRITE)
async def modify_gmail_labels(
    message_ids: list[str], add_labels: list[str] | None = None, remove_labels: list[str] | None = None
) -> ToolResult:
    """Add/remove labels (names or ids) on up to 1000 messages, e.g. remove UNREAD to mark read."""
    if not 1 <= len(message_ids) <= 1000:
        raise UserError(f"message_ids: give between 1 and 1000 ids (got {len(message_ids)})")
    add, remove = await _label_ids(add_labels, remove_labels)
    if not add and not remove:
        raise UserError("add_labels/remove_labels: give at least one label")
    await call(
        "gmail",
        lambda s: (
            _users(s)
            .messages()
            .batchModify(userId="me", body={"ids": message_ids, "addLabelIds": add, "removeLabelIds": remove})
        ),
    )
    return respond(f"Updated labels on {len(message_ids)} message(s): +{add} -{remove}.")


@write("complete", GMAIL_WRITE)
async def create_gmail_label(name: str) -> ToolResult:
    """Create a user label (use "/" for nesting, e.g. "Projects/Alpha")."""
    label = await call(
        "gmail",
        lambda s: (
            _users(s)
            .labels()
            .create(
                userId="me", body={"name": name, "labelListVisibility": "labelShow", "messageListVisibility": "show"}
            )
        ),
    )
    return respond(f"Created label {label['name']} (id={label['id']}).", {"id": label["id"], "name": label["name"]})


@write("extended", GMAIL_WRITE)
async def create_gmail_draft(
    to: str,
    subject: str,
    body: str,
    cc: str | None = None,
    bcc: str | None = None,
    html: bool = False,
    reply_to_message_id: str | None = None,
    attachments: list[Attachment] | None = None,
) -> ToolResult:
    """Create a draft (same arguments as send_gmail_message)."""
    message = await _mime(to, subject, body, cc, bcc, html, reply_to_message_id, attachments=attachments)
    draft = await _save_draft(message)
    return respond(f"Created draft {draft['id']}.", {"id": draft["id"], "messageId": draft["message"]["id"]})


@read("extended", GMAIL_READ)
async def list_gmail_drafts(page_size: int = 20, page_token: str | None = None) -> ToolResult:
    """List drafts with their ids and subjects."""
    check_page_size(page_size, 100)
    listing = await call(
        "gmail", lambda s: _users(s).drafts().list(userId="me", maxResults=page_size, pageToken=page_token)
    )
    drafts = listing.get("drafts", [])
    messages = await gather([_get_message(d["message"]["id"], "metadata") for d in drafts])
    items = []
    for draft, message in zip(drafts, messages, strict=True):
        headers = message.get("payload", {}).get("headers", [])
        items.append({"id": draft["id"], "to": header(headers, "To"), "subject": header(headers, "Subject")})
    token = listing.get("nextPageToken")
    text = "\n".join(f"{i['id']}: to {i['to']} - {i['subject']}" for i in items) or "No drafts."
    return respond(text + page_note(token), {"drafts": items, "nextPageToken": token})


@write("complete", GMAIL_WRITE, destructive=True)
async def update_gmail_draft(
    draft_id: str,
    to: str,
    subject: str,
    body: str,
    cc: str | None = None,
    bcc: str | None = None,
    html: bool = False,
    reply_to_message_id: str | None = None,
    attachments: list[Attachment] | None = None,
) -> ToolResult:
    """Replace a draft's recipients, subject and body (a reply draft stays in its thread). Its attachments
    stay unless attachments is given ([] removes them)."""
    import email
    import email.policy

    keep, kept_files = None, None
    if not reply_to_message_id or attachments is None:
        current = await call(
            "gmail",
            lambda s: _users(s).drafts().get(userId="me", id=draft_id, format="raw"),
            what=f"draft '{draft_id}'",
        )
        stored = current.get("message", {})
        parsed = email.message_from_bytes(_b64decode(stored.get("raw", "")), policy=email.policy.default)
        if not reply_to_message_id:
            keep = {
                "threadId": stored.get("threadId"),
                "in_reply_to": str(parsed.get("In-Reply-To", "")),
                "references": str(parsed.get("References", "")),
            }
        if attachments is None:
            kept_files = []
            for part in parsed.iter_attachments():
                data = part.get_payload(decode=True)
                if not isinstance(data, bytes):  # an attached message or multipart: not rebuilt here
                    raise UserError(
                        f"attachments: the draft has an attached {part.get_content_type()} that cannot be kept; "
                        "give the attachments explicitly"
                    )
                name = part.get_filename() or "attachment"
                kept_files.append((name, part.get_content_maintype(), part.get_content_subtype(), data))
    message = await _mime(to, subject, body, cc, bcc, html, reply_to_message_id, keep, attachments, kept_files)
    draft = await _save_draft(message, draft_id)
    return respond(f"Updated draft {draft['id']}.", {"id": draft["id"]})


@write("complete", GMAIL_WRITE)
async def send_gmail_draft(draft_id: str) -> ToolResult:
    """Send an existing draft."""
    sent = await call(
        "gmail", lambda s: _users(s).drafts().send(userId="me", body={"id": draft_id}), what=f"draft '{draft_id}'"
    )
    return respond(
        f"Sent draft {draft_id} as message {sent['id']}.", {"id": sent["id"], "threadId": sent.get("threadId")}
    )


@read("extended", GMAIL_READ)
async def get_gmail_attachment(
    message_id: str, attachment_id: str, offset: int = 0, max_bytes: int = 1_048_576
) -> ToolResult:
    """Get an attachment: text types as text, others as an embedded resource (base64 with its MIME type);
    max_bytes (at most 4 MB) from offset, the reply gives the next offset."""
    if not 1 <= max_bytes <= 4 * 1024 * 1024:
        raise UserError(f"max_bytes: must be between 1 and {4 * 1024 * 1024} (got {max_bytes})")
    if offset < 0:
        raise UserError(f"offset: must be 0 or more (got {offset})")
    message = await _get_message(message_id)
    _, attachments = _body_and_attachments(message.get("payload", {}))
    meta = next((a for a in attachments if a["attachmentId"] == attachment_id), None)
    if meta is None:
        listed = ", ".join(f"{a['filename']} ({a['attachmentId']})" for a in attachments) or "none"
        raise UserError(f"Not found: attachment '{attachment_id}' is not in message '{message_id}' (it has: {listed})")
    part = await call(
        "gmail",
        lambda s: _users(s).messages().attachments().get(userId="me", messageId=message_id, id=attachment_id),
        what=f"attachment '{attachment_id}'",
    )
    content = _b64decode(part.get("data", ""))
    if offset and offset >= len(content):
        raise UserError(f"offset: {offset} is past the end of {meta['filename']!r} ({len(content)} bytes)")
    piece = content[offset : offset + max_bytes]
    end = offset + len(piece)
    info = {"filename": meta["filename"], "mimeType": meta["mimeType"], "size": len(content), "offset": offset}
    info |= {"bytes": len(piece), "nextOffset": end if end < len(content) else None}
    more = f" Next part: offset={end}." if end < len(content) else ""
    head = f"{meta['filename']} ({meta['mimeType']}, {len(content)} bytes): bytes {offset}-{end - 1}.{more}"
    if _TEXT_TYPES.match(meta["mimeType"]):
        return respond(f"{head}\n\n" + piece.decode("utf-8", "replace"), info)
    uri = f"https://mail.google.com/mail/u/0/#all/{message_id}"
    return blob_result(head, piece, meta["mimeType"], uri, info)


@read("complete", GMAIL_READ)
async def list_gmail_filters() -> ToolResult:
    """List mail filters (criteria and actions)."""
    filters = (await call("gmail", lambda s: _users(s).settings().filters().list(userId="me"))).get("filter", [])
    lines = [f"{f['id']}: if {f.get('criteria', {})} then {f.get('action', {})}" for f in filters]
    return respond("\n".join(lines) or "No filters.", {"filters": filters})


@write("complete", GMAIL_SETTINGS)
async def create_gmail_filter(
    from_address: str | None = None,
    to_address: str | None = None,
    subject: str | None = None,
    query: str | None = None,
    add_labels: list[str] | None = None,
    remove_labels: list[str] | None = None,
    forward_to: str | None = None,
) -> ToolResult:
    """Create a filter: messages matching all given criteria get labels added/removed or are forwarded.

    Args:
        remove_labels: e.g. ["INBOX"] to skip the inbox.
    """
    criteria = {
        k: v for k, v in {"from": from_address, "to": to_address, "subject": subject, "query": query}.items() if v
    }
    if not criteria:
        raise UserError("Give at least one criterion: from_address, to_address, subject or query")
    add, remove = await _label_ids(add_labels, remove_labels)
    action: dict[str, Any] = {"addLabelIds": add, "removeLabelIds": remove}
    if forward_to:
        from email.utils import parseaddr

        action["forward"] = parseaddr(email_address("forward_to", forward_to))[1]
    created = await call(
        "gmail",
        lambda s: _users(s).settings().filters().create(userId="me", body={"criteria": criteria, "action": action}),
    )
    return respond(f"Created filter {created['id']}.", {"id": created["id"]})


@write("complete", GMAIL_SETTINGS, destructive=True)
async def delete_gmail_filter(filter_id: str) -> ToolResult:
    """Delete a mail filter."""
    await call(
        "gmail",
        lambda s: _users(s).settings().filters().delete(userId="me", id=filter_id),
        what=f"filter '{filter_id}'",
    )
    return respond(f"Deleted filter {filter_id}.")
