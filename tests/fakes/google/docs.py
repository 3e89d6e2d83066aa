"""The stand-in's Docs: each document tab is a flat list of index units, as the real API counts them.

One slot per UTF-16 code unit of text (an emoji outside the BMP is two), one per structural mark a table adds
(table start, row start, cell start, table end) and one per inline element (image, horizontal rule ...). The
paragraph's style and bullet live on its closing newline; text style and suggestion ids on every unit. So the
requests the tools send (insertText, insertTable, deleteContentRange, updateTextStyle, updateParagraphStyle,
createParagraphBullets ...) shift indexes exactly as Google's do, and an index that lands inside table structure
or a surrogate pair is refused as Google refuses it. documents.get rebuilds the JSON (runs, paragraphs, tables,
lists, tabs, suggestions view modes) from the slots.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from googleapiclient.discovery_cache import get_static_doc

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles

_SCHEMAS = json.loads(get_static_doc("docs", "v1"))["schemas"]
TEXT_FIELDS = frozenset(_SCHEMAS["TextStyle"]["properties"])
PARAGRAPH_FIELDS = frozenset(_SCHEMAS["ParagraphStyle"]["properties"])
NAMED_STYLES = frozenset(_SCHEMAS["ParagraphStyle"]["properties"]["namedStyleType"]["enum"]) - {
    "NAMED_STYLE_TYPE_UNSPECIFIED"
}
BULLET_PRESETS = frozenset(_SCHEMAS["CreateParagraphBulletsRequest"]["properties"]["bulletPreset"]["enum"]) - {
    "BULLET_GLYPH_PRESET_UNSPECIFIED"
}
CHART = "https://lh3.example.com/chart.png"
# Google strips these from inserted text (C0 controls but tab, newline and vertical tab; the BMP private use area).
STRIPPED = re.compile("[\x00-\x08\x0c-\x1f\ue000-\uf8ff]")


def units(text: str) -> int:
    """Length in UTF-16 code units: how the Docs API counts indexes (an emoji is 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def split_at(text: str, index: int) -> tuple[str, str]:
    """``text`` cut after ``index`` UTF-16 code units; Google refuses an index inside a surrogate pair."""
    data = text.encode("utf-16-le")
    try:
        return data[: 2 * index].decode("utf-16-le"), data[2 * index :].decode("utf-16-le")
    except UnicodeDecodeError:
        raise ApiError(400, f"Invalid index {index}: inside a surrogate pair", "badRequest") from None


def to_units(text: str) -> list[str]:
    data = text.encode("utf-16-le", "surrogatepass")
    return [chr(int.from_bytes(data[i : i + 2], "little")) for i in range(0, len(data), 2)]


def from_units(chars: list[str]) -> str:
    return "".join(chars).encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _low_surrogate(slot: dict) -> bool:
    return "c" in slot and "\udc00" <= slot["c"] <= "\udfff"


def bad(message: str) -> ApiError:
    return ApiError(400, message, "badRequest")


# -- building tabs (seed data) ----------------------------------------------------------------------------
def text_slots(text: str, style: dict | None = None, **extra: Any) -> list[dict]:
    out = []
    for unit in to_units(text):
        slot = {"c": unit, "ts": dict(style or {}), **copy.deepcopy(extra)}
        if unit == "\n":
            slot.setdefault("ps", {"namedStyleType": "NORMAL_TEXT"})
            slot.setdefault("bullet", None)
        out.append(slot)
    return out


def paragraph(
    *runs: tuple[str, dict] | str | dict, style: str = "NORMAL_TEXT", bullet: tuple[str, int] | None = None
) -> list[dict]:
    """Slots of one paragraph: runs are text, (text, textStyle) or an inline element ({"horizontalRule": {}})."""
    out: list[dict] = []
    for run in runs:
        if isinstance(run, dict):
            out.append({"el": run, "ts": {}})
        elif isinstance(run, tuple):
            out += text_slots(*run)
        else:
            out += text_slots(run)
    newline = text_slots("\n")[0]
    newline["ps"] = {"namedStyleType": style}
    newline["bullet"] = {"listId": bullet[0], "nestingLevel": bullet[1]} if bullet else None
    return out + [newline]


def table(rows: list[list[str]]) -> list[dict]:
    out = [{"m": "table"}]
    for row in rows:
        out.append({"m": "row"})
        for cell in row:
            out += [{"m": "cell"}, *paragraph(cell)]
    return out + [{"m": "tend"}]


def _tab(tab_id: str, title: str, slots: list[dict], lists: dict | None = None, **extra: Any) -> dict:
    return {"id": tab_id, "title": title, "slots": slots, "lists": lists or {}, "objects": {}, "footnotes": {}, **extra}


def document(title: str, *slots: dict, **extra: Any) -> dict:
    """A one-tab document for ``fake.state["documents"]`` from paragraph() and table() slots."""
    return {"title": title, "revision": 1, "tabs": [_tab("t.0", "Tab 1", list(slots))], **extra}


def _seed_docs(fake: GoogleApiFake) -> None:
    lists = {
        "kix.bul": {"listProperties": {"nestingLevels": [{"glyphSymbol": "●"}, {"glyphSymbol": "○"}]}},
        "kix.num": {"listProperties": {"nestingLevels": [{"glyphType": "DECIMAL"}]}},
    }
    design = [
        *paragraph("Design", style="HEADING_1"),
        *paragraph("The plan is ", ("simple", {"bold": True}), "."),
        *paragraph("First point", bullet=("kix.bul", 0)),
        *paragraph("Nested point", bullet=("kix.bul", 1)),
        *paragraph("Step one", bullet=("kix.num", 0)),
        *table([["Name", "Cost"], ["Disk", "10"]]),
        *paragraph("Goals", style="HEADING_2"),
        *paragraph("Ship it."),
    ]
    fake.state["documents"] = {
        "doc1": {"title": "Design doc", "revision": 1, "tabs": [_tab("t.0", "Tab 1", design, lists)]},
        "docreview": review_document(),
        "docreadonly": document("Locked", *paragraph("Do not touch."), readonly=True),
    }


def review_document() -> dict:
    """Two tabs; styles, a footnote, a rule, an image, and two pending suggestions (a replacement, a deletion)."""
    mono = {"weightedFontFamily": {"fontFamily": "Consolas", "weight": 400}}
    review = [
        *paragraph("Review notes", style="TITLE"),
        *paragraph(
            ("Read ", {}),
            ("the guide", {"link": {"url": "https://example.com/guide"}, "italic": True}),
            (", run ", {}),
            ("make test", mono),
            (" and ", {}),
            ("old", {"strikethrough": True}),
            ("*literal* ", {}),
            {"footnoteReference": {"footnoteId": "fn1", "footnoteNumber": "1"}},
        ),
        *paragraph({"horizontalRule": {}}),
        *paragraph("Chart: ", {"inlineObjectElement": {"inlineObjectId": "kix.img1"}}),
        *paragraph("The budget is ", ("large", {"bold": True}), " today."),
    ]
    image = {"embeddedObject": {"description": "Q3 chart", "imageProperties": {"contentUri": CHART}}}
    return {
        "title": "Review",
        "revision": 1,
        "tabs": [
            _tab(
                "t.0",
                "Notes",
                _suggestions(review),
                objects={"kix.img1": {"inlineObjectProperties": image}},
                footnotes={"fn1": paragraph("See the appendix.")},
            ),
            _tab("t.1", "Appendix", paragraph("More here."), children=[_tab("t.2", "Sources", paragraph("A source."))]),
        ],
    }


def _suggestions(slots: list[dict]) -> list[dict]:
    """The review doc's last paragraph with "large" suggested replaced by "small" and " today" suggested deleted."""
    text = "".join(s.get("c", "\x00") for s in slots)
    start = text.rindex("large")
    for slot in slots[start : start + 5]:
        slot["sug"] = {"del": ["suggest.swap"]}
    inserted = text_slots("small", {"bold": True}, sug={"ins": ["suggest.swap"]})
    slots[start + 5 : start + 5] = inserted
    text = "".join(s.get("c", "\x00") for s in slots)
    cut = text.rindex(" today")
    for slot in slots[cut : cut + 6]:
        slot["sug"] = {"del": ["suggest.cut"]}
    return slots


SEEDERS.append(_seed_docs)


# -- documents.get -----------------------------------------------------------------------------------------
def _visible(slots: list[dict], mode: str) -> list[dict]:
    if mode == "SUGGESTIONS_INLINE":
        return slots
    gone = "ins" if mode == "PREVIEW_WITHOUT_SUGGESTIONS" else "del"
    out = []
    for original in slots:
        if gone in original.get("sug", {}):
            continue
        slot = {k: copy.deepcopy(v) for k, v in original.items() if k not in ("sug", "psug")}
        if mode == "PREVIEW_SUGGESTIONS_ACCEPTED":
            for style in original.get("psug", {}).values():
                slot["ps"].update(style)
        out.append(slot)
    return out


def _run_key(slot: dict) -> str:
    return json.dumps([slot.get("ts"), slot.get("sug")], sort_keys=True)


def _paragraph_json(slots: list[dict], start: int) -> dict:
    elements: list[dict] = []
    for offset, slot in enumerate(slots):
        index = start + offset
        if "el" in slot:
            elements.append({"startIndex": index, "endIndex": index + 1, **copy.deepcopy(slot["el"])})
            continue
        last = elements[-1] if elements else None
        if last and "textRun" in last and last["key"] == _run_key(slot):
            last["chars"].append(slot["c"])
            last["endIndex"] = index + 1
            continue
        run: dict[str, Any] = {"textStyle": copy.deepcopy(slot["ts"])}
        for kind, field in (("ins", "suggestedInsertionIds"), ("del", "suggestedDeletionIds")):
            if kind in slot.get("sug", {}):
                run[field] = list(slot["sug"][kind])
        elements.append(
            {"startIndex": index, "endIndex": index + 1, "textRun": run, "key": _run_key(slot), "chars": [slot["c"]]}
        )
    for element in elements:
        if "textRun" in element:
            element["textRun"]["content"] = from_units(element.pop("chars"))
            element.pop("key")
    newline = slots[-1]
    out: dict[str, Any] = {"elements": elements, "paragraphStyle": copy.deepcopy(newline["ps"])}
    if newline.get("bullet"):
        out["bullet"] = copy.deepcopy(newline["bullet"])
    if newline.get("psug"):  # suggested paragraph style changes, by suggestion id
        out["suggestedParagraphStyleChanges"] = {
            key: {"paragraphStyle": copy.deepcopy(style), "paragraphStyleSuggestionState": {}}
            for key, style in newline["psug"].items()
        }
    return {"startIndex": start, "endIndex": start + len(slots), "paragraph": out}


def structure(slots: list[dict], start: int = 1, stop: tuple[str, ...] = ()) -> tuple[list[dict], int]:
    """Structural elements from ``slots`` (first at index ``start``) up to a mark in ``stop``; (content, slots used)."""
    content, i = [], 0
    while i < len(slots):
        slot = slots[i]
        if slot.get("m") in stop:
            break
        if slot.get("m") == "table":
            rows, j = [], i + 1
            while slots[j].get("m") == "row":
                row_start, cells, j = j, [], j + 1
                while slots[j].get("m") == "cell":
                    cell_content, used = structure(slots[j + 1 :], start + j + 1, ("cell", "row", "tend"))
                    cells.append({"startIndex": start + j, "endIndex": start + j + 1 + used, "content": cell_content})
                    j += 1 + used
                rows.append({"startIndex": start + row_start, "endIndex": start + j, "tableCells": cells})
            table_json = {"rows": len(rows), "columns": len(rows[0]["tableCells"]), "tableRows": rows}
            content.append({"startIndex": start + i, "endIndex": start + j + 1, "table": table_json})
            i = j + 1
            continue
        end = next(k for k in range(i, len(slots)) if slots[k].get("c") == "\n")
        content.append(_paragraph_json(slots[i : end + 1], start + i))
        i = end + 1
    return content, i


def _tab_json(tab: dict, mode: str) -> dict:
    body, _ = structure(_visible(tab["slots"], mode))
    return {
        "body": {"content": [{"endIndex": 1, "sectionBreak": {}}, *body]},
        "lists": copy.deepcopy(tab["lists"]),
        "inlineObjects": copy.deepcopy(tab["objects"]),
        "footnotes": {
            key: {"footnoteId": key, "content": structure(_visible(slots, mode), 0)[0]}
            for key, slots in tab["footnotes"].items()
        },
    }


def _tab_tree(tab: dict, index: int, mode: str, level: int) -> dict:
    """A tab and its child tabs as Google nests them (childTabs, tabProperties.nestingLevel)."""
    props = {"tabId": tab["id"], "title": tab["title"], "index": index, "nestingLevel": level}
    children = [_tab_tree(child, i, mode, level + 1) for i, child in enumerate(tab.get("children", []))]
    return {
        "tabProperties": props,
        "documentTab": _tab_json(tab, mode),
        **({"childTabs": children} if children else {}),
    }


@handles("docs.documents.get")
def _docs_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    document_id = ctx.params["documentId"]
    document = get_or_404(fake.state["documents"], document_id, "document")
    mode = ctx.params.get("suggestionsViewMode", "DEFAULT_FOR_CURRENT_ACCESS")
    if mode == "DEFAULT_FOR_CURRENT_ACCESS":
        mode = "PREVIEW_WITHOUT_SUGGESTIONS" if document.get("readonly") else "SUGGESTIONS_INLINE"
    elif mode != "PREVIEW_WITHOUT_SUGGESTIONS" and document.get("readonly"):
        raise ApiError(403, "The caller does not have permission to view suggestions", "forbidden")
    head = {"documentId": document_id, "title": document["title"], "revisionId": f"rev{document['revision']}"}
    head["suggestionsViewMode"] = mode
    for edit in document.pop("edit_after_read", []):  # a collaborator's edit right after this read
        document["tabs"][0]["slots"][0:0] = text_slots(edit)
        document["revision"] += 1
    if ctx.params.get("includeTabsContent") in ("true", True):
        tabs = [_tab_tree(tab, i, mode, 0) for i, tab in enumerate(document["tabs"])]
        return {**head, "tabs": tabs}
    return {**head, **_tab_json(document["tabs"][0], mode)}


@handles("docs.documents.create")
def _docs_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    document_id = fake.new_id("doc")
    title = ctx.body.get("title", "Untitled document")
    fake.state["documents"][document_id] = {"title": title, "revision": 1, "tabs": [_tab("t.0", "Tab 1", paragraph())]}
    tab = _tab_json(fake.state["documents"][document_id]["tabs"][0], "SUGGESTIONS_INLINE")
    return {"documentId": document_id, "title": title, "revisionId": "rev1", **tab}


# -- documents.batchUpdate ---------------------------------------------------------------------------------
class Editor:
    """Applies batchUpdate requests to one tab's slots, refusing what Google refuses."""

    def __init__(self, fake: GoogleApiFake, document: dict, number: int):
        self.fake, self.document, self.number = fake, document, number

    def tab(self, where: dict) -> dict:
        if where.get("segmentId"):
            raise bad(f"Invalid requests[{self.number}]: the stand-in has no headers, footers or footnotes to edit")
        tab_id = where.get("tabId")
        for tab in self.document["tabs"]:
            if tab_id in (None, tab["id"]):
                return tab
        raise bad(f"Invalid requests[{self.number}]: no tab with id {tab_id!r}")

    def location(self, args: dict) -> tuple[dict, int]:
        if ("location" in args) == ("endOfSegmentLocation" in args):
            raise bad(f"Invalid requests[{self.number}]: exactly one of location and endOfSegmentLocation is required")
        if "location" in args:
            tab = self.tab(args["location"])
            return tab, args["location"].get("index", 0)
        tab = self.tab(args["endOfSegmentLocation"])
        return tab, len(tab["slots"])

    def range(self, args: dict, allow_final_newline: bool = True) -> tuple[dict, int, int]:
        where = args.get("range")
        if not where:
            raise bad(f"Invalid requests[{self.number}]: range is required")
        tab = self.tab(where)
        start, end, body_end = where.get("startIndex", 0), where.get("endIndex", 0), len(tab["slots"]) + 1
        if start < 1 or end <= start or end > body_end - (0 if allow_final_newline else 1):
            raise bad(
                f"Invalid requests[{self.number}]: range {start}-{end} is outside the body (its end index is "
                f"{body_end}) or empty"
            )
        return tab, start, end

    def inside_paragraph(self, tab: dict, index: int) -> int:
        """The slot position for an insertion at ``index``; it must fall inside a paragraph."""
        slots = tab["slots"]
        if not 1 <= index <= len(slots):
            raise bad(
                f"Invalid requests[{self.number}]: Index {index} must be less than the end index of the referenced "
                f"segment, {len(slots) + 1}."
            )
        slot = slots[index - 1]
        if "m" in slot:
            raise bad(
                f"Invalid requests[{self.number}]: The insertion index {index} must be inside the bounds of an "
                "existing paragraph."
            )
        if _low_surrogate(slot):
            raise bad(f"Invalid requests[{self.number}]: Index {index} is inside a surrogate pair.")
        return index - 1

    @staticmethod
    def newline_after(slots: list[dict], position: int) -> dict:
        return next(s for s in slots[position:] if s.get("c") == "\n")

    def paragraphs(self, tab: dict, start: int, end: int) -> list[tuple[int, int]]:
        """(first slot, newline slot) of every paragraph overlapping index range [start, end)."""
        out, first = [], 0
        for i, slot in enumerate(tab["slots"]):
            if "m" in slot:
                first = i + 1
            elif slot.get("c") == "\n":
                if first + 1 < end and i + 1 >= start:
                    out.append((first, i))
                first = i + 1
        return out

    def insert(self, tab: dict, position: int, new: list[dict]) -> None:
        slots = tab["slots"]
        holder = self.newline_after(slots, position)
        before = (
            slots[position - 1]
            if position and "c" in slots[position - 1] and slots[position - 1]["c"] != "\n"
            else None
        )
        style = (before or holder)["ts"]
        for slot in new:
            slot.setdefault("ts", dict(style))
            if slot.get("c") == "\n":
                slot.setdefault("ps", copy.deepcopy(holder["ps"]))
                slot.setdefault("bullet", copy.deepcopy(holder["bullet"]))
        slots[position:position] = new

    def check_shape(self, tab: dict) -> None:
        slots = tab["slots"]
        for i, slot in enumerate(slots):
            if slot.get("m") == "table" and (i == 0 or slots[i - 1].get("c") != "\n"):
                raise bad(f"Invalid requests[{self.number}]: a table must follow a paragraph")
        if not slots or slots[-1].get("c") != "\n":
            raise bad(f"Invalid requests[{self.number}]: the body must end with a newline")

    def apply(self, request: dict) -> dict:
        if len(request) != 1:
            raise bad(f"Invalid requests[{self.number}]: exactly one request kind per entry (got {sorted(request)})")
        kind, args = next(iter(request.items()))
        method = getattr(self, kind, None)
        if method is None:
            raise bad(f"Invalid requests[{self.number}]: the stand-in does not model {kind!r}")
        return method(args) or {}

    # Each method below is one Docs request kind.
    def insertText(self, args: dict) -> None:
        tab, index = self.location(args)
        position = self.inside_paragraph(tab, index) if "location" in args else len(tab["slots"]) - 1
        text = STRIPPED.sub("", args.get("text", ""))
        self.insert(tab, position, [{"c": unit} for unit in to_units(text)])

    def insertInlineImage(self, args: dict) -> dict:
        tab, index = self.location(args)
        position = self.inside_paragraph(tab, index) if "location" in args else len(tab["slots"]) - 1
        uri = args.get("uri", "")
        if not uri.startswith("https://") or len(uri) > 2048:
            raise bad(f"Invalid requests[{self.number}]: the image uri must be a public https URL under 2 kB")
        object_id = f"kix.obj{len(tab['objects']) + 1}"
        tab["objects"][object_id] = {
            "objectId": object_id,
            "inlineObjectProperties": {"embeddedObject": {"imageProperties": {"contentUri": uri, "sourceUri": uri}}},
        }
        self.insert(tab, position, [{"el": {"inlineObjectElement": {"inlineObjectId": object_id}}}])
        return {"insertInlineImage": {"objectId": object_id}}

    def insertTable(self, args: dict) -> None:
        tab, index = self.location(args)
        rows, columns = args.get("rows", 0), args.get("columns", 0)
        if rows < 1 or columns < 1:
            raise bad(f"Invalid requests[{self.number}]: rows and columns must be positive")
        position = self.inside_paragraph(tab, index) if "location" in args else len(tab["slots"]) - 1
        depth = sum(1 if s.get("m") == "table" else -1 if s.get("m") == "tend" else 0 for s in tab["slots"][:position])
        if depth:
            raise bad(f"Invalid requests[{self.number}]: the stand-in does not nest tables")
        self.insert(tab, position, [{"c": "\n"}])
        tab["slots"][position + 1 : position + 1] = table([[""] * columns for _ in range(rows)])

    def deleteContentRange(self, args: dict) -> None:
        tab, start, end = self.range(args, allow_final_newline=False)
        slots, first, stop = tab["slots"], start - 1, end - 1
        if _low_surrogate(slots[first]) or (stop < len(slots) and _low_surrogate(slots[stop])):
            raise bad(f"Invalid requests[{self.number}]: the range {start}-{end} splits a surrogate pair")
        opened = None
        for i, slot in enumerate(slots):
            if slot.get("m") == "table":
                opened = i
            elif slot.get("m") == "tend" and opened is not None:
                whole = first <= opened and i < stop
                touches = first <= i and opened < stop
                if touches and not whole:
                    inner = slots[max(first, opened) : min(stop, i + 1)]
                    if any("m" in s for s in inner) or any(
                        s.get("c") == "\n" and "m" in slots[k + 1]
                        for k, s in enumerate(slots[max(first, opened) : min(stop, i + 1)], max(first, opened))
                    ):
                        raise bad(
                            f"Invalid requests[{self.number}]: the range {start}-{end} deletes part of a table's "
                            "structure or the last newline of a cell"
                        )
                if not whole and first <= opened - 1 < stop:
                    raise bad(f"Invalid requests[{self.number}]: deleting the newline before a table without the table")
                opened = None
        del slots[first:stop]
        self.check_shape(tab)

    def replaceAllText(self, args: dict) -> dict:
        contains = args.get("containsText") or {}
        needle = contains.get("text", "")
        if not needle:
            raise bad(f"Invalid requests[{self.number}]: containsText.text must not be empty")
        count = 0
        for tab in self.document["tabs"]:
            slots = tab["slots"]
            flat = "".join(s.get("c", "\x00") for s in slots)
            pattern = re.compile(re.escape("".join(to_units(needle))), 0 if contains.get("matchCase") else re.I)
            for hit in reversed(list(pattern.finditer(flat))):
                style = slots[hit.start()]["ts"]
                del slots[hit.start() : hit.end()]
                self.insert(
                    tab, hit.start(), [{"c": u, "ts": dict(style)} for u in to_units(args.get("replaceText", ""))]
                )
                count += 1
        return {"replaceAllText": {"occurrencesChanged": count}}

    @staticmethod
    def masked(fields: str, known: frozenset[str], number: int, given: dict) -> list[str]:
        if not fields:
            raise bad(f"Invalid requests[{number}]: fields is required")
        names = sorted(known) if fields.strip() == "*" else [f.strip() for f in fields.split(",")]
        unknown = [name for name in names if name.split(".")[0] not in known]
        if unknown:
            raise bad(f"Invalid requests[{number}]: Invalid field mask: unknown field(s) {unknown}")
        if "*" not in fields and set(given) - set(names):
            raise bad(f"Invalid requests[{number}]: fields omits {sorted(set(given) - set(names))} which were given")
        return names

    def updateTextStyle(self, args: dict) -> None:
        tab, start, end = self.range(args)
        style = args.get("textStyle", {})
        names = self.masked(args.get("fields", ""), TEXT_FIELDS, self.number, style)
        link = style.get("link")
        if link is not None and len([k for k in link if k != "tabId"]) != 1:
            raise bad(f"Invalid requests[{self.number}]: a link needs exactly one of url, bookmarkId or headingId")
        for slot in tab["slots"][start - 1 : end - 1]:
            if "ts" in slot:
                for name in names:
                    if name in style:
                        slot["ts"][name] = copy.deepcopy(style[name])
                    else:
                        slot["ts"].pop(name, None)

    def updateParagraphStyle(self, args: dict) -> None:
        tab, start, end = self.range(args)
        style = args.get("paragraphStyle", {})
        names = self.masked(args.get("fields", ""), PARAGRAPH_FIELDS, self.number, style)
        if "namedStyleType" in style and style["namedStyleType"] not in NAMED_STYLES:
            raise bad(f"Invalid requests[{self.number}]: namedStyleType {style['namedStyleType']!r} is not valid")
        for _, newline in self.paragraphs(tab, start, end):
            ps = tab["slots"][newline]["ps"]
            for name in names:
                if name in style:
                    ps[name] = copy.deepcopy(style[name])
                elif name == "namedStyleType":
                    ps[name] = "NORMAL_TEXT"
                else:
                    ps.pop(name, None)

    def createParagraphBullets(self, args: dict) -> None:
        tab, start, end = self.range(args)
        preset = args.get("bulletPreset")
        if preset not in BULLET_PRESETS:
            raise bad(f"Invalid requests[{self.number}]: bulletPreset {preset!r} is not a preset")
        list_id = f"kix.list{self.fake.new_id('')}"
        glyphs = re.findall(r"DECIMAL|ALPHA|ROMAN|UPPERALPHA|UPPERROMAN|ZERODECIMAL", preset)
        kinds = {"UPPERALPHA": "UPPER_ALPHA", "UPPERROMAN": "UPPER_ROMAN", "ZERODECIMAL": "ZERO_DECIMAL"}
        levels = [
            {"glyphType": kinds.get(glyphs[i % 3], glyphs[i % 3])} if glyphs else {"glyphSymbol": "●○■"[i % 3]}
            for i in range(9)
        ]
        tab["lists"][list_id] = {"listProperties": {"nestingLevels": levels}}
        for first, newline in reversed(self.paragraphs(tab, start, end)):
            tabs = 0
            while tab["slots"][first + tabs].get("c") == "\t":
                tabs += 1
            tab["slots"][newline]["bullet"] = {"listId": list_id, "nestingLevel": min(tabs, 8)}
            del tab["slots"][first : first + tabs]  # Google removes the leading tabs that gave the nesting

    def deleteParagraphBullets(self, args: dict) -> None:
        tab, start, end = self.range(args)
        for _, newline in self.paragraphs(tab, start, end):
            tab["slots"][newline]["bullet"] = None

    def _suggestion(self, args: dict, accept: bool) -> None:
        found = False
        for tab in self.document["tabs"]:
            kept = []
            for slot in tab["slots"]:
                style = slot.get("psug", {}).pop(args.get("suggestionId"), None)
                if style is not None:
                    found = True
                    slot["ps"].update(style if accept else {})
                sug = slot.get("sug", {})
                kinds = {kind for kind, ids in sug.items() if args.get("suggestionId") in ids}
                if kinds:
                    found = True
                    if ("del" in kinds) == accept:
                        continue  # accepted deletion or rejected insertion: the text goes
                    slot.pop("sug")
                kept.append(slot)
            tab["slots"][:] = kept
        if not found:
            raise bad(f"Invalid requests[{self.number}]: no suggestion {args.get('suggestionId')!r}")

    def acceptSuggestion(self, args: dict) -> None:
        self._suggestion(args, accept=True)

    def rejectSuggestion(self, args: dict) -> None:
        self._suggestion(args, accept=False)


@handles("docs.documents.batchUpdate")
def _docs_batch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    document_id = ctx.params["documentId"]
    document = get_or_404(fake.state["documents"], document_id, "document")
    if document.get("readonly"):
        raise ApiError(403, "The caller does not have permission", "forbidden")
    required = (ctx.body.get("writeControl") or {}).get("requiredRevisionId")
    if required is not None and required != f"rev{document['revision']}":
        raise bad(f"The required revision ID {required!r} does not match the latest revision of the document.")
    requests = ctx.body.get("requests") or []
    if not requests:
        raise bad("requests: at least one request is required")
    working = copy.deepcopy(document)  # all or nothing, like the real API
    replies = [Editor(fake, working, number).apply(request) for number, request in enumerate(requests)]
    working["revision"] += 1
    document.clear()
    document.update(working)
    return {
        "documentId": document_id,
        "replies": replies,
        "writeControl": {"requiredRevisionId": f"rev{document['revision']}"},
    }
