"""The README tool table is generated from the tool metadata."""

from __future__ import annotations

import subprocess
import sys

from tests.server.tools.expected import COMPLETE, CORE, EXTENDED, READ_ONLY


def test_catalog_lists_every_tool_once_with_tier_and_read_only_mark():
    output = subprocess.run(
        [sys.executable, "-m", "workspace_mcp_server.tools.catalog"], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split("|") for line in output.splitlines() if line.startswith("| `")]
    tiers = {cells[1].strip(" `"): (cells[2].strip(), cells[3].strip()) for cells in rows}
    assert len(rows) == len(tiers) == len(COMPLETE)
    for name, (tier, mark) in tiers.items():
        expected = "core" if name in CORE else "extended" if name in EXTENDED else "complete"
        assert (tier, mark == "R") == (expected, name in READ_ONLY), name
    assert output.startswith(
        f"{len(COMPLETE)} tools. Tiers are cumulative (core {len(CORE)} / extended {len(EXTENDED)} / "
        f"complete {len(COMPLETE)}); read-only mode keeps the {len(READ_ONLY)}"
    )
