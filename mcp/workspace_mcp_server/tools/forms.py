"""Forms tools: create a form, read its structure, add/update/delete questions, responses, publishing."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from fastmcp.exceptions import ToolError
from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import FORMS_BODY, FORMS_BODY_READ, FORMS_RESPONSES_READ
from .common import check_page_size, gather, page_note, respond, rfc3339
from .registry import read, write

Kind = Literal[
    "short_text",
    "paragraph",
    "multiple_choice",
    "checkbox",
    "dropdown",
    "scale",
    "date",
    "time",
    "rating",
    "grid",
    "checkbox_grid",
]
Icon = Literal["star", "heart", "thumb_up"]
_CHOICE_TYPES = {"multiple_choice": "RADIO", "checkbox": "CHECKBOX", "dropdown": "DROP_DOWN"}
_CHOICE_NAMES = {value: key.replace("_", " ") for key, value in _CHOICE_TYPES.items()}
_GRID_TYPES = {"grid": "RADIO", "checkbox_grid": "CHECKBOX"}
_ICONS = {"STAR": "stars", "HEART": "hearts", "THUMB_UP": "thumbs up"}
# Arguments of add_form_question that only some kinds take: (kinds, argument names).
_KIND_ARGUMENTS = (
    (("scale",), ("scale_low", "scale_high", "scale_labels")),
    (("rating",), ("rating_levels", "rating_icon")),
    (tuple(_GRID_TYPES), ("rows",)),
)
# Each question or grid: (title, [(question id, the row's title for a grid's row, else None)]).
Questions = list[tuple[str, list[tuple[str, str | None]]]]
_ID = re.compile(r"[A-Za-z0-9_-]{1,200}")
_ITEM_ID = re.compile(r"[0-9a-f]{1,64}")


def _forms(service: Any) -> Any:
    return service.forms()


def _form_id(form_id: str) -> str:
    if not _ID.fullmatch(form_id):
        raise UserError(f"form_id: {form_id!r} is not a form id (letters, digits, '-' and '_', as in the form's URL)")
    return form_id


def _zulu(field: str, value: str) -> str:
    """RFC 3339 in UTC with a Z, the only form the responses filter takes."""
    when = datetime.fromisoformat(rfc3339(field, value)).astimezone(UTC)
    return when.isoformat().replace("+00:00", "Z")


def _what(form_id: str) -> str:
    return f"form '{form_id}'"


async def _get(form_id: str) -> dict:
    return await call("forms", lambda s: _forms(s).get(formId=_form_id(form_id)), what=_what(form_id))


def _question_kind(question: dict) -> str:
    if "choiceQuestion" in question:
        return _CHOICE_NAMES.get(question["choiceQuestion"].get("type", ""), "choice")
    if "textQuestion" in question:
        return "paragraph" if question["textQuestion"].get("paragraph") else "short text"
    if "scaleQuestion" in question:
        scale = question["scaleQuestion"]
        labels = " / ".join(x for x in (scale.get("lowLabel"), scale.get("highLabel")) if x)
        return f"scale {scale.get('low', 0)}-{scale.get('high', 0)}" + (f" ({labels})" if labels else "")
    if "ratingQuestion" in question:
        rating = question["ratingQuestion"]
        return f"rating {rating.get('ratingScaleLevel', '?')} {_ICONS.get(rating.get('iconType', ''), 'icons')}"
    for key, name in (("dateQuestion", "date"), ("timeQuestion", "time")):
        if key in question:
            return name
    return "file upload" if "fileUploadQuestion" in question else "question"


def _item_kind(item: dict) -> str:
    if "questionItem" in item:
        return _question_kind(item["questionItem"].get("question", {}))
    if "questionGroupItem" in item:
        columns = item["questionGroupItem"].get("grid", {}).get("columns")
        if columns is None:
            return "question group"
        return "checkbox grid" if columns.get("type") == "CHECKBOX" else "grid"
    kind = next((k.removesuffix("Item") for k in item if k.endswith("Item")), "item")
    return "section" if kind == "pageBreak" else kind


def _values(options: list[dict]) -> str:
    return " | ".join(("Other" if o.get("isOther") else o.get("value", "")) for o in options)


def _render_item(number: int, item: dict) -> str:
    title, kind, item_id = item.get("title", ""), _item_kind(item), item.get("itemId")
    if "questionItem" in item:
        question = item["questionItem"].get("question", {})
        flags = kind + (", required" if question.get("required") else "")
        line = f"{number}. [{flags}] {title} (item={item_id} question={question.get('questionId')})"
        options = question.get("choiceQuestion", {}).get("options", [])
        if options:
            line += "\n   options: " + _values(options)
    elif "questionGroupItem" in item:
        group = item["questionGroupItem"]
        rows = group.get("questions", [])
        required = ", required" if rows and all(q.get("required") for q in rows) else ""
        line = f"{number}. [{kind}{required}] {title} (item={item_id})"
        line += "\n   rows: " + " | ".join(q.get("rowQuestion", {}).get("title", "") for q in rows)
        columns = group.get("grid", {}).get("columns", {}).get("options", [])
        if columns:
            line += "\n   columns: " + _values(columns)
    else:
        line = f"{number}. [{kind}] {title} (item={item_id})"
    if item.get("description"):
        line += "\n   " + item["description"].replace("\n", "\n   ")
    return line


def _render_form(form: dict) -> str:
    info = form.get("info", {})
    state = form.get("publishSettings", {}).get("publishState")
    published = (
        f"published={'yes' if state.get('isPublished') else 'no'}, "
        f"accepting responses={'yes' if state.get('isAcceptingResponses') else 'no'}"
        if state
        else "publish settings: not available (legacy form)"
    )
    lines = [
        f"{info.get('title', '')} (id={form.get('formId')}, file '{info.get('documentTitle', '')}')",
        f"{published}; responder link: {form.get('responderUri', '-')}",
    ]
    if info.get("description"):
        lines.append(info["description"])
    items = form.get("items", [])
    lines += [_render_item(index, item) for index, item in enumerate(items, 1)] or ["No questions yet."]
    return "\n".join(lines)


def _questions(form: dict) -> Questions:
    """The form's questions and grids in order."""
    questions: Questions = []
    for item in form.get("items", []):
        if "questionItem" in item:
            questions.append(
                (item.get("title", ""), [(item["questionItem"].get("question", {}).get("questionId", ""), None)])
            )
        elif "questionGroupItem" in item:
            rows = item["questionGroupItem"].get("questions", [])
            parts = [(q.get("questionId", ""), q.get("rowQuestion", {}).get("title", "")) for q in rows]
            questions.append((item.get("title", ""), parts))
    return questions


