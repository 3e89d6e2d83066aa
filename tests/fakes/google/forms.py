"""The stand-in's Forms: forms with items, batchUpdate under Google's rules, responses, publish settings.

Stricter than Google where its rules are documented: a created form carries only a title and a file
name; every batchUpdate request is one kind with its required parts (updateMask, location in range,
options for choice questions, scale bounds, a rating's 3 to 10 icons, a grid's columns and distinct
rows); question ids are unique across the form; a stale requiredRevisionId is refused; the batch is
applied to a copy and kept only when every request succeeds.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles, page

FORM_ID = re.compile(r"[A-Za-z0-9_-]+")
ITEM_ID = re.compile(r"[0-9a-f]{8}")
QUESTION_KINDS = (
    "choiceQuestion",
    "textQuestion",
    "scaleQuestion",
    "dateQuestion",
    "timeQuestion",
    "ratingQuestion",
    "fileUploadQuestion",
    "rowQuestion",
)
ITEM_KINDS = ("questionItem", "questionGroupItem", "pageBreakItem", "textItem", "imageItem", "videoItem")
REQUEST_KINDS = ("createItem", "updateItem", "deleteItem", "moveItem", "updateFormInfo", "updateSettings")
ZULU = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z")


def _question(qid: str, title: str, question: dict, required: bool = False) -> dict:
    return {
        "itemId": "a" + qid[1:],
        "title": title,
        "questionItem": {"question": {"questionId": qid, "required": required, **question}},
    }


def _seed_forms(fake: GoogleApiFake) -> None:
    choice = {"type": "RADIO", "options": [{"value": "Red"}, {"value": "Green"}, {"value": "Blue"}]}
    items = [
        {"itemId": "0000000a", "title": "About you", "description": "A few questions", "textItem": {}},
        _question("1000000a", "Your name", {"textQuestion": {}}, required=True),
        _question("1000000b", "Favourite colour", {"choiceQuestion": choice}),
        _question("1000000c", "How satisfied are you?", {"scaleQuestion": {"low": 1, "high": 5, "lowLabel": "Not"}}),
        _question("1000000d", "Visit date", {"dateQuestion": {"includeYear": True}}),
        {
            "itemId": "0000000e",
            "title": "Rate each",
            "questionGroupItem": {
                "grid": {"columns": {"type": "RADIO", "options": [{"value": "Good"}, {"value": "Bad"}]}},
                "questions": [
                    {"questionId": "2000000a", "rowQuestion": {"title": "Food"}},
                    {"questionId": "2000000b", "rowQuestion": {"title": "Venue"}},
                ],
            },
        },
    ]
    form = {
        "formId": "form1",
        "info": {"title": "Team survey", "documentTitle": "Team survey 2025", "description": "Tell us"},
        "items": items,
        "revisionId": "00000010",
        "responderUri": "https://docs.google.com/forms/d/e/form1-responder/viewform",
        "publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}},
    }
    legacy = {"formId": "legacy1", "info": {"title": "Old form", "documentTitle": "Old form"}, "revisionId": "1"}
    responses = {}
    names = ["Ann", "Bo", "Chloé", "Dov", "Eun-ji", "Femi", "Gus"]
    for index, name in enumerate(names):
        answers = {
            "1000000a": {"questionId": "1000000a", "textAnswers": {"answers": [{"value": name}]}},
            "1000000b": {"questionId": "1000000b", "textAnswers": {"answers": [{"value": ["Red", "Blue"][index % 2]}]}},
        }
        if index == 2:
            answers["2000000b"] = {"questionId": "2000000b", "textAnswers": {"answers": [{"value": "Good"}]}}
        if index == 0:  # answered a question deleted since
            answers["9999999f"] = {"questionId": "9999999f", "textAnswers": {"answers": [{"value": "old"}]}}
        stamp = f"2025-03-{index + 1:02d}T10:00:00.000Z"
        responses[f"resp{index + 1}"] = {
            "responseId": f"resp{index + 1}",
            "formId": "form1",
            "createTime": stamp,
            "lastSubmittedTime": stamp,
            "answers": answers,
            **({"respondentEmail": f"{name.lower()}@example.com"} if index < 2 else {}),
        }
    feedback, feedback_responses = _feedback_form()
    fake.state["forms"] = {"form1": form, "legacy1": legacy, "feedback1": feedback}
    fake.state["form_responses"] = {"form1": responses, "legacy1": {}, "feedback1": feedback_responses}


def _grid(item_id: str, title: str, kind: str, columns: list[str], rows: dict[str, str], required: bool) -> dict:
    questions = [{"questionId": qid, "required": required, "rowQuestion": {"title": row}} for qid, row in rows.items()]
    options = [{"value": value} for value in columns]
    grid = {"columns": {"type": kind, "options": options}}
    return {"itemId": item_id, "title": title, "questionGroupItem": {"grid": grid, "questions": questions}}


def _feedback_form() -> tuple[dict, dict]:
    """A form with a rating and both kinds of grid; Google answers each grid row as its own question."""
    items = [
        _question("3000000a", "Overall", {"ratingQuestion": {"ratingScaleLevel": 5, "iconType": "STAR"}}, True),
        _grid(
            "3000000b", "Sessions", "RADIO", ["Good", "Fair", "Poor"], {"4000000a": "Keynote", "4000000b": "Lab"}, True
        ),
        _grid(
            "3000000c",
            "Days attended",
            "CHECKBOX",
            ["Mon", "Tue"],
            {"5000000a": "Morning", "5000000b": "Evening"},
            False,
        ),
    ]
    form = {
        "formId": "feedback1",
        "info": {"title": "Event feedback", "documentTitle": "Event feedback"},
        "items": items,
        "revisionId": "00000003",
        "responderUri": "https://docs.google.com/forms/d/e/feedback1-responder/viewform",
        "publishSettings": {"publishState": {"isPublished": True, "isAcceptingResponses": True}},
    }
    answered = [
        {
            "3000000a": ["4"],
            "4000000a": ["Good"],
            "4000000b": ["Poor"],
            "5000000a": ["Mon", "Tue"],
            "5000000b": ["Tue"],
        },
        {"3000000a": ["5"], "4000000a": ["Fair"], "4000000b": ["Good"], "5000000b": ["Mon"], "4000000f": ["Good"]},
    ]
    responses = {}
    for index, answers in enumerate(answered, 1):
        stamp = f"2025-04-0{index}T09:30:00.000Z"
        responses[f"fb{index}"] = {
            "responseId": f"fb{index}",
            "formId": "feedback1",
            "createTime": stamp,
            "lastSubmittedTime": stamp,
            "answers": {
                qid: {"questionId": qid, "textAnswers": {"answers": [{"value": value} for value in values]}}
                for qid, values in answers.items()
            },
        }
    return form, responses


SEEDERS.append(_seed_forms)


def _form(fake: GoogleApiFake, ctx: Ctx) -> dict:
    form_id = ctx.params["formId"]
    if not FORM_ID.fullmatch(form_id):
        raise ApiError(400, f"Invalid form id: {form_id}", "badRequest")
    return get_or_404(fake.state["forms"], form_id, "form")


@handles("forms.forms.create")
def _create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    body = ctx.body or {}
    extra = sorted(set(body) - {"info"}) + sorted(
        f"info.{k}" for k in set(body.get("info", {})) - {"title", "documentTitle"}
    )
    if extra:  # Google: only info.title and info.document_title may be set on create
        raise fake.refuse(ctx.method_id, f"only info.title and info.documentTitle may be set on create (got {extra})")
    title = body.get("info", {}).get("title", "")
    if not title:
        raise fake.refuse(ctx.method_id, "info.title is required")
    unpublished = ctx.params.get("unpublished") == "true"
    form_id = fake.new_id("form")
    form = {
        "formId": form_id,
        "info": {"title": title, "documentTitle": body["info"].get("documentTitle") or title},
        "revisionId": "00000001",
        "responderUri": f"https://docs.google.com/forms/d/e/{form_id}/viewform",
        "publishSettings": {"publishState": {"isPublished": not unpublished, "isAcceptingResponses": not unpublished}},
    }
    fake.state["forms"][form_id] = form
    fake.state["form_responses"][form_id] = {}
    return copy.deepcopy(form)


@handles("forms.forms.get")
def _get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return copy.deepcopy(_form(fake, ctx))


def _bad(message: str) -> ApiError:
    return ApiError(400, message, "badRequest")


def _check_item(item: dict, where: str) -> None:
    """Google's rules for an item as it will be stored."""
    kinds = [k for k in ITEM_KINDS if k in item]
    if len(kinds) != 1:
        raise _bad(f"{where}: an item must have exactly one kind (got {kinds or 'none'})")
    if "questionItem" in item:
        question = item["questionItem"].get("question")
        if not isinstance(question, dict):
            raise _bad(f"{where}.questionItem.question is required")
        _check_question(question, f"{where}.questionItem.question")
        if "rowQuestion" in question:
            raise _bad(f"{where}.questionItem.question: rowQuestion is only allowed in a questionGroupItem")
    if "questionGroupItem" in item:
        _check_grid(item["questionGroupItem"], f"{where}.questionGroupItem")


