"""Drive the synthesized ``local`` stacks through Terraform against the session's moto.

``deploy_local`` applies the bootstrap stack (``local-state``: local state, creates the
state bucket), then the deployment stack (``local``: S3 backend on moto) in copies of
the synthesized directories, and always tears both down again, so the shared moto is
left as it was found even when a step fails.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.moto_server import MotoServer
from tests.fakes.terraform import TerraformError, copy_stack, state_list, terraform

STACK = "local"
BOOTSTRAP_STACK = f"{STACK}-state"
# Generous for a 2-core machine, small enough that an emulator gap fails fast.
INIT_TIMEOUT = 120
PLAN_TIMEOUT = 180
APPLY_TIMEOUT = 360


@dataclass
class Deployment:
    """An applied ``local`` stack: where it lives, how to reach moto, what it output."""

    moto: MotoServer
    workdir: Path
    env: dict[str, str]
    state_bucket: str
    state_key: str
    outputs: dict[str, object] = field(default_factory=dict)
    destroyed: bool = False

    def client(self, service: str):
        return self.moto.client(service)

    def output(self, name: str):
        if name not in self.outputs:
            raise AssertionError(f"stack {STACK!r} has no output {name!r}; it has {sorted(self.outputs)}")
        return self.outputs[name]

    def state_text(self) -> str:
        body = self.client("s3").get_object(Bucket=self.state_bucket, Key=self.state_key)["Body"]
        return body.read().decode()

    def state_list(self) -> list[str]:
        return state_list(self.workdir, env=self.env, timeout=PLAN_TIMEOUT)

    def destroy(self) -> None:
        terraform(self.workdir, "destroy", "-auto-approve", env=self.env, timeout=APPLY_TIMEOUT)
        self.destroyed = True


def s3_backend(stack_dir: Path) -> dict:
    """The ``terraform.backend.s3`` block of a synthesized stack."""
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    try:
        return config["terraform"]["backend"]["s3"]
    except KeyError:
        raise AssertionError(f"{stack_dir}/cdk.tf.json has no S3 backend") from None


def _outputs(workdir: Path, env: dict[str, str]) -> dict[str, object]:
    raw = json.loads(terraform(workdir, "output", "-json", env=env, timeout=PLAN_TIMEOUT).stdout)
    return {name: entry["value"] for name, entry in raw.items()}


@contextlib.contextmanager
def deploy_local(moto: MotoServer, synth_dir: Path, workspace: Path) -> Iterator[Deployment]:
    """Bootstrap state, then init/plan/apply the ``local`` stack; destroy both on exit."""
    env = moto.env()
    backend = s3_backend(synth_dir / STACK)
    bootstrap = copy_stack(synth_dir / BOOTSTRAP_STACK, workspace / BOOTSTRAP_STACK)
    workdir = copy_stack(synth_dir / STACK, workspace / STACK)
    deployment = Deployment(moto, workdir, env, backend["bucket"], backend["key"])
    bootstrapped = False
    try:
        terraform(bootstrap, "init", env=env, timeout=INIT_TIMEOUT)
        terraform(bootstrap, "apply", "-auto-approve", env=env, timeout=APPLY_TIMEOUT)
        bootstrapped = True
        terraform(workdir, "init", env=env, timeout=INIT_TIMEOUT)
        terraform(workdir, "plan", "-out=tfplan", env=env, timeout=PLAN_TIMEOUT)
        terraform(workdir, "apply", "-auto-approve", "tfplan", env=env, timeout=APPLY_TIMEOUT)
        deployment.outputs = _outputs(workdir, env)
        yield deployment
    finally:
        errors = []
        if bootstrapped and not deployment.destroyed:
            # Best effort: a failed destroy is reported by the test that destroys.
            with contextlib.suppress(TerraformError):
                deployment.destroy()
        if bootstrapped:
            try:
                terraform(bootstrap, "destroy", "-auto-approve", env=env, timeout=APPLY_TIMEOUT)
            except TerraformError as error:
                errors.append(error)
        if errors:
            raise errors[0]
