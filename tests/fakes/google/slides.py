"""The stand-in's Slides: decks of slides with shapes, tables, images and speaker notes.

Decks are kept in a small model of their own and rendered to the API's JSON on every read, so the tools
see text as Google sends it (paragraph markers and text runs, UTF-16 indexes, startIndex 0 left out).
``batchUpdate`` is checked as strictly as Google does it: one request kind per request, object ids that
exist (or, for new ones, are well formed and unused), indexes inside the text, all or nothing.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any

from googleapiclient.discovery_cache import get_static_doc

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles
from .docs import split_at, units
from .drive import add_file
from .drive_comments import add_comment
from .partial import masked

PRESENTATION = "application/vnd.google-apps.presentation"
# Google's default theme: each predefined layout's placeholders, in index order per type.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "BLANK": (),
    "CAPTION_ONLY": ("BODY",),
    "TITLE": ("CENTERED_TITLE", "SUBTITLE"),
    "TITLE_AND_BODY": ("TITLE", "BODY"),
    "TITLE_AND_TWO_COLUMNS": ("TITLE", "BODY", "BODY"),
    "TITLE_ONLY": ("TITLE",),
    "SECTION_HEADER": ("TITLE",),
    "SECTION_TITLE_AND_DESCRIPTION": ("TITLE", "SUBTITLE", "BODY"),
    "ONE_COLUMN_TEXT": ("TITLE", "BODY"),
    "MAIN_POINT": ("TITLE",),
    "BIG_NUMBER": ("TITLE", "BODY"),
}
NEW_ID = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9_\-:]{4,49}")
REQUEST_KINDS = frozenset(json.loads(get_static_doc("slides", "v1"))["schemas"]["Request"]["properties"])
THUMBNAIL_WIDTHS = {"LARGE": 1600, "MEDIUM": 800, "SMALL": 200, "THUMBNAIL_SIZE_UNSPECIFIED": 800}


def _generated() -> str:
    return "g" + uuid.uuid4().hex[:20]


def _bad(message: str) -> ApiError:
    return ApiError(400, f"Invalid requests: {message}", "badRequest")


def make_shape(object_id: str, text: str = "", placeholder: str | None = None, shape_type: str = "TEXT_BOX") -> dict:
    return {"objectId": object_id, "kind": "shape", "shapeType": shape_type, "placeholder": placeholder, "text": text}


def make_slide(fake: GoogleApiFake, object_id: str, layout: str, elements: list[dict], notes: str = "") -> dict:
    return {
        "objectId": object_id,
        "layout": layout,
        "elements": elements,
        "notesPageId": f"{object_id}:notes",
        "notes": make_shape(fake.new_id("notes_body_"), notes, "BODY"),
    }


def add_deck(fake: GoogleApiFake, deck_id: str, title: str, slides: list[dict]) -> dict:
    deck = {"presentationId": deck_id, "title": title, "revision": 1, "slides": slides}
    fake.state["presentations"][deck_id] = deck
    add_file(fake, deck_id, title, PRESENTATION)
    return deck


def _seed_slides(fake: GoogleApiFake) -> None:
    fake.state["presentations"] = {}
    table = {"objectId": "table1", "kind": "table", "cells": [["Item", "Cost"], ["Disk", "10"]]}
    add_deck(
        fake,
        "deck1",
        "Quarterly review",
        [
            make_slide(
                fake,
                "slide1",
                "TITLE",
                [make_shape("s1_title", "Q1 review", "CENTERED_TITLE"), make_shape("s1_sub", "March 2025", "SUBTITLE")],
                "Welcome everyone\nKeep it short",
            ),
            make_slide(
                fake,
                "slide2",
                "TITLE_AND_BODY",
                [
                    make_shape("s2_title", "Numbers", "TITLE"),
                    make_shape("s2_body", "Revenue up\nCosts down", "BODY"),
                    table,
                    {"objectId": "image1", "kind": "image"},
                ],
            ),
            make_slide(
                fake,
                "slide3",
                "BLANK",
                [
                    make_shape("s3_box", "Thanks 🎉 all"),
                    {
                        "objectId": "group1",
                        "kind": "group",
                        "children": [make_shape("g_box1", "Grouped note"), {"objectId": "g_img1", "kind": "image"}],
                    },
                ],
            ),
        ],
    )
    add_deck(fake, "deck2", "Team offsite", [make_slide(fake, "d2_slide1", "TITLE", [])])
    add_comment(fake, "deck1", "Add a chart here", quoted="Numbers")


SEEDERS.append(_seed_slides)


# -- rendering as the API's JSON --------------------------------------------------------------------
def _text_json(text: str) -> dict:
    elements, index = [], 0
    for paragraph in text.split("\n"):
        content = paragraph + "\n"
        end = index + units(content)
        start = {"startIndex": index} if index else {}  # proto3 JSON leaves a zero out
        elements.append({**start, "endIndex": end, "paragraphMarker": {"style": {}}})
        elements.append({**start, "endIndex": end, "textRun": {"content": content, "style": {}}})
        index = end
    return {"textElements": elements}


def _element_json(element: dict) -> dict:
    out: dict[str, Any] = {
        "objectId": element["objectId"],
        "size": {"width": {"magnitude": 3000000, "unit": "EMU"}, "height": {"magnitude": 800000, "unit": "EMU"}},
        "transform": {"scaleX": 1, "scaleY": 1, "unit": "EMU"},
    }
    if element["kind"] == "shape":
        shape: dict[str, Any] = {"shapeType": element["shapeType"], "shapeProperties": {}}
        if element["placeholder"]:
            shape["placeholder"] = {
                "type": element["placeholder"],
                "parentObjectId": f"layout_{element['placeholder']}",
            }
        if element["text"]:
            shape["text"] = _text_json(element["text"])
        out["shape"] = shape
    elif element["kind"] == "table":
        cells = element["cells"]
        out["table"] = {
            "rows": len(cells),
            "columns": len(cells[0]),
            "tableRows": [
                {
                    "rowHeight": {"magnitude": 370000, "unit": "EMU"},
                    "tableCells": [
                        {
                            "location": {"rowIndex": r, "columnIndex": c} if r or c else {},
                            "rowSpan": 1,
                            "columnSpan": 1,
                            **({"text": _text_json(text)} if text else {}),
                        }
                        for c, text in enumerate(row)
                    ],
                }
                for r, row in enumerate(cells)
            ],
        }
    elif element["kind"] == "group":
        out["elementGroup"] = {"children": [_element_json(child) for child in element["children"]]}
    else:
        out["image"] = {"contentUrl": f"https://lh3.googleusercontent.com/{element['objectId']}", "imageProperties": {}}
    return out


def _slide_json(slide: dict) -> dict:
    notes = slide["notes"]
    return {
        "objectId": slide["objectId"],
        "pageType": "SLIDE",
        "pageElements": [_element_json(e) for e in slide["elements"]],
        "slideProperties": {
            "layoutObjectId": f"layout_{slide['layout']}",
            "masterObjectId": "master1",
            "notesPage": {
                "objectId": slide["notesPageId"],
                "pageType": "NOTES",
                "notesProperties": {"speakerNotesObjectId": notes["objectId"]},
                "pageElements": [_element_json(notes)],
            },
        },
    }


def _deck_json(deck: dict) -> dict:
    return {
        "presentationId": deck["presentationId"],
        "title": deck["title"],
        "locale": "en",
        "revisionId": f"rev{deck['revision']}",
        "pageSize": {"width": {"magnitude": 9144000, "unit": "EMU"}, "height": {"magnitude": 5143500, "unit": "EMU"}},
        "slides": [_slide_json(slide) for slide in deck["slides"]],
        "layouts": [
            {
                "objectId": f"layout_{name}",
                "pageType": "LAYOUT",
                "layoutProperties": {"masterObjectId": "master1", "name": name, "displayName": name.title()},
            }
            for name in LAYOUTS
        ],
        "masters": [{"objectId": "master1", "pageType": "MASTER"}],
    }


# -- handlers ---------------------------------------------------------------------------------------
@handles("slides.presentations.get")
def _get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    deck = get_or_404(fake.state["presentations"], ctx.params["presentationId"], "presentation")
    return masked(_deck_json(deck), ctx.params.get("fields"))


@handles("slides.presentations.create")
def _create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    deck_id = ctx.body.get("presentationId") or fake.new_id("deck_")
    if deck_id in fake.state["presentations"]:
        raise ApiError(409, f"A presentation with id {deck_id} already exists.", "alreadyExists")
    slide_id = fake.new_id("slide_")
    placeholders = [make_shape(f"{slide_id}_{i}", "", kind) for i, kind in enumerate(LAYOUTS["TITLE"])]
    slides = [make_slide(fake, slide_id, "TITLE", placeholders)]
    deck = add_deck(fake, deck_id, ctx.body.get("title") or "Untitled presentation", slides)
    return _deck_json(deck)


def _page(fake: GoogleApiFake, ctx: Ctx) -> dict:
    deck = get_or_404(fake.state["presentations"], ctx.params["presentationId"], "presentation")
    for slide in deck["slides"]:
        if slide["objectId"] == ctx.params["pageObjectId"]:
            return slide
    raise ApiError(404, f"Requested entity was not found: page {ctx.params['pageObjectId']}", "notFound")


@handles("slides.presentations.pages.get")
def _page_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return masked(_slide_json(_page(fake, ctx)), ctx.params.get("fields"))


@handles("slides.presentations.pages.getThumbnail")
def _thumbnail(fake: GoogleApiFake, ctx: Ctx) -> dict:
    slide = _page(fake, ctx)
    if ctx.params.get("thumbnailProperties.mimeType", "PNG") != "PNG":
        raise ApiError(400, "Only PNG thumbnails are supported.", "invalid")
    width = THUMBNAIL_WIDTHS[ctx.params.get("thumbnailProperties.thumbnailSize", "THUMBNAIL_SIZE_UNSPECIFIED")]
    url = f"https://lh7-rt.googleusercontent.com/slidesz/{ctx.params['presentationId']}/{slide['objectId']}?w={width}"
    return {"width": width, "height": width * 9 // 16, "contentUrl": url}


def _walk(elements: list[dict]) -> list[tuple[list[dict], dict]]:
    """(the list holding it, element) for every element, inside groups too."""
    found = []
    for element in elements:
        found.append((elements, element))
        found += _walk(element.get("children", []))
    return found


class _Edit:
    """Applies a batch to a copy of the deck; the copy replaces the deck only when every request worked."""

    def __init__(self, deck: dict):
        self.deck = copy.deepcopy(deck)

    def ids(self) -> set[str]:
        found = set()
        for slide in self.deck["slides"]:
            found |= {slide["objectId"], slide["notesPageId"], slide["notes"]["objectId"]}
            found |= {element["objectId"] for _, element in _walk(slide["elements"])}
        return found

    def new_id(self, value: Any, field: str) -> str:
        if not isinstance(value, str) or not NEW_ID.fullmatch(value):
            raise _bad(f"{field}: the object ID ({value}) should be 5 to 50 characters of [a-zA-Z0-9_-:].")
        if value in self.ids():
            raise _bad(f"{field}: the object ID ({value}) should be unique among all pages and page elements.")
        return value

    def find(self, object_id: Any) -> tuple[dict | None, dict]:
        """(slide holding it or None for a slide itself, the object)."""
        for slide in self.deck["slides"]:
            if slide["objectId"] == object_id:
                return None, slide
            for _, element in [*_walk(slide["elements"]), ([], slide["notes"])]:
                if element["objectId"] == object_id:
                    return slide, element
        raise _bad(f"The object ({object_id}) could not be found.")

    def text_target(self, args: dict, kind: str) -> tuple[dict, str | tuple[int, int]]:
        """The element and where its text is ("text" or a (row, column) cell)."""
        if "objectId" not in args:
            raise _bad(f"{kind}: objectId is required.")
        slide, element = self.find(args["objectId"])
        if slide is None or element["kind"] in ("image", "group"):
            raise _bad(f"{kind}: the object ({args['objectId']}) cannot hold text.")
        location = args.get("cellLocation")
        if element["kind"] == "table":
            if location is None:
                raise _bad(f"{kind}: cellLocation is required for the table ({args['objectId']}).")
            row, column = location.get("rowIndex", 0), location.get("columnIndex", 0)
            if not (0 <= row < len(element["cells"]) and 0 <= column < len(element["cells"][0])):
                raise _bad(f"{kind}: cellLocation ({row}, {column}) is outside the table.")
            return element, (row, column)
        if location is not None:
            raise _bad(f"{kind}: cellLocation is only for tables; {args['objectId']} is a shape.")
        return element, "text"

    @staticmethod
    def read(element: dict, where: str | tuple[int, int]) -> str:
        return element["text"] if where == "text" else element["cells"][where[0]][where[1]]

    @staticmethod
    def write(element: dict, where: str | tuple[int, int], text: str) -> None:
        if where == "text":
            element["text"] = text
        else:
            element["cells"][where[0]][where[1]] = text

    def apply(self, kind: str, args: dict) -> dict:
        handler = getattr(self, "_" + kind, None)
        if handler is None:
            raise NotImplementedError(kind)
        return handler(args)

    def _createSlide(self, args: dict) -> dict:  # noqa: N802 - named after the request kind
        slide_id = self.new_id(args["objectId"], "createSlide.objectId") if "objectId" in args else _generated()
        reference = args.get("slideLayoutReference", {"predefinedLayout": "BLANK"})
        layout = reference.get("predefinedLayout") or str(reference.get("layoutId", "")).removeprefix("layout_")
        if layout not in LAYOUTS:
            raise _bad(f"createSlide: the layout {reference} is not in this presentation's master.")
        position = args.get("insertionIndex", len(self.deck["slides"]))
        if not 0 <= position <= len(self.deck["slides"]):
            raise _bad(f"createSlide: insertionIndex {position} is out of range [0, {len(self.deck['slides'])}].")
        mapped: dict[tuple[str, int], str] = {}
        for mapping in args.get("placeholderIdMappings", []):
            wanted = mapping.get("layoutPlaceholder", {})
            key = (wanted.get("type"), wanted.get("index", 0))
            if LAYOUTS[layout].count(key[0]) <= key[1]:
                raise _bad(f"createSlide: the layout {layout} has no placeholder {key[0]} at index {key[1]}.")
            mapped[key] = self.new_id(mapping.get("objectId"), "placeholderIdMappings.objectId")
        elements, seen = [], {}
        for number, placeholder in enumerate(LAYOUTS[layout]):
            index = seen[placeholder] = seen.get(placeholder, -1) + 1
            elements.append(make_shape(mapped.get((placeholder, index), f"{slide_id}_p{number}"), "", placeholder))
        slide = {
            "objectId": slide_id,
            "layout": layout,
            "elements": elements,
            "notesPageId": f"{slide_id}:notes",
            "notes": make_shape(f"{slide_id}:notes_body", "", "BODY"),
        }
        self.deck["slides"].insert(position, slide)
        return {"createSlide": {"objectId": slide_id}}

    def _createShape(self, args: dict) -> dict:  # noqa: N802
        shape_id = self.new_id(args.get("objectId"), "createShape.objectId")
        page_id = args.get("elementProperties", {}).get("pageObjectId")
        slide, _ = self.find(page_id)
        if slide is not None:
            raise _bad(f"createShape: {page_id} is not a page.")
        _, page = self.find(page_id)
        page["elements"].append(make_shape(shape_id, "", None, args.get("shapeType", "TEXT_BOX")))
        return {"createShape": {"objectId": shape_id}}

    def _insertText(self, args: dict) -> dict:  # noqa: N802
        element, where = self.text_target(args, "insertText")
        current, at = self.read(element, where), args.get("insertionIndex", 0)
        if not isinstance(at, int) or not 0 <= at <= units(current):
            raise _bad(f"insertText: insertionIndex {at} is out of range [0, {units(current)}].")
        before, after = split_at(current, at)
        self.write(element, where, before + args.get("text", "") + after)
        return {}

    def _deleteText(self, args: dict) -> dict:  # noqa: N802
        element, where = self.text_target(args, "deleteText")
        current, span = self.read(element, where), args.get("textRange", {})
        kind, length = span.get("type"), units(self.read(element, where))
        start = 0 if kind == "ALL" else span.get("startIndex", 0)
        end = length if kind in ("ALL", "FROM_START_INDEX") else span.get("endIndex")
        if kind not in ("ALL", "FROM_START_INDEX", "FIXED_RANGE") or end is None or not 0 <= start <= end <= length:
            raise _bad(f"deleteText: the range {span} is invalid for text of length {length}.")
        head, rest = split_at(current, start)
        self.write(element, where, head + split_at(rest, end - start)[1])
        return {}

    def _replaceAllText(self, args: dict) -> dict:  # noqa: N802
        contains = args.get("containsText", {})
        if not contains.get("text"):
            raise _bad("replaceAllText: containsText.text must not be empty.")
        flags = 0 if contains.get("matchCase") else re.IGNORECASE
        pattern, replacement = re.compile(re.escape(contains["text"]), flags), args.get("replaceText", "")
        pages = args.get("pageObjectIds")
        slide_ids = [slide["objectId"] for slide in self.deck["slides"]]
        for page_id in pages or []:
            if page_id not in slide_ids:
                raise _bad(f"replaceAllText: pageObjectIds: {page_id} is not a slide of this presentation.")
        changed = 0
        for slide in self.deck["slides"]:
            if pages and slide["objectId"] not in pages:
                continue
            for _, element in _walk(slide["elements"]):
                places = ["text"] if element["kind"] == "shape" else []
                if element["kind"] == "table":
                    places = [(r, c) for r, row in enumerate(element["cells"]) for c in range(len(row))]
                for where in places:
                    text, count = pattern.subn(lambda _: replacement, self.read(element, where))
                    self.write(element, where, text)
                    changed += count
        return {"replaceAllText": {"occurrencesChanged": changed}} if changed else {"replaceAllText": {}}

    def _deleteObject(self, args: dict) -> dict:  # noqa: N802
        slide, target = self.find(args.get("objectId"))
        if slide is None:
            self.deck["slides"].remove(target)
        elif target is slide["notes"]:
            raise _bad(f"deleteObject: the speaker notes placeholder ({target['objectId']}) cannot be deleted.")
        else:
            holder = next(elements for elements, element in _walk(slide["elements"]) if element is target)
            holder.remove(target)
        return {}


@handles("slides.presentations.batchUpdate")
def _batch_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    deck = get_or_404(fake.state["presentations"], ctx.params["presentationId"], "presentation")
    requests = ctx.body.get("requests")
    if not requests:
        raise _bad("the batch holds no requests.")
    required = ctx.body.get("writeControl", {}).get("requiredRevisionId")
    if required and required != f"rev{deck['revision']}":
        raise ApiError(400, "The required revision ID does not match the latest revision.", "failedPrecondition")
    edit, replies = _Edit(deck), []
    for number, request in enumerate(requests):
        kinds = [key for key in request if key in REQUEST_KINDS]
        if len(kinds) != 1 or len(request) != 1:
            raise _bad(f"requests[{number}]: exactly one request kind must be set (got {sorted(request)}).")
        try:
            replies.append(edit.apply(kinds[0], request[kinds[0]]))
        except NotImplementedError:
            raise fake.refuse(ctx.method_id, f"request kind {kinds[0]} is not emulated") from None
    edit.deck["revision"] += 1
    fake.state["presentations"][deck["presentationId"]] = edit.deck
    return {
        "presentationId": deck["presentationId"],
        "replies": replies,
        "writeControl": {"requiredRevisionId": f"rev{edit.deck['revision']}"},
    }