def _check_grid(group: dict, where: str) -> None:
    """Only grids are emulated (Google's other question groups hold images): shared columns, one row each."""
    columns = (group.get("grid") or {}).get("columns")
    if not isinstance(columns, dict):
        raise _bad(f"{where}.grid.columns is required")
    if columns.get("type") not in ("RADIO", "CHECKBOX"):
        raise _bad(f"{where}.grid.columns.type: must be RADIO or CHECKBOX")
    _check_options(columns, f"{where}.grid.columns")
    if any(o.get("isOther") for o in columns["options"]):
        raise _bad(f"{where}.grid.columns.options: isOther is not allowed in a question group")
    questions = group.get("questions") or []
    if not questions:
        raise _bad(f"{where}.questions: at least one question is required")
    for index, question in enumerate(questions):
        if [k for k in QUESTION_KINDS if k in question] != ["rowQuestion"]:
            raise _bad(f"{where}.questions[{index}]: every question of a grid must be a rowQuestion")
        if not question["rowQuestion"].get("title"):
            raise _bad(f"{where}.questions[{index}].rowQuestion.title is required")
    titles = [q["rowQuestion"]["title"] for q in questions]
    if len(set(titles)) != len(titles):
        raise _bad(f"{where}.questions: duplicate row titles")


def _check_options(choice: dict, where: str) -> None:
    options = choice.get("options") or []
    if not options:
        raise _bad(f"{where}.options: at least one option is required")
    values = [o.get("value", "") for o in options if not o.get("isOther")]
    if any(not v for v in values):
        raise _bad(f"{where}.options: an option value is required")
    if len(set(values)) != len(values):
        raise _bad(f"{where}.options: duplicate option values")


