"""Comment tools of Docs, Sheets and Slides (Drive comments and replies) through a real server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.fakes.google.drive import add_file
from tests.server.tools.conftest import ACCESS_TOKEN, call, error
from workspace_mcp_server.tools.selection import ToolSelection

pytestmark = pytest.mark.anyio


def threads(google_api, file_id: str) -> list[dict]:
    return google_api.state["comments"].get(file_id, [])


async def test_list_with_replies_quotes_resolved_state_and_paging(mcp, google_api):
    result = await call(mcp, "list_doc_comments", file_id="doc1")
    sent = google_api.calls("drive.comments.list")[-1].query["fields"][0]
    assert "replies(" in sent and "resolved" in sent and "quotedFileContent" in sent
    comments = result.structured_content["comments"]
    assert [(c["content"], c["resolved"]) for c in comments] == [
        ("Is the plan final?", False),
        ("Typo in the title", True),
        ("Add goals", False),
    ]
    assert comments[0]["quotedFileContent"]["value"] == "The plan is simple." and comments[0]["anchor"] == "kix.a1"
    assert [r["content"] for r in comments[0]["replies"]] == ["Not yet"]
    assert "htmlContent" not in comments[0]  # the stand-in returns only the fields asked for
    rendered = result.content[0].text
    assert "[open] Ann: Is the plan final?" in rendered and '  on: "The plan is simple."' in rendered
    assert "  - Bob: Not yet" in rendered and "[resolved] Bob: Typo in the title" in rendered
    assert "  - Solo User [resolve]: Fixed" in rendered
    first = await call(mcp, "list_doc_comments", file_id="doc1", page_size=2, include_resolved=False)
    assert [c["content"] for c in first.structured_content["comments"]] == ["Is the plan final?"]
    token = first.structured_content["nextPageToken"]
    rest = await call(mcp, "list_doc_comments", file_id="doc1", page_size=2, page_token=token)
    assert [c["content"] for c in rest.structured_content["comments"]] == ["Add goals"]
    assert rest.structured_content["nextPageToken"] is None
    sheet = await call(mcp, "list_sheet_comments", file_id="sheet1")
    assert [c["content"] for c in sheet.structured_content["comments"]] == ["Check the CPU cost"]
    deck = await call(mcp, "list_slide_comments", file_id="deck1")
    assert [c["quotedFileContent"]["value"] for c in deck.structured_content["comments"]] == ["Numbers"]


@pytest.mark.parametrize("noun, file_id", [("doc", "doc1"), ("sheet", "sheet1"), ("slide", "deck2")])
async def test_add_reply_and_resolve(mcp, google_api, noun, file_id):
    added = (await call(mcp, f"add_{noun}_comment", file_id=file_id, content="Please check ü 🎉")).structured_content
    stored = next(c for c in threads(google_api, file_id) if c["id"] == added["id"])
    assert stored["content"] == "Please check ü 🎉" and stored["author"]["me"]
    reply = await call(mcp, f"reply_to_{noun}_comment", file_id=file_id, comment_id=added["id"], content="Done")
    assert reply.structured_content["content"] == "Done"
    assert not stored["resolved"]
    await call(mcp, f"resolve_{noun}_comment", file_id=file_id, comment_id=added["id"], content="Thanks")
    assert stored["resolved"] and stored["replies"][-1]["action"] == "resolve"
    assert stored["replies"][-1]["content"] == "Thanks"
    listed = await call(mcp, f"list_{noun}_comments", file_id=file_id, include_resolved=False)
    assert added["id"] not in [c["id"] for c in listed.structured_content["comments"]]


async def test_resolve_without_a_note_sends_only_the_action(mcp, google_api):
    comment = threads(google_api, "sheet1")[0]
    await call(mcp, "resolve_sheet_comment", file_id="sheet1", comment_id=comment["id"])
    assert google_api.calls("drive.replies.create")[-1].json() == {"action": "resolve"}
    assert comment["resolved"]


@pytest.mark.parametrize(
    "tool, file_id, message",
    [
        (
            "list_doc_comments",
            "sheet1",
            "'sheet1' (Budget) is a Google Sheets spreadsheet, not a Google Doc; use the sheet",
        ),
        (
            "add_sheet_comment",
            "doc1",
            "'doc1' (Design doc) is a Google Doc, not a Google Sheets spreadsheet; use the doc",
        ),
        (
            "list_slide_comments",
            "pdf1",
            "'pdf1' (scan.pdf) is not a Google Slides presentation (its type is application/pdf)",
        ),
        ("list_doc_comments", "nofile", "Not found: file 'nofile'"),
    ],
)
async def test_a_file_of_another_kind_is_named(mcp, google_api, tool, file_id, message):
    arguments = {"file_id": file_id} if tool.startswith("list") else {"file_id": file_id, "content": "x"}
    before = len(google_api.calls("drive.comments.create"))
    assert message in await error(mcp, tool, **arguments)
    assert len(google_api.calls("drive.comments.create")) == before


async def test_bad_arguments_and_unknown_comments(mcp, google_api):
    assert "content: the comment is empty" in await error(mcp, "add_doc_comment", file_id="doc1", content="  ")
    assert "content: the reply is empty" in await error(
        mcp, "reply_to_doc_comment", file_id="doc1", comment_id="x", content=""
    )
    assert "Not found: comment 'nope' on file 'doc1'" in await error(
        mcp, "resolve_doc_comment", file_id="doc1", comment_id="nope"
    )
    assert "page_size: must be between 1 and 100" in await error(
        mcp, "list_doc_comments", file_id="doc1", page_size=101
    )
    google_api.fail("drive.comments.list", 500, times=4)
    assert "Google API unavailable (500)" in await error(mcp, "list_doc_comments", file_id="doc1")


def test_comment_tools_follow_their_service():
    docs_only = ToolSelection(services=("docs",)).tool_names()
    assert {"list_doc_comments", "resolve_doc_comment"} <= set(docs_only)
    assert not {name for name in docs_only if "sheet" in name or "slide" in name}
    read_only = ToolSelection(read_only=True, services=("slides",)).tool_names()
    assert "list_slide_comments" in read_only and "add_slide_comment" not in read_only


def test_the_stand_in_wants_fields_as_google_does(google_api):
    def get(path: str) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{google_api.root_url}drive/v3/files/doc1/{path}", headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as failure:
            return failure.code, json.loads(failure.read())

    status, body = get("comments")
    assert status == 400 and "'fields' parameter is required" in body["error"]["message"]
    assert google_api.violations  # recorded: a tool that forgets fields fails its test
    google_api.violations.clear()
    status, body = get("comments?fields=comments(id)")
    assert status == 200 and body == {"comments": [{"id": c["id"]} for c in threads(google_api, "doc1")[:20]]}
    status, body = get("comments?fields=comments(id")
    assert status == 400 and "Invalid field selection" in body["error"]["message"]


async def test_a_new_doc_is_commentable(mcp, google_api):
    with google_api.lock:
        add_file(google_api, "doc_new1", "Fresh", "application/vnd.google-apps.document")
    assert "No comments." in (await call(mcp, "list_doc_comments", file_id="doc_new1")).content[0].text
