"""Drive queries: words search as words, literals escape anything, and both grammars (the tool's and the
stand-in's, written apart) agree on what is a Drive query."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.google import GoogleApiFake
from tests.fakes.google.core import ApiError
from tests.fakes.google.drive import _Query
from tests.properties.strategies import any_text
from workspace_mcp_server.tools.drive_query import QuerySyntaxError, parse, quote, unquote, words_query

FAKE = GoogleApiFake()  # the stand-in's query parser needs its state only for owners/writers/readers
tricky = st.one_of(any_text, st.sampled_from(["O'Reilly", "a\\b", "\\'", "''", "' or name contains '", "\\\\'"]))


def item(name: str = "", content: str = "") -> dict:
    return {
        "id": "f1",
        "name": name,
        "content": content.encode(),
        "mimeType": "text/plain",
        "parents": ["root"],
        "trashed": False,
    }


@given(tricky)
def test_literals_round_trip_through_both_grammars(value):
    assert unquote(quote(value)) == value
    assert [term.value for term in parse(f"name = {quote(value)}")] == [value]
    assert _Query(FAKE, f"name = {quote(value)}").predicate(item(name=value))


@given(st.lists(tricky, min_size=1, max_size=6))
def test_words_search_as_words(texts):
    text = " ".join(texts)
    words = text.split()
    if not words:
        return
    q = words_query(text)
    matches = _Query(FAKE, q).predicate  # the stand-in accepts it (never a 400)
    assert matches(item(content=" | ".join(words)))
    rest = " ".join(words[1:])
    if words[0].lower() not in rest.lower():
        assert not matches(item(content=rest))  # every word must occur


@st.composite
def queries(draw, depth: int = 0):
    """Random valid Drive queries: terms under and/or/not and parentheses."""
    term = draw(
        st.sampled_from(
            [
                lambda v: f"name contains {quote(v)}",
                lambda v: f"fullText contains {quote(v)}",
                lambda v: f"mimeType != {quote(v)}",
                lambda v: f"{quote(v)} in parents",
                lambda v: "trashed = false",
                lambda v: "starred = true",
                lambda v: "modifiedTime > '2025-01-01T00:00:00'",
                lambda v: f"properties has {{ key={quote(v)} and value={quote(v)} }}",
            ]
        )
    )(draw(tricky))
    if depth >= 2 or draw(st.booleans()):
        return term
    other = draw(queries(depth + 1))
    joined = draw(
        st.sampled_from(
            [f"{term} and {other}", f"{term} or {other}", f"not {term} and ({other})", f"({term}) or not ({other})"]
        )
    )
    return joined


@given(queries())
def test_both_grammars_accept_valid_queries(q):
    assert parse(q)
    _Query(FAKE, q).predicate(item(name="x"))


@given(st.text(max_size=40))
def test_both_grammars_agree_on_arbitrary_text(text):
    try:
        parse(text)
        tool_accepts = True
    except QuerySyntaxError:
        tool_accepts = False
    try:
        _Query(FAKE, text)
        standin_accepts = True
    except ApiError:
        standin_accepts = False
    if tool_accepts:  # what the tool sends as Drive syntax, Google's grammar reads
        assert standin_accepts