def _check_question(question: dict, where: str) -> None:
    kinds = [k for k in QUESTION_KINDS if k in question]
    if len(kinds) != 1:
        raise _bad(f"{where}: a question must have exactly one kind (got {kinds or 'none'})")
    choice = question.get("choiceQuestion")
    if choice is not None:
        if choice.get("type") not in ("RADIO", "CHECKBOX", "DROP_DOWN"):
            raise _bad(f"{where}.choiceQuestion.type: must be RADIO, CHECKBOX or DROP_DOWN")
        _check_options(choice, f"{where}.choiceQuestion")
        if choice["type"] == "DROP_DOWN" and any(o.get("isOther") for o in choice["options"]):
            raise _bad(f"{where}.choiceQuestion.options: isOther is not allowed for DROP_DOWN")
    scale = question.get("scaleQuestion")
    if scale is not None and (scale.get("low") not in (0, 1) or not 2 <= int(scale.get("high", 0)) <= 10):
        raise _bad(f"{where}.scaleQuestion: low must be 0 or 1 and high 2 to 10")
    rating = question.get("ratingQuestion")
    if rating is not None:
        if rating.get("iconType") not in ("STAR", "HEART", "THUMB_UP"):
            raise _bad(f"{where}.ratingQuestion.iconType: must be STAR, HEART or THUMB_UP")
        if not isinstance(rating.get("ratingScaleLevel"), int) or not 3 <= rating["ratingScaleLevel"] <= 10:
            raise _bad(f"{where}.ratingQuestion.ratingScaleLevel: must be 3 to 10")


def _index(location: Any, count: int, where: str, inclusive: bool = False) -> int:
    if not isinstance(location, dict) or not isinstance(location.get("index"), int):
        raise _bad(f"{where}: location.index is required")
    index = location["index"]
    if not 0 <= index < count + (1 if inclusive else 0):
        raise _bad(f"{where}: location.index {index} is out of range [0, {count + (1 if inclusive else 0)})")
    return index


