"""Docs tools: read as text/markdown, create, insert/replace/delete text, find-and-replace, tables, Markdown both
ways (docs_markdown), suggested edits."""

from __future__ import annotations

from typing import Any, Literal

import anyio
from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import DOCS_READ, DOCS_WRITE, DRIVE_READ
from .comments import comment_tools
from .common import respond
from .docs_markdown import ORDERED_GLYPHS, Plan, document_markdown, index_units, plan_requests, tab_markdown
from .drive import list_of_type
from .registry import read, write


def _documents(service: Any) -> Any:
    return service.documents()


def _runs(paragraph: dict) -> str:
    return "".join(e.get("textRun", {}).get("content", "") for e in paragraph.get("elements", [])).rstrip("\n")


def render_text(document: dict) -> str:
    """A document's body as plain text: list items marked, table rows tab-separated."""
    lists = document.get("lists", {})
    lines: list[str] = []
    for element in document.get("body", {}).get("content", []):
        for row in element.get("table", {}).get("tableRows", []):
            cells = [
                " ".join(_runs(c["paragraph"]) for c in cell.get("content", []) if "paragraph" in c)
                for cell in row.get("tableCells", [])
            ]
            lines.append("\t".join(cells))
        paragraph = element.get("paragraph")
        if paragraph is None:
            continue
        text = _runs(paragraph)
        bullet = paragraph.get("bullet")
        if bullet is not None:
            level = bullet.get("nestingLevel", 0)
            levels = lists.get(bullet.get("listId"), {}).get("listProperties", {}).get("nestingLevels", [])
            glyph = levels[level].get("glyphType") if level < len(levels) else None
            text = "  " * level + f"{'1.' if glyph in ORDERED_GLYPHS else '-'} {text}"
        lines.append(text)
    return "\n".join(lines).strip("\n")


async def _get(document_id: str, **params: Any) -> dict:
    return await call(
        "docs", lambda s: _documents(s).get(documentId=document_id, **params), what=f"document '{document_id}'"
    )


def _end_index(document: dict) -> int:
    content = document.get("body", {}).get("content", [])
    return content[-1].get("endIndex", 1) if content else 1


async def _batch(document_id: str, requests: list[dict], revision: str | None = None) -> dict:
    body: dict[str, Any] = {"requests": requests}
    if revision:  # refused by Google if someone else edited the document since it was read
        body["writeControl"] = {"requiredRevisionId": revision}
    return await call(
        "docs",
        lambda s: _documents(s).batchUpdate(documentId=document_id, body=body),
        what=f"document '{document_id}'",
    )


async def _check_range(document_id: str, start_index: int, end_index: int | None = None) -> None:
    """Indexes must lie inside the body; the body's final newline cannot be removed."""
    end = _end_index(await _get(document_id))
    if start_index < 1:
        raise UserError(f"start_index: must be at least 1 (got {start_index})")
    if end_index is None:
        if start_index >= end:
            raise UserError(f"index: {start_index} is past the document end (last insert position {end - 1})")
        return
    if end_index <= start_index:
        raise UserError(f"end_index: must be greater than start_index ({end_index} <= {start_index})")
    if end_index > end - 1:
        raise UserError(f"end_index: {end_index} is past the document text (last index {end - 1})")


@read("core", DRIVE_READ)
async def search_docs(query: str = "", page_size: int = 25, page_token: str | None = None) -> ToolResult:
    """Find Google Docs whose name contains query (empty: most recent)."""
    return await list_of_type("application/vnd.google-apps.document", query, page_size, page_token)


@read("core", DOCS_READ)
async def get_doc_content(document_id: str, format: Literal["markdown", "text"] = "markdown") -> ToolResult:
    """Read a Google Doc's first tab as markdown (headings, lists, tables) or plain text, with its endIndex."""
    document = await _get(document_id)
    body = tab_markdown(document) if format == "markdown" else render_text(document)
    info = {"documentId": document_id, "title": document.get("title"), "endIndex": _end_index(document)}
    return respond(f"# {document.get('title', '')}\n\n{body}" if format == "markdown" else body, info)


@write("core", DOCS_WRITE)
async def create_doc(title: str, content: str | None = None) -> ToolResult:
    """Create a Google Doc, optionally with initial text."""
    document = await call("docs", lambda s: _documents(s).create(body={"title": title}))
    document_id = document["documentId"]
    if content:
        await _batch(document_id, [{"insertText": {"location": {"index": 1}, "text": content}}])
    return respond(f"Created document {title!r} (id={document_id}).", {"documentId": document_id, "title": title})


@write("extended", DOCS_WRITE)
async def insert_doc_text(document_id: str, text: str, index: int | None = None) -> ToolResult:
    """Insert text at an index (1 = start; default: end of the document). Indexes count UTF-16 code units."""
    if index is None:
        location: dict[str, Any] = {"endOfSegmentLocation": {}}
    else:
        await _check_range(document_id, index)
        location = {"location": {"index": index}}
    await _batch(document_id, [{"insertText": {**location, "text": text}}])
    units = index_units(text)
    return respond(
        f"Inserted {units} index units ({len(text)} characters) into {document_id}; indexes after the "
        f"insertion moved by {units}.",
        {"insertedUnits": units},
    )


