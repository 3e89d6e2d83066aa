"""jsii (CDKTF's Python binding) runs on a supported Node: the machine's when it is 22 or newer,
otherwise the project's own from `make node22` (.tools/node22), under make and when Python is
started directly."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# Node 20 reached end of life on 2026-10-30; 22 is supported until 2027-04-30.
OLDEST_SUPPORTED_MAJOR = 22


def node_major(binary: str) -> int:
    version = subprocess.run(
        [binary, "-p", "process.versions.node"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    return int(version.split(".")[0])


def test_pinned_node_is_a_supported_release():
    pinned = (ROOT / ".node-version").read_text().strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f".node-version must be an exact version, got {pinned!r}"
    assert int(pinned.split(".")[0]) >= OLDEST_SUPPORTED_MAJOR


def test_binding_starts_jsii_on_a_supported_node():
    from modules import aws  # noqa: F401  (importing the binding chooses the Node jsii starts)

    node = os.environ.get("JSII_NODE") or shutil.which("node")
    assert node, "no Node on PATH for jsii"
    assert node_major(node) >= OLDEST_SUPPORTED_MAJOR, (
        f"jsii runs on {node}, Node {node_major(node)} is end of life: run `make node22`"
    )


def test_make_targets_put_a_supported_node_first_on_path():
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "node22"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"jsii runs on (\S+) v(\d+)\.", result.stdout)
    assert match, result.stdout
    path, major = match.group(1), int(match.group(2))
    assert major >= OLDEST_SUPPORTED_MAJOR, result.stdout
    machine_node = shutil.which("node")
    if machine_node and node_major(machine_node) < OLDEST_SUPPORTED_MAJOR:
        assert path == str(ROOT / ".tools" / "node22" / "node_modules" / ".bin" / "node")
