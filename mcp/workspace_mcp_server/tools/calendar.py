"""Calendar tools: calendars, events in a time range, create/update/delete, free/busy, RSVP."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import CALENDAR_READ, CALENDAR_WRITE
from .common import check_page_size, email_address, paged, parse_when, respond, rfc3339, zone
from .registry import read, write

RECURRENCE_PREFIXES = ("RRULE:", "EXRULE:", "RDATE:", "EXDATE:")


def _events(service: Any) -> Any:
    return service.events()


def _when(value: dict) -> str:
    return value.get("dateTime") or value.get("date", "?")


def _render(event: dict) -> str:
    lines = [
        f"{event.get('summary', '(no title)')}: {_when(event.get('start', {}))} - {_when(event.get('end', {}))}"
        f" (id={event.get('id')})"
    ]
    if event.get("location"):
        lines.append(f"  Location: {event['location']}")
    if event.get("attendees"):
        lines.append(
            "  Attendees: "
            + ", ".join(f"{a.get('email')} ({a.get('responseStatus', 'needsAction')})" for a in event["attendees"])
        )
    if event.get("hangoutLink"):
        lines.append(f"  Meet: {event['hangoutLink']}")
    if event.get("recurrence"):
        lines.append("  Recurrence: " + "; ".join(event["recurrence"]))
    if event.get("description"):
        lines.append(f"  Description: {event['description']}")
    return "\n".join(lines)


@read("core", CALENDAR_READ)
async def list_calendars() -> ToolResult:
    """List your calendars with ids, access role and time zone."""
    listing = await call("calendar", lambda s: s.calendarList().list(maxResults=250))
    items = [
        {
            "id": c["id"],
            "summary": c.get("summary", ""),
            "accessRole": c.get("accessRole"),
            "timeZone": c.get("timeZone"),
            "primary": c.get("primary", False),
        }
        for c in listing.get("items", [])
    ]
    text = "\n".join(
        f"{c['summary']} (id={c['id']}, {c['accessRole']}, {c['timeZone']}{', primary' if c['primary'] else ''})"
        for c in items
    )
    return respond(text or "No calendars.", {"calendars": items})


@read("core", CALENDAR_READ)
async def get_events(
    time_min: str | None = None,
    time_max: str | None = None,
    query: str | None = None,
    calendar_id: str = "primary",
    time_zone: str | None = None,
    page_size: int = 25,
    page_token: str | None = None,
) -> ToolResult:
    """List events in a time range (recurring events expanded, by start time).

    Args:
        time_min: ISO date/date-time; default now. Without an offset, time_zone applies.
        time_max: ISO date/date-time (exclusive).
        query: free-text search in events.
        time_zone: IANA zone for times in the answer, e.g. Europe/Berlin.
    """
    check_page_size(page_size, 250)
    start = rfc3339("time_min", time_min, time_zone) if time_min else datetime.now(UTC).isoformat()
    end = rfc3339("time_max", time_max, time_zone) if time_max else None
    if end and datetime.fromisoformat(end) <= datetime.fromisoformat(start):
        raise UserError(f"time_max: must be after time_min ({time_max!r} <= {time_min!r})")
    if time_zone:
        zone(time_zone)
    listing = await call(
        "calendar",
        lambda s: _events(s).list(
            calendarId=calendar_id,
            timeMin=start,
            timeMax=end,
            q=query,
            singleEvents=True,
            orderBy="startTime",
            maxResults=page_size,
            pageToken=page_token,
            timeZone=time_zone,
        ),
        what=f"calendar '{calendar_id}'",
    )
    return paged(listing, "items", _render, "No events in that range.", name="events")


@read("core", CALENDAR_READ)
async def get_event(event_id: str, calendar_id: str = "primary") -> ToolResult:
    """Get one event with attendees, Meet link and recurrence."""
    event = await call(
        "calendar", lambda s: _events(s).get(calendarId=calendar_id, eventId=event_id), what=f"event '{event_id}'"
    )
    return respond(_render(event), event)


def _time(field: str, value: str, time_zone: str | None) -> tuple[dict, date | datetime]:
    """An event time; the other form is sent as null so that a patch turning an event all-day (or back) clears it."""
    when = parse_when(field, value)
    if not isinstance(when, datetime):
        return {"date": when.isoformat(), "dateTime": None, "timeZone": None}, when
    if when.tzinfo is None:
        if not time_zone:
            raise UserError(f"{field}: {value!r} has no UTC offset; add one (e.g. +01:00) or give time_zone")
        zone(time_zone)
        return {"dateTime": when.isoformat(), "timeZone": time_zone, "date": None}, when.replace(tzinfo=zone(time_zone))
    out: dict[str, Any] = {"dateTime": when.isoformat(), "date": None}
    if time_zone:
        zone(time_zone)
        out["timeZone"] = time_zone
    return out, when


def _event_body(
    summary: str | None,
    start: str | None,
    end: str | None,
    time_zone: str | None,
    description: str | None,
    location: str | None,
    attendees: list[str] | None,
    reminders_minutes: list[int] | None,
    recurrence: list[str] | None,
    add_meet: bool,
) -> dict:
    body: dict[str, Any] = {
        k: v for k, v in {"summary": summary, "description": description, "location": location}.items() if v is not None
    }
    if (start is None) != (end is None):
        raise UserError("start/end: give both or neither")
    if start is not None and end is not None:
        body["start"], first = _time("start", start, time_zone)
        body["end"], last = _time("end", end, time_zone)
        if type(first) is not type(last):
            raise UserError("start/end: use two dates (all-day) or two date-times, not a mix")
        if last <= first:
            raise UserError(f"end: must be after start ({end!r} <= {start!r})")
    if attendees is not None:
        body["attendees"] = [{"email": email_address("attendees", a)} for a in attendees]
        if len({a["email"].lower() for a in body["attendees"]}) != len(body["attendees"]):
            raise UserError("attendees: each address may appear once")
    if reminders_minutes is not None:
        if any(not 0 <= m <= 40320 for m in reminders_minutes):
            raise UserError("reminders_minutes: each must be between 0 and 40320 (4 weeks)")
        body["reminders"] = {
            "useDefault": False,
            "overrides": [{"method": "popup", "minutes": m} for m in reminders_minutes],
        }
    if recurrence is not None:
        bad = [r for r in recurrence if not r.upper().startswith(RECURRENCE_PREFIXES)]
        if bad:
            raise UserError(f"recurrence: {bad[0]!r} is not an RRULE/EXRULE/RDATE/EXDATE line")
        body["recurrence"] = recurrence
    if add_meet:
        body["conferenceData"] = {
            "createRequest": {"requestId": uuid.uuid4().hex, "conferenceSolutionKey": {"type": "hangoutsMeet"}}
        }
    return body


async def _calendar_zone(calendar_id: str) -> str:
    calendar = await call(
        "calendar", lambda s: s.calendars().get(calendarId=calendar_id), what=f"calendar '{calendar_id}'"
    )
    return calendar.get("timeZone", "UTC")


async def _zone_for_recurrence(body: dict, calendar_id: str, current: dict | None = None) -> str | None:
    """Google expands a recurring event in its time zone and requires one: when the times carry only an
    offset, use the event's own zone, else the calendar's. Returns the zone it added, if any."""
    times = [body.get(key) or (current or {}).get(key) or {} for key in ("start", "end")]
    if not any(t.get("dateTime") and not t.get("timeZone") for t in times):
        return None
    name = ((current or {}).get("start") or {}).get("timeZone") or await _calendar_zone(calendar_id)
    for key, value in zip(("start", "end"), times, strict=True):
        if value.get("dateTime") and not value.get("timeZone"):
            body[key] = {**value, "timeZone": name}
    return name


def _zone_note(name: str | None) -> str:
    return f"\nRecurrence expands in {name} (no time_zone was given)." if name else ""


@write("core", CALENDAR_WRITE)
async def create_event(
    summary: str,
    start: str,
    end: str,
    calendar_id: str = "primary",
    time_zone: str | None = None,
    description: str | None = None,
    location: str | None = None,
    attendees: list[str] | None = None,
    add_meet: bool = False,
    reminders_minutes: list[int] | None = None,
    recurrence: list[str] | None = None,
) -> ToolResult:
    """Create an event. Dates (2025-03-01) make an all-day event (end exclusive).

    Args:
        start: ISO date or date-time; without an offset give time_zone.
        time_zone: IANA zone; recurring events without one use the calendar's zone.
        recurrence: RFC 5545 lines, e.g. ["RRULE:FREQ=WEEKLY;COUNT=4"].
        reminders_minutes: popup reminders, minutes before start.
    """
    body = _event_body(
        summary, start, end, time_zone, description, location, attendees, reminders_minutes, recurrence, add_meet
    )
    for key in ("start", "end"):  # nothing to clear on a new event
        body[key] = {k: v for k, v in body[key].items() if v is not None}
    added = await _zone_for_recurrence(body, calendar_id) if recurrence else None
    event = await call(
        "calendar",
        lambda s: _events(s).insert(
            calendarId=calendar_id,
            body=body,
            conferenceDataVersion=1 if add_meet else 0,
            sendUpdates="all" if attendees else "none",
        ),
        what=f"calendar '{calendar_id}'",
    )
    return respond("Created " + _render(event) + _zone_note(added), event)


@write("extended", CALENDAR_WRITE)
async def update_event(
    event_id: str,
    calendar_id: str = "primary",
    summary: str | None = None,
    start: str | None = None,
    end: str | None = None,
    time_zone: str | None = None,
    description: str | None = None,
    location: str | None = None,
    attendees: list[str] | None = None,
    add_meet: bool = False,
    reminders_minutes: list[int] | None = None,
    recurrence: list[str] | None = None,
) -> ToolResult:
    """Change an event; only the given fields change (attendees replaces the list; people already invited keep
    their responses)."""
    body = _event_body(
        summary, start, end, time_zone, description, location, attendees, reminders_minutes, recurrence, add_meet
    )
    if not body:
        raise UserError("Nothing to change: give at least one field")
    added = None
    if attendees is not None or recurrence is not None or start is not None:
        current = await call(
            "calendar", lambda s: _events(s).get(calendarId=calendar_id, eventId=event_id), what=f"event '{event_id}'"
        )
        if attendees is not None:  # keep what Google stores per attendee (response, optional, comment)
            known = {a.get("email", "").lower(): a for a in current.get("attendees", [])}
            body["attendees"] = [known.get(a["email"].lower(), a) for a in body["attendees"]]
        if recurrence or (recurrence is None and current.get("recurrence")):
            added = await _zone_for_recurrence(body, calendar_id, current)
    event = await call(
        "calendar",
        lambda s: _events(s).patch(
            calendarId=calendar_id, eventId=event_id, body=body, conferenceDataVersion=1 if add_meet else 0
        ),
        what=f"event '{event_id}'",
    )
    return respond("Updated " + _render(event) + _zone_note(added), event)


@write("extended", CALENDAR_WRITE, destructive=True)
async def delete_event(event_id: str, calendar_id: str = "primary") -> ToolResult:
    """Delete an event."""
    await call(
        "calendar", lambda s: _events(s).delete(calendarId=calendar_id, eventId=event_id), what=f"event '{event_id}'"
    )
    return respond(f"Deleted event {event_id}.")


@read("extended", CALENDAR_READ)
async def query_free_busy(
    time_min: str, time_max: str, calendars: list[str] | None = None, time_zone: str | None = None
) -> ToolResult:
    """Busy intervals of calendars (ids or emails; default your primary) in a time range."""
    start, end = rfc3339("time_min", time_min, time_zone), rfc3339("time_max", time_max, time_zone)
    if datetime.fromisoformat(end) <= datetime.fromisoformat(start):
        raise UserError(f"time_max: must be after time_min ({time_max!r} <= {time_min!r})")
    if datetime.fromisoformat(end) - datetime.fromisoformat(start) > timedelta(days=62):
        raise UserError("time_max: free/busy covers at most 62 days")
    body: dict[str, Any] = {"timeMin": start, "timeMax": end, "items": [{"id": c} for c in calendars or ["primary"]]}
    if time_zone:
        body["timeZone"] = time_zone
    result = await call("calendar", lambda s: s.freebusy().query(body=body))
    lines = []
    for cal_id, info in result.get("calendars", {}).items():
        if info.get("errors"):
            lines.append(f"{cal_id}: error {info['errors'][0].get('reason')}")
            continue
        busy = ", ".join(f"{b['start']} - {b['end']}" for b in info.get("busy", [])) or "free"
        lines.append(f"{cal_id}: {busy}")
    return respond("\n".join(lines), {"calendars": result.get("calendars", {})})


@write("complete", CALENDAR_WRITE)
async def respond_to_event(
    event_id: str, response: Literal["accepted", "declined", "tentative"], calendar_id: str = "primary"
) -> ToolResult:
    """Answer an invitation (accepted, declined or tentative)."""
    event = await call(
        "calendar", lambda s: _events(s).get(calendarId=calendar_id, eventId=event_id), what=f"event '{event_id}'"
    )
    attendees = event.get("attendees", [])
    mine = [a for a in attendees if a.get("self")]
    if not mine:
        raise UserError(f"Event '{event_id}' has no invitation for you to answer")
    for attendee in mine:
        attendee["responseStatus"] = response
    updated = await call(
        "calendar",
        lambda s: _events(s).patch(
            calendarId=calendar_id, eventId=event_id, body={"attendees": attendees}, sendUpdates="all"
        ),
        what=f"event '{event_id}'",
    )
    return respond(
        f"Responded {response} to {updated.get('summary', event_id)}.", {"id": event_id, "response": response}
    )
