"""Sheets tools: list, metadata, read/write/append/clear ranges, create, add/rename/delete sheets, format."""
from __future__ import annotations

import re
from typing import Any

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import DRIVE_READ, SHEETS_READ, SHEETS_WRITE
from .common import respond
from .drive import list_of_type
from .registry import read, write

Cell = str | int | float | bool | None
_CELL = re.compile(r"^([A-Za-z]{0,3})(\d{0,7})$")
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def _sheets(service: Any) -> Any:
    return service.spreadsheets()


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


class A1:
    """A parsed A1 range: sheet title plus optional 1-based bounds (None = open-ended)."""

    def __init__(self, text: str):
        self.text = text.strip()
        sheet, cells = None, self.text
        if "!" in self.text:
            sheet, cells = self.text.rsplit("!", 1)
            if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
                sheet = sheet[1:-1].replace("''", "'")
        elif not _CELL.match(self.text.split(":")[0]) or not self.text:
            sheet, cells = self.text, ""  # a bare sheet name
        self.sheet = sheet
        self.bounds: list[tuple[int | None, int | None]] = []  # (column, row) of each end
        for end in cells.split(":") if cells else []:
            found = _CELL.match(end)
            if not found or not end:
                raise UserError(f"range: {text!r} is not A1 notation (e.g. Sheet1!A1:C10)")
            self.bounds.append((_column_number(found[1]) if found[1] else None, int(found[2]) if found[2] else None))
        if len(self.bounds) > 2:
            raise UserError(f"range: {text!r} is not A1 notation (e.g. Sheet1!A1:C10)")

    def grid(self, sheet_id: int) -> dict:
        """A GridRange (0-based, end exclusive) for batchUpdate requests."""
        out: dict[str, int] = {"sheetId": sheet_id}
        if self.bounds:
            (c1, r1), (c2, r2) = self.bounds[0], self.bounds[-1]
            for key, value in (("startColumnIndex", c1 and c1 - 1), ("startRowIndex", r1 and r1 - 1),
                               ("endColumnIndex", c2), ("endRowIndex", r2)):
                if value is not None:
                    out[key] = value
        return out


async def _metadata(spreadsheet_id: str) -> dict:
    return await call("sheets", lambda s: _sheets(s).get(
        spreadsheetId=spreadsheet_id, fields="spreadsheetId,properties.title,sheets.properties,namedRanges"),
        what=f"spreadsheet '{spreadsheet_id}'")


def _find_sheet(meta: dict, title: str | None) -> dict:
    sheets = [s["properties"] for s in meta.get("sheets", [])]
    if title is None:
        return sheets[0]
    for props in sheets:
        if props["title"] == title:
            return props
    raise UserError(f"Sheet {title!r} not found; sheets are: {', '.join(p['title'] for p in sheets)}")


async def _checked(spreadsheet_id: str, range: str, *, grow_rows: bool = False) -> tuple[A1, dict]:
    """Parse ``range`` and check it lies inside its sheet's grid; returns the range and sheet properties."""
    parsed = A1(range)
    props = _find_sheet(await _metadata(spreadsheet_id), parsed.sheet)
    grid = props.get("gridProperties", {})
    rows, columns = grid.get("rowCount", 0), grid.get("columnCount", 0)
    for column, row in parsed.bounds:
        if (column and column > columns) or (row and row > rows and not grow_rows):
            raise UserError(f"range: {range!r} is outside sheet {props['title']!r} ({rows} rows x {columns} columns)")
    return parsed, props


def _values_text(values: list[list[Any]]) -> str:
    return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in values)


@read("core", DRIVE_READ)
async def list_spreadsheets(query: str = "", page_size: int = 25, page_token: str | None = None) -> ToolResult:
    """Find spreadsheets whose name contains query (empty: most recent)."""
    return await list_of_type("application/vnd.google-apps.spreadsheet", query, page_size, page_token)


