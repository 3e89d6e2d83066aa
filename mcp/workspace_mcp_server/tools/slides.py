"""Slides tools: read a deck as structured text, create decks and slides, edit text, thumbnails, comments."""

from __future__ import annotations

import difflib
import functools
import json
import uuid
from typing import Any, Literal

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import DRIVE_READ, SLIDES_READ, SLIDES_WRITE
from .comments import comment_tools
from .common import respond
from .drive import list_of_type
from .registry import read, write

MIME_TYPE = "application/vnd.google-apps.presentation"
MAX_REQUESTS = 500
Layout = Literal[
    "BLANK",
    "TITLE",
    "TITLE_AND_BODY",
    "TITLE_ONLY",
    "SECTION_HEADER",
    "TITLE_AND_TWO_COLUMNS",
    "ONE_COLUMN_TEXT",
    "MAIN_POINT",
    "BIG_NUMBER",
    "CAPTION_ONLY",
]
# The placeholders (title, body) each predefined layout of Google's default theme offers.
_PLACEHOLDERS: dict[str, tuple[str | None, str | None]] = {
    "BLANK": (None, None),
    "TITLE": ("CENTERED_TITLE", "SUBTITLE"),
    "TITLE_AND_BODY": ("TITLE", "BODY"),
    "TITLE_ONLY": ("TITLE", None),
    "SECTION_HEADER": ("TITLE", None),
    "TITLE_AND_TWO_COLUMNS": ("TITLE", "BODY"),
    "ONE_COLUMN_TEXT": ("TITLE", "BODY"),
    "MAIN_POINT": ("TITLE", None),
    "BIG_NUMBER": ("TITLE", "BODY"),
    "CAPTION_ONLY": (None, "BODY"),
}
_READ_FIELDS = (
    "presentationId,title,revisionId,layouts(objectId,layoutProperties(name)),"
    "slides(objectId,pageElements,slideProperties(layoutObjectId,notesPage(notesProperties,pageElements)))"
)


@functools.cache
def request_kinds() -> frozenset[str]:
    """The request kinds a Slides batchUpdate takes, from the discovery document the client uses."""
    from googleapiclient.discovery_cache import get_static_doc

    return frozenset(json.loads(get_static_doc("slides", "v1"))["schemas"]["Request"]["properties"])


def _what(presentation_id: str) -> str:
    return f"presentation '{presentation_id}'"