@write("extended", DOCS_WRITE, destructive=True)
async def replace_doc_range(document_id: str, start_index: int, end_index: int, text: str) -> ToolResult:
    """Replace the text between two indexes (end exclusive; see get_doc_content endIndex)."""
    await _check_range(document_id, start_index, end_index)
    await _batch(
        document_id,
        [
            {"deleteContentRange": {"range": {"startIndex": start_index, "endIndex": end_index}}},
            {"insertText": {"location": {"index": start_index}, "text": text}},
        ],
    )
    return respond(f"Replaced {start_index}-{end_index} in {document_id}.")


@write("extended", DOCS_WRITE, destructive=True)
async def delete_doc_range(document_id: str, start_index: int, end_index: int) -> ToolResult:
    """Delete the text between two indexes (end exclusive)."""
    await _check_range(document_id, start_index, end_index)
    await _batch(document_id, [{"deleteContentRange": {"range": {"startIndex": start_index, "endIndex": end_index}}}])
    return respond(f"Deleted {start_index}-{end_index} in {document_id}.")


@write("extended", DOCS_WRITE)
async def find_replace_doc_text(document_id: str, find: str, replace: str, match_case: bool = True) -> ToolResult:
    """Replace every occurrence of a text in a document."""
    if not find:
        raise UserError("find: must not be empty")
    result = await _batch(
        document_id,
        [{"replaceAllText": {"containsText": {"text": find, "matchCase": match_case}, "replaceText": replace}}],
    )
    count = (result.get("replies") or [{}])[0].get("replaceAllText", {}).get("occurrencesChanged", 0)
    return respond(f"Replaced {count} occurrence(s) of {find!r}.", {"occurrencesChanged": count})


@write("complete", DOCS_WRITE)
async def insert_doc_table(document_id: str, rows: int, columns: int, index: int | None = None) -> ToolResult:
    """Insert an empty table (default: at the end of the document)."""
    if not 1 <= rows <= 100 or not 1 <= columns <= 20:
        raise UserError(f"rows/columns: need 1-100 rows and 1-20 columns (got {rows}x{columns})")
    if index is None:
        location: dict[str, Any] = {"endOfSegmentLocation": {}}
    else:
        await _check_range(document_id, index)
        location = {"location": {"index": index}}
    await _batch(document_id, [{"insertTable": {**location, "rows": rows, "columns": columns}}])
    return respond(f"Inserted a {rows}x{columns} table into {document_id}.")


@write("complete", DOCS_WRITE, destructive=True)
async def batch_update_doc(document_id: str, requests: list[dict[str, Any]]) -> ToolResult:
    """Send raw Docs API batchUpdate requests (e.g. updateTextStyle); returns the replies."""
    if not requests:
        raise UserError("requests: give at least one request")
    result = await _batch(document_id, requests)
    return respond(f"Applied {len(requests)} request(s) to {document_id}.", {"replies": result.get("replies", [])})


list_doc_comments, add_doc_comment, reply_to_doc_comment, resolve_doc_comment = comment_tools(__name__, "doc")


SUGGESTION_MODES = {
    "hide": "PREVIEW_WITHOUT_SUGGESTIONS",
    "accept": "PREVIEW_SUGGESTIONS_ACCEPTED",
    "inline": "SUGGESTIONS_INLINE",
}


@read("core", DOCS_READ)
async def get_doc_as_markdown(
    document_id: str, tab_id: str | None = None, suggestions: Literal["hide", "accept", "inline"] = "hide"
) -> ToolResult:
    """Read a Google Doc as Markdown, each tab after <!-- tab: title (id) -->.
    suggestions: pending edits hidden, accepted or inline."""
    document = await _get(document_id, includeTabsContent=True, suggestionsViewMode=SUGGESTION_MODES[suggestions])
    markdown = document_markdown(document, tab_id)
    info = {"documentId": document_id, "title": document.get("title"), "revisionId": document.get("revisionId")}
    return respond(markdown, info)


def _written(plan: Plan, document_id: str, title: str | None) -> dict[str, Any]:
    return {
        "documentId": document_id,
        "title": title,
        "paragraphs": plan.paragraphs,
        "tables": plan.tables,
        "lists": plan.lists,
        "requests": len(plan.requests),
    }


@write("core", DOCS_WRITE)
async def create_doc_from_markdown(title: str, markdown: str) -> ToolResult:
    """Create a Google Doc from Markdown (CommonMark + tables, ~~strike~~; raw HTML stays literal text; images
    only from public https URLs; at most 200,000 characters)."""
    plan = await anyio.to_thread.run_sync(plan_requests, markdown)  # refusals come before anything is created
    document = await call("docs", lambda s: _documents(s).create(body={"title": title}))
    document_id = document["documentId"]
    try:
        await _batch(document_id, plan.requests, document.get("revisionId"))
    except Exception as exc:
        raise UserError(f"Created document {document_id} but could not write its content (it is empty): {exc}") from exc
    return respond(f"Created document {title!r} (id={document_id}) from Markdown.", _written(plan, document_id, title))


