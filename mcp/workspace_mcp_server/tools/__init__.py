"""Google Workspace tools. The server calls ``register_tools`` once while building the app."""

from __future__ import annotations

import json
import os

from fastmcp import FastMCP
from fastmcp.tools.base import Tool
from fastmcp.utilities.json_schema import dereference_refs
from mcp.types import ToolAnnotations

from ..google.client import configure
from ..google.settings import GoogleApiSettings
from .definitions import make_tool
from .selection import ToolSelection

READ_ONLY_TAG = "read-only"


def register_tools(mcp: FastMCP, selection: ToolSelection, settings: GoogleApiSettings | None = None) -> list[str]:
    """Add the selected tools to ``mcp``; returns their names in registration order.

    ``settings`` defaults to ``GoogleApiSettings.from_env(os.environ)`` (a ValueError names a bad variable).
    """
    configure(settings or GoogleApiSettings.from_env(os.environ))
    names = []
    for spec in selection.tools():
        if spec.read_only:
            annotations = ToolAnnotations(read_only_hint=True)
        else:
            annotations = ToolAnnotations(read_only_hint=False, destructive_hint=spec.destructive)
        tags = {spec.service, READ_ONLY_TAG} if spec.read_only else {spec.service}
        # From the cached definition when it is current (no schema building at start-up): definitions.py.
        mcp.add_tool(self_contained(make_tool(spec.fn, name=spec.name, tags=tags, annotations=annotations)))
        names.append(spec.name)
    return names


def self_contained(tool: Tool) -> Tool:
    """The tool with every ``$ref`` of its schemas inlined (some clients cannot follow them), once at start-up:
    the server runs with FastMCP's ``dereference_schemas=False``, whose middleware would redo it on every
    tools/list (a third of the listing's time with 140 tools)."""
    updates = {
        field: dereference_refs(schema)
        for field, schema in (("parameters", tool.parameters), ("output_schema", tool.output_schema))
        if schema is not None and '"$ref"' in json.dumps(schema)
    }
    return tool.model_copy(update=updates) if updates else tool


__all__ = ["ToolSelection", "register_tools"]
