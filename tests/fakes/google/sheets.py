"""The stand-in's Sheets: spreadsheets, A1 ranges, values, batchUpdate."""

from __future__ import annotations

import re

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles


def add_spreadsheet(fake: GoogleApiFake, spreadsheet_id: str, title: str, sheets: list[tuple[str, int, int]]) -> dict:
    book = {
        "spreadsheetId": spreadsheet_id,
        "properties": {"title": title},
        "sheets": [
            {
                "properties": {
                    "sheetId": index * 100,
                    "title": name,
                    "index": index,
                    "gridProperties": {"rowCount": rows, "columnCount": columns},
                }
            }
            for index, (name, rows, columns) in enumerate(sheets)
        ],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit",
    }
    fake.state["spreadsheets"][spreadsheet_id] = book
    return book


def _seed_sheets(fake: GoogleApiFake) -> None:
    fake.state["spreadsheets"], fake.state["sheet_values"], fake.state["formats"] = {}, {}, []
    book = add_spreadsheet(fake, "sheet1", "Budget", [("Sheet1", 20, 5), ("Q1 Plan", 10, 3)])
    book["namedRanges"] = [
        {
            "namedRangeId": "nr1",
            "name": "Costs",
            "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 1, "endColumnIndex": 2},
        }
    ]
    fake.state["sheet_values"][("sheet1", "Sheet1")] = [["Item", "Cost"], ["Disk", "10"], ["CPU", "30"]]


SEEDERS.append(_seed_sheets)


_QUOTED = re.compile(r"'((?:[^']|'')+)'")
_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE = re.compile(r"(?i)[A-Z]{1,3}[0-9]+|R[0-9]*C[0-9]*|true|false")
_REF = re.compile(r"([A-Z]{1,3})?([1-9][0-9]{0,6})?")


def _refuse_range(fake: GoogleApiFake, text: str, why: str) -> ApiError:
    return fake.refuse("sheets.spreadsheets.values", f"Unable to parse range: {text} ({why})")


def _sheet_range(fake: GoogleApiFake, spreadsheet_id: str, text: str) -> tuple[dict, int, int, int | None, int | None]:
    """(sheet properties, first row, first column, last row, last column), 0-based, inclusive.

    Google's A1 grammar, read strictly: a sheet name is quoted ('' for an apostrophe) unless it is a plain
    identifier that does not look like a cell; cell references are upper-case; "A" or "3" alone is not a range.
    """
    book = get_or_404(fake.state["spreadsheets"], spreadsheet_id, "spreadsheet")
    titles = [s["properties"]["title"] for s in book["sheets"]]
    quoted = _QUOTED.match(text)
    if quoted:
        name, rest = quoted[1].replace("''", "'"), text[quoted.end() :]
        if rest and not rest.startswith("!"):
            raise _refuse_range(fake, text, "text after a quoted sheet name must start with !")
        cells = rest[1:] if rest else None
    elif "!" in text:
        name, cells = text.split("!", 1)
        if not _UNQUOTED.fullmatch(name) or _CELL_LIKE.fullmatch(name):
            raise _refuse_range(fake, text, f"sheet name {name!r} must be quoted")
    elif _REF.fullmatch(text.split(":")[0]) and ":" in text or re.fullmatch(r"[A-Z]{1,3}[1-9][0-9]*", text):
        name, cells = titles[0], text
    else:
        name, cells = text, None
        if name not in titles:
            raise ApiError(400, f"Unable to parse range: {text}", "badRequest")
        if not _UNQUOTED.fullmatch(name) or _CELL_LIKE.fullmatch(name):
            raise _refuse_range(fake, text, f"sheet name {name!r} must be quoted")
    if name not in titles:
        raise ApiError(400, f"Unable to parse range: {text}", "badRequest")
    sheet = book["sheets"][titles.index(name)]["properties"]
    if cells is None:
        return sheet, 0, 0, None, None
    ends = cells.split(":")
    refs = [_REF.fullmatch(end) for end in ends]
    if len(ends) > 2 or not all(ends) or not all(refs):
        raise _refuse_range(fake, text, "not A1 cells")
    if len(refs) == 1 and not (refs[0][1] and refs[0][2]):
        raise _refuse_range(fake, text, "a lone column or row needs both ends, e.g. A:A")
    first, last = refs[0], refs[-1]
    if (first[1] is None) != (last[1] is None) and (first[2] is None or last[2] is None):
        raise _refuse_range(fake, text, "a column cannot pair with a row")

    def col(letters: str | None) -> int | None:
        return sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(letters))) - 1 if letters else None

    rows = [int(first[2]) - 1 if first[2] else None, int(last[2]) - 1 if last[2] else None]
    cols = [col(first[1]), col(last[1])]
    for pair in (rows, cols):  # Google puts inverted corners in order
        if None not in pair and pair[0] > pair[1]:
            pair.reverse()
    return sheet, rows[0] or 0, cols[0] or 0, rows[1], cols[1]


