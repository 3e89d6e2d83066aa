"""The stand-in's Docs: documents as paragraphs and tables; indexes count UTF-16 code units like the real API."""

from __future__ import annotations

import copy
import re

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles


def units(text: str) -> int:
    """Length in UTF-16 code units: how the Docs API counts indexes (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_at(text: str, index: int) -> tuple[str, str]:
    """``text`` cut after ``index`` UTF-16 code units; Google refuses an index inside a surrogate pair."""
    data = text.encode("utf-16-le")
    try:
        return data[: 2 * index].decode("utf-16-le"), data[2 * index :].decode("utf-16-le")
    except UnicodeDecodeError:
        raise ApiError(400, f"Invalid index {index}: inside a surrogate pair", "badRequest") from None


def _seed_docs(fake: GoogleApiFake) -> None:
    fake.state["documents"] = {
        "doc1": {
            "title": "Design doc",
            "lists": {
                "kix.bul": {"listProperties": {"nestingLevels": [{"glyphSymbol": "●"}, {"glyphSymbol": "○"}]}},
                "kix.num": {"listProperties": {"nestingLevels": [{"glyphType": "DECIMAL"}]}},
            },
            "body": [
                {"text": "Design\n", "style": "HEADING_1"},
                {
                    "text": "The plan is simple.\n",
                    "runs": [("The plan is ", {}), ("simple", {"bold": True}), (".\n", {})],
                },
                {"text": "First point\n", "bullet": ("kix.bul", 0)},
                {"text": "Nested point\n", "bullet": ("kix.bul", 1)},
                {"text": "Step one\n", "bullet": ("kix.num", 0)},
                {"table": [["Name", "Cost"], ["Disk", "10"]]},
                {"text": "Goals\n", "style": "HEADING_2"},
                {"text": "Ship it.\n"},
            ],
        }
    }


SEEDERS.append(_seed_docs)


def _doc_elements(document: dict) -> list[tuple[dict, int, int]]:
    """(element, startIndex, endIndex) for each body element; the section break takes index 0."""
    out, index = [], 1
    for element in document["body"]:
        if "table" in element:
            size = 2 + sum(1 + sum(2 + units(cell) for cell in row) for row in element["table"])
        else:
            size = units(element["text"])
        out.append((element, index, index + size))
        index += size
    return out


def _paragraph_json(element: dict, start: int) -> dict:
    runs = element.get("runs") or [(element["text"], {})]
    elements, index = [], start
    for text, style in runs:
        elements.append(
            {"startIndex": index, "endIndex": index + units(text), "textRun": {"content": text, "textStyle": style}}
        )
        index += units(text)
    paragraph = {"elements": elements, "paragraphStyle": {"namedStyleType": element.get("style", "NORMAL_TEXT")}}
    if element.get("bullet"):
        paragraph["bullet"] = {"listId": element["bullet"][0], "nestingLevel": element["bullet"][1]}
    return {"startIndex": start, "endIndex": index, "paragraph": paragraph}


def _document_json(document_id: str, document: dict) -> dict:
    content = [{"endIndex": 1, "sectionBreak": {}}]
    for element, start, end in _doc_elements(document):
        if "table" not in element:
            content.append(_paragraph_json(element, start))
            continue
        rows, index = [], start + 1
        for row in element["table"]:
            cells, index = [], index + 1
            for cell in row:
                cells.append({"content": [_paragraph_json({"text": cell + "\n"}, index + 1)]})
                index += 2 + units(cell)
            rows.append({"tableCells": cells})
        content.append(
            {
                "startIndex": start,
                "endIndex": end,
                "table": {"rows": len(rows), "columns": len(element["table"][0]), "tableRows": rows},
            }
        )
    return {
        "documentId": document_id,
        "title": document["title"],
        "body": {"content": content},
        "lists": document.get("lists", {}),
        "revisionId": "r1",
    }


@handles("docs.documents.get")
def _docs_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return _document_json(
        ctx.params["documentId"], get_or_404(fake.state["documents"], ctx.params["documentId"], "document")
    )


@handles("docs.documents.create")
def _docs_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    document_id = fake.new_id("doc")
    fake.state["documents"][document_id] = {
        "title": ctx.body.get("title", "Untitled document"),
        "body": [{"text": "\n"}],
    }
    return _document_json(document_id, fake.state["documents"][document_id])


def _paragraphs_at(document: dict, start: int, end: int) -> tuple[int, int, int]:
    """Indexes (first, last) of the body paragraphs covering [start, end) and the first's start index."""
    covering = [
        (i, s) for i, (element, s, e) in enumerate(_doc_elements(document)) if s < max(end, start + 1) and e > start
    ]
    if not covering or any("table" in document["body"][i] for i, _ in covering):
        raise ApiError(400, "Invalid range: the stand-in edits text in paragraphs only", "badRequest")
    return covering[0][0], covering[-1][0], covering[0][1]


