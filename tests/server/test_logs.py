"""The JSON log format: one object per line, context fields, users hashed or named, tokens masked."""

from __future__ import annotations

import json
import logging

from workspace_mcp_server.logs import JsonFormatter, request_id_var, scrub, user_label, user_var


def _format(message: str, *args, **extra) -> dict:
    record = logging.LogRecord("workspace_mcp_server.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def test_context_and_extra_fields():
    rid, uid = request_id_var.set("req-1"), user_var.set("u-abc")
    try:
        entry = _format("tool %s ok", "list_gmail_labels", event="tool_call", tool="list_gmail_labels", duration_ms=3.5)
    finally:
        request_id_var.reset(rid)
        user_var.reset(uid)
    assert entry["message"] == "tool list_gmail_labels ok"
    assert (entry["request_id"], entry["user"], entry["tool"], entry["duration_ms"]) == (
        "req-1",
        "u-abc",
        "list_gmail_labels",
        3.5,
    )
    assert entry["level"] == "INFO" and entry["time"].endswith("Z")


def test_users_are_hashed_unless_email_is_asked_for():
    hashed = user_label("1234", "alice@example.com", "hash")
    assert hashed.startswith("u-") and "alice" not in hashed and hashed == user_label("1234", "x@y", "hash")
    assert user_label("1234", "alice@example.com", "email") == "alice@example.com"
    assert user_label(None, None, "hash") is None


def test_tokens_are_masked():
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLXZhbHVl"
    text = scrub(
        f"Authorization: Bearer abc.def-123 url?code=4/0AbCdEfGhIjKlMn&state=x ya29.a0AfH6SMB {jwt_like} "
        '"refresh_token": "1//0gLongRefreshValue"'
    )
    for secret in ("abc.def-123", "4/0AbCdEfGhIjKlMn", "ya29.a0AfH6SMB", jwt_like, "1//0gLongRefreshValue"):
        assert secret not in text, text
    assert scrub("status code 404") == "status code 404"
    entry = _format("calling with %s", "Bearer sekrit-token-value", note="access_token=abcdefghijklmnop")
    assert "sekrit-token-value" not in entry["message"] and "abcdefghijklmnop" not in entry["note"]
