"""Expected failures (a bad argument, Google's 4xx) reach the caller as a specific error and are logged as a
warning without a traceback: an ERROR line in the logs means something is broken, not that a user mistyped."""

from __future__ import annotations

import json

import pytest

from tests.server.tools.conftest import error

pytestmark = pytest.mark.anyio

CASES = [
    ("read_sheet_values", {"spreadsheet_id": "sheet1", "range": "Sheet1!A:3"}, "range: 'Sheet1!A:3' is not A1"),
    ("read_sheet_values", {"spreadsheet_id": "nosheet", "range": "A1"}, "Not found: spreadsheet 'nosheet'"),
    ("search_drive_files", {"query": "   "}, "query: give words to search for"),
    ("get_events", {"time_min": "2025-03-01", "time_zone": "Mars/Base"}, "time_zone: unknown IANA time zone"),
    ("insert_doc_text", {"document_id": "doc1", "text": "x", "index": 0}, "start_index: must be at least 1"),
    ("get_contact", {"resource_name": "contacts/1"}, "resource_name: expected people/<id>"),
    ("create_task", {"title": "x", "due": "tomorrow"}, "due: 'tomorrow' is not an ISO 8601"),
    ("send_gmail_draft", {"draft_id": "no-such-draft"}, "Not found: draft 'no-such-draft'"),
    (
        "share_drive_file",
        {"file_id": "note6", "type": "user", "role": "reader", "email": "Ann <ann@>"},
        "email: 'ann@' is not a valid email address",
    ),
    (
        "create_event",
        {"summary": "x", "start": "2025-01-01", "end": "2025-01-02", "attendees": ["jürgen@example.com"]},
        "attendees: 'jürgen@example.com' has a non-ASCII local part",
    ),
]


@pytest.mark.parametrize("tool, arguments, message", CASES, ids=[case[0] for case in CASES])
async def test_expected_errors_are_specific_and_logged_as_warnings(mcp, server, tool, arguments, message):
    log_start = len(server.log_text())
    assert message in await error(mcp, tool, **arguments)
    lines = [json.loads(line) for line in server.log_text()[log_start:].splitlines() if line.startswith("{")]
    assert [line for line in lines if line["level"] == "WARNING" and tool in line["message"]], lines
    assert not [line for line in lines if line["level"] in ("ERROR", "CRITICAL") or "error" in line], lines
