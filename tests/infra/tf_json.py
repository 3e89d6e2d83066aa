"""Reading synthesized stacks (``cdk.tf.json``) in tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

STACKS = ("production", "production-state", "production-pipeline", "local", "local-state", "local-pipeline")


class Stack:
    """One synthesized stack: ``resources(type)``, ``one(type)``, ``data(type)``, ``outputs``."""

    def __init__(self, path: Path):
        self.path = path
        self.json: dict[str, Any] = json.loads(path.read_text())

    @property
    def dir(self) -> Path:
        return self.path.parent

    def resources(self, type_: str) -> dict[str, dict]:
        return self.json.get("resource", {}).get(type_, {})

    def one(self, type_: str) -> dict:
        found = self.resources(type_)
        assert len(found) == 1, f"expected one {type_}, got {sorted(found)}"
        return next(iter(found.values()))

    def data(self, type_: str) -> dict[str, dict]:
        return self.json.get("data", {}).get(type_, {})

    def resolve(self, value: str) -> str:
        """``value`` with every ``${local.<name>}`` replaced by the local's own text (recursively):
        derived values live once in ``locals`` (modules/derived.py)."""
        locals_ = self.json.get("locals", {})
        return re.sub(r"\$\{local\.(\w+)\}", lambda match: self.resolve(locals_[match[1]]), value)

    @property
    def outputs(self) -> dict[str, dict]:
        return self.json.get("output", {})

    @property
    def resource_types(self) -> set[str]:
        return set(self.json.get("resource", {}))

    def container(self) -> dict:
        """The single container definition of the single task definition."""
        (container,) = json.loads(self.one("aws_ecs_task_definition")["container_definitions"])
        return container

    def policies(self) -> dict[str, dict]:
        """Every IAM/S3 policy document in the stack, parsed, by resource address."""
        found = {}
        for type_, attribute in (
            ("aws_iam_role_policy", "policy"),
            ("aws_iam_role", "assume_role_policy"),
            ("aws_s3_bucket_policy", "policy"),
            ("aws_iam_policy", "policy"),
            ("aws_secretsmanager_secret_policy", "policy"),
        ):
            for name, resource in self.resources(type_).items():
                found[f"{type_}.{name}"] = json.loads(resource[attribute])
        return found


def load(stacks_dir: Path, name: str) -> Stack:
    return Stack(stacks_dir / name / "cdk.tf.json")


def statements(policy: dict) -> list[dict]:
    found = policy["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]
