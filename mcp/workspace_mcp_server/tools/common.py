"""Helpers shared by the tool modules: output with truncation, concurrency, argument checks."""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import Any

import anyio
from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult

from ..google.client import client


def respond(text: str, data: dict[str, Any] | None = None) -> ToolResult:
    """Text for people plus optional structured content, both kept under the configured byte limit."""
    limit = client().settings.max_response_bytes
    raw = text.encode()
    if len(raw) > limit:
        note = (
            f"\n[truncated: showing {limit} of {len(raw)} bytes; "
            "narrow the request or raise WORKSPACE_MCP_MAX_RESPONSE_BYTES]"
        )
        text = raw[:limit].decode(errors="ignore") + note
        data = dict(data or {}, truncated=True)
    if data is not None and len(json.dumps(data, default=str)) > limit:
        data = None  # the text already says it all; never send more than the limit twice
    return ToolResult(content=text, structured_content=data)


async def gather(awaitables: Sequence[Awaitable[Any]]) -> list[Any]:
    """Run awaitables concurrently, results in order; the first failure propagates."""
    results: list[Any] = [None] * len(awaitables)

    async def run(index: int, awaitable: Awaitable[Any]) -> None:
        results[index] = await awaitable

    async with anyio.create_task_group() as group:
        for index, awaitable in enumerate(awaitables):
            group.start_soon(run, index, awaitable)
    return results


def page_note(token: str | None) -> str:
    return f"\nMore results: page_token={token}" if token else ""


def paged(listing: dict, key: str, line: Callable[[dict], str], empty: str, name: str | None = None) -> ToolResult:
    """One page of a Google list response: a line per item, the next page token in text and data."""
    items, token = listing.get(key, []), listing.get("nextPageToken")
    text = "\n".join(line(item) for item in items) or empty
    return respond(text + page_note(token), {name or key: items, "nextPageToken": token})


def check_page_size(page_size: int, maximum: int) -> int:
    if not 1 <= page_size <= maximum:
        raise ToolError(f"page_size: must be between 1 and {maximum} (got {page_size})")
    return page_size


_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def email_list(field: str, value: str | None) -> list[str]:
    """Parse "a@x.com, Bob <b@y.org>" into addresses; a ToolError names the malformed one."""
    if not value:
        return []
    from email.utils import getaddresses

    entries = [entry for entry in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", value) if entry.strip()]
    result = []
    for entry in entries:
        parsed = getaddresses([entry])
        address = parsed[0][1] if len(parsed) == 1 else ""
        if not _EMAIL.match(address):
            raise ToolError(f"{field}: {entry.strip()!r} is not a valid email address")
        result.append(entry.strip())
    return result


def email_address(field: str, value: str) -> str:
    addresses = email_list(field, value)
    if len(addresses) != 1:
        raise ToolError(f"{field}: expected one email address (got {value!r})")
    return addresses[0]


def parse_when(field: str, value: str) -> date | datetime:
    """An ISO 8601 date (2025-03-01) or date-time (2025-03-01T09:00:00+01:00, Z or offset optional)."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ToolError(
            f"{field}: {value!r} is not an ISO 8601 date or date-time "
            "(e.g. 2025-03-01 or 2025-03-01T09:00:00+01:00)"
        ) from None


def rfc3339(field: str, value: str, time_zone: str | None = None) -> str:
    """A date-time with an offset as Google's query parameters want; naive values use ``time_zone``."""
    when = parse_when(field, value)
    if not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone(time_zone or "UTC"))
    return when.isoformat()


def zone(name: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(f"time_zone: unknown IANA time zone {name!r} (e.g. Europe/Berlin)") from None


def header(headers: list[dict[str, str]], name: str) -> str:
    lowered = name.lower()
    return next((h.get("value", "") for h in headers if h.get("name", "").lower() == lowered), "")
