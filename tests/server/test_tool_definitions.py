"""Tool definitions from tools/definitions.json: what a client sees and what a call does must not depend on
whether a tool started from its cached definition or was built by FastMCP at start-up."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Literal

import pytest
from fastmcp import Client, FastMCP
from fastmcp.tools.function_tool import FunctionTool
from mcp.types import ToolAnnotations
from pydantic import Field

from workspace_mcp_server.tools import register_tools
from workspace_mcp_server.tools.definitions import (
    CachedTool,
    build_definitions,
    cached_definition,
    load,
    make_tool,
)
from workspace_mcp_server.tools.registry import specs
from workspace_mcp_server.tools.selection import ToolSelection


async def find_messages(
    query: Annotated[str, Field(description="Gmail search syntax", min_length=1)],
    max_results: Annotated[int, Field(ge=1, le=100)] = 10,
    order: Literal["newest", "oldest"] = "newest",
    label_ids: list[str] | None = None,
) -> dict:
    """Search messages (a probe tool with constrained, defaulted and optional arguments)."""
    return {"query": query, "max_results": max_results, "order": order, "labels": label_ids or []}


def _servers() -> tuple[FastMCP, FastMCP, object]:
    annotations = ToolAnnotations(read_only_hint=True)
    definitions = build_definitions([(find_messages, "find_messages")])
    cached = make_tool(
        find_messages, name="find_messages", tags={"gmail"}, annotations=annotations, definitions=definitions
    )
    built = FunctionTool.from_function(find_messages, name="find_messages", tags={"gmail"}, annotations=annotations)
    servers = []
    for tool in (cached, built):
        server = FastMCP("probe")
        server.add_tool(tool)
        servers.append(server)
    return servers[0], servers[1], cached


def test_every_current_definition_in_the_file_is_what_fastmcp_builds():
    """The file is only trusted where its fingerprint matches; where it does, it must be exact."""
    current = [spec for spec in specs() if cached_definition(spec.fn, spec.name) is not None]
    assert current, "tools/definitions.json matches no tool: rewrite it (make tool-definitions)"
    fresh = build_definitions((spec.fn, spec.name) for spec in current)
    for spec in current:
        assert load()[spec.name] == fresh[spec.name], spec.name


def test_every_tool_starts_from_the_file():
    """A tool whose source changed since the file was written starts at FastMCP's pace (correct, but the
    cold start the benchmark promises is lost): the file is rewritten with the change, as the catalog is."""
    stale = [spec.name for spec in specs() if cached_definition(spec.fn, spec.name) is None]
    assert not stale, f"tools/definitions.json is stale for {', '.join(stale)}: run make tool-definitions"


def test_a_cached_tool_is_listed_and_called_exactly_like_fastmcps_own():
    cached_server, built_server, cached_tool = _servers()
    assert isinstance(cached_tool, CachedTool)

    async def exercise(server: FastMCP):
        async with Client(server) as client:
            listed = [t.model_dump() for t in await client.list_tools()]
            answers = []
            for arguments in (
                {"query": "from:ann", "max_results": 5, "label_ids": ["INBOX"]},
                {"query": "x"},
                {"query": "", "max_results": 5},  # too short
                {"query": "x", "max_results": 1000},  # out of range
                {"query": "x", "order": "sideways"},  # not one of the choices
                {"max_results": 5},  # required argument missing
                {"query": "x", "unexpected": 1},
            ):
                result = await client.call_tool("find_messages", arguments, raise_on_error=False)
                answers.append((result.is_error, [c.model_dump() for c in result.content], result.structured_content))
            return listed, answers

    cached, built = asyncio.run(exercise(cached_server)), asyncio.run(exercise(built_server))
    assert cached[0] == built[0]
    assert cached[1] == built[1]
    assert [error for error, _, _ in cached[1]] == [False, False, True, True, True, True, True]


def test_a_definition_built_from_other_source_is_not_used():
    definitions = build_definitions([(find_messages, "find_messages")])
    definitions["find_messages"] = {**definitions["find_messages"], "fingerprint": "0" * 32}
    tool = make_tool(find_messages, name="find_messages", tags=set(), annotations=None, definitions=definitions)
    assert not isinstance(tool, CachedTool) and isinstance(tool, FunctionTool)


@pytest.mark.parametrize("tier", ["core", "complete"])
def test_the_servers_tool_list_is_fastmcps_own(tier, monkeypatch):
    """As the server runs (cached definitions, $refs inlined once, FastMCP's per-listing dereferencing off),
    the listing is what FastMCP lists by default for tools it builds itself."""
    selection = ToolSelection.from_env({"WORKSPACE_MCP_TOOL_TIER": tier})

    async def listing(server: FastMCP) -> list[dict]:
        async with Client(server) as client:
            return [t.model_dump() for t in await client.list_tools()]

    with_file = FastMCP("ours", dereference_schemas=False)
    register_tools(with_file, selection)
    monkeypatch.setattr("workspace_mcp_server.tools.definitions.load", lambda *args: {})
    without = FastMCP("ours")
    register_tools(without, selection)
    listed = asyncio.run(listing(with_file))
    assert listed == asyncio.run(listing(without))
    assert '"$ref"' not in json.dumps(listed)
    # The server did start from the file (each tool whose definition is current), and not without it.
    assert any(isinstance(tool, CachedTool) for tool in asyncio.run(with_file.list_tools()))
    assert not any(isinstance(tool, CachedTool) for tool in asyncio.run(without.list_tools()))