def _answer_text(answer: dict) -> str:
    values = [a.get("value", "") for a in answer.get("textAnswers", {}).get("answers", [])]
    values += [
        f"file {a.get('fileName')} (id={a.get('fileId')})"
        for a in answer.get("fileUploadAnswers", {}).get("answers", [])
    ]
    return ", ".join(values) or "(no answer)"


def _answers(response: dict, questions: Questions) -> list[tuple[str, list[str]]]:
    """(question title, answer lines) in the form's order, one "row: columns" line for each answered row of
    a grid (Google answers each row as its own question); answers to questions since deleted come last."""
    answers = response.get("answers", {})
    ordered: list[tuple[str, list[str]]] = []
    known: set[str] = set()
    for title, parts in questions:
        known.update(qid for qid, _ in parts)
        lines = [
            ("" if row is None else f"{row}: ") + _answer_text(answers[qid]) for qid, row in parts if qid in answers
        ]
        if lines:
            ordered.append((title, lines))
    ordered += [(f"(deleted question {qid})", [_answer_text(a)]) for qid, a in answers.items() if qid not in known]
    return ordered


def _response_head(response: dict) -> str:
    email = f" from {response['respondentEmail']}" if response.get("respondentEmail") else ""
    return f"response {response.get('responseId')} submitted {response.get('lastSubmittedTime', '?')}{email}"


