"""Docs as Markdown both ways, and suggested edits, through a real server against the Docs stand-in.

The stand-in applies every batchUpdate request to a model of the document that counts indexes as Google does
(UTF-16 code units, table structure, the tabs createParagraphBullets removes), so the main referee is the round
trip: Markdown -> document -> Markdown. markdown-it (the parser CommonMark's authors test against) is the second
referee: the HTML it renders from what we read back must equal the HTML of what we wrote.
"""

from __future__ import annotations

import copy
import json
import random

import pytest
from markdown_it import MarkdownIt

from tests.fakes.google.docs import CHART, document, paragraph, review_document, table
from tests.server.tools.conftest import ACCESS_TOKEN, call, error, text
from workspace_mcp_server.tools.docs_markdown import MAX_MARKDOWN_CHARS, document_markdown, plan_requests

pytestmark = pytest.mark.anyio

# The canonical form get_doc_as_markdown writes: what goes in comes back byte for byte.
SAMPLE = """# Release plan 🚀

Intro with *italic **bold inside** still italic*, ~~gone~~, `make test` and [the docs](https://example.com/d?a=1&b=2).

## Steps

1. Prepare 🎉 the *branch*
   1. Nested **step**
   2. Another
2. Ship it

- Top
  - Middle
    - Deep 😀 item
- Back to top

Text right after the list.

| Name | Notes |
| --- | --- |
| pipe \\| here | **bold** 🎉 |
| empty |  |

### After the table

> A quoted line

---

```
def main():
    return "`x`"
```

Line one\\
line two with a tab\there.

---

| Last | Table |
| --- | --- |
| a | b |"""

MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


async def _document(google_api, document_id: str) -> dict:
    """documents.get straight from the stand-in (Google's wire format), as an independent reader."""
    status, _, payload = google_api.handle(
        "GET", f"/v1/documents/{document_id}", {"authorization": f"Bearer {ACCESS_TOKEN}"}, b""
    )
    assert status == 200
    return json.loads(payload)


async def _create(mcp, markdown: str, title: str = "From Markdown") -> str:
    created = await call(mcp, "create_doc_from_markdown", title=title, markdown=markdown)
    return created.structured_content["documentId"]


