"""Sheets tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.fakes.google.sheets import add_spreadsheet
from tests.server.tools.conftest import call, error, text

pytestmark = pytest.mark.anyio


async def test_list_and_info(mcp):
    found = await call(mcp, "list_spreadsheets", query="Budget")
    assert [f["id"] for f in found.structured_content["files"]] == ["sheet1"]
    info = await call(mcp, "get_spreadsheet_info", spreadsheet_id="sheet1")
    sheets = info.structured_content["sheets"]
    assert [(s["title"], s["gridProperties"]["rowCount"]) for s in sheets][:2] == [("Sheet1", 20), ("Q1 Plan", 10)]
    assert "Named range Costs: sheet Sheet1, rows 2-3, columns 2-2" in info.content[0].text
    assert "spreadsheet 'nosheet'" in await error(mcp, "get_spreadsheet_info", spreadsheet_id="nosheet")


async def test_read(mcp):
    values = (await call(mcp, "read_sheet_values", spreadsheet_id="sheet1", range="Sheet1!A1:B2")).structured_content
    assert values["values"] == [["Item", "Cost"], ["Disk", "10"]]
    assert "Item\tCost" in await text(mcp, "read_sheet_values", spreadsheet_id="sheet1", range="Sheet1")


async def test_write_append_clear_on_a_quoted_sheet(mcp, google_api):
    await call(mcp, "create_spreadsheet", title="Scratch", sheet_titles=["My Data", "Other"])
    book = next(b for b in google_api.state["spreadsheets"].values() if b["properties"]["title"] == "Scratch")
    book_id = book["spreadsheetId"]
    written = await call(
        mcp,
        "write_sheet_values",
        spreadsheet_id=book_id,
        range="'My Data'!A1",
        values=[["name", "n", "ok"], ["a", 1, True], ["b", 2.5, None]],
    )
    assert written.structured_content["updatedCells"] == 9
    assert google_api.calls("sheets.spreadsheets.values.update")[-1].query["valueInputOption"] == ["USER_ENTERED"]
    appended = await call(
        mcp, "append_sheet_rows", spreadsheet_id=book_id, range="'My Data'!A:C", values=[["c", 3]], raw=True
    )
    assert appended.structured_content["updatedRange"] == "'My Data'!A4:B4"
    await call(mcp, "clear_sheet_range", spreadsheet_id=book_id, range="'My Data'!B2:B3")
    values = (await call(mcp, "read_sheet_values", spreadsheet_id=book_id, range="'My Data'!A1:C4")).structured_content
    assert values["values"] == [["name", "n", "ok"], ["a", "", "TRUE"], ["b", "", ""], ["c", "3"]]


@pytest.mark.parametrize(
    "tool, arguments, message",
    [
        (
            "read_sheet_values",
            {"range": "Sheet1!A1:Z3"},
            "range: 'Sheet1!A1:Z3' is outside sheet 'Sheet1' (20 rows x 5 columns)",
        ),
        ("write_sheet_values", {"range": "Sheet1!A25", "values": [["x"]]}, "is outside sheet 'Sheet1'"),
        ("clear_sheet_range", {"range": "'Q1 Plan'!D1"}, "is outside sheet 'Q1 Plan' (10 rows x 3 columns)"),
        ("read_sheet_values", {"range": "Nope!A1"}, "Sheet 'Nope' not found; sheets are: Sheet1, Q1 Plan"),
        ("read_sheet_values", {"range": "Sheet1!A1:B2:C3"}, "is not A1 notation"),
        ("read_sheet_values", {"range": "Sheet1!1A"}, "is not A1 notation"),
        (
            "format_sheet_range",
            {"range": "Sheet1!A1", "background_color": "red"},
            "background_color: 'red' is not a #RRGGBB",
        ),
        ("format_sheet_range", {"range": "Sheet1!A1"}, "Nothing to format"),
        ("add_sheet", {"title": "x", "columns": 0}, "rows/columns"),
        ("rename_sheet", {"sheet": "Ghost", "new_title": "x"}, "Sheet 'Ghost' not found"),
    ],
)
async def test_bad_arguments(mcp, google_api, tool, arguments, message):
    before = len(google_api.requests)
    assert message in await error(mcp, tool, spreadsheet_id="sheet1", **arguments)
    writes = [r for r in google_api.requests[before:] if r.method != "GET"]
    assert writes == []


async def test_sheet_tabs_and_format(mcp, google_api):
    await call(mcp, "create_spreadsheet", title="Tabs")
    book_id = next(
        b["spreadsheetId"] for b in google_api.state["spreadsheets"].values() if b["properties"]["title"] == "Tabs"
    )
    added = (await call(mcp, "add_sheet", spreadsheet_id=book_id, title="Extra", rows=5, columns=2)).structured_content
    assert added["gridProperties"] == {"rowCount": 5, "columnCount": 2}
    await call(mcp, "rename_sheet", spreadsheet_id=book_id, sheet="Extra", new_title="Renamed")
    await call(
        mcp,
        "format_sheet_range",
        spreadsheet_id=book_id,
        range="Renamed!A1:B2",
        bold=True,
        background_color="#FF8000",
        number_format="#,##0.00",
    )
    fmt = google_api.state["formats"][-1]
    assert fmt["range"] == {
        "sheetId": added["sheetId"],
        "startColumnIndex": 0,
        "startRowIndex": 0,
        "endColumnIndex": 2,
        "endRowIndex": 2,
    }
    assert fmt["cell"]["userEnteredFormat"]["backgroundColor"] == {"red": 1.0, "green": 128 / 255, "blue": 0.0}
    assert (
        fmt["fields"] == "userEnteredFormat.textFormat,userEnteredFormat.backgroundColor,userEnteredFormat.numberFormat"
    )
    await call(mcp, "delete_sheet", spreadsheet_id=book_id, sheet="Renamed")
    info = (await call(mcp, "get_spreadsheet_info", spreadsheet_id=book_id)).structured_content
    assert [s["title"] for s in info["sheets"]] == ["Sheet1"]


@pytest.fixture(scope="module")
def named_book(google_api):
    add_spreadsheet(
        google_api, "names1", "Names", [("It's Q1", 10, 5), ("Budget 2025", 10, 5), ("Plain", 10, 5), ("A1", 5, 5)]
    )
    return "names1"


@pytest.mark.parametrize(
    "given, sent",
    [
        ("It's Q1!A1:B2", "'It''s Q1'!A1:B2"),
        ("Budget 2025!A1:B2", "'Budget 2025'!A1:B2"),
        ("'Budget 2025'", "'Budget 2025'"),
        ("'It''s Q1'!b2:a1", "'It''s Q1'!A1:B2"),
        ("Plain!A:B", "Plain!A:B"),
        ("Plain!2:3", "Plain!2:3"),
        ("Plain!A2:B", "Plain!A2:B"),
        ("'A1'!A1", "'A1'!A1"),
        ("B2", "'It''s Q1'!B2"),
    ],
)
async def test_ranges_are_sent_in_google_a1_notation(mcp, google_api, named_book, given, sent):
    await call(mcp, "read_sheet_values", spreadsheet_id=named_book, range=given)
    assert google_api.calls("sheets.spreadsheets.values.get")[-1].path.endswith("/values/" + quote(sent, safe=""))


async def test_write_to_a_sheet_with_an_apostrophe_and_none_clears(mcp, google_api, named_book):
    await call(mcp, "write_sheet_values", spreadsheet_id=named_book, range="It's Q1!A1:B2", values=[["x", "y"]])
    await call(mcp, "write_sheet_values", spreadsheet_id=named_book, range="It's Q1!A1", values=[[None, "z"]])
    values = (await call(mcp, "read_sheet_values", spreadsheet_id=named_book, range="It's Q1!A1:B1")).structured_content
    assert values["values"] == [["", "z"]]


async def test_inverted_corners_format_the_same_cells(mcp, google_api, named_book):
    await call(mcp, "format_sheet_range", spreadsheet_id=named_book, range="Plain!C3:A1", bold=True)
    assert google_api.state["formats"][-1]["range"] == {
        "sheetId": 200,
        "startColumnIndex": 0,
        "startRowIndex": 0,
        "endColumnIndex": 3,
        "endRowIndex": 3,
    }
