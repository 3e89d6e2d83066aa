"""Running terraform and checkov on synthesized stacks in tests."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.fakes.terraform import copy_stack  # noqa: F401  (re-exported for the infra tests)
from tests.fakes.terraform import terraform as run

ROOT = Path(__file__).resolve().parents[2]


def validate(stack_dir: Path, env: dict[str, str]) -> dict:
    """``terraform init -backend=false`` from the provider mirror, then ``validate -json``."""
    run(stack_dir, "init", "-backend=false", env=env)
    result = run(stack_dir, "validate", "-json", env=env, ok_codes=(0, 1))
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"], json.dumps(report["diagnostics"], indent=1)
    return report


def checkov_binary() -> str:
    return os.environ.get("CHECKOV") or str(ROOT / ".venv-checkov" / "bin" / "checkov")


def checkov(stacks_dir: Path) -> dict:
    """checkov with the repository's config (offline, terraform_json) over every stack
    below ``stacks_dir``; returns its JSON report."""
    command = [
        checkov_binary(),
        "--config-file",
        str(ROOT / ".checkov.yaml"),
        "--output",
        "json",
        "-d",
        str(stacks_dir),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict), result.stdout[:2000]  # one framework, one report
    report["returncode"] = result.returncode
    return report
