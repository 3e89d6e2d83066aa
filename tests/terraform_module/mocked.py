"""``terraform test`` with a mocked AWS provider: plans and applies in seconds, offline.

The test files and the shared mock values live in ``tests/terraform_module/tftest/``; they are
copied into ``<root>/tests/`` of a root module and run there. ``-json -verbose`` reports the
state of every ``run`` block, so Python compares what the runs produced (every resource
attribute, outputs) where HCL assertions cannot reach (resources inside a module).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.terraform import terraform

TFTEST_DIR = Path(__file__).resolve().parent / "tftest"
MOCKS = "mocks"
TIMEOUT = 300


@dataclass
class Run:
    """One ``run`` block: its status, error messages, resources by address and outputs."""

    name: str
    status: str = "pending"
    errors: list[str] = field(default_factory=list)
    resources: dict[str, dict] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def one(self, type_: str) -> dict:
        found = [values for address, values in self.resources.items() if address.split(".")[-2] == type_]
        assert len(found) == 1, f"expected one {type_}, got {len(found)}"
        return found[0]

    def container_environment(self) -> dict[str, str]:
        (container,) = json.loads(self.one("aws_ecs_task_definition")["container_definitions"])
        return {item["name"]: item["value"] for item in container["environment"]}


def _address(resource: dict) -> str:
    """The resource's address without the index of a single resource that a module declares with
    ``count`` (``aws_lb.load_balancer_alb[0]`` -> ``aws_lb.load_balancer_alb``), and the stacks'
    numbered names as indexes (``aws_subnet.network_private_1`` -> ``aws_subnet.network_private[1]``)."""
    address = re.sub(r"_(\d+)$", r"[\1]", resource["address"])
    return re.sub(r"\[0\]$", "", address)


def _resources(module: dict, found: dict[str, dict]) -> dict[str, dict]:
    for resource in module.get("resources", []):
        if resource["mode"] == "managed":
            found[_address(resource)] = resource.get("values", {})
    for child in module.get("child_modules", []):
        _resources(child, found)
    return found


def parse(stdout: str) -> dict[str, Run]:
    """The runs of ``terraform test -json -verbose`` output, by name."""
    runs: dict[str, Run] = {}
    for line in stdout.splitlines():
        event = json.loads(line)
        name = event.get("@testrun")
        if not name:
            if event["type"] == "diagnostic" and event["@level"] == "error":
                runs.setdefault("(file)", Run("(file)", status="error")).errors.append(event["@message"])
            continue
        run = runs.setdefault(name, Run(name))
        kind = event["type"]
        if kind == "test_run" and event["test_run"].get("progress") == "complete":
            run.status = event["test_run"]["status"]
        elif kind == "diagnostic" and event["@level"] == "error":
            detail = event["diagnostic"].get("detail", "")
            run.errors.append(f"{event['@message']} {detail}".strip())
        elif kind == "test_state":
            state = event["test_state"]
            run.resources = _resources(state.get("root_module", {}), {})
            run.outputs = {key: output.get("value") for key, output in state.get("outputs", {}).items()}
    return runs


def copy_root(source: Path, destination: Path, *, replace: Mapping[str, str] | None = None) -> Path:
    """A root module copied without Terraform's working files; ``replace`` rewrites text in its
    ``.tf`` files (e.g. a relative module source)."""
    shutil.copytree(
        source,
        destination,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*", ".terraform.lock.hcl", "tests"),
    )
    for path in destination.glob("*.tf"):
        text = path.read_text()
        for old, new in (replace or {}).items():
            text = text.replace(old, new)
        path.write_text(text)
    return destination


def terraform_test(
    root: Path, test_files: Mapping[str, str], env: Mapping[str, str], *, states: bool = True
) -> dict[str, Run]:
    """Write ``test_files`` (name -> HCL) and the shared mocks into ``root/tests``, then
    ``init`` (no backend) and ``terraform test``; returns the runs by name. ``states``: report
    each run's state (``-verbose``; every report carries the provider schema, ~14 MB)."""
    tests = root / "tests"
    shutil.copytree(TFTEST_DIR / MOCKS, tests / MOCKS, dirs_exist_ok=True)
    for name, text in test_files.items():
        (tests / name).write_text(text)
    terraform(root, "init", "-backend=false", env=env, timeout=TIMEOUT)
    verbose = ["-verbose"] if states else []
    result = terraform(root, "test", "-json", *verbose, env=env, timeout=TIMEOUT, ok_codes=(0, 1))
    runs = parse(result.stdout)
    assert runs, result.output[-4000:]
    return runs


def mock_provider() -> str:
    """The provider block of every test file: the shared mock values."""
    return f'mock_provider "aws" {{\n  source = "./tests/{MOCKS}"\n}}\n'
