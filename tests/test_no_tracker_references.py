"""Code, tests and docs say what they mean instead of citing tracker items ("issue 7", "(#12)"),
which mean nothing to a reader of the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Prose and code; generated discovery documents and lock files are data.
CHECKED = ("*.py", "*.md", "*.toml", "*.yml", "*.yaml", "*.hcl", "*.tf", "*.sh", "*.ini", "Makefile", "Dockerfile")
TRACKER_REFERENCE = re.compile(
    r"\b(?:issue|ticket|bug|pr|pull request)s?\s*#?\d+\b"  # issue 7, Issue #4, PR 12
    r"|(?<![&\w#])#\d+\b(?![\w-]|\.\d)"  # #11, (#2); not &#39;, a colour (#1a2b3c) or a format (#,##0.00)
    r"|\bhelper [A-Z]\b",  # the team's internal names for who wrote what
    re.IGNORECASE,
)


def tracked_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--", *CHECKED], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.splitlines() if (ROOT / name).is_file()]


def test_pattern_catches_the_usual_forms():
    for cited in ("issue 7's table", "Issue #4", "fixed (#12)", "see #3.", "PR 10", "helper H: runbook"):
        assert TRACKER_REFERENCE.search(cited), cited
    for fine in ("colors (#RRGGBB)", "&#39;", "#,##0.00", "issued 3 tokens", "color #1a2b3c", "HTTP 404"):
        assert not TRACKER_REFERENCE.search(fine), fine


def test_no_tracker_numbers_in_code_or_docs():
    files = [path for path in tracked_files() if path != Path(__file__).resolve()]  # this file quotes examples
    assert len(files) > 50, "git ls-files found too little to check"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if TRACKER_REFERENCE.search(line)
    ]
    assert not found, "say what the reference means instead:\n" + "\n".join(found)