def units(text: str) -> int:
    """Slides indexes count UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def _text(holder: dict) -> str:
    elements = holder.get("text", {}).get("textElements", [])
    return "".join(e.get("textRun", e.get("autoText", {})).get("content", "") for e in elements)


def _element(element: dict) -> dict:
    """One page element as {objectId, kind, placeholder?, text?, rows?, children?}."""
    out: dict[str, Any] = {"objectId": element.get("objectId")}
    if "shape" in element:
        shape = element["shape"]
        out["kind"] = shape.get("shapeType", "SHAPE")
        if "placeholder" in shape:
            out["placeholder"] = shape["placeholder"].get("type")
        out["text"] = _text(shape).rstrip("\n")
    elif "table" in element:
        out["kind"] = "TABLE"
        rows = element["table"].get("tableRows", [])
        out["rows"] = [[_text(cell).rstrip("\n") for cell in row.get("tableCells", [])] for row in rows]
    elif "elementGroup" in element:
        out["kind"] = "GROUP"
        out["children"] = [_element(child) for child in element["elementGroup"].get("children", [])]
    else:
        kinds = ("image", "video", "line", "sheetsChart", "wordArt", "speakerSpotlight")
        out["kind"] = next((k.upper() for k in kinds if k in element), "OTHER")
    return out


def _element_lines(element: dict, indent: str) -> list[str]:
    label = element.get("placeholder") or element["kind"]
    head = f"{indent}[{label} id={element['objectId']}]"
    if element.get("text"):
        body = element["text"].replace("\n", "\n" + indent + "  ")
        return [f"{head} {body}"]
    if "rows" in element:
        return [head] + [f"{indent}  " + " | ".join(row) for row in element["rows"]]
    if "children" in element:
        return [head] + [line for child in element["children"] for line in _element_lines(child, indent + "  ")]
    return [head]


def _structure(deck: dict) -> dict:
    layouts = {layout["objectId"]: layout.get("layoutProperties", {}).get("name") for layout in deck.get("layouts", [])}
    slides = []
    for index, slide in enumerate(deck.get("slides", []), 1):
        props = slide.get("slideProperties", {})
        notes_page = props.get("notesPage", {})
        notes_id = notes_page.get("notesProperties", {}).get("speakerNotesObjectId")
        notes = next(
            (_text(e["shape"]) for e in notes_page.get("pageElements", []) if e.get("objectId") == notes_id), ""
        )
        slides.append(
            {
                "index": index,
                "objectId": slide["objectId"],
                "layout": layouts.get(props.get("layoutObjectId")),
                "elements": [_element(e) for e in slide.get("pageElements", [])],
                "notesObjectId": notes_id,
                "notes": notes.rstrip("\n"),
            }
        )
    return {"presentationId": deck.get("presentationId"), "title": deck.get("title"), "slides": slides}


def _render(structure: dict) -> str:
    lines = [f"{structure['title']} (id={structure['presentationId']}, {len(structure['slides'])} slides)"]
    for slide in structure["slides"]:
        layout = f" layout={slide['layout']}" if slide["layout"] else ""
        lines.append(f"\nSlide {slide['index']} id={slide['objectId']}{layout}")
        for element in slide["elements"]:
            lines += _element_lines(element, "  ")
        if slide["notesObjectId"]:
            notes = slide["notes"].replace("\n", "\n    ") or "(none)"
            lines.append(f"  Notes (id={slide['notesObjectId']}): {notes}")
    return "\n".join(lines)


async def _get(presentation_id: str, fields: str = _READ_FIELDS) -> dict:
    return await call(
        "slides",
        lambda s: s.presentations().get(presentationId=presentation_id, fields=fields),
        what=_what(presentation_id),
    )


async def _batch(presentation_id: str, requests: list[dict]) -> dict:
    return await call(
        "slides",
        lambda s: s.presentations().batchUpdate(presentationId=presentation_id, body={"requests": requests}),
        what=_what(presentation_id),
    )


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


@read("core", DRIVE_READ)
async def list_presentations(query: str = "", page_size: int = 25, page_token: str | None = None) -> ToolResult:
    """Find presentations whose name contains query (empty: most recent)."""
    return await list_of_type(MIME_TYPE, query, page_size, page_token)


@read("core", SLIDES_READ)
async def get_presentation(presentation_id: str) -> ToolResult:
    """Read a deck: slides in order with each shape's text, tables as rows, speaker notes and object ids."""
    structure = _structure(await _get(presentation_id))
    return respond(_render(structure), structure)


@write("core", SLIDES_WRITE)
async def create_presentation(title: str) -> ToolResult:
    """Create a presentation (Google adds one title slide)."""
    deck = await call("slides", lambda s: s.presentations().create(body={"title": title}))
    first = deck.get("slides", [{}])[0].get("objectId")
    link = f"https://docs.google.com/presentation/d/{deck['presentationId']}/edit"
    text = f"Created {deck.get('title')!r} (id={deck['presentationId']}, first slide id={first}) {link}"
    return respond(text, {"presentationId": deck["presentationId"], "firstSlideId": first, "url": link})