async def test_round_trip_rich_sample(mcp, google_api):
    before = len(google_api.calls("docs.documents.batchUpdate"))
    document_id = await _create(mcp, SAMPLE)
    assert len(google_api.calls("docs.documents.batchUpdate")) == before + 1  # one all-or-nothing write
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == SAMPLE
    # markdown-it's own tokens against the paragraph styles and bullets the document holds
    tokens = MD.parse(SAMPLE)
    headings = [(int(t.tag[1]), tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    paragraphs = [
        e["paragraph"] for e in (await _document(google_api, document_id))["body"]["content"] if "paragraph" in e
    ]

    def plain(paragraph: dict) -> str:
        return "".join(e.get("textRun", {}).get("content", "") for e in paragraph["elements"]).rstrip("\n")

    assert headings == [
        (int(p["paragraphStyle"]["namedStyleType"][-1]), plain(p))
        for p in paragraphs
        if p["paragraphStyle"]["namedStyleType"].startswith("HEADING_")
    ]
    items = [t.level for t in tokens if t.type == "list_item_open"]
    bullets = [p["bullet"]["nestingLevel"] for p in paragraphs if "bullet" in p]
    assert [(level - min(items)) // 2 for level in items] == bullets == [0, 1, 1, 0, 0, 1, 2, 0]
    assert not any(plain(p).startswith("\t") for p in paragraphs)  # the nesting tabs were consumed


async def test_round_trip_normalizes_to_the_same_html(mcp):
    source = (
        "Setext title\n============\n\n__strong__ and _em_ with a soft\nbreak; <b>not html</b> &amp; `a``b`\n\n"
        "    indented code\n\n* star\n* list\n\n+ plus\n\n3) paren\n\n***\n\nA [link with **bold**](https://e.org)"
    )
    document_id = await _create(mcp, source)
    first = await text(mcp, "get_doc_as_markdown", document_id=document_id)
    assert MD.render(first).replace('<ol start="3">', "<ol>") == MD.render(source).replace(
        '<ol start="3">', "<ol>"
    ).replace("soft\nbreak", "soft break")
    assert "\\<b\\>not html\\</b\\>" in first  # raw HTML stays literal text
    again = await _create(mcp, first)
    assert await text(mcp, "get_doc_as_markdown", document_id=again) == first


async def test_text_that_looks_like_markdown_stays_text(mcp, google_api):
    source = "- \\- not nested\n- 2\\. not a list\n\n# Title \\#\n\n\\+ plus\n\n> \\- quoted dash\n\n\\# not a heading"
    document_id = await _create(mcp, source)
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == source
    google_api.state["documents"]["docedge"] = document(
        "Edge",
        *paragraph("ends with a break\v"),
        *table([["two\vlines", "a|b"]]),
        *paragraph("  indented four  "),
    )
    assert await text(mcp, "get_doc_as_markdown", document_id="docedge") == (
        "ends with a break\n\n| two lines | a\\|b |\n| --- | --- |\n\nindented four"
    )


async def test_emphasis_against_punctuation_is_still_emphasis(mcp, google_api):
    mono = {"weightedFontFamily": {"fontFamily": "Courier New"}, "bold": True}
    google_api.state["documents"]["docflank"] = document(
        "Flanking",
        *paragraph(("Note:", {"bold": True}), "text a", ("(b)", {"italic": True}), "c ", ("x", mono), "s"),
        *paragraph(("it ", {"italic": True}), ("b.", {"italic": True, "bold": True}), ("x", {"italic": True})),
    )
    markdown = await text(mcp, "get_doc_as_markdown", document_id="docflank")
    assert markdown == "**Note**:text a(*b*)c `x`s\n\n*it **b**.x*"
    html = MD.render(markdown)
    assert "<strong>Note</strong>" in html and "<em>b</em>" in html and "<strong>b</strong>" in html


async def test_requests_count_utf16_units(mcp, google_api):
    await _create(mcp, "🎉 **b** [l](https://e.com)")
    requests = google_api.calls("docs.documents.batchUpdate")[-1].json()["requests"]
    assert requests == [
        {"insertText": {"location": {"index": 1}, "text": "🎉 b l"}},
        {"updateTextStyle": {"range": {"startIndex": 4, "endIndex": 5}, "textStyle": {"bold": True}, "fields": "bold"}},
        {
            "updateTextStyle": {
                "range": {"startIndex": 6, "endIndex": 7},
                "textStyle": {"link": {"url": "https://e.com"}},
                "fields": "link",
            }
        },
    ]


async def test_table_indexes_follow_the_documented_layout(mcp, google_api):
    """Google's table guide: a 2x2 table at S has cell paragraphs at S+3, S+5, S+8, S+10 when empty."""
    document_id = await _create(mcp, "| A | B |\n| --- | --- |\n| C | D |")
    requests = google_api.calls("docs.documents.batchUpdate")[-1].json()["requests"]
    assert requests[0] == {"insertTable": {"location": {"index": 1}, "rows": 2, "columns": 2}}
    assert [(r["insertText"]["location"]["index"], r["insertText"]["text"]) for r in requests[1:]] == [
        (5, "A"),
        (8, "B"),  # S+5 after one unit of text
        (12, "C"),
        (15, "D"),
    ]
    table = next(e for e in (await _document(google_api, document_id))["body"]["content"] if "table" in e)
    assert (table["startIndex"], table["endIndex"]) == (2, 2 + 2 + 2 * (1 + 2 * 2) + 4)
    # the stand-in refuses what Google refuses: text at the table's start, half a table deleted
    for requests, message in [
        ([{"insertText": {"location": {"index": 2}, "text": "x"}}], "inside the bounds of an existing paragraph"),
        ([{"deleteContentRange": {"range": {"startIndex": 3, "endIndex": 9}}}], "part of a table"),
        ([{"deleteContentRange": {"range": {"startIndex": 1, "endIndex": 2}}}], "newline before a table"),
    ]:
        assert message in await error(mcp, "batch_update_doc", document_id=document_id, requests=requests)
    assert "| A | B |" in await text(mcp, "get_doc_as_markdown", document_id=document_id)


async def test_replace_resets_styles_lists_and_tables(mcp, google_api):
    document_id = await _create(mcp, "| x | y |\n| --- | --- |\n| 1 | 2 |\n\n- **bold item**\n  - nested")
    revision = (await _document(google_api, document_id))["revisionId"]
    replaced = await call(mcp, "replace_doc_with_markdown", document_id=document_id, markdown="Plain *text*")
    assert replaced.structured_content["paragraphs"] == 1
    body = google_api.calls("docs.documents.batchUpdate")[-1].json()
    assert body["writeControl"] == {"requiredRevisionId": revision}  # nobody's edit in between is overwritten
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == "Plain *text*"
    last = (await _document(google_api, document_id))["body"]["content"][-1]["paragraph"]
    assert "bullet" not in last and last["paragraphStyle"]["namedStyleType"] == "NORMAL_TEXT"
    await call(mcp, "replace_doc_with_markdown", document_id=document_id, markdown=SAMPLE)
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == SAMPLE


async def test_replace_an_empty_document(mcp, google_api):
    document_id = (await call(mcp, "create_doc", title="Empty")).structured_content["documentId"]
    await call(mcp, "replace_doc_with_markdown", document_id=document_id, markdown="## Now *full*")
    assert "deleteContentRange" not in google_api.calls("docs.documents.batchUpdate")[-1].json()["requests"][0]
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == "## Now *full*"


async def test_replace_is_all_or_nothing(mcp, google_api):
    document_id = await _create(mcp, "# Keep me\n\n- as is")
    google_api.fail("docs.documents.batchUpdate", 400, message="Invalid requests[7]: simulated")
    assert "simulated" in await error(mcp, "replace_doc_with_markdown", document_id=document_id, markdown="New")
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == "# Keep me\n\n- as is"
    google_api.state["documents"][document_id]["edit_after_read"] = ["Typed meanwhile. "]
    message = await error(mcp, "replace_doc_with_markdown", document_id=document_id, markdown="New")
    assert "does not match the latest revision" in message
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == "# Typed meanwhile. Keep me\n\n- as is"
    message = await error(mcp, "replace_doc_with_markdown", document_id="docreadonly", markdown="# Mine now")
    assert "Permission denied on document 'docreadonly'" in message
    assert await text(mcp, "get_doc_as_markdown", document_id="docreadonly") == "Do not touch."


async def test_descriptions_state_the_limits(mcp):
    tools = {tool.name: tool for tool in await mcp.list_tools()}
    assert f"{MAX_MARKDOWN_CHARS:,} characters" in tools["create_doc_from_markdown"].description


@pytest.mark.parametrize(
    "markdown, message",
    [
        ("", "markdown: is empty"),
        ("  \n\n ", "markdown: is empty"),
        ("x" * (MAX_MARKDOWN_CHARS + 1), f"over the limit of {MAX_MARKDOWN_CHARS}"),
        ("![cat](http://example.com/cat.png)", "only https:// images"),
        ("![local](cat.png)", "only https:// images"),
        ("|" + " c |" * 21 + "\n|" + " - |" * 21, "more than 20 columns"),
    ],
)
async def test_refused_before_any_write(mcp, google_api, markdown, message):
    before = len(google_api.requests)
    assert message in await error(mcp, "create_doc_from_markdown", title="No", markdown=markdown)
    assert message in await error(mcp, "replace_doc_with_markdown", document_id="doc1", markdown=markdown)
    assert len(google_api.requests) == before  # refused before Google was asked anything


async def test_unsafe_and_unusual_input_stays_text(mcp, google_api):
    source = (
        "<script>alert(1)</script>\n\n[x](javascript:alert(1)) \u0007bell\ue000private **end**\n\n"
        "[spaced](<https://e.com/a b_(c)>)"
    )
    document_id = await _create(mcp, source)
    body = await _document(google_api, document_id)
    runs = [e["textRun"] for c in body["body"]["content"] if "paragraph" in c for e in c["paragraph"]["elements"]]
    assert "<script>alert(1)</script>" in "".join(r["content"] for r in runs)
    links = [r["textStyle"]["link"]["url"] for r in runs if "link" in r["textStyle"]]
    assert links == ["https://e.com/a%20b_(c)"]  # markdown-it refuses javascript: links
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == (
        "\\<script\\>alert(1)\\</script\\>\n\n\\[x\\](javascript:alert(1)) bellprivate **end**\n\n"
        "[spaced](<https://e.com/a%20b_(c)>)"
    )


def test_a_lone_surrogate_is_sent_as_the_replacement_character():
    """JSON can carry one (a real MCP client cannot encode it); Google could not store it."""
    plan = plan_requests("a \ud800 **b**")
    assert plan.requests[0]["insertText"]["text"] == "a \ufffd b"
    assert plan.requests[1]["updateTextStyle"]["range"] == {"startIndex": 5, "endIndex": 6}


async def test_https_image_is_inserted(mcp, google_api):
    document_id = await _create(mcp, "See ![chart](https://example.com/c.png) **now**")
    requests = google_api.calls("docs.documents.batchUpdate")[-1].json()["requests"]
    assert requests[:3] == [
        {"insertText": {"location": {"index": 1}, "text": "See "}},
        {"insertInlineImage": {"location": {"index": 5}, "uri": "https://example.com/c.png"}},
        {"insertText": {"location": {"index": 6}, "text": " now"}},
    ]
    assert requests[3]["updateTextStyle"]["range"] == {"startIndex": 7, "endIndex": 10}
    assert await text(mcp, "get_doc_as_markdown", document_id=document_id) == (
        "See ![image](https://example.com/c.png) **now**"
    )


async def test_create_reports_a_failed_write(mcp, google_api):
    google_api.fail("docs.documents.batchUpdate", 403, message="The caller does not have permission")
    message = await error(mcp, "create_doc_from_markdown", title="Half", markdown="# Title")
    assert "but could not write its content (it is empty)" in message and "does not have permission" in message


async def test_read_tabs_footnotes_images_and_suggestion_modes(mcp):
    hidden = await text(mcp, "get_doc_as_markdown", document_id="docreview")
    assert hidden == (
        "<!-- tab: Notes (t.0) -->\n\n# Review notes\n\n"
        "Read [*the guide*](https://example.com/guide), run `make test` and ~~old~~\\*literal\\* [^1]\n\n---\n\n"
        f"Chart: ![Q3 chart]({CHART})\n\nThe budget is **large** today.\n\n[^1]: See the appendix.\n\n"
        "<!-- tab: Appendix (t.1) -->\n\nMore here.\n\n<!-- tab: Sources (t.2) -->\n\nA source."
    )
    accepted = await text(mcp, "get_doc_as_markdown", document_id="docreview", suggestions="accept", tab_id="t.0")
    assert accepted.endswith("The budget is **small**.\n\n[^1]: See the appendix.") and "<!--" not in accepted
    inline = await text(mcp, "get_doc_as_markdown", document_id="docreview", suggestions="inline", tab_id="t.0")
    assert "**largesmall** today." in inline
    assert await text(mcp, "get_doc_as_markdown", document_id="docreview", tab_id="t.1") == "More here."
    assert await text(mcp, "get_doc_as_markdown", document_id="docreview", tab_id="t.2") == "A source."
    assert "tab_id: the document has no tab 't.9'" in await error(
        mcp, "get_doc_as_markdown", document_id="docreview", tab_id="t.9"
    )
    assert "document 'nodoc'" in await error(mcp, "get_doc_as_markdown", document_id="nodoc")
    assert await text(mcp, "get_doc_as_markdown", document_id="doc1") == (
        "# Design\n\nThe plan is **simple**.\n\n- First point\n  - Nested point\n\n1. Step one\n\n"
        "| Name | Cost |\n| --- | --- |\n| Disk | 10 |\n\n## Goals\n\nShip it."
    )


async def test_list_and_resolve_suggestions(mcp, google_api):
    google_api.state["documents"]["docsuggest"] = copy.deepcopy(review_document())
    listed = await call(mcp, "list_doc_suggestions", document_id="docsuggest")
    found = {s["id"]: s for s in listed.structured_content["suggestions"]}
    assert found["suggest.swap"]["deleted"] == "large" and found["suggest.swap"]["inserted"] == "small"
    assert found["suggest.cut"] == {
        "id": "suggest.cut",
        "tab": "Notes",
        "deleted": " today",
        "startIndex": found["suggest.cut"]["startIndex"],
        "endIndex": found["suggest.cut"]["startIndex"] + 6,
    }
    assert "suggest.swap: deleted 'large' and inserted 'small'" in listed.content[0].text
    await call(mcp, "resolve_doc_suggestion", document_id="docsuggest", suggestion_id="suggest.swap", action="accept")
    await call(mcp, "resolve_doc_suggestion", document_id="docsuggest", suggestion_id="suggest.cut", action="reject")
    assert (await text(mcp, "get_doc_as_markdown", document_id="docsuggest", tab_id="t.0")).endswith(
        "The budget is **small** today.\n\n[^1]: See the appendix."
    )
    assert await text(mcp, "list_doc_suggestions", document_id="docsuggest") == "No pending suggestions."
    assert "no suggestion 'suggest.cut'" in await error(
        mcp, "resolve_doc_suggestion", document_id="docsuggest", suggestion_id="suggest.cut", action="accept"
    )
    heading = paragraph("Becomes a heading")
    heading[-1]["psug"] = {"suggest.head": {"namedStyleType": "HEADING_2"}}
    cells = table([["plain", "typo"]])
    for slot in cells[-3:-2]:  # the "o" of "typo" in the last cell, suggested for deletion
        slot["sug"] = {"del": ["suggest.cell"]}
    google_api.state["documents"]["docsuggest2"] = document("More", *heading, *cells)
    listed = (await call(mcp, "list_doc_suggestions", document_id="docsuggest2")).structured_content["suggestions"]
    assert {s["id"]: s.get("paragraphChanged", s.get("deleted")) for s in listed} == {
        "suggest.head": "Becomes a heading",
        "suggest.cell": "o",
    }
    accepted = await text(mcp, "get_doc_as_markdown", document_id="docsuggest2", suggestions="accept")
    assert accepted == "## Becomes a heading\n\n| plain | typ |\n| --- | --- |"
    await call(mcp, "resolve_doc_suggestion", document_id="docsuggest2", suggestion_id="suggest.head", action="reject")
    assert (await text(mcp, "get_doc_as_markdown", document_id="docsuggest2")).startswith("Becomes a heading\n\n")
    message = await error(mcp, "list_doc_suggestions", document_id="docreadonly")
    assert "Permission denied on document 'docreadonly'" in message


WORDS = [
    "alpha",
    "🎉",
    "x\\_y",
    "a\\*b",
    "\\[br\\]",
    "#tag",
    "pipe\\|x",
    "é",
    "😀😀",
    "\\`t\\`",
    "back\\\\slash",
    "\\&amp;",
]


def _random_inline(rng: random.Random, used: frozenset[str] = frozenset()) -> str:
    words = []
    for _ in range(rng.randint(1, 4)):
        word, roll = rng.choice(WORDS), rng.random()
        for limit, mark, open_, close in [(0.15, "i", "*", "*"), (0.3, "b", "**", "**"), (0.38, "s", "~~", "~~")]:
            if roll < limit and mark not in used and len(used) < 2:
                word = f"{open_}{_random_inline(rng, used | {mark})}{close}"
                break
        else:
            if roll < 0.45 and "l" not in used:
                word = f"[{_random_inline(rng, used | {'l'})}](https://e.com/{rng.randint(0, 9)})"
            elif roll < 0.52:
                word = f"`code {rng.choice(['x', '🎉'])}`"
        words.append(word)
    return " ".join(words)


def _random_block(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return "#" * rng.randint(1, 6) + " " + _random_inline(rng)
    if roll < 0.45:
        marker, lines, level = rng.choice(["-", "1."]), [], -1
        for _ in range(rng.randint(1, 5)):
            level = rng.randint(0, min(level + 1, 2))
            lines.append(" " * (len(marker) + 1) * level + f"{marker} w {_random_inline(rng)}")
        return "\n".join(lines)
    if roll < 0.55:
        columns = rng.randint(1, 3)
        rows = [" | ".join(_random_inline(rng) for _ in range(columns)) for _ in range(rng.randint(1, 3))]
        return "\n".join([f"| {rows[0]} |", "|" + " --- |" * columns] + [f"| {row} |" for row in rows[1:]])
    return rng.choice(["---", "```\ncode 🎉\n  more\n```", "> " + _random_inline(rng), _random_inline(rng)])


def _styled_text(markdown: str) -> list:
    """markdown-it's reading: block tokens, and each inline as (character, styles) with spaces unstyled."""
    out: list = []
    for token in MD.parse(markdown):
        if token.type != "inline":
            out.append((token.type, token.tag))
            continue
        styles: set[str] = set()
        chars = []
        for child in token.children or []:
            if child.type.endswith("_open"):
                styles.add(child.type + str(child.attrGet("href") or ""))
            elif child.type.endswith("_close"):
                styles = {s for s in styles if not s.startswith(child.type.replace("_close", "_open"))}
            else:
                code = {"code"} if child.type == "code_inline" else set()
                text = " " if child.type == "softbreak" else child.content
                chars += [(c, frozenset() if c.isspace() else frozenset(styles | code)) for c in text]
        out.append(("inline", chars))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_random_markdown_keeps_its_meaning(google_api, seed):
    """Generated Markdown (nested emphasis, links, code, emoji, lists, tables) read back means the same."""
    rng = random.Random(seed)
    markdown = "\n\nsep\n\n".join(_random_block(rng) for _ in range(rng.randint(1, 6)))
    headers = {"authorization": f"Bearer {ACCESS_TOKEN}", "content-type": "application/json"}
    status, _, payload = google_api.handle("POST", "/v1/documents", headers, b'{"title": "Random"}')
    document_id = json.loads(payload)["documentId"]
    body = json.dumps({"requests": plan_requests(markdown).requests}).encode()
    status, _, payload = google_api.handle("POST", f"/v1/documents/{document_id}:batchUpdate", headers, body)
    assert status == 200, payload
    status, _, payload = google_api.handle("GET", f"/v1/documents/{document_id}", headers, b"")
    assert _styled_text(document_markdown(json.loads(payload))) == _styled_text(markdown)
