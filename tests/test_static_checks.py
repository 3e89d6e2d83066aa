"""The static checks as part of the suite: ruff lint, ruff format and mypy with the configuration in
pyproject.toml (`make lint` runs the same three). A test rather than a prerequisite of `make test`, so CI's
one entry point (pytest) reports a lint, format or type error next to the other failures, with the tools'
own output, and `pytest tests/test_static_checks.py` reruns just these.

Cost: ruff well under a second for the repository; mypy about 2 s with its cache (.mypy_cache) and about
70 s of CPU from a fresh clone (most of it reading the AWS provider binding's types once).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"
RUFF_CHECK = [sys.executable, "-m", "ruff", "check", "--no-fix", "--output-format", "concise", "--config", str(CONFIG)]
RUFF_FORMAT = [sys.executable, "-m", "ruff", "format", "--check", "--diff", "--config", str(CONFIG)]
MYPY = [sys.executable, "-m", "mypy", "--no-color-output", "--no-error-summary", "--config-file", str(CONFIG)]


def run(command: list[str], *paths: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def expect_clean(result: subprocess.CompletedProcess[str], hint: str = "") -> None:
    """Fail with the tool's own report (not pytest's repr of the process)."""
    if result.returncode != 0:
        command = " ".join(result.args[2:])
        pytest.fail(
            f"`{command}` failed (exit {result.returncode}):\n{result.stdout}{result.stderr}{hint}", pytrace=False
        )


def test_ruff_lint_is_clean():
    expect_clean(run(RUFF_CHECK, "."))


def test_ruff_format_is_clean():
    expect_clean(run(RUFF_FORMAT, "."), "run `.venv/bin/ruff format <files>` to fix")


def test_mypy_is_clean():
    # No paths: the files and packages listed under [tool.mypy] (modules/, main.py, the server).
    expect_clean(run(MYPY))


BAD_MODULE = """\
import os
def add(a: int, b: int) -> int:
    return a+b
result: str = add(1, 2)
"""


@pytest.mark.parametrize(
    ("command", "expected"),
    [(RUFF_CHECK, "F401"), (RUFF_FORMAT, "return a + b"), (MYPY, "[assignment]")],
    ids=["lint", "format", "types"],
)
def test_each_check_fails_on_a_file_that_breaks_it(tmp_path, command, expected):
    """The configuration really checks: an unused import, unformatted code and a type error are reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(BAD_MODULE)
    result = run(command, bad)
    assert result.returncode != 0, f"{' '.join(command[2:])} passed {bad}:\n{result.stdout}"
    assert expected in result.stdout, result.stdout + result.stderr