def _grid_check(sheet: dict, row: int, column: int) -> None:
    grid = sheet["gridProperties"]
    if row >= grid["rowCount"] or column >= grid["columnCount"]:
        raise ApiError(
            400,
            f"Range ({sheet['title']}!R{row + 1}C{column + 1}) exceeds grid limits. "
            f"Max rows: {grid['rowCount']}, max columns: {grid['columnCount']}",
            "badRequest",
        )


def _a1(sheet: dict, row0: int, col0: int, row1: int, col1: int) -> str:
    def letters(index: int) -> str:
        out = ""
        index += 1
        while index:
            index, rem = divmod(index - 1, 26)
            out = chr(65 + rem) + out
        return out

    return f"'{sheet['title']}'!{letters(col0)}{row0 + 1}:{letters(col1)}{row1 + 1}"


def _write_cells(fake: GoogleApiFake, spreadsheet_id: str, sheet: dict, row: int, column: int, values: list) -> dict:
    rows = fake.state["sheet_values"].setdefault((spreadsheet_id, sheet["title"]), [])
    width = max((len(r) for r in values), default=0)
    if values:
        _grid_check(sheet, row + len(values) - 1, column + width - 1)
    for r, new in enumerate(values):
        while len(rows) <= row + r:
            rows.append([])
        target = rows[row + r]
        while len(target) < column + len(new):
            target.append("")
        for c, value in enumerate(new):
            if value is None:
                continue  # Google skips null cells: the old value stays ("" clears)
            target[column + c] = str(value).upper() if isinstance(value, bool) else str(value)
    cells = sum(len(r) for r in values)
    return {
        "spreadsheetId": spreadsheet_id,
        "updatedRange": _a1(sheet, row, column, row + len(values) - 1, column + max(width - 1, 0)),
        "updatedRows": len(values),
        "updatedColumns": width,
        "updatedCells": cells,
    }


def _require_input_option(ctx: Ctx) -> None:
    if ctx.params.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
        raise ApiError(400, "'valueInputOption' is required but not specified", "badRequest")


@handles("sheets.spreadsheets.get")
def _sheets_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return get_or_404(fake.state["spreadsheets"], ctx.params["spreadsheetId"], "spreadsheet")


@handles("sheets.spreadsheets.create")
def _sheets_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    names = [s["properties"]["title"] for s in ctx.body.get("sheets", [])] or ["Sheet1"]
    return add_spreadsheet(
        fake,
        fake.new_id("ss"),
        ctx.body.get("properties", {}).get("title", "Untitled"),
        [(name, 1000, 26) for name in names],
    )


@handles("sheets.spreadsheets.values.get")
def _sheets_values(fake: GoogleApiFake, ctx: Ctx) -> dict:
    sheet, row0, col0, row1, col1 = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    rows = fake.state["sheet_values"].get((ctx.params["spreadsheetId"], sheet["title"]), [])
    window = [r[col0 : None if col1 is None else col1 + 1] for r in rows[row0 : None if row1 is None else row1 + 1]]
    while window and not any(window[-1]):
        window.pop()
    out = {"range": ctx.params["range"], "majorDimension": "ROWS"}
    return {**out, "values": window} if window else out


