"""Calendar tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import pytest

from tests.server.tools.conftest import call, error

pytestmark = pytest.mark.anyio

MARCH = {"time_min": "2025-03-01", "time_max": "2025-03-09T00:00:00Z"}


async def test_list_calendars(mcp):
    calendars = (await call(mcp, "list_calendars")).structured_content["calendars"]
    assert [(c["id"], c["primary"]) for c in calendars] == [
        ("me@example.com", True),
        ("team@group.calendar.google.com", False),
    ]


async def test_events_in_range_with_time_zone_and_paging(mcp, google_api):
    first = await call(mcp, "get_events", calendar_id="team@group.calendar.google.com", **MARCH)
    assert first.structured_content["events"] == []
    first = await call(mcp, "get_events", time_zone="Europe/Berlin", page_size=2, **MARCH)
    sent = google_api.calls("calendar.events.list")[-1].query
    # a date without offset is midnight in the requested zone; singleEvents expands recurrences
    assert sent["timeMin"] == ["2025-03-01T00:00:00+01:00"] and sent["singleEvents"] == ["true"]
    assert sent["timeZone"] == ["Europe/Berlin"]
    starts = [e["start"]["dateTime"] for e in first.structured_content["events"]]
    assert starts[0].endswith("+01:00") and "10:00:00" in starts[0]
    token = first.structured_content["nextPageToken"]
    rest = await call(mcp, "get_events", time_zone="Europe/Berlin", page_size=2, page_token=token, **MARCH)
    assert not {e["id"] for e in first.structured_content["events"]} & {
        e["id"] for e in rest.structured_content["events"]
    }


async def test_search_events_by_text(mcp):
    found = await call(mcp, "get_events", time_min="2025-03-01", query="offsite")
    assert [e["id"] for e in found.structured_content["events"]] == ["allday"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"time_min": "2025-13-01"}, "time_min: '2025-13-01' is not an ISO 8601"),
        ({"time_min": "next tuesday"}, "time_min: 'next tuesday' is not an ISO 8601"),
        ({"time_min": "2025-03-02", "time_max": "2025-03-01"}, "time_max: must be after time_min"),
        ({"time_min": "2025-03-01", "time_zone": "Mars/Olympus"}, "time_zone: unknown IANA time zone 'Mars/Olympus'"),
    ],
)
async def test_event_listing_bad_arguments(mcp, arguments, message):
    assert message in await error(mcp, "get_events", **arguments)


async def test_get_event(mcp):
    event = await call(mcp, "get_event", event_id="invite")
    assert "me@example.com (needsAction)" in event.content[0].text
    assert "event 'no-such-event'" in await error(mcp, "get_event", event_id="no-such-event")


async def test_create_with_everything(mcp, google_api):
    created = (
        await call(
            mcp,
            "create_event",
            summary="Review",
            start="2025-03-20T12:00:00",
            end="2025-03-20T13:00:00",
            time_zone="Europe/Berlin",
            attendees=["ann@example.com"],
            add_meet=True,
            reminders_minutes=[10, 60],
            recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"],
            location="Room 1",
            description="Quarterly",
        )
    ).structured_content
    assert created["start"] == {"dateTime": "2025-03-20T12:00:00", "timeZone": "Europe/Berlin"}
    assert created["hangoutLink"].startswith("https://meet.google.com/")
    assert created["reminders"] == {
        "useDefault": False,
        "overrides": [{"method": "popup", "minutes": 10}, {"method": "popup", "minutes": 60}],
    }
    sent = google_api.calls("calendar.events.insert")[-1]
    assert sent.query["conferenceDataVersion"] == ["1"] and sent.query["sendUpdates"] == ["all"]
    assert sent.json()["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=3"]


async def test_create_all_day(mcp):
    created = (
        await call(mcp, "create_event", summary="Holiday", start="2025-04-01", end="2025-04-02")
    ).structured_content
    assert created["start"] == {"date": "2025-04-01"} and created["end"] == {"date": "2025-04-02"}


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            {"start": "2025-03-20T12:00:00", "end": "2025-03-20T13:00:00"},
            "start: '2025-03-20T12:00:00' has no UTC offset",
        ),
        ({"start": "2025-03-20", "end": "2025-03-20T13:00:00Z"}, "use two dates (all-day) or two date-times"),
        ({"start": "2025-03-21T10:00:00Z", "end": "2025-03-21T09:00:00Z"}, "end: must be after start"),
        ({"start": "2025-02-30", "end": "2025-03-01"}, "start: '2025-02-30' is not an ISO 8601"),
        ({"start": "2025-03-20", "end": "2025-03-21", "attendees": ["ann@"]}, "attendees: 'ann@' is not a valid email"),
        (
            {"start": "2025-03-20", "end": "2025-03-21", "recurrence": ["WEEKLY"]},
            "recurrence: 'WEEKLY' is not an RRULE",
        ),
        ({"start": "2025-03-20", "end": "2025-03-21", "reminders_minutes": [-5]}, "reminders_minutes: each must be"),
    ],
)
async def test_create_bad_arguments(mcp, google_api, arguments, message):
    before = len(google_api.calls("calendar.events.insert"))
    assert message in await error(mcp, "create_event", summary="Bad", **arguments)
    assert len(google_api.calls("calendar.events.insert")) == before


async def test_update_delete(mcp, google_api):
    created = (
        await call(mcp, "create_event", summary="Temp", start="2025-05-01T09:00:00Z", end="2025-05-01T10:00:00Z")
    ).structured_content
    updated = (
        await call(
            mcp,
            "update_event",
            event_id=created["id"],
            summary="Moved",
            start="2025-05-01T11:00:00+02:00",
            end="2025-05-01T12:00:00+02:00",
        )
    ).structured_content
    assert updated["summary"] == "Moved" and updated["start"]["dateTime"] == "2025-05-01T11:00:00+02:00"
    assert google_api.calls("calendar.events.patch")[-1].json() == {
        "summary": "Moved",
        "start": {"dateTime": "2025-05-01T11:00:00+02:00", "date": None},
        "end": {"dateTime": "2025-05-01T12:00:00+02:00", "date": None},
    }
    assert "Nothing to change" in await error(mcp, "update_event", event_id=created["id"])
    await call(mcp, "delete_event", event_id=created["id"])
    assert f"event '{created['id']}'" in await error(mcp, "delete_event", event_id=created["id"])


async def test_free_busy(mcp):
    result = await call(
        mcp,
        "query_free_busy",
        time_min="2025-03-03T00:00:00Z",
        time_max="2025-03-04T00:00:00Z",
        calendars=["primary", "ghost@example.com"],
    )
    busy = result.structured_content["calendars"]
    assert busy["primary"]["busy"] == [{"start": "2025-03-03T09:00:00+00:00", "end": "2025-03-03T09:15:00+00:00"}]
    assert "ghost@example.com: error notFound" in result.content[0].text
    assert "at most 62 days" in await error(mcp, "query_free_busy", time_min="2025-01-01", time_max="2025-06-01")


async def test_respond_to_invitation(mcp, google_api):
    await call(mcp, "respond_to_event", event_id="invite", response="tentative")
    attendees = google_api.state["events"]["me@example.com"]["invite"]["attendees"]
    assert [a["responseStatus"] for a in attendees] == ["accepted", "tentative"]
    assert "no invitation for you" in await error(mcp, "respond_to_event", event_id="ev5", response="accepted")
    assert "Input should be" in await error(mcp, "respond_to_event", event_id="invite", response="maybe")


async def test_recurring_event_with_an_offset_gets_the_calendars_zone(mcp, google_api):
    created = await call(
        mcp,
        "create_event",
        summary="Weekly",
        start="2025-06-02T09:00:00+02:00",
        end="2025-06-02T09:30:00+02:00",
        recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"],
    )
    sent = google_api.calls("calendar.events.insert")[-1].json()
    assert sent["start"] == {"dateTime": "2025-06-02T09:00:00+02:00", "timeZone": "Europe/Berlin"}
    assert sent["end"]["timeZone"] == "Europe/Berlin"
    assert "Recurrence expands in Europe/Berlin" in created.content[0].text
    single = await call(
        mcp, "create_event", summary="Once", start="2025-06-03T09:00:00+02:00", end="2025-06-03T09:30:00+02:00"
    )
    assert "timeZone" not in google_api.calls("calendar.events.insert")[-1].json()["start"]
    # making an existing offset-only event recurring adds the zone as well
    await call(mcp, "update_event", event_id=single.structured_content["id"], recurrence=["RRULE:FREQ=DAILY;COUNT=2"])
    patched = google_api.calls("calendar.events.patch")[-1].json()
    assert patched["start"]["timeZone"] == "Europe/Berlin" and patched["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=2"]


async def test_timed_event_turned_all_day_and_back(mcp, google_api):
    created = (
        await call(mcp, "create_event", summary="Flip", start="2025-07-01T09:00:00Z", end="2025-07-01T10:00:00Z")
    ).structured_content
    await call(mcp, "update_event", event_id=created["id"], start="2025-07-02", end="2025-07-03")
    stored = google_api.state["events"]["me@example.com"][created["id"]]
    assert stored["start"] == {"date": "2025-07-02"} and stored["end"] == {"date": "2025-07-03"}
    await call(
        mcp,
        "update_event",
        event_id=created["id"],
        start="2025-07-02T08:00:00",
        end="2025-07-02T09:00:00",
        time_zone="Europe/Berlin",
    )
    assert stored["start"] == {"dateTime": "2025-07-02T08:00:00", "timeZone": "Europe/Berlin"}


async def test_attendees_are_bare_addresses_and_keep_their_responses(mcp, google_api):
    created = (
        await call(
            mcp,
            "create_event",
            summary="Sync",
            start="2025-08-01",
            end="2025-08-02",
            attendees=["Ann Lee <ann@example.com>", "bob@example.com"],
        )
    ).structured_content
    stored = google_api.state["events"]["me@example.com"][created["id"]]
    assert [a["email"] for a in stored["attendees"]] == ["ann@example.com", "bob@example.com"]
    stored["attendees"][0].update(responseStatus="accepted", comment="see you", optional=True)
    await call(mcp, "update_event", event_id=created["id"], attendees=["ANN@example.com", "Cara <cara@example.org>"])
    assert stored["attendees"] == [
        {"email": "ann@example.com", "responseStatus": "accepted", "comment": "see you", "optional": True},
        {"email": "cara@example.org", "responseStatus": "needsAction"},
    ]