def _respan(document: dict, first: int, last: int, text: str) -> None:
    head = document["body"][first]
    lines = [line + "\n" for line in text.split("\n")[:-1]] + (
        [text.split("\n")[-1]] if not text.endswith("\n") else []
    )
    new = [{"text": line, **{k: v for k, v in head.items() if k in ("style", "bullet")}} for line in lines if line]
    document["body"][first : last + 1] = new or [{"text": "\n"}]


def _apply_doc_request(fake: GoogleApiFake, document: dict, request: dict) -> dict:
    kind, args = next(iter(request.items()))
    body_end = _doc_elements(document)[-1][2]
    if kind == "insertText":
        index = args["location"]["index"] if "location" in args else body_end - 1
        if not 1 <= index < body_end:
            raise ApiError(
                400,
                f"Index {index} must be less than the end index of the referenced segment, {body_end}.",
                "badRequest",
            )
        first, last, offset = _paragraphs_at(document, index, index)
        joined = "".join(document["body"][i]["text"] for i in range(first, last + 1))
        head, tail = split_at(joined, index - offset)
        _respan(document, first, last, head + args["text"] + tail)
        return {}
    if kind == "deleteContentRange":
        start, end = args["range"]["startIndex"], args["range"]["endIndex"]
        if end >= body_end or start < 1 or end <= start:
            raise ApiError(
                400, "Invalid deletion range: cannot include the newline at the end of the segment", "badRequest"
            )
        first, last, offset = _paragraphs_at(document, start, end)
        joined = "".join(document["body"][i]["text"] for i in range(first, last + 1))
        head, rest = split_at(joined, start - offset)
        _, tail = split_at(rest, end - start)
        _respan(document, first, last, head + tail)
        return {}
    if kind == "replaceAllText":
        needle, flags = args["containsText"]["text"], 0 if args["containsText"].get("matchCase") else re.I
        count = 0
        for element in document["body"]:
            if "text" in element:
                element["text"], hits = re.subn(
                    re.escape(needle), args["replaceText"].replace("\\", "\\\\"), element["text"], flags=flags
                )
                element.pop("runs", None) if hits else None
                count += hits
        return {"replaceAllText": {"occurrencesChanged": count}}
    if kind == "insertTable":
        index = args["location"]["index"] if "location" in args else body_end - 1
        first, _, _ = _paragraphs_at(document, index, index)
        document["body"].insert(first + 1, {"table": [[""] * args["columns"] for _ in range(args["rows"])]})
        document["body"].insert(first + 2, {"text": "\n"})
        return {}
    if kind in ("updateTextStyle", "updateParagraphStyle", "createParagraphBullets"):
        return {}
    raise ApiError(400, f"Invalid requests[0]: unknown request type {kind!r}", "badRequest")


@handles("docs.documents.batchUpdate")
def _docs_batch(fake: GoogleApiFake, ctx: Ctx) -> dict:

    document = get_or_404(fake.state["documents"], ctx.params["documentId"], "document")
    working = copy.deepcopy(document)  # all or nothing, like the real API
    replies = [_apply_doc_request(fake, working, request) for request in ctx.body.get("requests", [])]
    document.clear()
    document.update(working)
    return {"documentId": ctx.params["documentId"], "replies": replies}