@handles("sheets.spreadsheets.values.update")
def _sheets_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _require_input_option(ctx)
    sheet, row0, col0, _, _ = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    return _write_cells(fake, ctx.params["spreadsheetId"], sheet, row0, col0, ctx.body.get("values", []))


@handles("sheets.spreadsheets.values.append")
def _sheets_append(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _require_input_option(ctx)
    sheet, row0, col0, _, _ = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    rows = fake.state["sheet_values"].get((ctx.params["spreadsheetId"], sheet["title"]), [])
    start = max(row0, len(rows))
    grid = sheet["gridProperties"]
    grid["rowCount"] = max(grid["rowCount"], start + len(ctx.body.get("values", [])))  # INSERT_ROWS grows the grid
    updates = _write_cells(fake, ctx.params["spreadsheetId"], sheet, start, col0, ctx.body.get("values", []))
    return {"spreadsheetId": ctx.params["spreadsheetId"], "tableRange": ctx.params["range"], "updates": updates}


@handles("sheets.spreadsheets.values.clear")
def _sheets_clear(fake: GoogleApiFake, ctx: Ctx) -> dict:
    sheet, row0, col0, row1, col1 = _sheet_range(fake, ctx.params["spreadsheetId"], ctx.params["range"])
    for r, row in enumerate(fake.state["sheet_values"].get((ctx.params["spreadsheetId"], sheet["title"]), [])):
        if r >= row0 and (row1 is None or r <= row1):
            for c in range(col0, len(row) if col1 is None else min(col1 + 1, len(row))):
                row[c] = ""
    return {"spreadsheetId": ctx.params["spreadsheetId"], "clearedRange": ctx.params["range"]}


@handles("sheets.spreadsheets.batchUpdate")
def _sheets_batch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    book = get_or_404(fake.state["spreadsheets"], ctx.params["spreadsheetId"], "spreadsheet")
    by_id = {s["properties"]["sheetId"]: s for s in book["sheets"]}
    replies = []
    for request in ctx.body.get("requests", []):
        kind, args = next(iter(request.items()))
        if kind == "addSheet":
            props = {
                "sheetId": max(by_id, default=0) + 1,
                "index": len(book["sheets"]),
                "gridProperties": {"rowCount": 1000, "columnCount": 26},
                **args.get("properties", {}),
            }
            if any(s["properties"]["title"] == props["title"] for s in book["sheets"]):
                raise ApiError(
                    400,
                    f'Invalid requests[0].addSheet: A sheet with the name "{props["title"]}" already exists.',
                    "badRequest",
                )
            book["sheets"].append({"properties": props})
            replies.append({"addSheet": {"properties": props}})
            continue
        sheet_id = args.get("sheetId", args.get("properties", {}).get("sheetId", args.get("range", {}).get("sheetId")))
        if sheet_id not in by_id:
            raise ApiError(400, f"Invalid requests[0].{kind}: No grid with id: {sheet_id}", "badRequest")
        if kind == "updateSheetProperties":
            old = by_id[sheet_id]["properties"]["title"]
            by_id[sheet_id]["properties"]["title"] = args["properties"]["title"]
            values = fake.state["sheet_values"].pop((book["spreadsheetId"], old), None)
            if values is not None:
                fake.state["sheet_values"][(book["spreadsheetId"], args["properties"]["title"])] = values
        elif kind == "deleteSheet":
            book["sheets"].remove(by_id[sheet_id])
        elif kind == "repeatCell":
            grid = args["range"]
            for start, end in (("startRowIndex", "endRowIndex"), ("startColumnIndex", "endColumnIndex")):
                if start in grid and end in grid and grid[start] > grid[end]:
                    raise fake.refuse(ctx.method_id, f"Invalid requests[0].repeatCell: GridRange {start} > {end}")
            fake.state["formats"].append(args)
        else:
            raise ApiError(400, f"Invalid requests[0]: unsupported request {kind!r}", "badRequest")
        replies.append({})
    return {"spreadsheetId": book["spreadsheetId"], "replies": replies}
