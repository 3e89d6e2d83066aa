"""Sheets tools: list, metadata, read/write/append/clear ranges, create, add/rename/delete sheets, format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import DRIVE_READ, SHEETS_READ, SHEETS_WRITE
from .comments import comment_tools
from .common import respond
from .drive import list_of_type
from .registry import read, write

Cell = str | int | float | bool | None
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
_END = re.compile(r"([A-Za-z]{1,3})?([0-9]{1,8})?")
# A sheet name Google reads without quotes: a plain identifier that is not itself a cell or R1C1 reference.
_BARE_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOOKS_LIKE_CELL = re.compile(r"(?i)[A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|true|false")
MAX_ROWS = 10_000_000


def _sheets(service: Any) -> Any:
    return service.spreadsheets()


def column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_sheet(name: str) -> str:
    """A sheet name as A1 notation needs it: bare when Google reads it so, else quoted with '' for '."""
    if _BARE_SHEET.fullmatch(name) and not _LOOKS_LIKE_CELL.fullmatch(name):
        return name
    return "'" + name.replace("'", "''") + "'"


@dataclass(frozen=True)
class A1:
    """A parsed A1 range: sheet title (None = the first sheet) and 1-based bounds (None = open-ended).

    ``parse`` reads what people write: quoted names with '' escapes, unquoted names with spaces or
    apostrophes, the whole-sheet forms ("Sheet1", "'Budget 2025'"), and the open-ended forms (A:C, 2:5,
    A5:C). Inverted corners (C3:A1) are put in order. ``text`` is the canonical form sent to Google.
    """

    sheet: str | None
    first: tuple[int | None, int | None] | None = None  # (column, row) of the top-left corner
    last: tuple[int | None, int | None] | None = None

    @classmethod
    def parse(cls, text: str) -> A1:
        original, text = text, text.strip()
        bad = UserError(f"range: {original!r} is not A1 notation (e.g. Sheet1!A1:C10, 'My sheet'!A:C or Sheet1)")
        sheet: str | None
        if text.startswith("'"):
            found = re.match(r"'((?:[^']|'')+)'(?:!(.*))?$", text, re.S)
            if not found:
                raise bad
            sheet, cells = found[1].replace("''", "'"), found[2]
            if cells is None:
                return cls(sheet)
        elif "!" in text:
            sheet, cells = text.rsplit("!", 1)
        elif cls._cells(text) is not None:
            sheet, cells = None, text
        elif text:
            return cls(text)  # a whole sheet by its unquoted name
        else:
            raise bad
        bounds = cls._cells(cells)
        if bounds is None or sheet == "":
            raise bad
        return cls(sheet, *bounds)

    @staticmethod
    def _cells(text: str) -> tuple[tuple[int | None, int | None], tuple[int | None, int | None]] | None:
        ends = text.split(":")
        if len(ends) > 2 or not all(ends):
            return None
        parsed = []
        for end in ends:
            found = _END.fullmatch(end)
            if not found:
                return None
            parsed.append((column_number(found[1]) if found[1] else None, int(found[2]) if found[2] else None))
        if len(parsed) == 1:
            if None in parsed[0]:
                return None  # "A" or "3" alone: write A:A or 3:3
            parsed.append(parsed[0])
        (c1, r1), (c2, r2) = parsed
        if (c1 is None) != (c2 is None) and (r1 is None or r2 is None):
            return None  # "A:3" mixes a column with a row
        if any(value is not None and not 1 <= value <= MAX_ROWS for value in (r1, r2)):
            return None
        if c1 is not None and c2 is not None and c1 > c2:
            c1, c2 = c2, c1
        if r1 is not None and r2 is not None and r1 > r2:
            r1, r2 = r2, r1
        return (c1, r1), (c2, r2)

    def cells(self) -> str:
        if self.first is None or self.last is None:
            return ""
        (c1, r1), (c2, r2) = self.first, self.last
        start = f"{column_letters(c1) if c1 else ''}{r1 or ''}"
        end = f"{column_letters(c2) if c2 else ''}{r2 or ''}"
        return start if (c1, r1) == (c2, r2) and None not in (c1, r1) else f"{start}:{end}"  # A:A stays A:A

    def text(self, sheet_title: str) -> str:
        """The canonical range on ``sheet_title`` (the parsed sheet, or the first one when none was named)."""
        cells = self.cells()
        return quote_sheet(sheet_title) + (f"!{cells}" if cells else "")

    def grid(self, sheet_id: int) -> dict:
        """A GridRange (0-based, end exclusive) for batchUpdate requests."""
        out: dict[str, int] = {"sheetId": sheet_id}
        if self.first is not None and self.last is not None:
            (c1, r1), (c2, r2) = self.first, self.last
            for key, value in (
                ("startColumnIndex", c1 and c1 - 1),
                ("startRowIndex", r1 and r1 - 1),
                ("endColumnIndex", c2),
                ("endRowIndex", r2),
            ):
                if value is not None:
                    out[key] = value
        return out


