"""Forms tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import pytest

from tests.server.tools.conftest import ACCESS_TOKEN, call, error, text
from tests.server.tools.test_standin import refused, send

pytestmark = pytest.mark.anyio


async def test_get_form_renders_items_compactly(mcp):
    shown = await text(mcp, "get_form", form_id="form1")
    assert shown.splitlines()[:2] == [
        "Team survey (id=form1, file 'Team survey 2025')",
        "published=yes, accepting responses=yes; responder link: "
        "https://docs.google.com/forms/d/e/form1-responder/viewform",
    ]
    assert "2. [short text, required] Your name (item=a000000a question=1000000a)" in shown
    assert (
        "3. [multiple choice] Favourite colour (item=a000000b question=1000000b)\n   options: Red | Green | Blue"
        in shown
    )
    assert "4. [scale 1-5 (Not)] How satisfied are you?" in shown and "5. [date] Visit date" in shown
    assert "1. [text] About you (item=0000000a)\n   A few questions" in shown
    assert "6. [grid] Rate each (item=0000000e)\n   rows: Food | Venue\n   columns: Good | Bad" in shown
    legacy = await text(mcp, "get_form", form_id="legacy1")
    assert "publish settings: not available (legacy form)" in legacy and "No questions yet." in legacy
    assert "form 'nope' does not exist" in await error(mcp, "get_form", form_id="nope")
    assert "form_id: '../form1' is not a form id" in await error(mcp, "get_form", form_id="../form1")


async def test_create_form_with_every_question_kind(mcp, google_api):
    created = await call(mcp, "create_form", title="Offsite 🏔", document_title="Offsite form", description="Where?")
    form_id = created.structured_content["formId"]
    sent = google_api.calls("forms.forms.create")[-1]
    assert sent.json() == {"info": {"title": "Offsite 🏔", "documentTitle": "Offsite form"}}
    assert sent.query["unpublished"] == ["false"]
    assert google_api.state["forms"][form_id]["info"]["description"] == "Where?"
    kinds = [
        ("short_text", {}, {"textQuestion": {"paragraph": False}}),
        ("paragraph", {}, {"textQuestion": {"paragraph": True}}),
        ("multiple_choice", {"options": ["A", "B"]}, {"choiceQuestion": {"type": "RADIO"}}),
        ("checkbox", {"options": ["x"]}, {"choiceQuestion": {"type": "CHECKBOX"}}),
        ("dropdown", {"options": ["Mo", "Tu"]}, {"choiceQuestion": {"type": "DROP_DOWN"}}),
        ("scale", {"scale_low": 0, "scale_high": 10, "scale_labels": ["Never", "Always"]}, {"scaleQuestion": {}}),
        ("date", {}, {"dateQuestion": {"includeYear": True}}),
        ("time", {}, {"timeQuestion": {"duration": False}}),
    ]
    for kind, extra, _ in kinds:
        added = await text(mcp, "add_form_question", form_id=form_id, title=f"Q {kind}", kind=kind, **extra)
        assert added.startswith(f"Added {kind} question 'Q {kind}'"), added
    items = google_api.state["forms"][form_id]["items"]
    assert [item["title"] for item in items] == [f"Q {kind}" for kind, _, _ in kinds]
    for item, (_, _, expected) in zip(items, kinds, strict=True):
        question = item["questionItem"]["question"]
        for key, value in expected.items():
            assert {k: question[key][k] for k in value} == value
    assert items[5]["questionItem"]["question"]["scaleQuestion"] == {
        "low": 0,
        "high": 10,
        "lowLabel": "Never",
        "highLabel": "Always",
    }
    first = await text(mcp, "add_form_question", form_id=form_id, title="First", required=True, index=0)
    assert "at position 1" in first and google_api.state["forms"][form_id]["items"][0]["title"] == "First"
    # Each request was based on the revision read just before it.
    control = google_api.calls("forms.forms.batchUpdate")[-1].json()["writeControl"]
    assert control["requiredRevisionId"] == "0000000a"


async def test_form_created_but_description_failed_is_reported(mcp, google_api):
    google_api.fail("forms.forms.batchUpdate", 400, message="Invalid description")
    try:
        message = await error(mcp, "create_form", title="Half", description="d")
    finally:
        google_api.failures.clear()
    created = [f for f in google_api.state["forms"].values() if f["info"]["title"] == "Half"]
    assert len(created) == 1
    assert message.startswith(f"Created form {created[0]['formId']} ('Half') but could not set its description: ")
    assert "Invalid description" in message


async def test_unpublished_form_and_publish_settings(mcp, google_api):
    created = (await call(mcp, "create_form", title="Draft", published=False)).structured_content
    assert created["publishSettings"]["publishState"] == {"isPublished": False, "isAcceptingResponses": False}
    opened = await text(mcp, "set_form_publish_settings", form_id=created["formId"], published=True)
    assert opened == f"Form {created['formId']}: published=yes, accepting responses=yes."
    paused = await text(
        mcp, "set_form_publish_settings", form_id=created["formId"], published=True, accepting_responses=False
    )
    assert paused.endswith("published=yes, accepting responses=no.")
    body = google_api.calls("forms.forms.setPublishSettings")[-1].json()
    assert body["updateMask"] == "publish_state"
    assert "an unpublished form cannot accept responses" in await error(
        mcp, "set_form_publish_settings", form_id=created["formId"], published=False, accepting_responses=True
    )
    legacy = await error(mcp, "set_form_publish_settings", form_id="legacy1", published=True)
    assert "Legacy forms do not support publish settings" in legacy


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"kind": "multiple_choice"}, "options: a multiple_choice question needs at least one option"),
        ({"kind": "checkbox", "options": ["a", " "]}, "options: an option must not be empty"),
        ({"kind": "dropdown", "options": ["a", "b", "a"]}, "options: each option must be different (repeated: a)"),
        ({"kind": "short_text", "options": ["a"]}, "options: only multiple_choice, checkbox, dropdown, grid and"),
        ({"kind": "rating", "options": ["a"]}, "options: only multiple_choice, checkbox, dropdown, grid and"),
        ({"kind": "scale", "scale_low": 2}, "scale: the low end must be 0 or 1 and the high end 2 to 10"),
        ({"kind": "scale", "scale_high": 11}, "scale: the low end must be 0 or 1 and the high end 2 to 10"),
        ({"kind": "scale", "scale_labels": ["only one"]}, "scale_labels: give two labels"),
        ({"kind": "date", "scale_high": 7}, "scale_high: only for scale questions (kind=date)"),
        ({"kind": "rating", "rating_levels": 2}, "rating_levels: must be 3 to 10 (got 2)"),
        ({"kind": "rating", "rating_levels": 11}, "rating_levels: must be 3 to 10 (got 11)"),
        ({"kind": "rating", "rating_icon": "smiley"}, "rating_icon"),
        ({"kind": "rating", "scale_low": 0}, "scale_low: only for scale questions (kind=rating)"),
        ({"kind": "short_text", "rating_levels": 7}, "rating_levels: only for rating questions (kind=short_text)"),
        (
            {"kind": "grid", "rows": ["r"], "options": ["c"], "rating_icon": "heart", "scale_labels": ["a", "b"]},
            "scale_labels: only for scale questions; rating_icon: only for rating questions (kind=grid)",
        ),
        ({"kind": "multiple_choice", "options": ["a"], "rows": ["r"]}, "rows: only for grid and checkbox_grid"),
        ({"kind": "grid", "options": ["Yes"]}, "rows: a grid question needs at least one row"),
        ({"kind": "checkbox_grid", "rows": ["r"]}, "options: a checkbox_grid question needs at least one option"),
        ({"kind": "grid", "options": ["c"], "rows": ["r", " "]}, "rows: a row must not be empty"),
        ({"kind": "checkbox_grid", "options": ["c"], "rows": ["r", "s", "r "]}, "rows: each row must be different"),
        ({"kind": "grid", "options": ["c", "c"], "rows": ["r"]}, "options: each option must be different"),
        ({"index": 99}, "index: must be between 0 and 6 (the form has 6 items; got 99)"),
        ({"index": -1}, "index: must be between 0 and 6"),
        ({"title": "  "}, "title: must not be empty"),
        ({"kind": "essay"}, "kind"),
    ],
)
async def test_add_question_is_validated_before_sending(mcp, google_api, arguments, message):
    before = len(google_api.calls("forms.forms.batchUpdate"))
    arguments = {"form_id": "form1", "title": "Q", **arguments}
    assert message in await error(mcp, "add_form_question", **arguments)
    assert len(google_api.calls("forms.forms.batchUpdate")) == before


async def test_update_and_delete_items(mcp, google_api):
    created = (await call(mcp, "create_form", title="Edits")).structured_content
    form_id = created["formId"]
    await call(mcp, "add_form_question", form_id=form_id, title="Pick", kind="checkbox", options=["a", "b"])
    await call(mcp, "add_form_question", form_id=form_id, title="Name")
    pick, name = google_api.state["forms"][form_id]["items"]
    updated = await text(
        mcp, "update_form_question", form_id=form_id, item_id=pick["itemId"], options=["b", "c"], required=True
    )
    assert updated == f"Updated item {pick['itemId']} (required, options)."
    request = google_api.calls("forms.forms.batchUpdate")[-1].json()["requests"][0]["updateItem"]
    assert request["updateMask"] == "questionItem.question.required,questionItem.question.choiceQuestion.options"
    assert request["location"] == {"index": 0}
    stored = google_api.state["forms"][form_id]["items"][0]
    question = stored["questionItem"]["question"]
    assert question["choiceQuestion"] == {"type": "CHECKBOX", "options": [{"value": "b"}, {"value": "c"}]}
    assert question["required"] is True and stored["title"] == "Pick"
    await call(mcp, "update_form_question", form_id=form_id, item_id=name["itemId"], title="Full name", description="")
    assert google_api.state["forms"][form_id]["items"][1]["title"] == "Full name"
    assert "is a short text question, without options" in await error(
        mcp, "update_form_question", form_id=form_id, item_id=name["itemId"], options=["x"]
    )
    assert "Nothing to change" in await error(mcp, "update_form_question", form_id=form_id, item_id=name["itemId"])
    assert f"form '{form_id}' has no item 'abc123'" in await error(
        mcp, "update_form_question", form_id=form_id, item_id="abc123", title="x"
    )
    assert "item_id: 'zz' is not an item id" in await error(mcp, "delete_form_item", form_id=form_id, item_id="zz")
    deleted = await text(mcp, "delete_form_item", form_id=form_id, item_id=pick["itemId"])
    assert deleted == f"Deleted item {pick['itemId']} ('Pick')."
    assert [i["itemId"] for i in google_api.state["forms"][form_id]["items"]] == [name["itemId"]]
    section = await error(mcp, "update_form_question", form_id="form1", item_id="0000000a", required=True)
    assert "item 0000000a is not a question" in section


async def test_responses_paging_filter_and_titles(mcp, google_api):
    first = await call(mcp, "list_form_responses", form_id="form1", page_size=3)
    lines = first.content[0].text.splitlines()
    assert lines[0] == "response resp1 submitted 2025-03-01T10:00:00.000Z from ann@example.com"
    assert lines[1] == "   Your name: Ann; Favourite colour: Red; (deleted question 9999999f): old"
    token = first.structured_content["nextPageToken"]
    assert token and f"page_token={token}" in first.content[0].text
    rest = await call(mcp, "list_form_responses", form_id="form1", page_size=3, page_token=token)
    assert [r["responseId"] for r in rest.structured_content["responses"]] == ["resp4", "resp5", "resp6"]
    recent = await call(mcp, "list_form_responses", form_id="form1", submitted_after="2025-03-06T12:00:00+02:00")
    assert google_api.calls("forms.forms.responses.list")[-1].query["filter"] == ["timestamp >= 2025-03-06T10:00:00Z"]
    assert [r["responseId"] for r in recent.structured_content["responses"]] == ["resp6", "resp7"]
    none = await text(mcp, "list_form_responses", form_id="form1", submitted_after="2026-01-01")
    assert none == "No responses."
    assert "page_size: must be between 1 and 5000" in await error(mcp, "list_form_responses", form_id="f", page_size=0)
    assert "submitted_after: 'last week' is not an ISO 8601" in await error(
        mcp, "list_form_responses", form_id="form1", submitted_after="last week"
    )
    one = await text(mcp, "get_form_response", form_id="form1", response_id="resp3")
    assert one == (
        "response resp3 submitted 2025-03-03T10:00:00.000Z\n"
        "Your name\n   Chloé\nFavourite colour\n   Red\nRate each\n   Venue: Good"
    )
    assert "response 'resp99' of form 'form1' does not exist" in await error(
        mcp, "get_form_response", form_id="form1", response_id="resp99"
    )
    assert "response_id: 'a b' is not a response id" in await error(
        mcp, "get_form_response", form_id="form1", response_id="a b"
    )


async def test_read_only_token_cannot_edit_and_google_errors_are_clear(mcp, google_api):
    granted = google_api.tokens[ACCESS_TOKEN]
    google_api.tokens[ACCESS_TOKEN] = {"https://www.googleapis.com/auth/forms.body.readonly"}
    try:
        assert "Team survey" in await text(mcp, "get_form", form_id="form1")
        message = await error(mcp, "create_form", title="x")
        responses = await error(mcp, "list_form_responses", form_id="form1")
    finally:
        google_api.tokens[ACCESS_TOKEN] = granted
    assert message == (
        "Missing OAuth scope: forms.forms.create needs the https://www.googleapis.com/auth/forms.body scope; "
        "sign in again and grant it."
    )
    assert "https://www.googleapis.com/auth/forms.responses.readonly scope" in responses
    google_api.fail("forms.forms.get", 403, message="The caller does not have permission")
    assert "Permission denied on form 'form1'" in await error(mcp, "get_form", form_id="form1")
    google_api.fail("forms.forms.get", 429, times=10)
    try:
        assert "Google is rate-limiting requests (HTTP 429)" in await error(mcp, "get_form", form_id="form1")
    finally:
        google_api.failures.clear()


def test_standin_refuses_what_google_refuses(google_api):
    path = "v1/forms/form1:batchUpdate"
    revision = google_api.state["forms"]["form1"]["revisionId"]

    def batch(*requests: dict, revision_id: str = revision):
        body = {"requests": list(requests), "writeControl": {"requiredRevisionId": revision_id}}
        return send(google_api, "POST", path, body)

    question = {"questionItem": {"question": {"choiceQuestion": {"type": "RADIO", "options": []}}}}
    status, body = batch({"createItem": {"item": question, "location": {"index": 0}}})
    assert status == 400 and "at least one option is required" in body["error"]["message"]
    text_question = {"title": "x", "questionItem": {"question": {"textQuestion": {}}}}
    status, body = batch({"createItem": {"item": text_question, "location": {"index": 7}}})
    assert status == 400 and "location.index 7 is out of range [0, 7)" in body["error"]["message"]
    status, body = batch({"updateItem": {"item": {"title": "y"}, "location": {"index": 1}}})
    assert status == 400 and "updateMask is required" in body["error"]["message"]
    status, body = batch({"updateItem": {"item": {"title": "y"}, "location": {"index": 6}, "updateMask": "title"}})
    assert status == 400 and "location.index 6 is out of range [0, 6)" in body["error"]["message"]
    status, body = batch({"updateItem": {"item": {}, "location": {"index": 1}, "updateMask": "kind"}})
    assert status == 400 and "unknown field 'kind'" in body["error"]["message"]
    status, body = batch({"deleteItem": {"location": {"index": 0}}}, revision_id="00000001")
    assert status == 400 and "does not match the latest revision" in body["error"]["message"]
    # A batch applies whole or not at all.
    status, body = batch({"deleteItem": {"location": {"index": 0}}}, {"deleteItem": {"location": {"index": 9}}})
    assert status == 400 and len(google_api.state["forms"]["form1"]["items"]) == 6
    status, body = send(google_api, "POST", "v1/forms", {"info": {"title": "x", "description": "y"}})
    refused(google_api, (status, body), "only info.title and info.documentTitle may be set on create")
    status, body = send(google_api, "GET", "v1/forms/form1/responses", filter="timestamp > 2025-03-01")
    assert status == 400 and "Invalid filter" in body["error"]["message"]
    state = {"publishSettings": {"publishState": {"isPublished": True}}, "updateMask": "publish_state"}
    refused(google_api, send(google_api, "POST", "v1/forms/form1:setPublishSettings", state), "needs both")


async def test_rating_and_grids_are_added_shown_and_updated(mcp, google_api):
    form_id = (await call(mcp, "create_form", title="Ratings")).structured_content["formId"]
    stars = await call(mcp, "add_form_question", form_id=form_id, title="Stars", kind="rating")
    hearts = await text(
        mcp, "add_form_question", form_id=form_id, title="Love", kind="rating", rating_levels=10, rating_icon="heart"
    )
    assert hearts.startswith("Added rating question 'Love' at position 2 (item=")
    grid = await call(
        mcp,
        "add_form_question",
        form_id=form_id,
        title="Sessions",
        kind="grid",
        rows=["Keynote", "Lab 🧪"],
        options=["Good", "Poor"],
        required=True,
        description="One per row",
    )
    days = await call(
        mcp, "add_form_question", form_id=form_id, title="Days", kind="checkbox_grid", rows=["AM"], options=["Mo"]
    )
    sent = google_api.calls("forms.forms.batchUpdate")[-2].json()["requests"][0]["createItem"]["item"]
    assert sent == {
        "title": "Sessions",
        "description": "One per row",
        "questionGroupItem": {
            "grid": {"columns": {"type": "RADIO", "options": [{"value": "Good"}, {"value": "Poor"}]}},
            "questions": [
                {"required": True, "rowQuestion": {"title": "Keynote"}},
                {"required": True, "rowQuestion": {"title": "Lab 🧪"}},
            ],
        },
    }
    items = google_api.state["forms"][form_id]["items"]
    assert [i["questionItem"]["question"]["ratingQuestion"] for i in items[:2]] == [
        {"ratingScaleLevel": 5, "iconType": "STAR"},
        {"ratingScaleLevel": 10, "iconType": "HEART"},
    ]
    assert items[3]["questionGroupItem"]["grid"]["columns"]["type"] == "CHECKBOX"
    row_ids = [q["questionId"] for q in items[2]["questionGroupItem"]["questions"]]
    assert grid.structured_content["questionId"] == row_ids and len(set(row_ids)) == 2
    assert f"question={', '.join(row_ids)})" in grid.content[0].text
    shown = await text(mcp, "get_form", form_id=form_id)
    stars_id, grid_id, days_id = (r.structured_content["itemId"] for r in (stars, grid, days))
    assert f"1. [rating 5 stars] Stars (item={stars_id} question=" in shown
    assert "2. [rating 10 hearts] Love" in shown
    assert (
        f"3. [grid, required] Sessions (item={grid_id})\n   rows: Keynote | Lab 🧪\n   columns: Good | Poor\n"
        "   One per row"
    ) in shown
    assert f"4. [checkbox grid] Days (item={days_id})\n   rows: AM\n   columns: Mo" in shown

    updated = await text(
        mcp, "update_form_question", form_id=form_id, item_id=stars_id, rating_levels=3, rating_icon="thumb_up"
    )
    assert updated == f"Updated item {stars_id} (rating_levels, rating_icon)."
    assert items_of(google_api, form_id)[0]["questionItem"]["question"]["ratingQuestion"] == {
        "ratingScaleLevel": 3,
        "iconType": "THUMB_UP",
    }
    await call(mcp, "update_form_question", form_id=form_id, item_id=stars_id, rating_icon="heart")
    assert "1. [rating 3 hearts] Stars" in await text(mcp, "get_form", form_id=form_id)
    # New rows: a kept title keeps its question id (and so its answers), a new one gets a new id.
    updated = await text(
        mcp,
        "update_form_question",
        form_id=form_id,
        item_id=grid_id,
        rows=["Lab 🧪", "Dinner"],
        options=["A", "B", "C"],
    )
    assert updated == f"Updated item {grid_id} (options, rows)."
    request = google_api.calls("forms.forms.batchUpdate")[-1].json()["requests"][0]["updateItem"]
    assert request["updateMask"] == "questionGroupItem.grid.columns.options,questionGroupItem.questions"
    group = items_of(google_api, form_id)[2]["questionGroupItem"]
    assert group["grid"]["columns"] == {"type": "RADIO", "options": [{"value": v} for v in "ABC"]}
    rows = group["questions"]
    assert [q["rowQuestion"]["title"] for q in rows] == ["Lab 🧪", "Dinner"] and all(q["required"] for q in rows)
    assert rows[0]["questionId"] == row_ids[1] and rows[1]["questionId"] not in row_ids
    await call(mcp, "update_form_question", form_id=form_id, item_id=days_id, required=True, rows=["AM", "PM"])
    days_rows = items_of(google_api, form_id)[3]["questionGroupItem"]["questions"]
    assert [q["required"] for q in days_rows] == [True, True]
    assert "4. [checkbox grid, required] Days" in await text(mcp, "get_form", form_id=form_id)
    await call(mcp, "update_form_question", form_id=form_id, item_id=days_id, required=False, title="Days 2")
    assert [q["required"] for q in items_of(google_api, form_id)[3]["questionGroupItem"]["questions"]] == [False] * 2
    assert [q["questionId"] for q in items_of(google_api, form_id)[3]["questionGroupItem"]["questions"]] == [
        q["questionId"] for q in days_rows
    ]

    before = len(google_api.calls("forms.forms.batchUpdate"))
    for arguments, message in [
        ({"item_id": grid_id, "rows": []}, "rows: a grid question needs at least one row"),
        ({"item_id": grid_id, "rows": ["a", "a"]}, "rows: each row must be different (repeated: a)"),
        ({"item_id": grid_id, "options": []}, "options: a grid question needs at least one option"),
        ({"item_id": grid_id, "rating_levels": 4}, f"item {grid_id} is a grid, not a rating"),
        ({"item_id": stars_id, "rows": ["x"]}, f"rows: item {stars_id} is a rating 3 hearts question, not a grid"),
        ({"item_id": stars_id, "options": ["x"]}, "is a rating 3 hearts question, without options"),
        ({"item_id": stars_id, "rating_levels": 11}, "rating_levels: must be 3 to 10 (got 11)"),
        ({"item_id": stars_id, "rating_icon": "smiley"}, "rating_icon"),
        ({"item_id": grid_id}, "give title, description, required, options, rows or a rating setting"),
    ]:
        assert message in await error(mcp, "update_form_question", form_id=form_id, **arguments)
    assert "is a multiple choice question, not a rating" in await error(
        mcp, "update_form_question", form_id="form1", item_id="a000000b", rating_levels=5
    )
    assert "item 0000000a is not a question" in await error(
        mcp, "update_form_question", form_id="form1", item_id="0000000a", rows=["x"]
    )
    assert len(google_api.calls("forms.forms.batchUpdate")) == before


def items_of(google_api, form_id: str) -> list[dict]:
    return google_api.state["forms"][form_id]["items"]


async def test_rating_and_grid_answers_are_rendered_by_row(mcp):
    shown = await text(mcp, "get_form", form_id="feedback1")
    assert "1. [rating 5 stars, required] Overall (item=a000000a question=3000000a)" in shown
    assert (
        "2. [grid, required] Sessions (item=3000000b)\n   rows: Keynote | Lab\n   columns: Good | Fair | Poor" in shown
    )
    assert (
        "3. [checkbox grid] Days attended (item=3000000c)\n   rows: Morning | Evening\n   columns: Mon | Tue" in shown
    )
    listed = (await text(mcp, "list_form_responses", form_id="feedback1")).splitlines()
    assert listed == [
        "response fb1 submitted 2025-04-01T09:30:00.000Z",
        "   Overall: 4; Sessions: Keynote: Good | Lab: Poor; Days attended: Morning: Mon, Tue | Evening: Tue",
        "response fb2 submitted 2025-04-02T09:30:00.000Z",
        "   Overall: 5; Sessions: Keynote: Fair | Lab: Good; Days attended: Evening: Mon; "
        "(deleted question 4000000f): Good",
    ]
    one = await text(mcp, "get_form_response", form_id="feedback1", response_id="fb1")
    assert one == (
        "response fb1 submitted 2025-04-01T09:30:00.000Z\n"
        "Overall\n   4\n"
        "Sessions\n   Keynote: Good\n   Lab: Poor\n"
        "Days attended\n   Morning: Mon, Tue\n   Evening: Tue"
    )


def test_standin_refuses_bad_ratings_and_grids(google_api):
    path = "v1/forms/feedback1:batchUpdate"

    def create(item: dict) -> tuple[int, dict]:
        revision = google_api.state["forms"]["feedback1"]["revisionId"]
        request = {"createItem": {"item": {"title": "x", **item}, "location": {"index": 0}}}
        return send(google_api, "POST", path, {"requests": [request], "writeControl": {"requiredRevisionId": revision}})

    def rating(levels: int, icon: str = "STAR") -> dict:
        return {"questionItem": {"question": {"ratingQuestion": {"ratingScaleLevel": levels, "iconType": icon}}}}

    def grid(columns: dict | None, titles: list, **extra) -> dict:
        questions = [{"rowQuestion": {"title": title}} for title in titles]
        return {
            "questionGroupItem": {
                "grid": {**({"columns": columns} if columns else {}), **extra},
                "questions": questions,
            }
        }

    radio = {"type": "RADIO", "options": [{"value": "a"}, {"value": "b"}]}
    cases = [
        (rating(2), "ratingScaleLevel: must be 3 to 10"),
        (rating(11), "ratingScaleLevel: must be 3 to 10"),
        (rating(5, "SMILEY"), "iconType: must be STAR, HEART or THUMB_UP"),
        (grid(None, ["r"]), "grid.columns is required"),
        (grid(radio, []), "questions: at least one question is required"),
        (grid(radio, ["r", "r"]), "duplicate row titles"),
        (grid(radio, [""]), "rowQuestion.title is required"),
        (grid({"type": "DROP_DOWN", "options": [{"value": "a"}]}, ["r"]), "must be RADIO or CHECKBOX"),
        (grid({"type": "RADIO", "options": []}, ["r"]), "columns.options: at least one option is required"),
        (grid({"type": "RADIO", "options": [{"value": "a"}, {"value": "a"}]}, ["r"]), "duplicate option values"),
        (grid({"type": "RADIO", "options": [{"value": "a"}, {"isOther": True}]}, ["r"]), "isOther is not allowed"),
        (grid(radio, ["r"], rows=["r"]), 'Unknown name "rows"'),
        ({"questionItem": {"question": {"rowQuestion": {"title": "r"}}}}, "only allowed in a questionGroupItem"),
    ]
    for item, message in cases:
        status, body = create(item)
        assert status == 400 and message in body["error"]["message"], (item, body)
    group = grid(radio, ["r"])
    group["questionGroupItem"]["questions"][0]["questionId"] = "4000000a"  # a row of the Sessions grid
    status, body = create(group)
    assert status == 400 and "questionId 4000000a is already used" in body["error"]["message"]
    # A row given another item's question id by an update is refused too.
    revision = google_api.state["forms"]["feedback1"]["revisionId"]
    rows = {"questionGroupItem": {"questions": [{"questionId": "3000000a", "rowQuestion": {"title": "r"}}]}}
    update = {"item": rows, "location": {"index": 2}, "updateMask": "questionGroupItem.questions"}
    body = {"requests": [{"updateItem": update}], "writeControl": {"requiredRevisionId": revision}}
    status, answer = send(google_api, "POST", path, body)
    assert status == 400 and "questionId 3000000a is already used" in answer["error"]["message"]
    assert len(google_api.state["forms"]["feedback1"]["items"]) == 3
