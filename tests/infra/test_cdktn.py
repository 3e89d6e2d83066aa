"""The binding seam (modules/aws.py) and the tried path to CDK Terrain, CDKTF's successor.

The contract is the synthesized Terraform JSON and the plain module, not the binding: with
CDK_BINDING=cdktn (packages ``cdktn`` and ``cdktn-provider-aws``) the app must write the same
stacks and module as with CDKTF. Those packages are not in the locks (they need constructs < 10.8
and bind AWS provider 6), so that comparison runs where they are installed: ``make cdktn`` builds
the throwaway venv build/cdktn with them and runs this file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.fakes.moto_server import MotoServer

ROOT = Path(__file__).resolve().parent.parent.parent
CDKTN_INSTALLED = find_spec("cdktn") is not None and find_spec("cdktn_provider_aws") is not None
needs_cdktn = pytest.mark.skipif(
    not CDKTN_INSTALLED,
    reason="CDK Terrain is not installed here (cdktn, cdktn-provider-aws); `make cdktn` runs this test with it",
)


def python_files() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in tracked.stdout.split()]


def test_only_modules_aws_imports_a_binding():
    binding_import = re.compile(
        r"^\s*(from|import)\s+(cdktf|cdktn|cdktf_cdktf_provider_aws|cdktn_provider_aws)\b", re.M
    )
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in python_files()
        if path.exists() and binding_import.search(path.read_text())
    )
    assert importers == ["modules/aws.py"]


def test_unknown_binding_is_refused_by_name():
    result = subprocess.run(
        [sys.executable, "-c", "import modules.aws"],
        cwd=ROOT,
        env={**os.environ, "CDK_BINDING": "pulumi"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CDK_BINDING='pulumi': expected one of cdktf, cdktn" in result.stderr


def without_binding_version(stack: dict) -> dict:
    """A stack's JSON less the one field that names the binding's release (``//.metadata.version``)."""
    metadata = stack["//"]["metadata"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", metadata.pop("version"))
    return stack


@needs_cdktn
def test_cdk_terrain_synthesizes_the_same_stacks_and_module(synth_dir: Path, moto: MotoServer, tmp_path: Path):
    outdir = tmp_path / "cdktn.out"
    env = {
        **os.environ,
        **moto.env(),
        "CDK_BINDING": "cdktn",
        "CDKTF_OUTDIR": str(outdir),
        "CDKTF_MODULE_OUTDIR": str(outdir / "module" / "google-workspace-mcp"),
    }
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"synthesis with cdktn failed:\n{result.stdout}\n{result.stderr}"

    stacks = sorted(path.parent.name for path in synth_dir.glob("*/cdk.tf.json"))
    assert stacks and stacks == sorted(path.parent.name for path in (outdir / "stacks").glob("*/cdk.tf.json"))
    for name in stacks:
        with_cdktf = json.loads((synth_dir / name / "cdk.tf.json").read_text())
        with_cdktn = json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())
        assert with_cdktn["//"]["metadata"]["version"].startswith("0.24."), "synthesized by another binding"
        assert without_binding_version(with_cdktn) == without_binding_version(with_cdktf), name

    module_cdktf = synth_dir.parent / "module" / "google-workspace-mcp"
    module_cdktn = outdir / "module" / "google-workspace-mcp"
    files = sorted(path.name for path in module_cdktf.iterdir())
    assert files and files == sorted(path.name for path in module_cdktn.iterdir())
    for name in files:
        assert (module_cdktn / name).read_text() == (module_cdktf / name).read_text(), name
