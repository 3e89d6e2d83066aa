"""The stand-in's Calendar: calendars, events (patch semantics), free/busy."""

from __future__ import annotations

from datetime import UTC, datetime

from .core import (
    SEEDERS,
    ApiError,
    Ctx,
    GoogleApiFake,
    check_address,
    get_or_404,
    handles,
    lost_subfields,
    page,
    pop_or_404,
)


def _seed_calendar(fake: GoogleApiFake) -> None:
    fake.state["calendars"] = {
        "me@example.com": {
            "id": "me@example.com",
            "summary": "Me",
            "accessRole": "owner",
            "timeZone": "Europe/Berlin",
            "primary": True,
        },
        "team@group.calendar.google.com": {
            "id": "team@group.calendar.google.com",
            "summary": "Team",
            "accessRole": "reader",
            "timeZone": "UTC",
        },
    }
    fake.state["events"] = {cal: {} for cal in fake.state["calendars"]}
    mine = fake.state["events"]["me@example.com"]
    for day in range(3, 9):
        mine[f"ev{day}"] = {
            "id": f"ev{day}",
            "summary": f"Standup {day}",
            "status": "confirmed",
            "start": {"dateTime": f"2025-03-{day:02d}T09:00:00Z"},
            "end": {"dateTime": f"2025-03-{day:02d}T09:15:00Z"},
        }
    mine["allday"] = {
        "id": "allday",
        "summary": "Offsite",
        "start": {"date": "2025-03-10"},
        "end": {"date": "2025-03-11"},
        "status": "confirmed",
    }
    mine["invite"] = {
        "id": "invite",
        "summary": "Planning",
        "status": "confirmed",
        "start": {"dateTime": "2025-03-12T14:00:00+01:00"},
        "end": {"dateTime": "2025-03-12T15:00:00+01:00"},
        "attendees": [
            {"email": "boss@example.com", "organizer": True, "responseStatus": "accepted"},
            {"email": "me@example.com", "self": True, "responseStatus": "needsAction"},
        ],
    }


SEEDERS.append(_seed_calendar)


def _calendar(fake: GoogleApiFake, calendar_id: str) -> dict:
    if calendar_id == "primary":
        calendar_id = "me@example.com"
    return get_or_404(fake.state["events"], calendar_id, "calendar")


def _instant(value: dict) -> datetime:
    from datetime import datetime

    if "dateTime" in value:
        parsed = datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            from zoneinfo import ZoneInfo

            parsed = parsed.replace(tzinfo=ZoneInfo(value["timeZone"]))
        return parsed
    return datetime.fromisoformat(value["date"]).replace(tzinfo=UTC)


def _in_zone(event: dict, zone_name: str | None) -> dict:
    if not zone_name:
        return event
    from zoneinfo import ZoneInfo

    out = dict(event)
    for key in ("start", "end"):
        if "dateTime" in event[key]:
            out[key] = {
                "dateTime": _instant(event[key]).astimezone(ZoneInfo(zone_name)).isoformat(),
                "timeZone": zone_name,
            }
    return out


def _events_between(events: dict, params: dict) -> list[dict]:
    from datetime import datetime

    low = datetime.fromisoformat(params["timeMin"].replace("Z", "+00:00")) if params.get("timeMin") else None
    high = datetime.fromisoformat(params["timeMax"].replace("Z", "+00:00")) if params.get("timeMax") else None
    found = []
    for event in events.values():
        if (low and _instant(event["end"]) <= low) or (high and _instant(event["start"]) >= high):
            continue
        text = (event.get("summary", "") + " " + event.get("description", "")).lower()
        if params.get("q") and params["q"].lower() not in text:
            continue
        found.append(event)
    return sorted(found, key=lambda e: _instant(e["start"]))


@handles("calendar.calendarList.list")
def _cal_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return {"items": list(fake.state["calendars"].values())}