def _item_questions(item: dict) -> list[dict]:
    if "questionItem" in item:
        return [item["questionItem"]["question"]]
    return item.get("questionGroupItem", {}).get("questions", [])


def _ids(form: dict) -> tuple[set[str], set[str]]:
    items, questions = set(), set()
    for item in form.get("items", []):
        items.add(item.get("itemId"))
        questions.update(q.get("questionId") for q in _item_questions(item))
    return items, questions


def _assign_question_ids(fake: GoogleApiFake, item: dict, used: set[str], where: str) -> list[str]:
    """Keep the ids given (each unused elsewhere in the form), give the others new ones."""
    ids = []
    for question in _item_questions(item):
        if question.get("questionId"):
            if question["questionId"] in used:
                raise _bad(f"{where}: questionId {question['questionId']} is already used")
        else:
            question["questionId"] = fake.new_id("d")[-4:].rjust(8, "d")
        used.add(question["questionId"])
        ids.append(question["questionId"])
    return ids


def _mask_paths(mask: Any, where: str) -> list[str]:
    if not isinstance(mask, str) or not mask.strip():
        raise _bad(f"{where}.updateMask is required")
    return [path.strip() for path in mask.split(",")]


def _apply_mask(target: dict, source: dict, paths: list[str], allowed: tuple[str, ...], where: str) -> None:
    for path in paths:
        if path == "*":
            target.clear()
            target.update(copy.deepcopy(source))
            continue
        if not any(path == a or path.startswith(a + ".") for a in allowed):
            raise _bad(f"{where}.updateMask: unknown field {path!r}")
        keys = path.split(".")
        node, value = target, source
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            value = value.get(key, {}) if isinstance(value, dict) else {}
        if isinstance(value, dict) and keys[-1] in value:
            node[keys[-1]] = copy.deepcopy(value[keys[-1]])
        else:
            node.pop(keys[-1], None)


def _create_item(fake: GoogleApiFake, form: dict, request: dict, where: str) -> dict:
    items = form.setdefault("items", [])
    if "item" not in request:
        raise _bad(f"{where}.item is required")
    index = _index(request.get("location"), len(items), where, inclusive=True)
    item = copy.deepcopy(request["item"])
    _check_item(item, f"{where}.item")
    used_items, used_questions = _ids(form)
    if item.get("itemId") in used_items:
        raise _bad(f"{where}.item.itemId {item['itemId']} is already used")
    item.setdefault("itemId", fake.new_id("c")[-4:].rjust(8, "c"))
    created_questions = _assign_question_ids(fake, item, used_questions, where)
    items.insert(index, item)
    return {"createItem": {"itemId": item["itemId"], "questionId": created_questions}}


def _update_item(fake: GoogleApiFake, form: dict, request: dict, where: str) -> dict:
    items = form.get("items", [])
    paths = _mask_paths(request.get("updateMask"), where)
    index = _index(request.get("location"), len(items), where)
    stored = items[index]
    allowed = ("title", "description", "itemId", *(f"{k}" for k in ITEM_KINDS))
    _apply_mask(stored, request.get("item") or {}, paths, allowed, where)
    _check_item(stored, f"{where}.item")
    others = {**form, "items": items[:index] + items[index + 1 :]}
    _assign_question_ids(fake, stored, _ids(others)[1], f"{where}.item")  # a new grid row gets a new id
    return {}


def _apply(fake: GoogleApiFake, form: dict, request: dict, where: str) -> dict:
    kinds = [k for k in REQUEST_KINDS if k in request]
    if len(kinds) != 1:
        raise _bad(f"{where}: a request must have exactly one kind (got {kinds or 'none'})")
    kind, inner = kinds[0], request[kinds[0]]
    where = f"{where}.{kind}"
    if kind == "createItem":
        return _create_item(fake, form, inner, where)
    if kind == "updateItem":
        return _update_item(fake, form, inner, where)
    items = form.get("items", [])
    if kind == "deleteItem":
        items.pop(_index(inner.get("location"), len(items), where))
        return {}
    if kind == "moveItem":
        item = items.pop(_index(inner.get("originalLocation"), len(items), where))
        items.insert(_index(inner.get("newLocation"), len(items), where, inclusive=True), item)
        return {}
    if kind == "updateFormInfo":
        paths = _mask_paths(inner.get("updateMask"), where)
        _apply_mask(form["info"], inner.get("info") or {}, paths, ("title", "description"), where)
        if not form["info"].get("title"):
            raise _bad(f"{where}: info.title must not be empty")
        return {}
    raise fake.refuse("forms.forms.batchUpdate", f"{kind} is not emulated")


