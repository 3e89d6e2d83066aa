"""The official MCP conformance suite (@modelcontextprotocol/conformance) against the real server,
through the prefix and through the bare ``/mcp`` alias, for the scenarios that apply to any server.

The suite is an npm package run on Node 22; it is installed once per clone into ``.tools/conformance``.
Its scenarios speak MCP without OAuth, so they run against single-user mode (the same HTTP stack).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.server.conftest import PREFIX

ROOT = Path(__file__).resolve().parents[3]
VERSION = "0.1.16"
TOOLS = ROOT / ".tools"
SUITE_DIR = TOOLS / "conformance"
PACKAGE = SUITE_DIR / "node_modules" / "@modelcontextprotocol" / "conformance"
NODE22 = TOOLS / "node22" / "node_modules" / ".bin"
SCENARIOS = ["server-initialize", "ping", "logging-set-level", "tools-list", "dns-rebinding-protection"]


def _node_bin() -> Path:
    """A directory holding Node 22 or newer: the project's (make node22), else the machine's."""
    if (NODE22 / "node").exists():
        return NODE22
    system = shutil.which("node")
    if system:
        major = subprocess.run([system, "-p", "process.versions.node.split('.')[0]"], capture_output=True, text=True)
        if major.returncode == 0 and int(major.stdout.strip()) >= 22:
            return Path(system).parent
    pytest.fail("the conformance suite needs Node 22: run `make node22` (installs it into .tools/node22)")


def _installed_version() -> str | None:
    manifest = PACKAGE / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


@pytest.fixture(scope="module")
def conformance() -> list[str]:
    """The suite's command line, installed at the pinned version if it is not yet."""
    node_bin = _node_bin()
    env = {**os.environ, "PATH": f"{node_bin}{os.pathsep}{os.environ['PATH']}"}
    if _installed_version() != VERSION:
        npm = shutil.which("npm", path=env["PATH"])
        assert npm, "npm is needed to install the conformance suite"
        result = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(SUITE_DIR),
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"@modelcontextprotocol/conformance@{VERSION}",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert result.returncode == 0, f"npm install failed:\n{result.stdout}\n{result.stderr}"
        assert _installed_version() == VERSION
    return [str(node_bin / "node"), str(PACKAGE / "dist" / "index.js")]


@pytest.mark.parametrize("path", [f"{PREFIX}/mcp", "/mcp"], ids=["prefix", "bare"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_conformance_scenario(conformance, single_user, tmp_path, path, scenario):
    url = single_user.url(path)
    result = subprocess.run(
        [*conformance, "server", "--url", url, "--scenario", scenario, "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    checks = [c for f in tmp_path.rglob("checks.json") for c in json.loads(f.read_text())]
    failed = [c for c in checks if c.get("status") not in ("SUCCESS", "INFO", "SKIPPED")]
    report = f"{scenario} against {url}: exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    failures = json.dumps(failed, indent=1)
    assert result.returncode == 0 and checks and not failed, f"{report}\nfailed checks:\n{failures}"