@read("core", SHEETS_READ)
async def get_spreadsheet_info(spreadsheet_id: str) -> ToolResult:
    """Get a spreadsheet's title, sheets (ids, sizes) and named ranges."""
    meta = await _metadata(spreadsheet_id)
    sheets = [s["properties"] for s in meta.get("sheets", [])]
    titles = {p["sheetId"]: p["title"] for p in sheets}
    lines = [f"{meta.get('properties', {}).get('title')} (id={spreadsheet_id})"]
    lines += [f"- {p['title']} (sheetId={p['sheetId']}, {p.get('gridProperties', {}).get('rowCount')} rows x "
              f"{p.get('gridProperties', {}).get('columnCount')} columns)" for p in sheets]
    named = meta.get("namedRanges", [])
    for item in named:
        grid = item.get("range", {})
        lines.append(f"Named range {item.get('name')}: sheet {titles.get(grid.get('sheetId', 0), '?')}, rows "
                     f"{grid.get('startRowIndex', 0) + 1}-{grid.get('endRowIndex', '')}, columns "
                     f"{grid.get('startColumnIndex', 0) + 1}-{grid.get('endColumnIndex', '')}")
    return respond("\n".join(lines), {"title": meta.get("properties", {}).get("title"), "sheets": sheets,
                                      "namedRanges": named})


@read("core", SHEETS_READ)
async def read_sheet_values(spreadsheet_id: str, range: str) -> ToolResult:
    """Read cell values (formatted as shown) from an A1 range, e.g. "Sheet1!A1:D20" or "Sheet1"."""
    await _checked(spreadsheet_id, range)
    result = await call("sheets", lambda s: _sheets(s).values().get(spreadsheetId=spreadsheet_id, range=range),
                        what=f"spreadsheet '{spreadsheet_id}'")
    values = result.get("values", [])
    text = f"{result.get('range', range)}: {len(values)} rows\n{_values_text(values)}"
    return respond(text, {"range": result.get("range"), "values": values})


@write("core", SHEETS_WRITE, destructive=True)
async def write_sheet_values(spreadsheet_id: str, range: str, values: list[list[Cell]], raw: bool = False) -> ToolResult:
    """Write rows of values starting at a range. Formulas and dates are parsed as if typed, unless raw."""
    await _checked(spreadsheet_id, range)
    result = await call("sheets", lambda s: _sheets(s).values().update(
        spreadsheetId=spreadsheet_id, range=range, valueInputOption="RAW" if raw else "USER_ENTERED",
        body={"values": values}), what=f"spreadsheet '{spreadsheet_id}'")
    return respond(f"Updated {result.get('updatedCells', 0)} cells in {result.get('updatedRange', range)}.", result)


@write("extended", SHEETS_WRITE)
async def append_sheet_rows(spreadsheet_id: str, range: str, values: list[list[Cell]], raw: bool = False) -> ToolResult:
    """Append rows after the table found at range (e.g. "Sheet1!A:D")."""
    await _checked(spreadsheet_id, range, grow_rows=True)
    result = await call("sheets", lambda s: _sheets(s).values().append(
        spreadsheetId=spreadsheet_id, range=range, valueInputOption="RAW" if raw else "USER_ENTERED",
        insertDataOption="INSERT_ROWS", body={"values": values}), what=f"spreadsheet '{spreadsheet_id}'")
    updates = result.get("updates", {})
    return respond(f"Appended {updates.get('updatedRows', 0)} rows at {updates.get('updatedRange')}.", updates)


@write("extended", SHEETS_WRITE, destructive=True)
async def clear_sheet_range(spreadsheet_id: str, range: str) -> ToolResult:
    """Clear the values (not formatting) of a range."""
    await _checked(spreadsheet_id, range)
    result = await call("sheets", lambda s: _sheets(s).values().clear(
        spreadsheetId=spreadsheet_id, range=range, body={}), what=f"spreadsheet '{spreadsheet_id}'")
    return respond(f"Cleared {result.get('clearedRange', range)}.", {"clearedRange": result.get("clearedRange")})


