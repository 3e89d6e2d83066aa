"""Tier, read-only mode and service selection: exact tool names, annotations and OAuth scopes."""

from __future__ import annotations

import pytest
from fastmcp import Client, FastMCP
from fastmcp.client.transports import StreamableHttpTransport

from tests.fakes.server_process import run_server
from tests.server.tools.conftest import ACCESS_TOKEN, seed_credentials, tools_env
from tests.server.tools.expected import AUTH, BY_SERVICE, DEFAULT_SERVICES, DESTRUCTIVE, READ_ONLY, names
from workspace_mcp_server.google.services import NAMES as SERVICE_NAMES
from workspace_mcp_server.google.settings import GoogleApiSettings
from workspace_mcp_server.tools import register_tools
from workspace_mcp_server.tools.selection import ToolSelection

pytestmark = pytest.mark.anyio

ALWAYS = ["openid", AUTH + "userinfo.email"]


async def listed(selection: ToolSelection) -> list:
    mcp = FastMCP("selection")
    names = register_tools(mcp, selection, GoogleApiSettings())
    async with Client(mcp) as client:
        tools = await client.list_tools()
    assert sorted(names) == sorted(t.name for t in tools)
    return tools


@pytest.mark.parametrize("tier", ["core", "extended", "complete"])
@pytest.mark.parametrize("read_only", [False, True])
async def test_exact_tool_names(tier, read_only):
    """WORKSPACE_MCP_SERVICES unset: every service but the opt-in ones."""
    tools = await listed(
        ToolSelection.from_env({"WORKSPACE_MCP_TOOL_TIER": tier, "WORKSPACE_MCP_READ_ONLY": str(read_only)})
    )
    assert sorted(t.name for t in tools) == sorted(names(tier, read_only, DEFAULT_SERVICES))


async def test_an_opt_in_service_is_served_only_when_named():
    opt_in = sorted(set(BY_SERVICE) - set(DEFAULT_SERVICES))
    assert opt_in == ["keep"]
    every = ",".join(BY_SERVICE)
    tools = await listed(ToolSelection.from_env({"WORKSPACE_MCP_SERVICES": every}))
    assert sorted(t.name for t in tools) == sorted(names())
    assert not any(AUTH + "keep" in scope for scope in ToolSelection().scopes())


def test_every_service_has_its_expectations_and_tools_in_every_service():
    assert sorted(BY_SERVICE) == sorted(SERVICE_NAMES)
    for service in SERVICE_NAMES:
        assert names(services=(service,)), service


async def test_annotations_and_tags():
    for tool in await listed(ToolSelection(services=SERVICE_NAMES)):
        hints = tool.annotations
        assert hints.read_only_hint is (tool.name in READ_ONLY), tool.name
        if tool.name not in READ_ONLY:
            assert hints.destructive_hint is (tool.name in DESTRUCTIVE), tool.name
        assert ("read-only" in tool.meta["fastmcp"]["tags"]) is (tool.name in READ_ONLY)
        assert tool.description and "Traceback" not in tool.description


async def test_service_enable_list():
    tools = await listed(ToolSelection.from_env({"WORKSPACE_MCP_SERVICES": " Gmail , tasks"}))
    expected = names(services=("gmail", "tasks"))
    assert sorted(t.name for t in tools) == sorted(expected)


def _without_implied(scopes: set[str]) -> list[str]:
    """A read-only scope is redundant next to its full scope (drive.readonly next to drive)."""
    return sorted(s for s in scopes if not (s.endswith(".readonly") and s.removesuffix(".readonly") in scopes))


@pytest.mark.parametrize("service", sorted(BY_SERVICE))
@pytest.mark.parametrize("read_only", [False, True])
def test_scopes_of_one_service(service, read_only):
    expected = BY_SERVICE[service].READ_ONLY_SCOPES if read_only else BY_SERVICE[service].SCOPES
    selection = ToolSelection(services=(service,), read_only=read_only)
    assert selection.scopes() == sorted(ALWAYS + [AUTH + s for s in expected])


@pytest.mark.parametrize("read_only", [False, True])
def test_scopes_of_every_default_service(read_only):
    modules = [BY_SERVICE[service] for service in DEFAULT_SERVICES]
    wanted = {AUTH + s for m in modules for s in (m.READ_ONLY_SCOPES if read_only else m.SCOPES)}
    assert ToolSelection(read_only=read_only).scopes() == sorted(set(ALWAYS) | set(_without_implied(wanted)))


@pytest.mark.parametrize(
    "environ, scopes",
    [
        ({"WORKSPACE_MCP_TOOL_TIER": "core", "WORKSPACE_MCP_SERVICES": "gmail"}, ALWAYS + [AUTH + "gmail.modify"]),
        (
            {"WORKSPACE_MCP_SERVICES": "sheets", "WORKSPACE_MCP_READ_ONLY": "1"},
            ALWAYS + [AUTH + "drive.readonly", AUTH + "spreadsheets.readonly"],
        ),
        ({"WORKSPACE_MCP_SERVICES": "docs,drive"}, ALWAYS + [AUTH + "documents", AUTH + "drive"]),
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
        ({"WORKSPACE_MCP_SERVICES": "gmail,photos"}, "WORKSPACE_MCP_SERVICES: unknown service 'photos'"),
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
            assert sorted(t.name for t in tools) == sorted(names("extended", True, ("gmail", "calendar")))
            assert all(t.annotations.read_only_hint for t in tools)
            labels = await client.call_tool("list_gmail_labels", {})
            assert "Receipts" in labels.content[0].text
