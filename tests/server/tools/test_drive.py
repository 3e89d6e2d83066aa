"""Drive tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import pytest

from tests.fakes.google.drive import add_file
from tests.server.tools.conftest import call, error, text

pytestmark = pytest.mark.anyio


async def test_search_plain_words_and_query_syntax(mcp, google_api):
    found = await call(mcp, "search_drive_files", query="plan")
    assert [f["id"] for f in found.structured_content["files"]] == ["txt1", "doc1"]
    sent = google_api.calls("drive.files.list")[-1].query
    assert sent["q"] == ["(fullText contains 'plan') and trashed = false"]
    await call(mcp, "search_drive_files", query="plans in march")  # words, not a Drive clause
    assert google_api.calls("drive.files.list")[-1].query["q"] == [
        "(fullText contains 'plans' and fullText contains 'in' and fullText contains 'march') and trashed = false"
    ]
    assert sent["supportsAllDrives"] == ["true"] and sent["includeItemsFromAllDrives"] == ["true"]
    typed = await call(mcp, "search_drive_files", query="name contains 'note' and mimeType = 'text/plain'", page_size=3)
    assert len(typed.structured_content["files"]) == 3
    token = typed.structured_content["nextPageToken"]
    rest = await call(
        mcp,
        "search_drive_files",
        query="name contains 'note' and mimeType = 'text/plain'",
        page_size=3,
        page_token=token,
    )
    assert not {f["id"] for f in typed.structured_content["files"]} & {
        f["id"] for f in rest.structured_content["files"]
    }


async def test_search_one_shared_drive(mcp, google_api):
    found = await call(mcp, "search_drive_files", query="team", drive_id="sd1")
    assert [f["id"] for f in found.structured_content["files"]] == ["shared1"]
    assert google_api.calls("drive.files.list")[-1].query["corpora"] == ["drive"]


async def test_list_folder(mcp):
    listing = await call(mcp, "list_drive_folder", folder_id="folder1", page_size=50)
    ids = {f["id"] for f in listing.structured_content["files"]}
    assert "txt1" in ids and "pdf1" not in ids


async def test_content_by_type(mcp):
    assert "Step 2: ship" in await text(mcp, "get_drive_file_content", file_id="txt1")
    assert "The plan is simple." in await text(mcp, "get_drive_file_content", file_id="doc1")  # exported
    binary = await text(mcp, "get_drive_file_content", file_id="pdf1")
    assert "Binary content is not shown" in binary and "%PDF" not in binary
    assert "file 'missing-1'" in await error(mcp, "get_drive_file_content", file_id="missing-1")


async def test_sheet_exports_as_csv(mcp, google_api):
    assert "Item,Cost" in await text(mcp, "get_drive_file_content", file_id="sheet1")
    assert google_api.calls("drive.files.export")[-1].query["mimeType"] == ["text/csv"]


async def test_metadata(mcp):
    meta = await call(mcp, "get_drive_file_metadata", file_id="txt1")
    assert meta.structured_content["parents"] == ["folder1"] and "plan.txt" in meta.content[0].text


async def test_create_upload_update_copy_rename_move_trash(mcp, google_api):
    folder = (await call(mcp, "create_drive_folder", name="Archive")).structured_content
    created = (
        await call(mcp, "create_drive_file", name="todo.txt", content="buy milk", folder_id=folder["id"])
    ).structured_content
    assert google_api.state["files"][created["id"]]["content"] == b"buy milk"
    assert google_api.calls("drive.files.create")[-1].query["uploadType"] == ["multipart"]
    converted = (
        await call(
            mcp, "create_drive_file", name="Doc", content="hello", mime_type="application/vnd.google-apps.document"
        )
    ).structured_content
    assert converted["mimeType"] == "application/vnd.google-apps.document"
    await call(mcp, "update_drive_file_content", file_id=created["id"], content="buy bread")
    assert google_api.state["files"][created["id"]]["content"] == b"buy bread"
    copy = (await call(mcp, "copy_drive_file", file_id=created["id"], name="todo copy.txt")).structured_content
    assert google_api.state["files"][copy["id"]]["content"] == b"buy bread"
    await call(mcp, "rename_drive_file", file_id=copy["id"], name="renamed.txt")
    assert google_api.state["files"][copy["id"]]["name"] == "renamed.txt"
    await call(mcp, "move_drive_file", file_id=copy["id"], folder_id="folder1")
    assert google_api.state["files"][copy["id"]]["parents"] == ["folder1"]
    await call(mcp, "trash_drive_file", file_id=copy["id"])
    assert google_api.state["files"][copy["id"]]["trashed"] is True
    found = await call(mcp, "search_drive_files", query="name contains 'renamed'")
    assert found.structured_content["files"] == []  # trashed files are excluded
    assert "file 'ghost'" in await error(mcp, "rename_drive_file", file_id="ghost", name="x")


async def test_sharing(mcp, google_api):
    user = (
        await call(
            mcp, "share_drive_file", file_id="note2", type="user", role="writer", email="bob@example.com", notify=False
        )
    ).structured_content
    assert google_api.calls("drive.permissions.create")[-1].query["sendNotificationEmail"] == ["false"]
    await call(mcp, "share_drive_file", file_id="note2", type="domain", role="reader", domain="example.com")
    await call(mcp, "share_drive_file", file_id="note2", type="anyone", role="reader")
    listing = (await call(mcp, "list_drive_permissions", file_id="note2")).structured_content["permissions"]
    assert [(p["type"], p["role"]) for p in listing] == [
        ("user", "owner"),
        ("user", "writer"),
        ("domain", "reader"),
        ("anyone", "reader"),
    ]
    await call(mcp, "remove_drive_permission", file_id="note2", permission_id=user["id"])
    assert user["id"] not in await text(mcp, "list_drive_permissions", file_id="note2")
    assert f"permission '{user['id']}'" in await error(
        mcp, "remove_drive_permission", file_id="note2", permission_id=user["id"]
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"type": "user", "email": "bob"}, "email: 'bob' is not a valid email address"),
        ({"type": "group"}, "email: required when sharing with a group"),
        ({"type": "domain", "domain": "bob@example.com"}, "domain: a domain name"),
    ],
)
async def test_sharing_bad_arguments(mcp, arguments, message):
    assert message in await error(mcp, "share_drive_file", file_id="note3", role="reader", **arguments)


async def test_shared_drives_paging(mcp):
    first = await call(mcp, "list_shared_drives", page_size=2)
    assert [d["id"] for d in first.structured_content["drives"]] == ["sd1", "sd2"]
    rest = await call(mcp, "list_shared_drives", page_size=2, page_token=first.structured_content["nextPageToken"])
    assert [d["id"] for d in rest.structured_content["drives"]] == ["sd3"]
    assert "page_size: must be between 1 and 100" in await error(mcp, "list_shared_drives", page_size=0)


@pytest.fixture(scope="module")
def oreilly(google_api):
    add_file(google_api, "oreilly1", "O'Reilly notes.txt", "text/plain", b"starred reviews 2025: revenue >= target")
    return "oreilly1"


@pytest.mark.parametrize(
    "query, words",
    [
        ("O'Reilly notes", ["O\\'Reilly", "notes"]),
        ("starred reviews 2025", ["starred", "reviews", "2025"]),
        ("revenue >= target", ["revenue", ">=", "target"]),
        ("back\\slash", ["back\\\\slash"]),
        ("name contains plan", ["name", "contains", "plan"]),
    ],
)
async def test_plain_words_search_as_words_and_the_reply_says_so(mcp, google_api, oreilly, query, words):
    result = await call(mcp, "search_drive_files", query=query)
    sent = google_api.calls("drive.files.list")[-1].query["q"][0]
    assert sent == "(" + " and ".join(f"fullText contains '{w}'" for w in words) + ") and trashed = false"
    assert result.content[0].text.startswith(f"Searched full text for the words {query.split()}")
    assert result.structured_content["q"] == sent
    if query != "back\\slash" and query != "name contains plan":
        assert [f["id"] for f in result.structured_content["files"]] == [oreilly]


async def test_drive_syntax_is_used_as_written_and_the_reply_says_so(mcp, google_api, oreilly):
    query = "name contains 'O\\'Reilly' or (name contains 'note' and not name contains '7' and 'folder1' in parents)"
    result = await call(mcp, "search_drive_files", query=query)
    assert result.content[0].text.startswith(f"Searched with the Drive query: {query}")
    assert google_api.calls("drive.files.list")[-1].query["q"] == [f"({query}) and trashed = false"]
    ids = {f["id"] for f in result.structured_content["files"]}
    assert oreilly in ids and "note1" in ids and "note7" not in ids
    await call(mcp, "search_drive_files", query="trashed = true")  # asked for the trash: no second trashed clause
    assert google_api.calls("drive.files.list")[-1].query["q"] == ["trashed = true"]


async def test_share_with_a_display_name_sends_the_bare_address(mcp, google_api):
    perm = (
        await call(
            mcp,
            "share_drive_file",
            file_id="note4",
            type="user",
            role="reader",
            email="Ann Lee <ann@example.com>",
            notify=False,
        )
    ).structured_content
    assert perm["emailAddress"] == "ann@example.com"
    assert google_api.calls("drive.permissions.create")[-1].json()["emailAddress"] == "ann@example.com"


async def test_csv_converts_to_a_sheet_and_export_says_first_sheet_only(mcp, google_api):
    created = (
        await call(
            mcp,
            "create_drive_file",
            name="Numbers",
            content="a,b\n1,2\n",
            mime_type="application/vnd.google-apps.spreadsheet",
        )
    ).structured_content
    assert "Content-Type: text/csv" in google_api.calls("drive.files.create")[-1].body.decode()
    assert created["mimeType"] == "application/vnd.google-apps.spreadsheet"
    exported = await text(mcp, "get_drive_file_content", file_id="sheet1")
    assert "first sheet only" in exported and "read_sheet_values" in exported
    assert "mime_type: text converts only to" in await error(
        mcp, "create_drive_file", name="x", content="x", mime_type="application/vnd.google-apps.presentation"
    )