def _locate(form: dict, item_id: str) -> tuple[int, dict]:
    if not _ITEM_ID.fullmatch(item_id):
        raise UserError(f"item_id: {item_id!r} is not an item id (hex digits; get_form lists them as item=...)")
    for index, item in enumerate(form.get("items", [])):
        if item.get("itemId") == item_id:
            return index, item
    raise UserError(f"item_id: form '{form.get('formId')}' has no item {item_id!r} (get_form lists the items)")


def _distinct(field: str, kind: str, values: Sequence[str]) -> list[str]:
    """Values that are all there and all different, as Google requires of options and of a grid's rows."""
    noun = field.removesuffix("s")
    cleaned = [value.strip() for value in values]
    if not cleaned:
        raise UserError(f"{field}: a {kind} question needs at least one {noun}")
    if any(not value for value in cleaned):
        raise UserError(f"{field}: {'an' if noun == 'option' else 'a'} {noun} must not be empty")
    duplicates = sorted({value for value in cleaned if cleaned.count(value) > 1})
    if duplicates:
        raise UserError(f"{field}: each {noun} must be different (repeated: {', '.join(duplicates)})")
    return cleaned


def _options(kind: str, options: Sequence[str]) -> list[dict]:
    if kind not in _CHOICE_TYPES and kind not in _GRID_TYPES:
        if options:
            raise UserError(
                "options: only multiple_choice, checkbox, dropdown, grid and checkbox_grid questions have options "
                f"(kind={kind})"
            )
        return []
    return [{"value": value} for value in _distinct("options", kind, options)]


def _refuse_unused(kind: str, tool: Callable[..., Any], arguments: dict[str, Any]) -> None:
    """Name each argument given (other than its default in ``tool``) that the kind does not take, rather
    than drop it."""
    parameters = inspect.signature(tool).parameters
    given = {name: value != parameters[name].default for name, value in arguments.items()}
    problems = [
        f"{', '.join(wrong)}: only for {' and '.join(kinds)} questions"
        for kinds, names in _KIND_ARGUMENTS
        if kind not in kinds and (wrong := [name for name in names if given[name]])
    ]
    if problems:
        raise UserError("; ".join(problems) + f" (kind={kind})")


def _scale(low: int, high: int, labels: Sequence[str]) -> dict:
    if low not in (0, 1) or not 2 <= high <= 10:
        raise UserError(f"scale: the low end must be 0 or 1 and the high end 2 to 10 (got {low} to {high})")
    if labels and len(labels) != 2:
        raise UserError("scale_labels: give two labels, for the low and the high end")
    scale: dict[str, Any] = {"low": low, "high": high}
    if labels:
        scale.update({k: v for k, v in zip(("lowLabel", "highLabel"), labels, strict=True) if v})
    return scale


def _rating(levels: int | None, icon: str | None) -> dict:
    """The ratingQuestion fields given (Google's Forms offers 3 to 10 icons)."""
    if levels is not None and not 3 <= levels <= 10:
        raise UserError(f"rating_levels: must be 3 to 10 (got {levels})")
    return {k: v for k, v in (("ratingScaleLevel", levels), ("iconType", icon and icon.upper())) if v is not None}


def _question(kind: str, required: bool, options: Sequence[str], detail: dict | None) -> dict:
    question: dict[str, Any] = {"required": required}
    choices = _options(kind, options)
    if kind in _CHOICE_TYPES:
        question["choiceQuestion"] = {"type": _CHOICE_TYPES[kind], "options": choices}
    elif kind in ("short_text", "paragraph"):
        question["textQuestion"] = {"paragraph": kind == "paragraph"}
    elif kind in ("scale", "rating"):
        question[f"{kind}Question"] = detail
    elif kind == "date":
        question["dateQuestion"] = {"includeYear": True}
    else:
        question["timeQuestion"] = {"duration": False}
    return question


