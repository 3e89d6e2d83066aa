"""Tier, read-only mode and service selection: exact tool names, annotations and OAuth scopes."""

from __future__ import annotations

import pytest
from fastmcp import Client, FastMCP
from fastmcp.client.transports import StreamableHttpTransport

from tests.fakes.server_process import run_server
from tests.server.tools.conftest import ACCESS_TOKEN, seed_credentials, tools_env
from workspace_mcp_server.google.settings import GoogleApiSettings
from workspace_mcp_server.tools import register_tools
from workspace_mcp_server.tools.selection import ToolSelection

pytestmark = pytest.mark.anyio

CORE = {
    "search_gmail_messages",
    "get_gmail_message",
    "get_gmail_messages",
    "get_gmail_thread",
    "send_gmail_message",
    "search_drive_files",
    "list_drive_folder",
    "get_drive_file_content",
    "create_drive_file",
    "list_calendars",
    "get_events",
    "get_event",
    "create_event",
    "search_docs",
    "get_doc_content",
    "create_doc",
    "list_spreadsheets",
    "get_spreadsheet_info",
    "read_sheet_values",
    "write_sheet_values",
    "create_spreadsheet",
    "list_task_lists",
    "list_tasks",
    "create_task",
    "update_task",
    "search_contacts",
    "get_contact",
}
EXTENDED = CORE | {
    "list_gmail_labels",
    "modify_gmail_labels",
    "create_gmail_draft",
    "list_gmail_drafts",
    "get_gmail_attachment",
    "get_drive_file_metadata",
    "create_drive_folder",
    "move_drive_file",
    "rename_drive_file",
    "copy_drive_file",
    "list_drive_permissions",
    "share_drive_file",
    "update_event",
    "delete_event",
    "query_free_busy",
    "insert_doc_text",
    "replace_doc_range",
    "delete_doc_range",
    "find_replace_doc_text",
    "append_sheet_rows",
    "clear_sheet_range",
    "add_sheet",
    "get_task",
    "complete_task",
    "delete_task",
    "create_task_list",
    "list_contacts",
    "create_contact",
    "update_contact",
    "list_contact_groups",
}
COMPLETE = EXTENDED | {
    "create_gmail_label",
    "update_gmail_draft",
    "send_gmail_draft",
    "list_gmail_filters",
    "create_gmail_filter",
    "delete_gmail_filter",
    "update_drive_file_content",
    "trash_drive_file",
    "remove_drive_permission",
    "list_shared_drives",
    "respond_to_event",
    "insert_doc_table",
    "batch_update_doc",
    "rename_sheet",
    "delete_sheet",
    "format_sheet_range",
    "move_task",
    "delete_task_list",
    "delete_contact",
}
READ_ONLY = {
    "search_gmail_messages",
    "get_gmail_message",
    "get_gmail_messages",
    "get_gmail_thread",
    "list_gmail_labels",
    "list_gmail_drafts",
    "get_gmail_attachment",
    "list_gmail_filters",
    "search_drive_files",
    "list_drive_folder",
    "get_drive_file_content",
    "get_drive_file_metadata",
    "list_drive_permissions",
    "list_shared_drives",
    "list_calendars",
    "get_events",
    "get_event",
    "query_free_busy",
    "search_docs",
    "get_doc_content",
    "list_spreadsheets",
    "get_spreadsheet_info",
    "read_sheet_values",
    "list_task_lists",
    "list_tasks",
    "get_task",
    "search_contacts",
    "list_contacts",
    "get_contact",
    "list_contact_groups",
}
DESTRUCTIVE = {
    "update_gmail_draft",
    "delete_gmail_filter",
    "update_drive_file_content",
    "trash_drive_file",
    "remove_drive_permission",
    "delete_event",
    "replace_doc_range",
    "delete_doc_range",
    "batch_update_doc",
    "write_sheet_values",
    "clear_sheet_range",
    "delete_sheet",
    "delete_task",
    "delete_task_list",
    "update_contact",
    "delete_contact",
}
AUTH = "https://www.googleapis.com/auth/"
ALWAYS = ["openid", AUTH + "userinfo.email"]
GMAIL = {
    "search_gmail_messages",
    "get_gmail_message",
    "get_gmail_messages",
    "get_gmail_thread",
    "send_gmail_message",
    "list_gmail_labels",
    "modify_gmail_labels",
    "create_gmail_draft",
    "list_gmail_drafts",
    "get_gmail_attachment",
    "create_gmail_label",
    "update_gmail_draft",
    "send_gmail_draft",
    "list_gmail_filters",
    "create_gmail_filter",
    "delete_gmail_filter",
}


async def listed(selection: ToolSelection) -> list:
    mcp = FastMCP("selection")
    names = register_tools(mcp, selection, GoogleApiSettings())
    async with Client(mcp) as client:
        tools = await client.list_tools()
    assert sorted(names) == sorted(t.name for t in tools)
    return tools


@pytest.mark.parametrize(
    "tier, read_only, expected",
    [
        ("core", False, CORE),
        ("extended", False, EXTENDED),
        ("complete", False, COMPLETE),
        ("core", True, CORE & READ_ONLY),
        ("extended", True, EXTENDED & READ_ONLY),
        ("complete", True, READ_ONLY),
    ],
)
async def test_exact_tool_names(tier, read_only, expected):
    tools = await listed(ToolSelection(tier=tier, read_only=read_only))
    assert sorted(t.name for t in tools) == sorted(expected)


async def test_counts_match_the_issue_shape():
    assert (len(CORE), len(EXTENDED), len(COMPLETE), len(READ_ONLY)) == (27, 57, 76, 30)


