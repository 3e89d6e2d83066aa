"""Session-wide fixtures: one moto server and one synthesis per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.moto_server import MotoServer, run_moto

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def moto(tmp_path_factory) -> MotoServer:
    """A moto server on loopback shared by the whole session."""
    with run_moto(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture(scope="session")
def synth_dir(moto: MotoServer, tmp_path_factory) -> Path:
    """Synthesize every environment (and the Terraform module) once per session; returns ``<outdir>/stacks``.

    The ``local`` environment reads ``AWS_ENDPOINT_URL`` at synthesis time, so it is
    synthesized against this session's moto server.
    """
    outdir = tmp_path_factory.mktemp("cdktf.out")
    env = {
        **os.environ,
        **moto.env(),
        "CDKTF_OUTDIR": str(outdir),
        # The plain Terraform module from the same process (tests/terraform_module compare it).
        "CDKTF_MODULE_OUTDIR": str(outdir / "module" / "google-workspace-mcp"),
    }
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"synthesis failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return outdir / "stacks"