@write("extended", DOCS_WRITE, destructive=True)
async def replace_doc_with_markdown(document_id: str, markdown: str) -> ToolResult:
    """Replace a Google Doc's whole body (first tab) with Markdown, in one all-or-nothing update (same Markdown as
    create_doc_from_markdown)."""
    plan = await anyio.to_thread.run_sync(plan_requests, markdown)  # up to a second or two of work for 200 kB
    document = await _get(document_id)
    end = _end_index(document)
    everything = {"startIndex": 1, "endIndex": end - 1}  # all but the final newline, which cannot go
    reset: list[dict[str, Any]] = [{"deleteContentRange": {"range": everything}}] if end - 1 > 1 else []
    whole = {"startIndex": 1, "endIndex": 2}  # the paragraph left: drop its styles so nothing is inherited
    reset += [
        {"updateParagraphStyle": {"range": whole, "paragraphStyle": {"namedStyleType": "NORMAL_TEXT"}, "fields": "*"}},
        {"deleteParagraphBullets": {"range": whole}},
        {"updateTextStyle": {"range": whole, "textStyle": {}, "fields": "*"}},
    ]
    await _batch(document_id, reset + plan.requests, document.get("revisionId"))
    return respond(
        f"Replaced the content of {document_id} with Markdown.", _written(plan, document_id, document.get("title"))
    )


def _suggestion_runs(content: list[dict], tab: str, found: dict[str, dict]) -> None:
    for element in content:
        for row in element.get("table", {}).get("tableRows", []):
            for cell in row.get("tableCells", []):
                _suggestion_runs(cell.get("content", []), tab, found)
        paragraph = element.get("paragraph", {})
        for key in ("suggestedParagraphStyleChanges", "suggestedBulletChanges"):
            for suggestion_id in paragraph.get(key, {}):
                entry = found.setdefault(
                    suggestion_id, {"id": suggestion_id, "tab": tab, "startIndex": element.get("startIndex")}
                )
                runs = (e.get("textRun", {}).get("content", "") for e in paragraph["elements"])
                entry["paragraphChanged"] = "".join(runs).rstrip("\n")
                entry["endIndex"] = element.get("endIndex")
        for item in paragraph.get("elements", []):
            run = item.get("textRun", {})
            marks = [("inserted", i) for i in run.get("suggestedInsertionIds", [])]
            marks += [("deleted", i) for i in run.get("suggestedDeletionIds", [])]
            marks += [("styleChanged", i) for i in run.get("suggestedTextStyleChanges", {})]
            for kind, suggestion_id in marks:
                entry = found.setdefault(
                    suggestion_id, {"id": suggestion_id, "tab": tab, "startIndex": item.get("startIndex")}
                )
                entry[kind] = entry.get(kind, "") + run.get("content", "")
                entry["endIndex"] = item.get("endIndex")


@read("extended", DOCS_READ)
async def list_doc_suggestions(document_id: str) -> ToolResult:
    """List a Google Doc's pending suggested edits: id, inserted/deleted text, style changes, indexes, tab."""
    document = await _get(document_id, includeTabsContent=True, suggestionsViewMode="SUGGESTIONS_INLINE")
    found: dict[str, dict] = {}
    tabs = list(document.get("tabs", []))
    while tabs:
        tab = tabs.pop(0)
        tabs[:0] = tab.get("childTabs", [])
        title = tab.get("tabProperties", {}).get("title", "")
        _suggestion_runs(tab.get("documentTab", {}).get("body", {}).get("content", []), title, found)
    lines = []
    for entry in found.values():
        change = " and ".join(
            f"{kind} {entry[kind]!r}"
            for kind in ("deleted", "inserted", "styleChanged", "paragraphChanged")
            if kind in entry
        )
        lines.append(
            f"- {entry['id']}: {change} (indexes {entry['startIndex']}-{entry['endIndex']}, tab {entry['tab']})"
        )
    text = "\n".join(lines) if lines else "No pending suggestions."
    return respond(text, {"suggestions": list(found.values())})


@write("complete", DOCS_WRITE, destructive=True)
async def resolve_doc_suggestion(
    document_id: str, suggestion_id: str, action: Literal["accept", "reject"]
) -> ToolResult:
    """Accept or reject one pending suggested edit (ids from list_doc_suggestions). A Docs API Developer Preview
    feature: Google refuses it unless the Cloud project is enrolled in the preview."""
    request = {f"{action}Suggestion": {"suggestionId": suggestion_id}}
    await _batch(document_id, [request])
    return respond(f"{action.capitalize()}ed suggestion {suggestion_id} in {document_id}.")