def _new_item(kind: str, required: bool, options: Sequence[str], rows: Sequence[str], detail: dict | None) -> dict:
    """The item's kind part: a question, or for a grid a question group with one row question per row."""
    if kind not in _GRID_TYPES:
        return {"questionItem": {"question": _question(kind, required, options, detail)}}
    columns = {"type": _GRID_TYPES[kind], "options": _options(kind, options)}
    questions = [{"required": required, "rowQuestion": {"title": row}} for row in _distinct("rows", kind, rows)]
    return {"questionGroupItem": {"grid": {"columns": columns}, "questions": questions}}


def _question_changes(
    question: dict, item_id: str, required: bool | None, options: list[str] | None, rating: dict, mask: list[str]
) -> dict:
    kind = _question_kind(question)
    changed: dict[str, Any] = {}
    if required is not None:
        changed["required"] = required
        mask.append("questionItem.question.required")
    if options is not None:
        if "choiceQuestion" not in question:
            raise UserError(f"options: item {item_id} is a {kind} question, without options")
        changed["choiceQuestion"] = {"options": _options("multiple_choice", options)}
        mask.append("questionItem.question.choiceQuestion.options")
    if rating:
        if "ratingQuestion" not in question:
            raise UserError(f"rating_levels, rating_icon: item {item_id} is a {kind} question, not a rating")
        changed["ratingQuestion"] = rating
        mask += [f"questionItem.question.ratingQuestion.{key}" for key in rating]
    return {"question": changed}


def _grid_changes(
    group: dict, required: bool | None, options: list[str] | None, rows: list[str] | None, mask: list[str]
) -> dict:
    changed: dict[str, Any] = {}
    if options is not None:
        changed["grid"] = {"columns": {"options": _options("grid", options)}}
        mask.append("questionGroupItem.grid.columns.options")
    if rows is not None or required is not None:
        current = group.get("questions", [])
        titles = [q.get("rowQuestion", {}).get("title", "") for q in current]
        by_title = dict(zip(titles, current, strict=True))
        every = all(q.get("required") for q in current)  # a new row is required when all the others are
        changed["questions"] = []
        for title in titles if rows is None else _distinct("rows", "grid", rows):
            kept = by_title.get(title, {})  # its question id: the row's answers stay attached to it
            question = {"questionId": kept["questionId"]} if "questionId" in kept else {}
            question["required"] = kept.get("required", every) if required is None else required
            changed["questions"].append({**question, "rowQuestion": {"title": title}})
        mask.append("questionGroupItem.questions")
    return changed


async def _update(form: dict, requests: list[dict]) -> dict:
    """One batchUpdate based on the revision just read: a concurrent edit makes it fail, never misplace."""
    body = {"requests": requests, "writeControl": {"requiredRevisionId": form["revisionId"]}}
    form_id = form["formId"]
    return await call("forms", lambda s: _forms(s).batchUpdate(formId=form_id, body=body), what=_what(form_id))


@write("core", FORMS_BODY)
async def create_form(
    title: str, document_title: str | None = None, description: str | None = None, published: bool = True
) -> ToolResult:
    """Create an empty form; add questions with add_form_question.

    Args:
        document_title: the file name in Drive (default: title).
        published: False keeps it unpublished (no responses) until set_form_publish_settings.
    """
    if not title.strip():
        raise UserError("title: must not be empty")
    info = {"title": title, **({"documentTitle": document_title} if document_title else {})}
    form = await call("forms", lambda s: _forms(s).create(body={"info": info}, unpublished=not published))
    if description:
        request = {"updateFormInfo": {"info": {"description": description}, "updateMask": "description"}}
        try:
            await _update(form, [request])
        except ToolError as failure:  # the form exists: say so rather than leave it unmentioned
            raise UserError(
                f"Created form {form['formId']} ({title!r}) but could not set its description: {failure}"
            ) from None
        form["info"]["description"] = description
    return respond("Created " + _render_form(form), form)