@handles("calendar.events.list")
def _cal_events(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if ctx.params.get("orderBy") == "startTime" and ctx.params.get("singleEvents") != "true":
        raise ApiError(400, "The requested ordering is not available for the particular query.", "invalid")
    found = _events_between(_calendar(fake, ctx.params["calendarId"]), ctx.params)
    chunk, token = page(found, ctx.params, "maxResults", 250)
    return {
        "items": [_in_zone(e, ctx.params.get("timeZone")) for e in chunk],
        **({"nextPageToken": token} if token else {}),
    }


@handles("calendar.events.get")
def _cal_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return get_or_404(_calendar(fake, ctx.params["calendarId"]), ctx.params["eventId"], "event")


def _check_times(event: dict) -> None:
    for key in ("start", "end"):
        value = event.get(key, {})
        if "dateTime" in value and "date" in value:
            raise ApiError(400, f"Invalid {key} time: give date or dateTime, not both.", "invalid")
        if "dateTime" in value and event.get("recurrence") and not value.get("timeZone"):
            raise ApiError(400, f"Missing time zone definition for {key} time.", "required")  # recurring events
        if "dateTime" in value:
            from datetime import datetime

            if datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00")).tzinfo is None and not value.get(
                "timeZone"
            ):
                raise ApiError(400, f"Missing time zone definition for {key} time.", "required")
        elif "date" not in value:
            raise ApiError(400, f"Missing {key} time.", "required")
    if _instant(event["end"]) <= _instant(event["start"]):
        raise ApiError(400, "The specified time range is empty.", "timeRangeEmpty")


def _conference(fake: GoogleApiFake, event: dict, ctx: Ctx) -> None:
    request = event.pop("conferenceData", {}).get("createRequest")
    if request and ctx.params.get("conferenceDataVersion") == "1":
        link = f"https://meet.google.com/{fake.new_id('abc-')}"
        event["hangoutLink"] = link
        event["conferenceData"] = {
            "entryPoints": [{"entryPointType": "video", "uri": link}],
            "conferenceSolution": {"key": request["conferenceSolutionKey"]},
        }


def _merge(stored: dict, patch: dict) -> dict:
    """Patch semantics: objects merge field by field, arrays are replaced, null clears a field."""
    out = dict(stored)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(stored.get(key), dict):
            out[key] = _merge(stored[key], value)
        else:
            out[key] = value
    return out


ATTENDEE_OUTPUT_ONLY = frozenset({"id", "self", "organizer"})


def _check_attendees(fake: GoogleApiFake, ctx: Ctx, stored: list[dict]) -> None:
    sent = ctx.body.get("attendees")
    if sent is None:
        return
    for attendee in sent:
        check_address(fake, ctx.method_id, "attendees[].email", attendee.get("email"))
    lost = lost_subfields(stored, sent, lambda a: a.get("email", "").lower(), ATTENDEE_OUTPUT_ONLY)
    if lost:
        fake.data_loss(ctx.method_id, f"attendees lose {lost}")


@handles("calendar.calendars.get")
def _cal_calendar(fake: GoogleApiFake, ctx: Ctx) -> dict:
    calendar_id = "me@example.com" if ctx.params["calendarId"] == "primary" else ctx.params["calendarId"]
    found = get_or_404(fake.state["calendars"], calendar_id, "calendar")
    return {"kind": "calendar#calendar", "id": found["id"], "summary": found["summary"], "timeZone": found["timeZone"]}


@handles("calendar.events.insert")
def _cal_insert(fake: GoogleApiFake, ctx: Ctx) -> dict:
    events = _calendar(fake, ctx.params["calendarId"])
    _check_attendees(fake, ctx, [])
    event = {"id": fake.new_id("ev"), "status": "confirmed", **ctx.body}
    _check_times(event)
    for attendee in event.get("attendees", []):
        attendee.setdefault("responseStatus", "needsAction")
    _conference(fake, event, ctx)
    events[event["id"]] = event
    return event


@handles("calendar.events.patch")
def _cal_patch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    event = get_or_404(_calendar(fake, ctx.params["calendarId"]), ctx.params["eventId"], "event")
    _check_attendees(fake, ctx, event.get("attendees", []))
    merged = _merge(event, ctx.body)
    for attendee in merged.get("attendees", []):
        attendee.setdefault("responseStatus", "needsAction")
    _check_times(merged)
    _conference(fake, merged, ctx)
    event.clear()
    event.update(merged)
    return event


@handles("calendar.events.delete")
def _cal_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(_calendar(fake, ctx.params["calendarId"]), ctx.params["eventId"], "event")


@handles("calendar.freebusy.query")
def _cal_freebusy(fake: GoogleApiFake, ctx: Ctx) -> dict:
    out = {}
    for item in ctx.body.get("items", []):
        try:
            events = _calendar(fake, item["id"])
        except ApiError:
            out[item["id"]] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
            continue
        busy = _events_between(events, ctx.body)
        out[item["id"]] = {
            "busy": [{"start": _instant(e["start"]).isoformat(), "end": _instant(e["end"]).isoformat()} for e in busy]
        }
    return {
        "kind": "calendar#freeBusy",
        "timeMin": ctx.body["timeMin"],
        "timeMax": ctx.body["timeMax"],
        "calendars": out,
    }