@handles("forms.forms.batchUpdate")
def _batch_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    form = _form(fake, ctx)
    requests = ctx.body.get("requests") or []
    if not requests:
        raise _bad("requests: at least one request is required")
    control = ctx.body.get("writeControl") or {}
    if control.get("requiredRevisionId") not in (None, form["revisionId"]):
        raise ApiError(400, "The required revision ID does not match the latest revision.", "failedPrecondition")
    changed = copy.deepcopy(form)  # all requests apply or none
    replies = [_apply(fake, changed, request, f"requests[{i}]") for i, request in enumerate(requests)]
    changed["revisionId"] = f"{int(form['revisionId'], 16) + 1:08x}"
    fake.state["forms"][form["formId"]] = changed
    result: dict[str, Any] = {"replies": replies, "writeControl": {"requiredRevisionId": changed["revisionId"]}}
    if ctx.body.get("includeFormInResponse"):
        result["form"] = copy.deepcopy(changed)
    return result


@handles("forms.forms.setPublishSettings")
def _set_publish(fake: GoogleApiFake, ctx: Ctx) -> dict:
    form = _form(fake, ctx)
    if "publishSettings" not in form:
        raise ApiError(400, "Legacy forms do not support publish settings.", "failedPrecondition")
    mask = ctx.body.get("updateMask") or "*"
    if mask not in ("publish_state", "*"):
        raise fake.refuse(ctx.method_id, f"updateMask {mask!r}: only publish_state or * are accepted")
    state = ctx.body.get("publishSettings", {}).get("publishState") or {}
    if not {"isPublished", "isAcceptingResponses"} <= set(state):
        raise fake.refuse(ctx.method_id, "publishState needs both isPublished and isAcceptingResponses")
    if state["isAcceptingResponses"] and not state["isPublished"]:
        raise _bad("A form that is not published cannot accept responses.")
    form["publishSettings"] = {"publishState": dict(state)}
    return {"formId": form["formId"], "publishSettings": copy.deepcopy(form["publishSettings"])}


def _filter(fake: GoogleApiFake, ctx: Ctx, responses: list[dict]) -> list[dict]:
    query = ctx.params.get("filter")
    if not query:
        return responses
    found = re.fullmatch(r"timestamp (>=?) (\S+)", query.strip())
    if not found or not ZULU.fullmatch(found.group(2)):
        raise ApiError(400, f"Invalid filter: {query!r} (timestamp > or >= an RFC 3339 UTC time)", "badRequest")
    since = datetime.fromisoformat(found.group(2).replace("Z", "+00:00"))

    def after(response: dict) -> bool:
        stamp = datetime.fromisoformat(response["lastSubmittedTime"].replace("Z", "+00:00"))
        return stamp >= since if found.group(1) == ">=" else stamp > since

    return [r for r in responses if after(r)]


@handles("forms.forms.responses.list")
def _responses(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _form(fake, ctx)
    if int(ctx.params.get("pageSize") or 0) < 0:
        raise _bad("pageSize must not be negative")
    stored = sorted(fake.state["form_responses"][ctx.params["formId"]].values(), key=lambda r: r["lastSubmittedTime"])
    chunk, token = page(_filter(fake, ctx, stored), ctx.params, "pageSize", 5000)
    # Google leaves formId out of listed responses.
    listed = [{k: v for k, v in r.items() if k != "formId"} for r in chunk]
    return {"responses": listed, **({"nextPageToken": token} if token else {})} if listed else {}


@handles("forms.forms.responses.get")
def _response(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _form(fake, ctx)
    return copy.deepcopy(
        get_or_404(fake.state["form_responses"][ctx.params["formId"]], ctx.params["responseId"], "response")
    )