@read("core", FORMS_BODY_READ)
async def get_form(form_id: str) -> ToolResult:
    """A form's title, publish state and items: question ids, kinds, options, required flags."""
    form = await _get(form_id)
    return respond(_render_form(form), form)


@write("core", FORMS_BODY)
async def add_form_question(
    form_id: str,
    title: str,
    kind: Kind = "short_text",
    options: tuple[str, ...] = (),
    required: bool = False,
    description: str | None = None,
    index: int | None = None,
    scale_low: int = 1,
    scale_high: int = 5,
    scale_labels: tuple[str, ...] = (),
    rating_levels: int = 5,
    rating_icon: Icon = "star",
    rows: tuple[str, ...] = (),
) -> ToolResult:
    """Add a question.

    Args:
        options: the choices, or a grid's columns.
        index: 0-based position (default: last).
        scale_labels: [low label, high label] (scale).
    """
    if not title.strip():
        raise UserError("title: must not be empty")
    kind_arguments = {
        "scale_low": scale_low,
        "scale_high": scale_high,
        "scale_labels": scale_labels,
        "rating_levels": rating_levels,
        "rating_icon": rating_icon,
        "rows": rows,
    }
    _refuse_unused(kind, add_form_question, kind_arguments)
    detail = _scale(scale_low, scale_high, scale_labels) if kind == "scale" else None
    detail = _rating(rating_levels, rating_icon) if kind == "rating" else detail
    content = _new_item(kind, required, options, rows, detail)
    form = await _get(form_id)
    count = len(form.get("items", []))
    position = count if index is None else index
    if not 0 <= position <= count:
        raise UserError(f"index: must be between 0 and {count} (the form has {count} items; got {index})")
    item = {"title": title, **content, **({"description": description} if description else {})}
    result = await _update(form, [{"createItem": {"item": item, "location": {"index": position}}}])
    created = result.get("replies", [{}])[0].get("createItem", {})
    text = f"Added {kind} question {title!r} at position {position + 1} (item={created.get('itemId')}"
    return respond(text + f" question={', '.join(created.get('questionId', []))}).", created)


@write("extended", FORMS_BODY)
async def update_form_question(
    form_id: str,
    item_id: str,
    title: str | None = None,
    description: str | None = None,
    required: bool | None = None,
    options: list[str] | None = None,
    rows: list[str] | None = None,
    rating_levels: int | None = None,
    rating_icon: Icon | None = None,
) -> ToolResult:
    """Change a question's title, description, required flag, options, grid rows or rating; other fields stay.

    Args:
        options: replaces all choices or grid columns.
        rows: replaces a grid's rows (kept titles keep their answers).
    """
    rating = _rating(rating_levels, rating_icon)
    form = await _get(form_id)
    index, current = _locate(form, item_id)
    item: dict[str, Any] = {}
    mask: list[str] = []
    if title is not None:
        if not title.strip():
            raise UserError("title: must not be empty")
        item["title"], mask = title, [*mask, "title"]
    if description is not None:
        item["description"], mask = description, [*mask, "description"]
    if required is not None or options is not None or rows is not None or rating:
        if "questionGroupItem" in current:
            if rating:
                raise UserError(f"rating_levels, rating_icon: item {item_id} is a {_item_kind(current)}, not a rating")
            group = current["questionGroupItem"]
            item["questionGroupItem"] = _grid_changes(group, required, options, rows, mask)
        elif "questionItem" in current:
            if rows is not None:
                raise UserError(f"rows: item {item_id} is a {_item_kind(current)} question, not a grid")
            question = current["questionItem"].get("question", {})
            item["questionItem"] = _question_changes(question, item_id, required, options, rating, mask)
        else:
            raise UserError(f"item {item_id} is not a question: only title and description can change")
    if not mask:
        raise UserError("Nothing to change: give title, description, required, options, rows or a rating setting")
    request = {"updateItem": {"item": item, "location": {"index": index}, "updateMask": ",".join(mask)}}
    await _update(form, [request])
    arguments = {"title": title, "description": description, "required": required, "options": options, "rows": rows}
    names = [name for name, value in arguments.items() if value is not None]
    names += [name for name, value in (("rating_levels", rating_levels), ("rating_icon", rating_icon)) if value]
    return respond(f"Updated item {item_id} ({', '.join(names)}).", {"itemId": item_id})


