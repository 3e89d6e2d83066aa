"""Terraform itself accepts every synthesized stack; checkov finds nothing unjustified."""
from __future__ import annotations

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
