"""Terraform itself accepts every synthesized stack; checkov finds nothing unjustified."""

from __future__ import annotations

import functools
import json
import subprocess

import pytest

from tests.infra import terraform
from tests.infra.tf_json import STACKS

MODULE_DIR = terraform.ROOT / "terraform" / "modules" / "google-workspace-mcp"
#: Checks the module fails beyond the skips of .checkov.yaml, each for a reason of the module's form:
#: checkov reads expressions of inputs it cannot evaluate, where a stack has the value itself.
MODULE_FINDINGS = {
    "CKV_AWS_65": "container insights is var.cluster.container_insights (default true) in a conditional; "
    "the stacks' scan checks the value",
    "CKV_AWS_19": "the encryption configuration names the bucket as one(aws_s3_bucket...*.id) (the bucket has "
    "count), which checkov's graph does not follow; the rule always exists (SSE-S3 or SSE-KMS)",
    "CKV2_AWS_38": "a hosted zone is created only with domain.create_hosted_zone_name (a test domain); a real "
    "domain's zone is reused by domain.hosted_zone_id and its DNSSEC is its owner's decision",
    "CKV2_AWS_39": "same zone as CKV2_AWS_38: query logging of a real domain's zone is its owner's decision",
}


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


def _expand_dynamic_blocks(value):
    """Each ``dynamic`` block as its content: checkov's JSON parser fails on dynamic blocks (and
    then drops the whole file), so the scan judges the variant where every optional block exists."""
    if isinstance(value, list):
        return [_expand_dynamic_blocks(item) for item in value]
    if not isinstance(value, dict):
        return value
    expanded = {key: _expand_dynamic_blocks(item) for key, item in value.items() if key != "dynamic"}
    for name, spec in value.get("dynamic", {}).items():
        existing = expanded.get(name, [])
        existing = existing if isinstance(existing, list) else [existing]
        expanded[name] = [*existing, _expand_dynamic_blocks(spec["content"])]
    return expanded


def test_checkov_on_the_terraform_module(tmp_path):
    """The module a Terraform shop calls passes the same checkov configuration as the stacks."""
    module = tmp_path / "google-workspace-mcp"
    module.mkdir()
    # versions.tf.json holds only the terraform block, which checkov's JSON parser cannot read.
    for name in ("variables.tf.json", "outputs.tf.json"):
        (module / name).write_text((MODULE_DIR / name).read_text())
    main = json.loads((MODULE_DIR / "main.tf.json").read_text())
    assert "dynamic" in json.dumps(main), "no dynamic blocks left: drop _expand_dynamic_blocks"
    (module / "main.tf.json").write_text(json.dumps({**main, "resource": _expand_dynamic_blocks(main["resource"])}))
    report = terraform.checkov(tmp_path)
    unexplained = [
        f"{check['check_id']} {check['resource']}: {check['check_name']}"
        for check in report["results"]["failed_checks"]
        if check["check_id"] not in MODULE_FINDINGS
    ]
    assert not unexplained, "\n".join(unexplained)
    assert report["summary"]["passed"] > 60  # the resources were actually scanned
    assert report["summary"]["parsing_errors"] == 0


@pytest.mark.parametrize(("tag", "accepted"), [("3f9c2ab", True), ("v1.2.3", True), ("bad tag", False), ("-x", False)])
def test_image_tag_variable_validation(production, terraform_env, tmp_path, tag, accepted):
    """Terraform evaluates the stack's own `image_tag` validation (isolated from providers)."""
    config = {"variable": production.json["variable"], "output": {"tag": {"value": "${var.image_tag}"}}}
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    run = functools.partial(
        subprocess.run, cwd=tmp_path, env=terraform_env, capture_output=True, text=True, timeout=120
    )
    assert run(["terraform", "init", "-input=false", "-no-color"]).returncode == 0
    result = run(["terraform", "plan", "-input=false", "-no-color", "-var", f"image_tag={tag}"])
    assert (result.returncode == 0) is accepted, result.stdout + result.stderr
    if not accepted:
        assert "image_tag must be a Docker tag" in result.stderr