@write("extended", SLIDES_WRITE)
async def add_slide(
    presentation_id: str,
    layout: Layout = "TITLE_AND_BODY",
    title: str | None = None,
    body: str | None = None,
    position: int | None = None,
    notes: str | None = None,
) -> ToolResult:
    """Add a slide with a predefined layout, optionally filling its title, body and speaker notes.

    Args:
        position: 0-based place among the slides; default last.
    """
    if position is not None and position < 0:
        raise UserError(f"position: must be 0 or more (got {position})")
    slide_id = _new_id("slide")
    request: dict[str, Any] = {"objectId": slide_id, "slideLayoutReference": {"predefinedLayout": layout}}
    if position is not None:
        request["insertionIndex"] = position
    fills, mappings = [], []
    for field, value, placeholder in zip(("title", "body"), (title, body), _PLACEHOLDERS[layout], strict=True):
        if not value:
            continue
        if placeholder is None:
            raise UserError(f"{field}: layout {layout} has no {field} placeholder; choose e.g. TITLE_AND_BODY")
        object_id = f"{slide_id}_{field}"
        mappings.append({"layoutPlaceholder": {"type": placeholder, "index": 0}, "objectId": object_id})
        fills.append({"insertText": {"objectId": object_id, "text": value, "insertionIndex": 0}})
    if mappings:
        request["placeholderIdMappings"] = mappings
    await _batch(presentation_id, [{"createSlide": request}, *fills])
    if notes:
        page = await call(
            "slides",
            lambda s: (
                s.presentations()
                .pages()
                .get(
                    presentationId=presentation_id,
                    pageObjectId=slide_id,
                    fields="slideProperties.notesPage.notesProperties",
                )
            ),
            what=_what(presentation_id),
        )
        notes_id = page.get("slideProperties", {}).get("notesPage", {}).get("notesProperties", {})
        notes_id = notes_id.get("speakerNotesObjectId")
        if not notes_id:
            raise UserError(f"Added slide {slide_id}, but Google gave it no speaker notes box: notes were not added")
        await _batch(presentation_id, [{"insertText": {"objectId": notes_id, "text": notes, "insertionIndex": 0}}])
    return respond(f"Added slide {slide_id} ({layout}).", {"objectId": slide_id})


@write("extended", SLIDES_WRITE)
async def replace_presentation_text(
    presentation_id: str, find: str, replace: str, match_case: bool = True, slide_ids: list[str] | None = None
) -> ToolResult:
    """Replace every occurrence of find in the deck's shapes and tables (or only on slide_ids)."""
    if not find:
        raise UserError("find: give the text to look for")
    request: dict[str, Any] = {"containsText": {"text": find, "matchCase": match_case}, "replaceText": replace}
    if slide_ids:
        request["pageObjectIds"] = slide_ids
    result = await _batch(presentation_id, [{"replaceAllText": request}])
    changed = result.get("replies", [{}])[0].get("replaceAllText", {}).get("occurrencesChanged", 0)
    return respond(f"Replaced {changed} occurrence(s) of {find!r}.", {"occurrencesChanged": changed})


def _find_object(deck: dict, object_id: str) -> dict | None:
    pending = [
        e
        for slide in deck.get("slides", [])
        for e in slide.get("pageElements", [])
        + slide.get("slideProperties", {}).get("notesPage", {}).get("pageElements", [])
    ]
    while pending:
        element = pending.pop()
        if element.get("objectId") == object_id:
            return element
        pending += element.get("elementGroup", {}).get("children", [])
    return None


@write("extended", SLIDES_WRITE, destructive=True)
async def insert_slide_text(
    presentation_id: str,
    object_id: str,
    text: str,
    index: int | None = None,
    replace: bool = False,
    row: int | None = None,
    column: int | None = None,
) -> ToolResult:
    """Insert text into a shape, speaker notes or table cell (row, column: 0-based), or replace its text.

    Args:
        index: character position in the existing text; default the end.
    """
    if not text:
        raise UserError("text: give the text to insert")
    fields = "slides(pageElements,slideProperties(notesPage(pageElements)))"
    element = _find_object(await _get(presentation_id, fields), object_id)
    if element is None:
        raise UserError(f"object_id: no shape or table {object_id!r} in presentation {presentation_id!r}")
    target: dict[str, Any] = {"objectId": object_id}
    if "table" in element:
        table = element["table"]
        if row is None or column is None:
            raise UserError(f"row, column: {object_id!r} is a table; say which cell (0-based)")
        if not (0 <= row < table.get("rows", 0) and 0 <= column < table.get("columns", 0)):
            raise UserError(f"row, column: ({row}, {column}) is outside the {table['rows']}x{table['columns']} table")
        target["cellLocation"] = {"rowIndex": row, "columnIndex": column}
        holder = table["tableRows"][row]["tableCells"][column]
    elif "shape" in element:
        if row is not None or column is not None:
            raise UserError(f"row, column: {object_id!r} is a shape, not a table")
        holder = element["shape"]
    else:
        kind = _element(element)["kind"]
        raise UserError(f"object_id: {object_id!r} is not a shape or table ({kind}); text goes in those")
    current = _text(holder)
    current = current[:-1] if current.endswith("\n") else current
    requests: list[dict] = []
    if replace:
        if index is not None:
            raise UserError("index: not used with replace=true (the whole text is replaced)")
        if current:
            requests.append({"deleteText": {**target, "textRange": {"type": "ALL"}}})
        at = 0
    else:
        position = len(current) if index is None else index
        if not 0 <= position <= len(current):
            raise UserError(f"index: must be between 0 and {len(current)} (the text's length); got {index}")
        at = units(current[:position])
    requests.append({"insertText": {**target, "text": text, "insertionIndex": at}})
    await _batch(presentation_id, requests)
    return respond(f"{'Replaced the text of' if replace else 'Inserted text into'} {object_id}.")


