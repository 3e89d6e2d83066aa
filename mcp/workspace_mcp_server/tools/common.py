"""Helpers shared by the tool modules: output with truncation, concurrency, argument checks."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import anyio
from fastmcp.tools import ToolResult

from ..google.client import client
from ..google.errors import UserError


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

    try:
        async with anyio.create_task_group() as group:
            for index, awaitable in enumerate(awaitables):
                group.start_soon(run, index, awaitable)
    except BaseExceptionGroup as failures:
        # Several requests failing together (a Google outage): the caller gets the first clear error.
        first = failures.exceptions[0]
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
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
        raise UserError(f"page_size: must be between 1 and {maximum} (got {page_size})")
    return page_size


# RFC 5322 atext: what an unquoted local part or display-name word may contain.
ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_DOT_ATOM = re.compile(rf"[{ATEXT}]+(?:\.[{ATEXT}]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Mailbox:
    """One address: an optional display name and a bare addr-spec (ASCII, IDN domains in A-labels)."""

    name: str
    address: str


def no_line_breaks(field: str, value: str) -> str:
    """Header values are one line: a CR or LF in one could add headers of its own (header injection)."""
    if "\r" in value or "\n" in value:
        raise UserError(f"{field}: must not contain line breaks (CR or LF); got {value!r}")
    return value


def _split_entries(value: str) -> list[str]:
    """Split at commas outside quoted strings and angle brackets."""
    entries, current, quoted, angle, escaped = [], "", False, False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"' and not angle:
            quoted = not quoted
        elif char == "<" and not quoted:
            angle = True
        elif char == ">" and not quoted:
            angle = False
        elif char == "," and not quoted and not angle:
            entries.append(current)
            current = ""
            continue
        current += char
    return entries + [current]


def addr_spec(field: str, text: str) -> str:
    """A bare address local@domain: an ASCII dot-atom local part, a host name (IDN converted to A-labels)."""
    bad = UserError(f"{field}: {text!r} is not a valid email address")
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise bad
    if not local.isascii():
        raise UserError(
            f"{field}: {text!r} has a non-ASCII local part (before the @); sending it needs SMTPUTF8, "
            "which this server does not use. Use the recipient's ASCII address."
        )
    if not _DOT_ATOM.fullmatch(local) or len(local) > 64:
        raise bad
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        raise bad from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise bad
    address = f"{local}@{ascii_domain}"
    if len(address) > 254:
        raise bad
    return address


def _display_name(field: str, entry: str, text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if '"' in text or "<" in text or ">" in text:
        raise UserError(f"{field}: {entry.strip()!r} is not a valid email address (quote the whole name)")
    return " ".join(text.split())


def mailboxes(field: str, value: str | None) -> list[Mailbox]:
    """Parse "a@x.com, "Lee, Ann" <ann@y.org>" into mailboxes; a UserError names the malformed one."""
    if not value:
        return []
    no_line_breaks(field, value)
    if _CONTROL.search(value):
        raise UserError(f"{field}: control characters are not allowed in addresses")
    result = []
    for entry in _split_entries(value):
        stripped = entry.strip()
        if not stripped:
            continue
        if stripped.endswith(">") and "<" in stripped:
            name, _, inner = stripped[:-1].rpartition("<")
            result.append(Mailbox(_display_name(field, entry, name), addr_spec(field, inner.strip())))
        elif any(char in stripped for char in ' <>"'):
            raise UserError(f"{field}: {stripped!r} is not a valid email address")
        else:
            result.append(Mailbox("", addr_spec(field, stripped)))
    return result


def email_list(field: str, value: str | None) -> list[str]:
    """The bare addresses of a comma-separated list (display names dropped)."""
    return [mailbox.address for mailbox in mailboxes(field, value)]


def email_address(field: str, value: str) -> str:
    """Exactly one address, bare ("Ann <ann@x.com>" gives "ann@x.com"): what Google's JSON APIs want."""
    found = mailboxes(field, value)
    if len(found) != 1:
        raise UserError(f"{field}: expected one email address (got {value!r})")
    return found[0].address


def parse_when(field: str, value: str) -> date | datetime:
    """An ISO 8601 date (2025-03-01) or date-time (2025-03-01T09:00:00+01:00, Z or offset optional)."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise UserError(
            f"{field}: {value!r} is not an ISO 8601 date or date-time (e.g. 2025-03-01 or 2025-03-01T09:00:00+01:00)"
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
        raise UserError(f"time_zone: unknown IANA time zone {name!r} (e.g. Europe/Berlin)") from None


def header(headers: list[dict[str, str]], name: str) -> str:
    lowered = name.lower()
    return next((h.get("value", "") for h in headers if h.get("name", "").lower() == lowered), "")


def blob_result(text: str, data: bytes, mime_type: str, uri: str, info: dict[str, Any]) -> ToolResult:
    """Binary content as an MCP embedded resource (base64 blob with its MIME type) after a line describing it."""
    from mcp.types import BlobResourceContents, EmbeddedResource, TextContent

    blob = BlobResourceContents(uri=uri, mime_type=mime_type, blob=base64.b64encode(data).decode())
    return ToolResult(
        content=[TextContent(type="text", text=text), EmbeddedResource(type="resource", resource=blob)],
        structured_content=info,
    )


def decode_base64(field: str, value: str) -> bytes:
    """Standard or URL-safe base64 (padding optional, whitespace ignored); a UserError says what is wrong."""
    try:
        return base64.b64decode(value, validate=True)  # the usual case, at C speed (megabytes of it)
    except ValueError:
        pass
    compact = re.sub(r"\s+", "", value)
    stray = re.search(r"[^A-Za-z0-9+/=_-]", compact)
    if stray:
        raise UserError(f"{field}: not base64 (found {stray[0]!r} at character {stray.start()})")
    compact = compact.rstrip("=").replace("-", "+").replace("_", "/")
    if len(compact) % 4 == 1:
        raise UserError(f"{field}: not base64 (a length of {len(compact)} characters is impossible: truncated?)")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except ValueError as why:
        raise UserError(f"{field}: not base64 ({why})") from None
