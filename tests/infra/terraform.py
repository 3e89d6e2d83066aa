"""Running terraform and checkov on synthesized stacks in tests."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_stack(stack_dir: Path, destination: Path) -> Path:
    """A private copy of a stack folder: terraform writes .terraform/ next to the JSON,
    and other tests (the end-to-end apply) use the session's folders."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(stack_dir / "cdk.tf.json", destination / "cdk.tf.json")
    return destination


def validate(stack_dir: Path, env: dict[str, str]) -> dict:
    """``terraform init -backend=false`` from the provider mirror, then ``validate -json``."""
    init = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=stack_dir, env=env, capture_output=True, text=True, timeout=300,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    result = subprocess.run(
        ["terraform", "validate", "-json", "-no-color"],
        cwd=stack_dir, env=env, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["valid"], json.dumps(report["diagnostics"], indent=1)
    return report


def checkov_binary() -> str:
    return os.environ.get("CHECKOV") or str(ROOT / ".venv-checkov" / "bin" / "checkov")


def checkov(stacks_dir: Path) -> dict:
    """checkov with the repository's config (offline, terraform_json) over every stack
    below ``stacks_dir``; returns its JSON report."""
    command = [checkov_binary(), "--config-file", str(ROOT / ".checkov.yaml"), "--output", "json", "-d", str(stacks_dir)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.stdout.strip(), result.stderr
    report = json.loads(result.stdout)
    assert isinstance(report, dict), result.stdout[:2000]  # one framework, one report
    report["returncode"] = result.returncode
    return report
