"""The Google stand-in is a stricter referee than Google: each malformed request the tools once sent is refused.

These talk to the stand-in directly (no server), with the requests a buggy tool would make.
"""

from __future__ import annotations

import base64
import email.policy
import json
import urllib.error
import urllib.request
from email.message import EmailMessage
from urllib.parse import quote, urlencode

import pytest

from tests.server.tools.conftest import ACCESS_TOKEN


def send(google_api, method: str, path: str, body: dict | None = None, **query: str) -> tuple[int, dict]:
    url = google_api.root_url + path + (("?" + urlencode(query)) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as failure:
        return failure.code, json.loads(failure.read())


def refused(google_api, status_and_body: tuple[int, dict], words: str, recorded: bool = True) -> None:
    """A 400 naming the problem; ``recorded``: the stand-in also lists it as a violation (the test would fail)."""
    status, body = status_and_body
    assert status == 400 and words in body["error"]["message"], body
    assert bool([v for v in google_api.violations if words in v]) == recorded, google_api.violations
    google_api.violations.clear()


@pytest.mark.parametrize(
    "q, words",
    [
        ("name contains 'O'Reilly'", "Invalid Value"),
        ("fullText contains 'a\\d'", "bad string literal"),
        ("starred reviews 2025", "Invalid Value"),
        ("revenue >= 'target'", "unknown field 'revenue'"),
        ("(name contains 'a'", "query ends early"),
        ("trashed = 'false'", "expected name"),
        ("fullText = 'x'", "fullText does not support '='"),
        ("modifiedTime > 'yesterday'", "is not RFC 3339"),
    ],
)
def test_drive_refuses_invalid_queries(google_api, q, words):
    refused(google_api, send(google_api, "GET", "drive/v3/files", q=q), words, recorded=False)


def test_drive_reads_escapes_operators_and_precedence(google_api):
    status, body = send(
        google_api,
        "GET",
        "drive/v3/files",
        q="not trashed = true and (name contains 'note 1' or name = 'plan.txt') and "
        "'folder1' in parents and modifiedTime >= '2025-01-01'",
    )
    assert status == 200 and sorted(f["id"] for f in body["files"]) == ["note1", "txt1"]
    status, body = send(google_api, "GET", "drive/v3/files", q="name contains 'it\\'s' or name contains 'a\\\\b'")
    assert status == 200 and body["files"] == []


@pytest.mark.parametrize(
    "a1, words",
    [
        ("Q1 Plan!A1:B2", "must be quoted"),
        ("Q1 Plan", "must be quoted"),
        ("A1!A1", "must be quoted"),
        ("Sheet1!a1", "not A1 cells"),
        ("Sheet1!A", "needs both ends"),
        ("Sheet1!A:3", "cannot pair"),
        ("'Q1 Plan'x", "must start with !"),
    ],
)
def test_sheets_reads_a1_strictly(google_api, a1, words):
    refused(google_api, send(google_api, "GET", f"v4/spreadsheets/sheet1/values/{quote(a1, safe='')}"), words)


@pytest.mark.parametrize(
    "a1", ["'Q1 Plan'!A1:B2", "'Q1 Plan'", "Sheet1!B3:A1", "Sheet1!A2:B", "Sheet1!2:3", "'Sheet1'!A:A", "B2"]
)
def test_sheets_accepts_every_a1_form(google_api, a1):
    assert send(google_api, "GET", f"v4/spreadsheets/sheet1/values/{quote(a1, safe='')}")[0] == 200


def test_sheets_refuses_an_inverted_grid_range(google_api):
    body = {
        "requests": [
            {
                "repeatCell": {
                    "range": {"sheetId": 0, "startRowIndex": 3, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {}},
                    "fields": "userEnteredFormat",
                }
            }
        ]
    }
    refused(google_api, send(google_api, "POST", "v4/spreadsheets/sheet1:batchUpdate", body), "GridRange")


@pytest.mark.parametrize(
    "path, body, words",
    [
        (
            "calendar/v3/calendars/primary/events",
            {
                "summary": "x",
                "start": {"date": "2025-01-01"},
                "end": {"date": "2025-01-02"},
                "attendees": [{"email": "Ann <ann@example.com>"}],
            },
            "not a bare email address",
        ),
        (
            "drive/v3/files/note5/permissions",
            {"type": "user", "role": "reader", "emailAddress": "Ann <ann@example.com>"},
            "not a bare email address",
        ),
        ("v1/people:createContact", {"emailAddresses": [{"value": "jürgen@example.com"}]}, "not a bare email address"),
    ],
)
def test_addresses_must_be_bare(google_api, path, body, words):
    refused(google_api, send(google_api, "POST", path, body), words)


def test_unknown_body_fields_are_refused_like_google(google_api):
    status, body = send(google_api, "POST", "tasks/v1/users/@me/lists", {"title": "x", "colour": "red"})
    assert status == 400 and 'Unknown name "colour"' in body["error"]["message"]
    status, body = send(google_api, "POST", "tasks/v1/users/@me/lists", {"title": 5})
    assert status == 400 and "expected string" in body["error"]["message"]


def test_recurring_events_need_a_time_zone_and_times_one_form(google_api):
    base = {"summary": "x", "end": {"dateTime": "2025-01-01T10:00:00+01:00"}}
    refused(
        google_api,
        send(
            google_api,
            "POST",
            "calendar/v3/calendars/primary/events",
            {**base, "start": {"dateTime": "2025-01-01T09:00:00+01:00"}, "recurrence": ["RRULE:FREQ=DAILY"]},
        ),
        "Missing time zone",
        recorded=False,
    )
    refused(
        google_api,
        send(
            google_api,
            "POST",
            "calendar/v3/calendars/primary/events",
            {**base, "start": {"dateTime": "2025-01-01T09:00:00+01:00", "date": "2025-01-01"}},
        ),
        "not both",
        recorded=False,
    )


def raw_message(data: bytes) -> dict:
    return {"raw": base64.urlsafe_b64encode(data).decode()}


def python_default_policy_reply() -> bytes:
    """What the tools used to send: Python's default policy folds a long msg-id into an encoded-word."""
    message = EmailMessage()
    message["To"], message["Subject"] = "ann@example.com", "Re: x"
    message["In-Reply-To"] = "<" + "A" * 70 + "@DM6PR12MB4321.namprd12.prod.outlook.com>"
    message.set_content("hi")
    return message.as_bytes(policy=email.policy.SMTP)


@pytest.mark.parametrize(
    "raw, words",
    [
        (python_default_policy_reply(), "is not a list of msg-ids"),
        (b"To: ann@example.com\nSubject: x\n\nbody\n", "CRLF"),
        (b"To: ann@example.com\r\nSubject: x\r\n\r\n" + b"x" * 1000 + b"\r\n", "998"),
        ("To: ann@example.com\r\nSubject: Grüße\r\n\r\nx\r\n".encode(), "8-bit bytes in the header"),
        (b"To: =?utf-8?q?j=C3=BCrgen?=@example.com\r\nSubject: x\r\n\r\nx\r\n", "not a plain addr-spec"),
        (b'To: "=?utf-8?q?Ann?=" <ann@example.com>\r\nSubject: x\r\n\r\nx\r\n', "inside a quoted-string"),
        (b"To: ann@example.com\r\nReferences: <a@b> =?utf-8?q?x?=\r\n\r\nx\r\n", "is not a list of msg-ids"),
    ],
)
def test_gmail_judges_the_raw_bytes(google_api, raw, words):
    refused(google_api, send(google_api, "POST", "gmail/v1/users/me/messages/send", raw_message(raw)), words)


def test_contact_update_that_erases_name_parts_is_flagged(google_api):
    status, person = send(
        google_api,
        "POST",
        "v1/people:createContact",
        {"names": [{"givenName": "Ana", "middleName": "Sofía", "familyName": "Ruiz", "honorificSuffix": "Jr."}]},
    )
    assert status == 200
    status, _ = send(
        google_api,
        "PATCH",
        f"v1/{person['resourceName']}:updateContact",
        {"etag": person["etag"], "names": [{"givenName": "Ana", "familyName": "Ruiz Gil"}]},
        updatePersonFields="names",
    )
    assert status == 200
    assert any("data loss" in v and "middleName" in v and "honorificSuffix" in v for v in google_api.violations)
    google_api.violations.clear()


def test_docs_indexes_are_utf16_code_units(google_api):
    status, doc = send(google_api, "POST", "v1/documents", {"title": "units"})
    requests = [{"insertText": {"location": {"index": 1}, "text": "🎉x"}}]
    assert send(google_api, "POST", f"v1/documents/{doc['documentId']}:batchUpdate", {"requests": requests})[0] == 200
    status, body = send(google_api, "GET", f"v1/documents/{doc['documentId']}")
    assert body["body"]["content"][-1]["endIndex"] == 1 + 2 + 1 + 1
    inside = [{"insertText": {"location": {"index": 2}, "text": "y"}}]
    refused(
        google_api,
        send(google_api, "POST", f"v1/documents/{doc['documentId']}:batchUpdate", {"requests": inside}),
        "surrogate pair",
        recorded=False,
    )