@write("complete", FORMS_BODY, destructive=True)
async def delete_form_item(form_id: str, item_id: str) -> ToolResult:
    """Delete a question or other item from a form (its collected answers are no longer shown)."""
    form = await _get(form_id)
    index, item = _locate(form, item_id)
    await _update(form, [{"deleteItem": {"location": {"index": index}}}])
    return respond(f"Deleted item {item_id} ({item.get('title', '')!r}).", {"itemId": item_id})


@read("core", FORMS_RESPONSES_READ, FORMS_BODY_READ)
async def list_form_responses(
    form_id: str, submitted_after: str | None = None, page_size: int = 50, page_token: str | None = None
) -> ToolResult:
    """List a form's responses with answers by question title.

    Args:
        submitted_after: ISO date-time (UTC if no offset).
    """
    check_page_size(page_size, 5000)
    since = _zulu("submitted_after", submitted_after) if submitted_after else None
    listing, form = await gather(
        [
            call(
                "forms",
                lambda s: (
                    _forms(s)
                    .responses()
                    .list(
                        formId=_form_id(form_id),
                        pageSize=page_size,
                        pageToken=page_token,
                        filter=f"timestamp >= {since}" if since else None,
                    )
                ),
                what=_what(form_id),
            ),
            _get(form_id),
        ]
    )
    questions = _questions(form)
    responses, token = listing.get("responses", []), listing.get("nextPageToken")
    lines = []
    for response in responses:
        answers = "; ".join(f"{q}: {' | '.join(a)}" for q, a in _answers(response, questions)).replace("\n", " ")
        lines.append(f"{_response_head(response)}\n   {answers}")
    text = "\n".join(lines) or "No responses."
    return respond(text + page_note(token), {"responses": responses, "nextPageToken": token})


@read("extended", FORMS_RESPONSES_READ, FORMS_BODY_READ)
async def get_form_response(form_id: str, response_id: str) -> ToolResult:
    """One response, each answer under its question's title."""
    if not _ID.fullmatch(response_id):
        raise UserError(f"response_id: {response_id!r} is not a response id")
    response, form = await gather(
        [
            call(
                "forms",
                lambda s: _forms(s).responses().get(formId=_form_id(form_id), responseId=response_id),
                what=f"response '{response_id}' of form '{form_id}'",
            ),
            _get(form_id),
        ]
    )
    answers = _answers(response, _questions(form))
    body = "\n".join(q + "".join("\n   " + line.replace("\n", "\n   ") for line in lines) for q, lines in answers)
    body = body or "(no answers)"
    return respond(f"{_response_head(response)}\n{body}", response)


@write("extended", FORMS_BODY)
async def set_form_publish_settings(
    form_id: str, published: bool, accepting_responses: bool | None = None
) -> ToolResult:
    """Publish or unpublish a form, and open or close it for responses.

    Args:
        accepting_responses: default: same as published.
    """
    accepting = published if accepting_responses is None else accepting_responses
    if accepting and not published:
        raise UserError("accepting_responses: an unpublished form cannot accept responses; publish it too")
    body = {
        "publishSettings": {"publishState": {"isPublished": published, "isAcceptingResponses": accepting}},
        "updateMask": "publish_state",
    }
    result = await call(
        "forms", lambda s: _forms(s).setPublishSettings(formId=_form_id(form_id), body=body), what=_what(form_id)
    )
    state = result.get("publishSettings", {}).get("publishState", {})
    text = (
        f"Form {form_id}: published={'yes' if state.get('isPublished') else 'no'}, "
        f"accepting responses={'yes' if state.get('isAcceptingResponses') else 'no'}."
    )
    return respond(text, result)