@write("core", SHEETS_WRITE)
async def create_spreadsheet(title: str, sheet_titles: list[str] | None = None) -> ToolResult:
    """Create a spreadsheet, optionally with named sheets."""
    body: dict[str, Any] = {"properties": {"title": title}}
    if sheet_titles:
        body["sheets"] = [{"properties": {"title": name}} for name in sheet_titles]
    created = await call("sheets", lambda s: _sheets(s).create(body=body, fields="spreadsheetId,spreadsheetUrl"))
    return respond(f"Created spreadsheet {title!r} (id={created['spreadsheetId']}).", created)


async def _batch(spreadsheet_id: str, requests: list[dict]) -> dict:
    return await call("sheets", lambda s: _sheets(s).batchUpdate(
        spreadsheetId=spreadsheet_id, body={"requests": requests}), what=f"spreadsheet '{spreadsheet_id}'")


@write("extended", SHEETS_WRITE)
async def add_sheet(spreadsheet_id: str, title: str, rows: int = 1000, columns: int = 26) -> ToolResult:
    """Add a sheet (tab) to a spreadsheet."""
    if rows < 1 or not 1 <= columns <= 18278:
        raise UserError(f"rows/columns: need at least 1 row and 1-18278 columns (got {rows}x{columns})")
    result = await _batch(spreadsheet_id, [{"addSheet": {"properties": {
        "title": title, "gridProperties": {"rowCount": rows, "columnCount": columns}}}}])
    props = result["replies"][0]["addSheet"]["properties"]
    return respond(f"Added sheet {props['title']!r} (sheetId={props['sheetId']}).", props)


@write("complete", SHEETS_WRITE)
async def rename_sheet(spreadsheet_id: str, sheet: str, new_title: str) -> ToolResult:
    """Rename a sheet (tab)."""
    props = _find_sheet(await _metadata(spreadsheet_id), sheet)
    await _batch(spreadsheet_id, [{"updateSheetProperties": {
        "properties": {"sheetId": props["sheetId"], "title": new_title}, "fields": "title"}}])
    return respond(f"Renamed sheet {sheet!r} to {new_title!r}.")


@write("complete", SHEETS_WRITE, destructive=True)
async def delete_sheet(spreadsheet_id: str, sheet: str) -> ToolResult:
    """Delete a sheet (tab) and its data."""
    props = _find_sheet(await _metadata(spreadsheet_id), sheet)
    await _batch(spreadsheet_id, [{"deleteSheet": {"sheetId": props["sheetId"]}}])
    return respond(f"Deleted sheet {sheet!r}.")


def _color(field: str, value: str) -> dict:
    found = _HEX.match(value.strip())
    if not found:
        raise UserError(f"{field}: {value!r} is not a #RRGGBB color")
    digits = found[1]
    return {key: int(digits[i:i + 2], 16) / 255 for key, i in (("red", 0), ("green", 2), ("blue", 4))}


@write("complete", SHEETS_WRITE)
async def format_sheet_range(
    spreadsheet_id: str, range: str, bold: bool | None = None, italic: bool | None = None,
    background_color: str | None = None, text_color: str | None = None, number_format: str | None = None,
) -> ToolResult:
    """Format cells: bold/italic, colors (#RRGGBB), number format pattern (e.g. "#,##0.00")."""
    fmt: dict[str, Any] = {}
    text: dict[str, Any] = {k: v for k, v in {"bold": bold, "italic": italic}.items() if v is not None}
    if text_color:
        text["foregroundColor"] = _color("text_color", text_color)
    if text:
        fmt["textFormat"] = text
    if background_color:
        fmt["backgroundColor"] = _color("background_color", background_color)
    if number_format:
        fmt["numberFormat"] = {"type": "NUMBER", "pattern": number_format}
    if not fmt:
        raise UserError("Nothing to format: give bold, italic, a color or number_format")
    parsed, props = await _checked(spreadsheet_id, range)
    fields = ",".join(f"userEnteredFormat.{k}" for k in fmt)
    await _batch(spreadsheet_id, [{"repeatCell": {"range": parsed.grid(props["sheetId"]),
                                                  "cell": {"userEnteredFormat": fmt}, "fields": fields}}])
    return respond(f"Formatted {range}.")