async def _metadata(spreadsheet_id: str) -> dict:
    return await call(
        "sheets",
        lambda s: _sheets(s).get(
            spreadsheetId=spreadsheet_id, fields="spreadsheetId,properties.title,sheets.properties,namedRanges"
        ),
        what=f"spreadsheet '{spreadsheet_id}'",
    )


def _find_sheet(meta: dict, title: str | None) -> dict:
    sheets = [s["properties"] for s in meta.get("sheets", [])]
    if title is None:
        return sheets[0]
    for props in sheets:
        if props["title"] == title:
            return props
    raise UserError(f"Sheet {title!r} not found; sheets are: {', '.join(p['title'] for p in sheets)}")


async def _checked(spreadsheet_id: str, range: str, *, grow_rows: bool = False) -> tuple[A1, dict, str]:
    """Parse ``range`` and check it lies inside its sheet's grid: the range, the sheet's properties and the
    canonical A1 text to send (sheet name quoted as Google needs it)."""
    parsed = A1.parse(range)
    props = _find_sheet(await _metadata(spreadsheet_id), parsed.sheet)
    grid = props.get("gridProperties", {})
    rows, columns = grid.get("rowCount", 0), grid.get("columnCount", 0)
    corners = [parsed.first, parsed.last] if parsed.first and parsed.last else []
    for column, row in corners:
        if (column and column > columns) or (row and row > rows and not grow_rows):
            raise UserError(f"range: {range!r} is outside sheet {props['title']!r} ({rows} rows x {columns} columns)")
    return parsed, props, parsed.text(props["title"])


def _cleared(values: list[list[Cell]]) -> list[list[Cell]]:
    """Google skips null cells (the old value stays); an empty string clears, which is what None means here."""
    return [["" if value is None else value for value in row] for row in values]


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
    lines += [
        f"- {p['title']} (sheetId={p['sheetId']}, {p.get('gridProperties', {}).get('rowCount')} rows x "
        f"{p.get('gridProperties', {}).get('columnCount')} columns)"
        for p in sheets
    ]
    named = meta.get("namedRanges", [])
    for item in named:
        grid = item.get("range", {})
        lines.append(
            f"Named range {item.get('name')}: sheet {titles.get(grid.get('sheetId', 0), '?')}, rows "
            f"{grid.get('startRowIndex', 0) + 1}-{grid.get('endRowIndex', '')}, columns "
            f"{grid.get('startColumnIndex', 0) + 1}-{grid.get('endColumnIndex', '')}"
        )
    return respond(
        "\n".join(lines), {"title": meta.get("properties", {}).get("title"), "sheets": sheets, "namedRanges": named}
    )


@read("core", SHEETS_READ)
async def read_sheet_values(spreadsheet_id: str, range: str) -> ToolResult:
    """Read cell values (formatted as shown) from an A1 range, e.g. "Sheet1!A1:D20" or "Sheet1"."""
    _, _, a1 = await _checked(spreadsheet_id, range)
    result = await call(
        "sheets",
        lambda s: _sheets(s).values().get(spreadsheetId=spreadsheet_id, range=a1),
        what=f"spreadsheet '{spreadsheet_id}'",
    )
    values = result.get("values", [])
    text = f"{result.get('range', range)}: {len(values)} rows\n{_values_text(values)}"
    return respond(text, {"range": result.get("range"), "values": values})


