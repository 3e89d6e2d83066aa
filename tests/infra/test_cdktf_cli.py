"""The platform team's own tool: the CDKTF CLI (npm ``cdktf-cli``) orders ``<env>-state`` before ``<env>``.

The app declares that every deployment stack depends on its state stack, so ``cdktf deploy`` applies
the state bucket first and ``cdktf destroy`` removes it only after the stack whose state it holds
(without the declaration the CLI ran both at once and the bucket could vanish under a running destroy).
The CLI initialises every selected stack before it applies any, and ``terraform init`` of an S3
backend needs the bucket, so a new account still bootstraps ``<env>-state`` alone first
(docs/deployment.md). Offline the CLI runs with ``--skip-provider-lock``: ``terraform providers lock``
asks the public registry.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.fakes.moto_server import MotoServer
from tests.fakes.terraform import terraform_env

ROOT = Path(__file__).resolve().parents[2]
CLI_VERSION = "0.21.0"
CLI_DIR = ROOT / ".tools" / f"cdktf-cli-{CLI_VERSION}"
NODE = ROOT / ".tools" / "node22" / "node_modules" / ".bin" / "node"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
STATE_BUCKET = "busyb-terraform-state-local"


def test_every_deployment_stack_depends_on_its_state_stack(synth_dir: Path):
    manifest = json.loads((synth_dir.parent / "manifest.json").read_text())["stacks"]
    environments = [name for name in manifest if f"{name}-state" in manifest]
    assert environments, sorted(manifest)
    for name in environments:
        assert manifest[name]["dependencies"] == [f"{name}-state"], name
        assert manifest[f"{name}-state"]["dependencies"] == [], f"{name}-state must depend on nothing"


@pytest.fixture(scope="module")
def cdktf_cli() -> list[str]:
    """``node <cdktf>``: cdktf-cli from npm into .tools/ on first use, run with the project's Node 22."""
    entry = CLI_DIR / "node_modules" / "cdktf-cli" / "bundle" / "bin" / "cdktf"
    if not entry.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install cdktf-cli")
        subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(CLI_DIR),
                "--save-exact",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"cdktf-cli@{CLI_VERSION}",
            ],
            check=True,
            timeout=600,
            capture_output=True,
        )
    if not NODE.exists():
        pytest.fail(f"{NODE} is missing: run `make node22`")
    return [str(NODE), str(entry)]


class Cli:
    def __init__(self, command: list[str], project: Path, env: dict[str, str]):
        self.command, self.project, self.env = command, project, env

    def run(self, *args: str, ok: bool = True) -> str:
        result = subprocess.run(
            [*self.command, *args, "--skip-synth", "--no-color"],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = ANSI.sub("", result.stdout + result.stderr)
        if ok:
            assert result.returncode == 0, f"cdktf {' '.join(args)} failed ({result.returncode}):\n{output[-6000:]}"
        return output


@pytest.mark.e2e
def test_cli_deploys_state_first_diffs_clean_and_destroys_state_last(
    cdktf_cli: list[str], synth_dir: Path, moto: MotoServer, tmp_path: Path
):
    project = tmp_path / "project"
    shutil.copytree(synth_dir.parent, project / "cdktf.out", ignore=shutil.ignore_patterns("module"))
    # The app is already synthesized (the session's synthesis, against this moto): the CLI only reads it.
    config = {"language": "python", "app": "true", "projectId": "cli-test", "sendCrashReports": "false"}
    (project / "cdktf.json").write_text(json.dumps(config))
    env = {
        **os.environ,
        **terraform_env({}),
        **moto.env(),
        "CI": "1",
        "CHECKPOINT_DISABLE": "1",
        "PATH": f"{NODE.parent}{os.pathsep}{os.environ['PATH']}",
    }
    cli = Cli(cdktf_cli, project, env)
    s3 = moto.client("s3")

    # A deployment stack cannot be selected without the stack it depends on.
    refused = cli.run("deploy", "local", "--auto-approve", ok=False)
    assert "local-state" in refused and "depend" in refused.lower(), refused[-3000:]

    deployed = False
    try:
        cli.run("deploy", "local-state", "--auto-approve", "--skip-provider-lock")  # bootstrap: a new account
        deployed = True
        output = cli.run("deploy", "local", "local-state", "--auto-approve", "--skip-provider-lock")
        assert _first(output, "local-state", "Apply complete") < _first(output, "local", "Apply complete")
        for stack in ("local", "local-state"):
            diff = cli.run("diff", stack, "--skip-provider-lock")
            assert "No changes" in diff, f"{stack} drifts after deploy:\n{diff[-4000:]}"

        output = cli.run("destroy", "local", "local-state", "--auto-approve", "--skip-provider-lock")
        deployed = False
        # The bucket outlived the stack whose state it holds: its destroy starts after local's ends.
        assert _last(output, "local", "Destroy complete") < _first(output, "local-state", "Destroying")
        assert not (project / "cdktf.out" / "stacks" / "local" / "errored.tfstate").exists()
        with pytest.raises(ClientError):
            s3.head_bucket(Bucket=STATE_BUCKET)
    finally:
        if deployed:  # leave the shared moto as found, whatever failed
            cli.run("destroy", "local", "local-state", "--auto-approve", "--skip-provider-lock", ok=False)


def _lines(output: str, stack: str, text: str) -> list[int]:
    prefix = re.compile(rf"^{re.escape(stack)}\s")
    return [i for i, line in enumerate(output.splitlines()) if prefix.match(line) and text in line]


def _first(output: str, stack: str, text: str) -> int:
    found = _lines(output, stack, text)
    assert found, f"no {text!r} from stack {stack}:\n{output[-4000:]}"
    return found[0]


def _last(output: str, stack: str, text: str) -> int:
    found = _lines(output, stack, text)
    assert found, f"no {text!r} from stack {stack}:\n{output[-4000:]}"
    return found[-1]