@write("complete", SLIDES_WRITE, destructive=True)
async def delete_slide(presentation_id: str, slide_id: str) -> ToolResult:
    """Delete a slide (with everything on it)."""
    deck = await _get(presentation_id, "slides(objectId)")
    ids = [slide["objectId"] for slide in deck.get("slides", [])]
    if slide_id not in ids:
        raise UserError(f"slide_id: {slide_id!r} is not a slide of {presentation_id!r}; slides are: {', '.join(ids)}")
    await _batch(presentation_id, [{"deleteObject": {"objectId": slide_id}}])
    return respond(f"Deleted slide {slide_id}.")


def _checked_requests(requests: list[dict[str, Any]]) -> None:
    if not requests:
        raise UserError("requests: give at least one request")
    if len(requests) > MAX_REQUESTS:
        raise UserError(f"requests: at most {MAX_REQUESTS} per call (got {len(requests)}); split the batch")
    kinds = request_kinds()
    for number, request in enumerate(requests):
        named = list(request)
        if len(named) != 1:
            raise UserError(f"requests[{number}]: must have exactly one request kind, e.g. {{'insertText': {{...}}}}")
        kind = named[0]
        if kind not in kinds:
            close = difflib.get_close_matches(kind, kinds, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UserError(f"requests[{number}]: unknown request kind {kind!r}{hint}")
        if not isinstance(request[kind], dict):
            raise UserError(f"requests[{number}].{kind}: must be an object")


@write("complete", SLIDES_WRITE, destructive=True)
async def batch_update_presentation(presentation_id: str, requests: list[dict[str, Any]]) -> ToolResult:
    """Send raw Slides API batchUpdate requests (e.g. createShape, updateTextStyle); all or nothing."""
    _checked_requests(requests)
    result = await _batch(presentation_id, requests)
    replies = result.get("replies", [])
    return respond(f"Applied {len(requests)} request(s) to {presentation_id}.", {"replies": replies})


@read("extended", SLIDES_READ)
async def get_slide_thumbnail(
    presentation_id: str, slide_id: str, size: Literal["SMALL", "MEDIUM", "LARGE"] = "MEDIUM"
) -> ToolResult:
    """A PNG thumbnail URL for a slide; the link is short-lived (about 30 minutes) and works without sign-in."""
    thumbnail = await call(
        "slides",
        lambda s: (
            s.presentations()
            .pages()
            .getThumbnail(
                presentationId=presentation_id,
                pageObjectId=slide_id,
                thumbnailProperties_thumbnailSize=size,
                thumbnailProperties_mimeType="PNG",
            )
        ),
        what=f"slide '{slide_id}' in {_what(presentation_id)}",
    )
    text = (
        f"{thumbnail.get('width')}x{thumbnail.get('height')} PNG: {thumbnail['contentUrl']}\n"
        "The link expires in about 30 minutes; anyone holding it sees the image as you."
    )
    return respond(text, thumbnail)


list_slide_comments, add_slide_comment, reply_to_slide_comment, resolve_slide_comment = comment_tools(__name__, "slide")
