#!/usr/bin/env python3
"""Print a stack's Terraform outputs as shell variables, so runbook commands never need a
hand-copied ARN:

    eval "$(scripts/stack_outputs.py production)"
    aws ecs describe-services --cluster "$CLUSTER_ARN" --services "$SERVICE_NAME"

The argument is an environment name (its stack directory is ``$STACKS_DIR/<name>``,
default ``cdktf.out/stacks/<name>``) or a stack directory. The stack must be initialized
(``terraform -chdir=<dir> init``) and applied. Every output becomes an upper-case
variable (``service_name`` -> ``SERVICE_NAME``); a few derived names are added for the
AWS CLI (see ``derived``). Standard library only: operators need Python 3 and terraform.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_STACKS_DIR = "cdktf.out/stacks"


class OutputsError(Exception):
    """The stack cannot be read; the message says what to do."""


def stack_dir(target: str, environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    path = Path(target)
    if path.is_dir() and (path / "cdk.tf.json").exists():
        return path.resolve()
    candidate = Path(environ.get("STACKS_DIR") or DEFAULT_STACKS_DIR) / target
    if not (candidate / "cdk.tf.json").exists():
        raise OutputsError(f"{candidate}/cdk.tf.json not found: run `make synth` (or set STACKS_DIR)")
    return candidate.resolve()


def read_outputs(directory: Path) -> dict[str, object]:
    terraform = shutil.which("terraform")
    if terraform is None:
        raise OutputsError("terraform is not on PATH")
    result = subprocess.run(
        [terraform, f"-chdir={directory}", "output", "-json", "-no-color"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise OutputsError(
            f"`terraform -chdir={directory} output -json` failed (run `terraform -chdir={directory} init` first?):\n"
            + result.stderr.strip()
        )
    raw = json.loads(result.stdout or "{}")
    if not raw:
        raise OutputsError(f"{directory}: the stack has no outputs: apply it first")
    return {name: entry["value"] for name, entry in raw.items()}


def derived(outputs: dict[str, object]) -> dict[str, str]:
    """Short names the runbook uses that are not outputs themselves."""
    extra: dict[str, str] = {}
    if "log_group_name" in outputs:
        extra["LOG_GROUP"] = str(outputs["log_group_name"])
    if "token_bucket_name" in outputs:
        extra["TOKEN_BUCKET"] = str(outputs["token_bucket_name"])
    uri = str(outputs.get("token_store_uri", ""))
    if uri.startswith("s3://"):
        extra["TOKEN_PREFIX"] = uri[len("s3://") :].partition("/")[2].strip("/")
    cluster = str(outputs.get("cluster_arn", ""))
    if ":cluster/" in cluster:
        extra["CLUSTER_NAME"] = cluster.rsplit("/", 1)[1]
    task = str(outputs.get("task_definition_arn", ""))
    if ":task-definition/" in task:
        extra["TASK_FAMILY"] = task.rsplit("/", 1)[1].rsplit(":", 1)[0]
    if "CLUSTER_NAME" in extra and "service_name" in outputs:
        # Application Auto Scaling names an ECS service like this.
        extra["SCALING_RESOURCE_ID"] = f"service/{extra['CLUSTER_NAME']}/{outputs['service_name']}"
    return extra


def shell_assignments(target: str, directory: Path, outputs: dict[str, object]) -> str:
    variables: dict[str, str] = {"STACK": Path(target).name, "STACK_DIR": str(directory)}
    for name, value in sorted(outputs.items()):
        variables[re.sub(r"[^A-Za-z0-9_]", "_", name).upper()] = value if isinstance(value, str) else json.dumps(value)
    variables.update(derived(outputs))
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in variables.items())


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: scripts/stack_outputs.py <environment | stack directory>", file=sys.stderr)
        return 2
    try:
        directory = stack_dir(argv[1])
        sys.stdout.write(shell_assignments(argv[1], directory, read_outputs(directory)))
    except OutputsError as error:
        print(f"stack_outputs: {error}", file=sys.stderr)
        # Printed into `eval`, this fails the caller's shell instead of leaving it half-set.
        print("false")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
