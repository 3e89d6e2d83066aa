"""Terraform itself accepts every synthesized stack; checkov finds nothing unjustified."""
from __future__ import annotations

import functools
import json
import subprocess

import pytest

from tests.infra import terraform
from tests.infra.tf_json import STACKS


@pytest.mark.parametrize("name", STACKS)
def test_terraform_validate(synth_dir, terraform_env, tmp_path, name):
    report = terraform.validate(terraform.copy_stack(synth_dir / name, tmp_path / name), terraform_env)
    assert report["error_count"] == 0


def test_checkov_has_no_failed_checks(synth_dir, tmp_path):
    for name in STACKS:
        terraform.copy_stack(synth_dir / name, tmp_path / name)
    report = terraform.checkov(tmp_path)
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert report["summary"]["passed"] > 100  # every stack was actually scanned
    assert report["summary"]["parsing_errors"] == 0
    assert report["returncode"] == 0


@pytest.mark.parametrize(("tag", "accepted"), [("3f9c2ab", True), ("v1.2.3", True), ("bad tag", False), ("-x", False)])
def test_image_tag_variable_validation(production, terraform_env, tmp_path, tag, accepted):
    """Terraform evaluates the stack's own `image_tag` validation (isolated from providers)."""
    config = {"variable": production.json["variable"], "output": {"tag": {"value": "${var.image_tag}"}}}
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    run = functools.partial(subprocess.run, cwd=tmp_path, env=terraform_env, capture_output=True, text=True, timeout=120)
    assert run(["terraform", "init", "-input=false", "-no-color"]).returncode == 0
    result = run(["terraform", "plan", "-input=false", "-no-color", "-var", f"image_tag={tag}"])
    assert (result.returncode == 0) is accepted, result.stdout + result.stderr
    if not accepted:
        assert "image_tag must be a Docker tag" in result.stderr