@write("core", SHEETS_WRITE, destructive=True)
async def write_sheet_values(
    spreadsheet_id: str, range: str, values: list[list[Cell]], raw: bool = False
) -> ToolResult:
    """Write rows of values starting at a range (None clears a cell). Formulas and dates are parsed as if
    typed, unless raw."""
    _, _, a1 = await _checked(spreadsheet_id, range)
    result = await call(
        "sheets",
        lambda s: (
            _sheets(s)
            .values()
            .update(
                spreadsheetId=spreadsheet_id,
                range=a1,
                valueInputOption="RAW" if raw else "USER_ENTERED",
                body={"values": _cleared(values)},
            )
        ),
        what=f"spreadsheet '{spreadsheet_id}'",
    )
    return respond(f"Updated {result.get('updatedCells', 0)} cells in {result.get('updatedRange', range)}.", result)


@write("extended", SHEETS_WRITE)
async def append_sheet_rows(spreadsheet_id: str, range: str, values: list[list[Cell]], raw: bool = False) -> ToolResult:
    """Append rows after the table found at range (e.g. "Sheet1!A:D")."""
    _, _, a1 = await _checked(spreadsheet_id, range, grow_rows=True)
    result = await call(
        "sheets",
        lambda s: (
            _sheets(s)
            .values()
            .append(
                spreadsheetId=spreadsheet_id,
                range=a1,
                valueInputOption="RAW" if raw else "USER_ENTERED",
                insertDataOption="INSERT_ROWS",
                body={"values": _cleared(values)},
            )
        ),
        what=f"spreadsheet '{spreadsheet_id}'",
    )
    updates = result.get("updates", {})
    return respond(f"Appended {updates.get('updatedRows', 0)} rows at {updates.get('updatedRange')}.", updates)


@write("extended", SHEETS_WRITE, destructive=True)
async def clear_sheet_range(spreadsheet_id: str, range: str) -> ToolResult:
    """Clear the values (not formatting) of a range."""
    _, _, a1 = await _checked(spreadsheet_id, range)
    result = await call(
        "sheets",
        lambda s: _sheets(s).values().clear(spreadsheetId=spreadsheet_id, range=a1, body={}),
        what=f"spreadsheet '{spreadsheet_id}'",
    )
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
    return await call(
        "sheets",
        lambda s: _sheets(s).batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": requests}),
        what=f"spreadsheet '{spreadsheet_id}'",
    )


@write("extended", SHEETS_WRITE)
async def add_sheet(spreadsheet_id: str, title: str, rows: int = 1000, columns: int = 26) -> ToolResult:
    """Add a sheet (tab) to a spreadsheet."""
    if rows < 1 or not 1 <= columns <= 18278:
        raise UserError(f"rows/columns: need at least 1 row and 1-18278 columns (got {rows}x{columns})")
    result = await _batch(
        spreadsheet_id,
        [{"addSheet": {"properties": {"title": title, "gridProperties": {"rowCount": rows, "columnCount": columns}}}}],
    )
    props = result["replies"][0]["addSheet"]["properties"]
    return respond(f"Added sheet {props['title']!r} (sheetId={props['sheetId']}).", props)


@write("complete", SHEETS_WRITE)
async def rename_sheet(spreadsheet_id: str, sheet: str, new_title: str) -> ToolResult:
    """Rename a sheet (tab)."""
    props = _find_sheet(await _metadata(spreadsheet_id), sheet)
    await _batch(
        spreadsheet_id,
        [
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": props["sheetId"], "title": new_title},
                    "fields": "title",
                }
            }
        ],
    )
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
    return {key: int(digits[i : i + 2], 16) / 255 for key, i in (("red", 0), ("green", 2), ("blue", 4))}


@write("complete", SHEETS_WRITE)
async def format_sheet_range(
    spreadsheet_id: str,
    range: str,
    bold: bool | None = None,
    italic: bool | None = None,
    background_color: str | None = None,
    text_color: str | None = None,
    number_format: str | None = None,
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
    parsed, props, _ = await _checked(spreadsheet_id, range)
    fields = ",".join(f"userEnteredFormat.{k}" for k in fmt)
    await _batch(
        spreadsheet_id,
        [
            {
                "repeatCell": {
                    "range": parsed.grid(props["sheetId"]),
                    "cell": {"userEnteredFormat": fmt},
                    "fields": fields,
                }
            }
        ],
    )
    return respond(f"Formatted {range}.")


list_sheet_comments, add_sheet_comment, reply_to_sheet_comment, resolve_sheet_comment = comment_tools(__name__, "sheet")
