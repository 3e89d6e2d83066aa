"""A1 ranges: any sheet title and corner pair renders to text Google's grammar reads back to the same range."""

from __future__ import annotations

import re

from hypothesis import assume, given
from hypothesis import strategies as st

from tests.fakes.google.sheets import _CELL_LIKE, _QUOTED, _UNQUOTED
from tests.properties.strategies import SCRIPTS, any_text
from workspace_mcp_server.tools.sheets import A1, column_letters, column_number, quote_sheet

# Google forbids []*?:/\ in sheet titles; anything else goes, apostrophes and "!" included.
sheet_title = st.one_of(
    st.sampled_from(SCRIPTS + ["It's Q1", "Budget 2025", "A1", "R1C1", "true", "Wow!", "x'"]), any_text
).filter(lambda t: t.strip() == t and t and not re.search(r"[\[\]*?:/\\]", t))
column = st.integers(1, 18278)
row = st.integers(1, 10_000_000)


@st.composite
def corners(draw):
    """Two corners of any A1 form: cells, whole columns, whole rows, or open-ended (A5:C)."""
    form = draw(st.sampled_from(["cells", "columns", "rows", "open"]))
    c1, c2, r1, r2 = draw(column), draw(column), draw(row), draw(row)
    if form == "cells":
        return (c1, r1), (c2, r2)
    if form == "columns":
        return (c1, None), (c2, None)
    if form == "rows":
        return (None, r1), (None, r2)
    return (c1, r1), (c2, None)


def in_order(first, last):
    (c1, r1), (c2, r2) = first, last
    if c1 and c2 and c1 > c2:
        c1, c2 = c2, c1
    if r1 and r2 and r1 > r2:
        r1, r2 = r2, r1
    return (c1, r1), (c2, r2)


def cells_text(first, last) -> str:
    def end(column_, row_):
        return f"{column_letters(column_) if column_ else ''}{row_ or ''}"

    return f"{end(*first)}:{end(*last)}"


@given(st.integers(1, 18278))
def test_column_letters_round_trip(number):
    assert column_number(column_letters(number)) == number and re.fullmatch(r"[A-Z]{1,3}", column_letters(number))


@given(sheet_title)
def test_quoting_is_what_googles_grammar_reads(title):
    quoted = quote_sheet(title)
    if quoted.startswith("'"):
        found = _QUOTED.fullmatch(quoted)  # the stand-in's grammar, an independent referee
        assert found and found[1].replace("''", "'") == title
    else:
        assert _UNQUOTED.fullmatch(quoted) and not _CELL_LIKE.fullmatch(quoted) and quoted == title


@given(sheet_title, corners())
def test_canonical_text_parses_back(title, pair):
    first, last = pair
    parsed = A1.parse(f"{quote_sheet(title)}!{cells_text(first, last)}")
    assert (parsed.sheet, parsed.first, parsed.last) == (title, *in_order(first, last))
    again = A1.parse(parsed.text(title))
    assert (again.sheet, again.first, again.last) == (parsed.sheet, parsed.first, parsed.last)


@given(sheet_title, corners())
def test_what_people_type_unquoted_parses_to_the_same_range(title, pair):
    assume(not title.startswith("'"))
    parsed = A1.parse(f"{title}!{cells_text(*pair)}")
    assert (parsed.sheet, parsed.first, parsed.last) == (title, *in_order(*pair))


@given(sheet_title)
def test_whole_sheet_forms(title):
    assert A1.parse(quote_sheet(title)).sheet == title
    assert A1.parse(quote_sheet(title)).text(title) == quote_sheet(title)


@given(sheet_title, corners())
def test_grid_ranges_are_never_inverted(title, pair):
    grid = A1.parse(f"{quote_sheet(title)}!{cells_text(*pair)}").grid(7)
    for start, end in (("startRowIndex", "endRowIndex"), ("startColumnIndex", "endColumnIndex")):
        if start in grid and end in grid:
            assert grid[start] < grid[end]
