"""Print the tool catalog as markdown: ``python -m workspace_mcp_server.tools.catalog``.

The README's tool table is this output; it is generated from the same metadata that selects tools.
"""

from __future__ import annotations

import inspect

from ..google.services import NAMES, SERVICES, Service
from .registry import TIERS, specs
from .selection import ToolSelection


def markdown() -> str:
    all_specs = specs()
    counts = [f"{tier} {len(ToolSelection(tier=tier, services=NAMES).tools())}" for tier in TIERS]
    read_only = len(ToolSelection(read_only=True, services=NAMES).tools())
    opt_in = ", ".join(service.title for service in SERVICES if service.opt_in)
    lines = [
        f"{len(all_specs)} tools. Tiers are cumulative ({' / '.join(counts)}); read-only mode keeps the "
        f"{read_only} tools marked R (and asks only read-only scopes). Opt-in services ({opt_in}) are "
        "served only when `WORKSPACE_MCP_SERVICES` names them.",
        "",
    ]
    for service in SERVICES:
        lines += [
            f"**{service.title}**",
            "",
            _needs(service),
            "",
            "| tool | tier | R | what it does |",
            "|---|---|---|---|",
        ]
        for spec in (s for s in all_specs if s.service == service.name):
            summary = " ".join((inspect.getdoc(spec.fn) or "").split("\n\n")[0].split())
            lines.append(f"| `{spec.name}` | {spec.tier} | {'R' if spec.read_only else ''} | {summary} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _needs(service: Service) -> str:
    """The API to enable in the Google Cloud project and the scopes the consent screen must list."""
    short = [scope.rsplit("/", 1)[-1] for scope in service.scopes]
    granted = f"scopes {', '.join(f'`{s}`' for s in short)}" if short else "no OAuth scope (an API key)"
    opt_in = " Opt-in: served only when `WORKSPACE_MCP_SERVICES` names it." if service.opt_in else ""
    return f"Enable `{service.cloud_api}`; {granted}.{opt_in}"


if __name__ == "__main__":
    print(markdown(), end="")
