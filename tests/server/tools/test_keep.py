"""Keep tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.fakes.google.keep import JPEG, PNG
from tests.fakes.server_process import run_server
from tests.server.tools.conftest import ACCESS_TOKEN, call, error, seed_credentials, text, tools_env
from tests.server.tools.expected import AUTH
from tests.server.tools.test_drive_files import blob
from tests.server.tools.test_selection import listed
from tests.server.tools.test_standin import refused, send
from workspace_mcp_server.tools.selection import ToolSelection

pytestmark = pytest.mark.anyio

PHOTO = "notes/whiteboard/attachments/photo"
BEFORE_TESTS = "2025-03-11"  # notes the tests create are newer: the seeded ones stay a fixed set


def names(result) -> list[str]:
    return [note["name"] for note in result.structured_content["notes"]]


async def test_list_pages_newest_first_and_filters_by_time_and_trash(mcp, google_api):
    first = await call(mcp, "list_keep_notes", page_size=2, updated_before=BEFORE_TESTS)
    assert google_api.calls("keep.notes.list")[-1].query["filter"] == [
        'trashed = false AND update_time < "2025-03-11T00:00:00Z"'
    ]
    assert names(first) == ["notes/theirs", "notes/shared"]
    token = first.structured_content["nextPageToken"]
    assert f"More results: page_token={token}" in first.content[0].text
    second = await call(mcp, "list_keep_notes", page_size=2, updated_before=BEFORE_TESTS, page_token=token)
    assert second.content[0].text.splitlines()[:2] == [
        "Groceries notes/groceries: checklist, 2/5 checked",
        "Whiteboard notes/whiteboard: photo of the plan",
    ]
    last = await call(
        mcp,
        "list_keep_notes",
        page_size=2,
        updated_before=BEFORE_TESTS,
        page_token=second.structured_content["nextPageToken"],
    )
    assert last.content[0].text == "Offsite notes/offsite: Ideas for the offsite: boat trip escape room"
    assert last.structured_content["nextPageToken"] is None
    trashed = await call(mcp, "list_keep_notes", trashed=True)
    assert trashed.content[0].text == "Old plans [trashed] notes/old: obsolete"
    # 10:00 at +01:00 is 09:00 UTC, when Groceries was created: "after" leaves it out.
    recent = await call(
        mcp, "list_keep_notes", created_after="2025-02-01T10:00:00+01:00", updated_before="2025-03-11T00:00:00"
    )
    assert google_api.calls("keep.notes.list")[-1].query["filter"] == [
        'trashed = false AND create_time > "2025-02-01T09:00:00Z" AND update_time < "2025-03-11T00:00:00Z"'
    ]
    assert names(recent) == ["notes/theirs", "notes/shared", "notes/whiteboard"]
    assert names(await call(mcp, "list_keep_notes", updated_after="2025-03-06", updated_before=BEFORE_TESTS)) == [
        "notes/theirs"
    ]
    assert "No trashed notes." in await text(mcp, "list_keep_notes", trashed=True, created_after="2025-01-01")
    before = len(google_api.calls("keep.notes.list"))
    assert "created_after: 'last week' is not an ISO 8601" in await error(
        mcp, "list_keep_notes", created_after="last week"
    )
    assert "page_size: must be between 1 and 1000 (got 0)" in await error(mcp, "list_keep_notes", page_size=0)
    assert len(google_api.calls("keep.notes.list")) == before


async def test_get_shows_checklist_attachments_and_permissions(mcp):
    groceries = await text(mcp, "get_keep_note", note="notes/groceries")
    assert groceries == (
        "Groceries (notes/groceries)\ncreated 2025-02-01T09:00:00Z, updated 2025-03-01T09:00:00Z\n\n"
        "[x] Milk\n[ ] Fruit\n    [x] Apples\n    [ ] Pears\n[ ] Bread\n\n"
        "Permissions (unshare_keep_note takes a WRITER's name):\n"
        "- OWNER solo@example.com notes/groceries/permissions/owner"
    )
    photo = await text(mcp, "get_keep_note", note="whiteboard")  # a bare id works too
    assert "photo of the plan\n\nAttachments (download_keep_attachment):\n" in photo
    assert f"- {PHOTO} (image/png, image/jpeg)" in photo
    shared = await call(mcp, "get_keep_note", note=" notes/shared ")
    assert "- WRITER ann@example.com notes/shared/permissions/ann" in shared.content[0].text
    assert shared.structured_content["body"] == {"text": {"text": "agenda"}}
    old = await text(mcp, "get_keep_note", note="notes/old")
    assert "created 2024-06-01T09:00:00Z, updated 2024-06-01T09:00:00Z, trashed 2025-01-05T09:00:00Z" in old


async def test_get_refuses_bad_names_and_reports_missing_notes(mcp, google_api):
    before = len(google_api.calls("keep.notes.get"))
    for bad in ("notes/a b", "notes/x/attachments/y", "", "notes/"):
        assert f"note: {bad!r} is not a note name (notes/<id>" in await error(mcp, "get_keep_note", note=bad)
    assert len(google_api.calls("keep.notes.get")) == before
    assert "Not found: note 'notes/missing' does not exist or is not visible to you." in await error(
        mcp, "get_keep_note", note="notes/missing"
    )


async def test_create_text_and_checklist_notes(mcp, google_api):
    created = await call(mcp, "create_keep_note", title="Ideas ✨", text="première idée\nsecond")
    name = created.structured_content["name"]
    assert created.content[0].text == f"Created Ideas ✨ {name}: première idée second"
    assert google_api.calls("keep.notes.create")[-1].json() == {
        "title": "Ideas ✨",
        "body": {"text": {"text": "première idée\nsecond"}},
    }
    assert google_api.state["keep_notes"][name]["body"]["text"]["text"] == "première idée\nsecond"
    items = ["Tent", {"text": "Poles", "nested": True, "checked": True}, {"text": "Stove", "checked": True}, "Fuel"]
    checklist = await call(mcp, "create_keep_note", title="Camping", items=items)
    assert google_api.calls("keep.notes.create")[-1].json()["body"] == {
        "list": {
            "listItems": [
                {
                    "text": {"text": "Tent"},
                    "checked": False,
                    "childListItems": [{"text": {"text": "Poles"}, "checked": True}],
                },
                {"text": {"text": "Stove"}, "checked": True},
                {"text": {"text": "Fuel"}, "checked": False},
            ]
        }
    }
    shown = await text(mcp, "get_keep_note", note=checklist.structured_content["name"])
    assert "[ ] Tent\n    [x] Poles\n[x] Stove\n[ ] Fuel" in shown
    assert "Created (untitled)" in await text(mcp, "create_keep_note", title="", items=["x"])


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"title": "x"}, "Give either text (a text note) or items (a checklist), not both and not neither"),
        ({"title": "x", "text": "a", "items": ["b"]}, "not both and not neither"),
        ({"title": "t" * 1000, "text": "a"}, "title: Keep takes titles under 1000 characters (got 1000)"),
        ({"title": "x", "text": "a" * 20_000}, "text: Keep takes text under 20000 characters (got 20000)"),
        ({"title": "x", "items": []}, "items: Keep takes 1 to 999 items (got 0)"),
        ({"title": "x", "items": ["i"] * 1000}, "items: Keep takes 1 to 999 items (got 1000)"),
        ({"title": "x", "items": ["a", "  "]}, "items[1]: an item needs text"),
        ({"title": "x", "items": ["a", "b" * 1000]}, "items[1]: Keep takes items under 1000 characters (got 1000)"),
        ({"title": "x", "items": [{"text": "a", "nested": True}]}, "items[0]: a nested item needs an item before it"),
    ],
)
async def test_create_refuses_what_keep_would_before_calling_google(mcp, google_api, arguments, message):
    before = len(google_api.calls("keep.notes.create"))
    assert message in await error(mcp, "create_keep_note", **arguments)
    assert len(google_api.calls("keep.notes.create")) == before


async def test_create_at_the_limits_is_accepted(mcp, google_api):
    created = await call(mcp, "create_keep_note", title="t" * 999, text="a" * 19_999)
    stored = google_api.state["keep_notes"][created.structured_content["name"]]
    assert len(stored["title"]) == 999 and len(stored["body"]["text"]["text"]) == 19_999


async def test_delete_note_for_good(mcp, google_api):
    name = (await call(mcp, "create_keep_note", title="Scratch", text="tmp")).structured_content["name"]
    assert await text(mcp, "delete_keep_note", note=name) == f"Deleted {name}."
    assert name not in google_api.state["keep_notes"]
    assert f"Not found: note '{name}' does not exist" in await error(mcp, "get_keep_note", note=name)
    assert f"Not found: note '{name}' does not exist" in await error(mcp, "delete_keep_note", note=name)
    refusal = await error(mcp, "delete_keep_note", note="notes/theirs")
    assert refusal.startswith("Permission denied on note 'notes/theirs': The caller does not have permission")
    assert "notes/theirs" in google_api.state["keep_notes"]


async def test_share_and_unshare(mcp, google_api):
    shared = await call(
        mcp, "share_keep_note", note="notes/offsite", emails=["Bea <bea@example.com>", "team@example.org"]
    )
    created = shared.structured_content["permissions"]
    assert [p["email"] for p in created] == ["bea@example.com", "team@example.org"]
    assert google_api.calls("keep.notes.permissions.batchCreate")[-1].json() == {
        "requests": [
            {"parent": "notes/offsite", "permission": {"email": "bea@example.com", "role": "WRITER"}},
            {"parent": "notes/offsite", "permission": {"email": "team@example.org", "role": "WRITER"}},
        ]
    }
    assert shared.content[0].text.startswith("Shared notes/offsite as writer with:\n- bea@example.com notes/offsite/")
    listed_names = [p["name"] for p in created]
    note = await text(mcp, "get_keep_note", note="notes/offsite")
    assert all(f"WRITER {p['email']} {p['name']}" in note for p in created)
    removed = await call(mcp, "unshare_keep_note", permissions=listed_names)
    assert removed.structured_content == {"name": "notes/offsite", "removed": sorted(listed_names)}
    assert [p["role"] for p in google_api.state["keep_notes"]["notes/offsite"]["permissions"]] == ["OWNER"]
    assert "Not found: note 'notes/gone'" in await error(mcp, "share_keep_note", note="gone", emails=["a@example.com"])


async def test_share_and_unshare_refuse_bad_input(mcp, google_api):
    before = len(google_api.requests)
    assert "emails[1]: 'not-an-address' is not a valid email address" in await error(
        mcp, "share_keep_note", note="notes/offsite", emails=["a@example.com", "not-an-address"]
    )
    assert "emails: give at least one address" in await error(mcp, "share_keep_note", note="notes/offsite", emails=[])
    assert "emails: an address is listed twice" in await error(
        mcp, "share_keep_note", note="notes/offsite", emails=["a@example.com", "A@example.com"]
    )
    assert "permissions: give at least one permission name (get_keep_note lists them)" in await error(
        mcp, "unshare_keep_note", permissions=[]
    )
    assert (
        "permissions[0]: 'ann@example.com' is not a name notes/<id>/permissions/<id> (as get_keep_note"
        in await error(mcp, "unshare_keep_note", permissions=["ann@example.com"])
    )
    assert "permissions: names of one note at a time (got notes/offsite, notes/shared)" in await error(
        mcp, "unshare_keep_note", permissions=["notes/shared/permissions/ann", "notes/offsite/permissions/x"]
    )
    assert len(google_api.requests) == before
    owner = await error(mcp, "unshare_keep_note", permissions=["notes/shared/permissions/owner"])
    assert "A permission with the OWNER role can't be removed" in owner
    missing = await error(mcp, "unshare_keep_note", permissions=["notes/shared/permissions/nobody"])
    assert "Permission notes/shared/permissions/nobody does not exist on the note" in missing
    assert [p["name"] for p in google_api.state["keep_notes"]["notes/shared"]["permissions"]] == [
        "notes/shared/permissions/owner",
        "notes/shared/permissions/ann",
    ]


async def test_download_attachment_in_each_of_its_types(mcp, google_api):
    png = await call(mcp, "download_keep_attachment", attachment=PHOTO)
    assert blob(png) == (PNG, "image/png")
    assert png.structured_content == {"name": PHOTO, "mimeType": "image/png", "size": len(PNG)}
    assert png.content[0].text == f"{PHOTO} (image/png, {len(PNG)} bytes) of notes/whiteboard"
    assert google_api.calls("keep.media.download")[-1].query == {"alt": ["media"], "mimeType": ["image/png"]}
    assert blob(await call(mcp, "download_keep_attachment", attachment=PHOTO, mime_type="image/jpeg")) == (
        JPEG,
        "image/jpeg",
    )
    before = len(google_api.calls("keep.media.download"))
    assert f"mime_type: {PHOTO} is available as image/png, image/jpeg (got 'image/gif')" in await error(
        mcp, "download_keep_attachment", attachment=PHOTO, mime_type="image/gif"
    )
    assert (
        f"attachment: notes/whiteboard has no attachment notes/whiteboard/attachments/nope (its attachments: {PHOTO})"
        in (await error(mcp, "download_keep_attachment", attachment="notes/whiteboard/attachments/nope"))
    )
    assert "(its attachments: none)" in await error(
        mcp, "download_keep_attachment", attachment="notes/offsite/attachments/a"
    )
    assert "attachment: 'notes/whiteboard' is not a name notes/<id>/attachments/<id>" in await error(
        mcp, "download_keep_attachment", attachment="notes/whiteboard"
    )
    assert "Not found: note 'notes/missing'" in await error(
        mcp, "download_keep_attachment", attachment="notes/missing/attachments/a"
    )
    assert len(google_api.calls("keep.media.download")) == before


async def test_download_over_the_limit_is_refused_clearly(mcp, google_api):
    media = google_api.state["keep_media"][PHOTO]
    media["image/png"] = b"\x89PNG" + bytes(4 * 1024 * 1024)
    try:
        message = await error(mcp, "download_keep_attachment", attachment=PHOTO)
    finally:
        media["image/png"] = PNG
    assert f"{PHOTO} is 4194308 bytes, more than the 4194304 this tool returns; open the note in Keep" in message


async def test_read_only_token_missing_scopes_and_personal_accounts(mcp, google_api):
    granted = google_api.tokens[ACCESS_TOKEN]
    google_api.tokens[ACCESS_TOKEN] = {AUTH + "keep.readonly"}
    try:
        assert "Groceries" in await text(mcp, "get_keep_note", note="notes/groceries")
        assert blob(await call(mcp, "download_keep_attachment", attachment=PHOTO))[0] == PNG
        creating = await error(mcp, "create_keep_note", title="x", text="y")
        sharing = await error(mcp, "share_keep_note", note="notes/offsite", emails=["a@example.com"])
        google_api.tokens[ACCESS_TOKEN] = {AUTH + "tasks"}
        listing = await error(mcp, "list_keep_notes")
    finally:
        google_api.tokens[ACCESS_TOKEN] = granted
    assert creating == (
        f"Missing OAuth scope: keep.notes.create needs the {AUTH}keep scope; sign in again and grant it."
    )
    assert f"keep.notes.permissions.batchCreate needs the {AUTH}keep scope" in sharing
    assert listing == (
        f"Missing OAuth scope: keep.notes.list needs the {AUTH}keep.readonly scope; sign in again and grant it."
    )
    # What Google answers a user it does not serve Keep to: the tool says why.
    google_api.fail("keep.notes.list", 403, message="The caller does not have permission")
    refusal = await error(mcp, "list_keep_notes")
    assert refusal == (
        "Permission denied on your Keep notes: The caller does not have permission (Google serves Keep only to "
        "Google Workspace users whose administrator allowed this server for them; a personal account is always "
        "refused.)"
    )
    google_api.fail("keep.notes.get", 429, times=10)
    try:
        assert "Google is rate-limiting requests (HTTP 429)" in await error(mcp, "get_keep_note", note="notes/offsite")
    finally:
        google_api.failures.clear()


async def test_read_only_mode_lists_only_reading_tools_and_asks_for_keep_readonly():
    keep = ("keep",)
    read_only = {tool.name for tool in await listed(ToolSelection(read_only=True, services=keep))}
    assert read_only == {"list_keep_notes", "get_keep_note", "download_keep_attachment"}
    assert sorted(ToolSelection(read_only=True, services=keep).scopes()) == [
        AUTH + "keep.readonly",
        AUTH + "userinfo.email",
        "openid",
    ]
    complete = {tool.name: tool for tool in await listed(ToolSelection(tier="complete", services=keep))}
    assert complete["delete_keep_note"].annotations.destructive_hint
    assert complete["unshare_keep_note"].annotations.destructive_hint
    assert not complete["share_keep_note"].annotations.destructive_hint
    assert AUTH + "keep" in ToolSelection(services=keep).scopes()
    assert AUTH + "keep.readonly" not in ToolSelection(services=keep).scopes()


async def test_read_only_server_with_keep_alone(google_api, tmp_path):
    """A server started read-only with only keep: three tools, and a keep.readonly token is all they need."""
    token = "ya29.keep-read-only"
    google_api.add_token(token, [AUTH + "keep.readonly"])
    seed_credentials(tmp_path / "creds", token, ToolSelection(read_only=True, services=("keep",)).scopes())
    env = tools_env(tmp_path / "creds", google_api, WORKSPACE_MCP_READ_ONLY="true", WORKSPACE_MCP_SERVICES="keep")
    with run_server(env, log_path=tmp_path / "server.log") as server:
        async with Client(StreamableHttpTransport(server.url("/mcp"))) as client:
            tools = {tool.name for tool in await client.list_tools()}
            note = await client.call_tool("get_keep_note", {"note": "notes/groceries"})
    assert tools == {"list_keep_notes", "get_keep_note", "download_keep_attachment"}
    assert "[x] Milk" in note.content[0].text
    assert google_api.calls("keep.notes.get")[-1].token == token


def test_standin_refuses_what_google_refuses(google_api):
    for bad, words in (
        ("title : x", "cannot parse"),
        ("labels = true", "unknown field 'labels'"),
        ("trashed = maybe", "trashed takes = or != with true or false"),
        ('create_time > "yesterday"', "is not an RFC 3339 timestamp"),
        ("create_time > 2025-01-01", "cannot parse"),
        ("trashed = false OR trashed = true", "cannot parse"),
    ):
        refused(google_api, send(google_api, "GET", "v1/notes", filter=bad), words, recorded=False)
    status, body = send(google_api, "GET", "v1/notes")
    assert status == 200 and "notes/old" not in [n["name"] for n in body["notes"]]  # no filter: not trashed
    both = {"title": "x", "body": {"text": {"text": "a"}, "list": {"listItems": [{"text": {"text": "b"}}]}}}
    refused(google_api, send(google_api, "POST", "v1/notes", both), "exactly one of text or list", recorded=False)
    refused(google_api, send(google_api, "POST", "v1/notes", {"title": "x"}), "exactly one of text", recorded=False)
    deep = {"list": {"listItems": [_child(_child({"text": {"text": "c"}}))]}}
    refused(google_api, send(google_api, "POST", "v1/notes", {"body": deep}), "one level", recorded=False)
    output_only = {"name": "notes/mine", "body": {"text": {"text": "a"}}}
    refused(google_api, send(google_api, "POST", "v1/notes", output_only), "output-only fields sent")
    share = "v1/notes/offsite/permissions:batchCreate"
    foreign = {"requests": [{"parent": "notes/shared", "permission": {"email": "a@example.com", "role": "WRITER"}}]}
    refused(google_api, send(google_api, "POST", share, foreign), "is not 'notes/offsite'")
    owner = {"requests": [{"parent": "notes/offsite", "permission": {"email": "a@example.com", "role": "OWNER"}}]}
    refused(google_api, send(google_api, "POST", share, owner), "Only the WRITER role", recorded=False)
    no_email = {"requests": [{"parent": "notes/offsite", "permission": {"role": "WRITER"}}]}
    refused(google_api, send(google_api, "POST", share, no_email), "is not a bare email address")
    unshare = "v1/notes/offsite/permissions:batchDelete"
    other = {"names": ["notes/shared/permissions/ann"]}
    refused(google_api, send(google_api, "POST", unshare, other), "does not belong to notes/offsite", recorded=False)
    assert send(google_api, "POST", "v1/notes/none/permissions:batchDelete", {"names": ["x"]})[0] == 404
    refused(google_api, send(google_api, "GET", "v1/" + PHOTO, mimeType="image/png"), "requires alt=media")
    refused(google_api, send(google_api, "GET", "v1/" + PHOTO, alt="media"), "not available as None", recorded=False)
    assert send(google_api, "GET", "v1/notes/whiteboard/attachments/other", alt="media", mimeType="image/png")[0] == 404
    assert [p["name"] for p in google_api.state["keep_notes"]["notes/shared"]["permissions"]][-1].endswith("/ann")


def _child(item: dict) -> dict:
    return {"text": {"text": "p"}, "childListItems": [item]}
