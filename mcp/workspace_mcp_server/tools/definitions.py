"""Tool definitions (description, input and output schema) read from a JSON file at start-up.

FastMCP builds a pydantic model and a JSON schema from each tool function's signature when the tool is
added: about 5 ms a tool, most of the cold start beyond FastMCP itself once there are 100+ tools. The
definitions only change when a tool's source does, so they are kept in ``definitions.json``, each under
a fingerprint of what it was built from (FastMCP's and pydantic's versions and the source files of the
function and its module). A tool whose fingerprint matches starts as a :class:`CachedTool`, which
builds FastMCP's own tool from the function on its first call (argument validation and result
conversion are FastMCP's, unchanged); any other tool is built as FastMCP always builds it. A stale file
therefore costs start-up time, never correctness; tests check every cached definition against a fresh
build. Rewrite the file with ``make tool-definitions`` after changing tools.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fastmcp.tools.base import Tool, ToolResult
from fastmcp.tools.function_tool import FunctionTool
from pydantic import PrivateAttr
from pydantic.json_schema import SkipJsonSchema

CACHE_FILE = Path(__file__).with_name("definitions.json")
FIELDS = ("description", "parameters", "output_schema")


@functools.cache
def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def fingerprint(fn: Callable[..., Any], name: str) -> str:
    import fastmcp
    import pydantic

    module = sys.modules.get(fn.__module__)
    files = {fn.__code__.co_filename, getattr(module, "__file__", None) or ""}
    digest = hashlib.sha256(f"{fastmcp.__version__} {pydantic.VERSION} {name} {fn.__qualname__}".encode())
    for path in sorted(files):
        digest.update(_file_digest(path).encode())
    return digest.hexdigest()[:32]


@functools.cache
def load(path: Path = CACHE_FILE) -> dict[str, dict[str, Any]]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def cached_definition(
    fn: Callable[..., Any], name: str, definitions: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """The definition of tool ``name`` when it was built from ``fn`` as it is now, else None."""
    entry = (load() if definitions is None else definitions).get(name)
    if entry is None or entry.get("fingerprint") != fingerprint(fn, name):
        return None
    return entry


class CachedTool(Tool):
    """A tool listed from its cached definition; FastMCP's own tool is built from ``fn`` on the first call."""

    fn: SkipJsonSchema[Callable[..., Any]]
    _built: FunctionTool | None = PrivateAttr(default=None)

    def function_tool(self) -> FunctionTool:
        if self._built is None:
            self._built = FunctionTool.from_function(
                self.fn, name=self.name, tags=set(self.tags), annotations=self.annotations
            )
        return self._built

    async def run(self, arguments: dict[str, Any]) -> ToolResult:
        return await self.function_tool().run(arguments)


def make_tool(
    fn: Callable[..., Any],
    *,
    name: str,
    tags: set[str],
    annotations: Any,
    definitions: dict[str, dict[str, Any]] | None = None,
) -> Tool:
    """The tool for ``fn``: from ``definitions`` (default: the file) when its definition there is current, else
    built by FastMCP."""
    entry = cached_definition(fn, name, definitions)
    if entry is None:
        return FunctionTool.from_function(fn, name=name, tags=tags, annotations=annotations)
    return CachedTool(fn=fn, name=name, tags=tags, annotations=annotations, **{k: entry[k] for k in FIELDS})


def build_definitions(tools: Iterable[tuple[Callable[..., Any], str]]) -> dict[str, dict[str, Any]]:
    """Fresh definitions of ``(function, name)`` pairs, as FastMCP builds them."""
    definitions = {}
    for fn, name in tools:
        built = FunctionTool.from_function(fn, name=name)
        definitions[name] = {"fingerprint": fingerprint(fn, name), **{k: getattr(built, k) for k in FIELDS}}
    return definitions


def main() -> int:
    from .registry import specs

    definitions = build_definitions((spec.fn, spec.name) for spec in specs())
    CACHE_FILE.write_text(json.dumps(definitions, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(definitions)} tool definitions to {CACHE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
