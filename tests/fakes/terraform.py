"""Run the real ``terraform`` CLI from tests, the way the Makefile and CI do.

Every call uses the repository's CLI configuration (the provider comes from the
local filesystem mirror, never the registry), runs non-interactively, captures
output without colour and has a timeout, so a provider stuck retrying against an
emulator fails the test with the command's output instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI_CONFIG = ROOT / "terraform.rc"
TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"

# Subcommands that accept -input=false.
_INPUT_COMMANDS = {"init", "plan", "apply", "destroy", "import", "refresh"}
# Subcommands that accept -no-color (all but a few).
_NO_COLOR_EXEMPT = {"version", "fmt"}
# Subcommands that take a second word (``state list``): flags go after both words.
_TWO_WORD_COMMANDS = {"state", "workspace", "providers"}


class TerraformError(AssertionError):
    """A terraform command failed or timed out; the message carries its output."""


@dataclass(frozen=True)
class TerraformResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return f"{self.stdout}\n{self.stderr}".strip()


def terraform_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every terraform child process gets."""
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(CLI_CONFIG),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }
    env.pop("TF_LOG", None)
    env.update(extra or {})
    return env


def _tail(text: str, limit: int = 12000) -> str:
    return text if len(text) <= limit else f"...[{len(text) - limit} chars cut]...\n{text[-limit:]}"


def terraform(
    workdir: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    ok_codes: Sequence[int] = (0,),
) -> TerraformResult:
    """Run ``terraform <args>`` in ``workdir``; raise TerraformError unless the exit code is in ``ok_codes``.

    ``-input=false`` and ``-no-color`` are added where the subcommand takes them.
    """
    command = list(args)
    if not command:
        raise ValueError("terraform() needs a subcommand")
    words = 2 if command[0] in _TWO_WORD_COMMANDS and len(command) > 1 else 1
    extra_flags = []
    if command[0] in _INPUT_COMMANDS:
        extra_flags.append("-input=false")
    if command[0] not in _NO_COLOR_EXEMPT:
        extra_flags.append("-no-color")
    full = [TERRAFORM, *command[:words], *extra_flags, *command[words:]]
    shown = " ".join(["terraform", *full[1:]])
    try:
        completed = subprocess.run(
            full,
            cwd=workdir,
            env=terraform_env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = (exc.stderr or b"").decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise TerraformError(
            f"`{shown}` in {workdir} timed out after {timeout:.0f}s "
            f"(an emulator gap makes the provider retry?)\n--- stdout ---\n{_tail(out)}\n--- stderr ---\n{_tail(err)}"
        ) from None
    result = TerraformResult(full, completed.returncode, completed.stdout, completed.stderr)
    if completed.returncode not in ok_codes:
        raise TerraformError(
            f"`{shown}` in {workdir} exited {completed.returncode} (expected {list(ok_codes)})\n"
            f"--- stdout ---\n{_tail(completed.stdout)}\n--- stderr ---\n{_tail(completed.stderr)}"
        )
    return result


def terraform_json(workdir: Path, *args: str, **kwargs) -> object:
    """Run a terraform command with ``-json`` output (e.g. ``show -json``) and parse it."""
    return json.loads(terraform(workdir, *args, "-json", **kwargs).stdout)


def state_list(workdir: Path, **kwargs) -> list[str]:
    """Resource addresses in the current state (empty list for an empty or missing state)."""
    return terraform(workdir, "state", "list", **kwargs).stdout.split()


def copy_stack(stack_dir: Path, dest: Path) -> Path:
    """Copy a synthesized stack (without any ``.terraform`` dir or state) to ``dest`` to run it there."""
    shutil.copytree(
        stack_dir,
        dest,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*", ".terraform.lock.hcl"),
    )
    return dest