async def test_annotations_and_tags():
    for tool in await listed(ToolSelection()):
        hints = tool.annotations
        assert hints.read_only_hint is (tool.name in READ_ONLY), tool.name
        if tool.name not in READ_ONLY:
            assert hints.destructive_hint is (tool.name in DESTRUCTIVE), tool.name
        assert ("read-only" in tool.meta["fastmcp"]["tags"]) is (tool.name in READ_ONLY)
        assert tool.description and "Traceback" not in tool.description


async def test_service_enable_list():
    tools = await listed(ToolSelection.from_env({"WORKSPACE_MCP_SERVICES": " Gmail , tasks"}))
    expected = GMAIL | {
        "list_task_lists",
        "list_tasks",
        "get_task",
        "create_task",
        "update_task",
        "complete_task",
        "delete_task",
        "move_task",
        "create_task_list",
        "delete_task_list",
    }
    assert sorted(t.name for t in tools) == sorted(expected)


@pytest.mark.parametrize(
    "environ, scopes",
    [
        (
            {},
            ALWAYS
            + [
                AUTH + s
                for s in (
                    "calendar",
                    "contacts",
                    "documents",
                    "drive",
                    "gmail.modify",
                    "gmail.settings.basic",
                    "spreadsheets",
                    "tasks",
                )
            ],
        ),
        (
            {"WORKSPACE_MCP_READ_ONLY": "true"},
            ALWAYS
            + [
                AUTH + s
                for s in (
                    "calendar.readonly",
                    "contacts.readonly",
                    "documents.readonly",
                    "drive.readonly",
                    "gmail.readonly",
                    "spreadsheets.readonly",
                    "tasks.readonly",
                )
            ],
        ),
        ({"WORKSPACE_MCP_TOOL_TIER": "core", "WORKSPACE_MCP_SERVICES": "gmail"}, ALWAYS + [AUTH + "gmail.modify"]),
        (
            {"WORKSPACE_MCP_SERVICES": "sheets", "WORKSPACE_MCP_READ_ONLY": "1"},
            ALWAYS + [AUTH + "drive.readonly", AUTH + "spreadsheets.readonly"],
        ),
        ({"WORKSPACE_MCP_SERVICES": "docs"}, ALWAYS + [AUTH + "documents", AUTH + "drive.readonly"]),
    ],
)
def test_scopes(environ, scopes):
    assert ToolSelection.from_env(environ).scopes() == sorted(scopes)


@pytest.mark.parametrize(
    "environ, message",
    [
        (
            {"WORKSPACE_MCP_TOOL_TIER": "all"},
            "WORKSPACE_MCP_TOOL_TIER: must be one of core, extended, complete (got 'all')",
        ),
        ({"WORKSPACE_MCP_READ_ONLY": "maybe"}, "WORKSPACE_MCP_READ_ONLY: must be true or false (got 'maybe')"),
        ({"WORKSPACE_MCP_SERVICES": "gmail,slides"}, "WORKSPACE_MCP_SERVICES: unknown service 'slides'"),
    ],
)
def test_selection_errors_name_the_variable(environ, message):
    with pytest.raises(ValueError) as failure:
        ToolSelection.from_env(environ)
    assert str(failure.value).startswith(message)


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"GOOGLE_API_ROOT_URL": "ftp://x"}, "GOOGLE_API_ROOT_URL: must be an http(s) URL"),
        ({"WORKSPACE_MCP_MAX_RESPONSE_BYTES": "lots"}, "WORKSPACE_MCP_MAX_RESPONSE_BYTES: must be an integer"),
        ({"WORKSPACE_MCP_MAX_RESPONSE_BYTES": "10"}, "WORKSPACE_MCP_MAX_RESPONSE_BYTES: must be at least 1000"),
    ],
)
def test_settings_errors_name_the_variable(environ, message):
    with pytest.raises(ValueError) as failure:
        GoogleApiSettings.from_env(environ)
    assert str(failure.value).startswith(message)


def test_settings_defaults_and_root():
    assert GoogleApiSettings.from_env({}) == GoogleApiSettings(None, 100_000)
    assert GoogleApiSettings.from_env({"GOOGLE_API_ROOT_URL": "http://127.0.0.1:1"}).root_url == "http://127.0.0.1:1/"


async def test_read_only_server_process(google_api, tmp_path):
    """The environment reaches a real server: extended tier, read-only, two services."""
    selection = ToolSelection(tier="extended", read_only=True, services=("gmail", "calendar"))
    seed_credentials(tmp_path / "creds", ACCESS_TOKEN, selection.scopes())
    env = tools_env(
        tmp_path / "creds",
        google_api,
        WORKSPACE_MCP_TOOL_TIER="extended",
        WORKSPACE_MCP_READ_ONLY="true",
        WORKSPACE_MCP_SERVICES="gmail,calendar",
    )
    with run_server(env, log_path=tmp_path / "server.log") as server:
        async with Client(StreamableHttpTransport(server.url("/mcp"))) as client:
            tools = await client.list_tools()
            assert sorted(t.name for t in tools) == sorted(
                {
                    "search_gmail_messages",
                    "get_gmail_message",
                    "get_gmail_messages",
                    "get_gmail_thread",
                    "list_gmail_labels",
                    "list_gmail_drafts",
                    "get_gmail_attachment",
                    "list_calendars",
                    "get_events",
                    "get_event",
                    "query_free_busy",
                }
            )
            assert all(t.annotations.read_only_hint for t in tools)
            labels = await client.call_tool("list_gmail_labels", {})
            assert "Receipts" in labels.content[0].text
