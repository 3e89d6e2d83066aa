"""The README tool table is generated from the tool metadata."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

from tests.server.tools.expected import COMPLETE, CORE, EXTENDED, READ_ONLY
from workspace_mcp_server.google.services import SERVICES


@functools.cache
def catalog() -> str:
    command = [sys.executable, "-m", "workspace_mcp_server.tools.catalog"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_catalog_lists_every_tool_once_with_tier_and_read_only_mark():
    output = catalog()
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


def test_catalog_names_each_service_api_and_scopes():
    output = catalog()
    assert "Enable `calendar-json.googleapis.com`; scopes `calendar.readonly`, `calendar`." in output
    assert "Enable `customsearch.googleapis.com`; no OAuth scope (an API key)." in output
    assert output.count("\nEnable `") == len(SERVICES)


def test_the_server_readme_shows_the_catalog_as_generated():
    readme = (Path(__file__).parents[3] / "mcp" / "README.md").read_text()
    assert catalog() in readme, "mcp/README.md: re-run python -m workspace_mcp_server.tools.catalog into ## Tools"


def test_hand_written_service_lists_name_every_service():
    """The service lists written out in the READMEs follow the service descriptor."""
    root = Path(__file__).parents[3]
    names = ",".join(service.name for service in SERVICES)
    assert f"comma list of `{names}`" in (root / "mcp" / "README.md").read_text(), (
        "mcp/README.md: WORKSPACE_MCP_SERVICES"
    )
    overview = re.search(r"over (\w+) Google services \(([^;]+);", " ".join((root / "README.md").read_text().split()))
    assert overview, "README.md: the server's bullet names its Google services"
    numbers = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
    assert overview[1] == numbers.split()[len(SERVICES)], "README.md: the number of Google services"
    titles = {service.title.split(" (")[0] for service in SERVICES}
    assert set(overview[2].split(", ")) == titles, "README.md: the server's bullet lists every service"
