"""The delivery pipeline's static checks: GitHub workflows (actionlint, pinned actions,
OIDC only), the Dockerfile (hadolint), the container scripts (shellcheck), and the CI
helpers the workflows call (run against real terraform plans and environment files)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.ci import environments, plan_summary
from tests.fakes.terraform import terraform

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
# actionlint runs shellcheck on every `run:` script when it finds it on PATH.
TOOL_ENV = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def steps(workflow: dict):
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, job, step


def tool(name: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / name), *args], cwd=cwd, env=TOOL_ENV, capture_output=True, text=True, timeout=120)


def test_the_three_workflows_exist():
    assert {p.name for p in WORKFLOW_FILES} >= {"ci.yml", "plan.yml", "deploy.yml"}


def test_actionlint_is_clean():
    result = tool("actionlint", "-color=false", *map(str, WORKFLOW_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


ACTION_FILES = sorted((ROOT / ".github" / "actions").glob("*/action.yml"))


@pytest.mark.parametrize("path", WORKFLOW_FILES + ACTION_FILES, ids=lambda p: str(p.relative_to(WORKFLOWS.parent)))
def test_every_action_is_pinned_to_a_commit_sha_with_its_version(path: Path):
    uses_lines = [line.strip() for line in path.read_text().splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert uses_lines, f"{path.name} uses no action"
    for line in uses_lines:
        match = re.match(r"(- )?uses: (\S+)(\s+# (v\d[\w.]*))?$", line)
        assert match, f"{path.name}: unexpected uses line {line!r}"
        if match.group(2).startswith("./"):  # this repository's own action, at the same commit
            assert (ROOT / match.group(2) / "action.yml").is_file(), match.group(2)
            continue
        assert PINNED.match(match.group(2)), f"{path.name}: {match.group(2)} is not pinned to a 40-hex SHA"
        assert match.group(4), f"{path.name}: {match.group(2)} lacks its '# vX' version comment"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_aws_access_is_by_oidc_only(path: Path):
    text = path.read_text()
    for forbidden in ("aws-access-key-id", "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"):
        assert forbidden not in text, f"{path.name} mentions {forbidden}: static AWS keys are not allowed"
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {"contents": "read"}, "workflow-level permissions must be read-only"
    for job_name, job, step in steps(workflow):
        if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@"):
            assert job["permissions"].get("id-token") == "write", f"{job_name}: OIDC needs id-token: write"
            assert re.fullmatch(r"\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}", step["with"]["role-to-assume"])


def test_ci_runs_the_same_entry_point_as_the_repository_ci():
    workflow = load("ci.yml")
    assert set(workflow[True]) == {"pull_request", "push"}  # YAML reads the key `on` as True
    runs = [step.get("run", "") for _, _, step in steps(workflow)]
    assert any(run.rstrip().endswith("bash .ci/run") for run in runs)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_plan_uploads_plan_synth_and_lock_file_with_short_retention():
    workflow = load("plan.yml")
    assert "pull_request" in workflow[True] and "modules/**" in workflow[True]["pull_request"]["paths"]
    plan_job = workflow["jobs"]["plan"]
    assert plan_job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert "fromJSON(needs.stacks.outputs.stacks)" in plan_job["strategy"]["matrix"]["stack"]
    upload = next(s for _, _, s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["retention-days"] <= 5
    paths = [line.strip() for line in upload["with"]["path"].splitlines() if line.strip()]
    assert upload["with"]["include-hidden-files"] is True  # else the dot file is dropped
    assert {Path(p).name for p in paths} == {"tfplan", "cdk.tf.json", ".terraform.lock.hcl"}
    run = "\n".join(s.get("run", "") for _, _, s in steps(workflow))
    assert "terraform plan" in run and "-out=tfplan" in run
    assert 'terraform state pull | python "$GITHUB_WORKSPACE/scripts/ci/deployed_image_tag.py"' in run


def test_plan_comment_is_found_again_by_the_marker_the_summary_writes():
    workflow = load("plan.yml")
    script = next(s for _, _, s in steps(workflow) if s.get("uses", "").startswith("actions/github-script@"))
    js_marker = plan_summary.MARKER.format(stack="${process.env.STACK}")
    assert f"`{js_marker}`" in script["with"]["script"]
    assert "updateComment" in script["with"]["script"] and "createComment" in script["with"]["script"]


def test_deploy_pushes_an_immutable_sha_tag_and_waits_for_a_stable_service():
    workflow = load("deploy.yml")
    assert set(workflow[True]) == {"push", "workflow_dispatch"}
    assert workflow[True]["push"]["branches"] == ["main"]
    assert workflow[True]["workflow_dispatch"]["inputs"]["environment"]["required"] is True
    job = workflow["jobs"]["deploy"]
    assert job["env"]["IMAGE_TAG"] == "${{ github.sha }}"
    assert job["env"]["TF_VAR_image_tag"] == "${{ github.sha }}"  # the stack's image_tag variable
    text = (WORKFLOWS / "deploy.yml").read_text()
    assert ":latest" not in text
    run = "\n".join(s.get("run", "") for _, _, s in steps(workflow))
    assert 'docker push "$REPOSITORY:$IMAGE_TAG"' in run
    assert "terraform apply" in run
    assert "aws ecs wait services-stable" in run
    # A rollback by the circuit breaker is "stable" on the old revision: that must fail.
    assert '"$running" != "$TASK_DEFINITION"' in run and "exit 1" in run


def _deploy_steps() -> list[dict]:
    return load("deploy.yml")["jobs"]["deploy"]["steps"]


def test_deploy_refuses_production_from_any_ref_but_main():
    """workflow_dispatch can target production from any branch: the first step stops that."""
    first = _deploy_steps()[0]
    assert first["if"] == "env.ENVIRONMENT == 'production' && github.ref != 'refs/heads/main'"
    assert "exit 1" in first["run"] and "uses" not in first  # before checkout: nothing runs before it


@pytest.mark.parametrize(("workflow", "job"), [("deploy.yml", "deploy"), ("plan.yml", "plan")])
def test_only_hash_pinned_synthesis_dependencies_are_installed_before_assuming_the_role(workflow, job):
    steps = load(workflow)["jobs"][job]["steps"]
    text = (WORKFLOWS / workflow).read_text()
    assume = next(
        i for i, step in enumerate(steps) if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    )
    installs = [i for i, step in enumerate(steps) if "pip install" in step.get("run", "")]
    assert installs and all(i < assume for i in installs), "a package is installed after the role is assumed"
    (install,) = [steps[i]["run"] for i in installs]
    assert "--require-hashes -r requirements/synth.lock" in install and "--no-deps" in install
    assert "main.py" in install  # synthesis, too, runs before any credential exists
    for forbidden in ("make .venv/.installed", "dev.lock", "make install"):
        assert forbidden not in text


def _lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    """``name -> (version, hashes)`` of a pip requirements file (continuation lines joined)."""
    found = {}
    for entry in path.read_text().replace("\\\n", " ").splitlines():
        entry = entry.split("#", 1)[0].strip() if not entry.lstrip().startswith("--hash") else entry.strip()
        if not entry or "==" not in entry:
            continue
        requirement, *options = entry.split()
        name, version = requirement.split("==")
        found[name.lower().replace("_", "-")] = (
            version,
            [o.split("=", 1)[1] for o in options if o.startswith("--hash=")],
        )
    return found


def test_synthesis_lock_is_hashed_closed_and_at_the_tested_versions():
    from importlib import metadata

    from packaging.requirements import Requirement

    synth = _lock(ROOT / "requirements" / "synth.lock")
    dev = _lock(ROOT / "requirements" / "dev.lock")
    for name, (version, hashes) in synth.items():
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), name
        assert dev[name][0] == version, f"{name}: synth.lock {version}, dev.lock {dev[name][0]}"
    # Everything the synthesis packages require (for this Python) is in the lock.
    wanted = ["cdktf", "cdktf-cdktf-provider-aws", "constructs"]
    seen: set[str] = set()
    while wanted:
        name = wanted.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(requirement.name)
    assert seen == set(synth), (sorted(seen - set(synth)), sorted(set(synth) - seen))


def test_synthesis_lock_hashes_match_the_published_files(tmp_path: Path):
    """pip itself checks every hash (the index the machine uses serves PyPI's files)."""
    result = subprocess.run(
        [
            str(BIN / "pip"),
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--require-hashes",
            "--only-binary=:all:",
            "-r",
            str(ROOT / "requirements" / "synth.lock"),
            "-d",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list(tmp_path.glob("*.whl"))) == len(_lock(ROOT / "requirements" / "synth.lock"))


def test_plan_names_an_image_tag_even_before_the_first_deploy():
    workflow = load("plan.yml")
    (step,) = [s for _, _, s in steps(workflow) if "terraform plan" in s.get("run", "")]
    assert step["env"]["PR_HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"
    assert 'export TF_VAR_image_tag="${TF_VAR_image_tag:-$PR_HEAD_SHA}"' in step["run"]


def test_base_image_is_pinned_by_digest():
    match = re.search(r"^ARG BASE_IMAGE=(\S+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert match and re.fullmatch(r"python:3\.12-slim@sha256:[0-9a-f]{64}", match[1]), match


def test_hadolint_is_clean_and_every_ignored_rule_is_justified():
    result = tool("hadolint", "--no-color", "--config", ".hadolint.yaml", "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (ROOT / ".hadolint.yaml").read_text().splitlines()
    ignored = [i for i, line in enumerate(lines) if re.match(r"\s*- DL\d{4}", line)]
    assert ignored == [i for i in ignored if lines[i - 1].strip().startswith("#")], "an ignored rule lacks its reason"
    assert set(yaml.safe_load("\n".join(lines))["ignored"]) == {lines[i].split("-")[1].strip() for i in ignored}


def test_hadolint_catches_a_broken_dockerfile(tmp_path: Path):
    """The check above can fail: a shell-form entrypoint (SIGTERM would hit /bin/sh)."""
    broken = (
        (ROOT / "Dockerfile")
        .read_text()
        .replace('ENTRYPOINT ["workspace-mcp-server"]', "ENTRYPOINT workspace-mcp-server")
    )
    (tmp_path / "Dockerfile").write_text(broken)
    result = tool("hadolint", "--no-color", "--config", str(ROOT / ".hadolint.yaml"), "Dockerfile", cwd=tmp_path)
    assert result.returncode != 0 and "DL3025" in result.stdout


def test_dockerfile_runtime_contract():
    text = (ROOT / "Dockerfile").read_text()
    final = text[text.rindex("\nFROM ") :]
    assert "ARG BASE_IMAGE=python:3.12-slim" in text
    assert text.count("FROM ${BASE_IMAGE}") == 2
    assert "USER 10001:10001" in final and "EXPOSE 8000" in final and "PYTHONUNBUFFERED=1" in final
    assert re.search(
        r"HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3\s+\\\s+"
        r"CMD .*curl -f http://localhost:\$\{PORT:-8000\}/health \|\| exit 1",
        final,
    )
    assert 'ENTRYPOINT ["workspace-mcp-server"]' in final
    assert "requirements.lock" in text and "--no-deps" in text


def test_container_scripts_pass_shellcheck():
    scripts = sorted((ROOT / "scripts" / "container").glob("*.sh"))
    assert scripts
    result = tool("shellcheck", *map(str, scripts))
    assert result.returncode == 0, result.stdout + result.stderr


def test_deployable_environments_skip_emulated_ones():
    names = environments.deployable()
    assert "production" in names and "local" not in names
    out = subprocess.run(
        [sys.executable, "scripts/ci/environments.py", "deployable"], cwd=ROOT, capture_output=True, text=True
    )
    assert json.loads(out.stdout) == names
    assert environments.image_repository("production").endswith(".amazonaws.com/busyb-google-workspace-mcp")
    bad = subprocess.run(
        [sys.executable, "scripts/ci/environments.py", "image-repository", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "nope: no such environment file" in bad.stderr


def _plan(workdir: Path, config: str) -> dict:
    """A real terraform plan (built-in terraform_data: no provider needed) as JSON."""
    (workdir / "main.tf").write_text(config)
    terraform(workdir, "init")
    terraform(workdir, "plan", "-out=tfplan")
    return json.loads(terraform(workdir, "show", "-json", "tfplan").stdout)


def test_plan_summary_of_real_plans(tmp_path: Path):
    first = """
resource "terraform_data" "kept"     { input = "a" }
resource "terraform_data" "changed"  { input = "a" }
resource "terraform_data" "replaced" { triggers_replace = ["a"] }
resource "terraform_data" "removed"  { input = "a" }
"""
    created = plan_summary.summarize(_plan(tmp_path, first), "demo", "https://example.invalid/run/1")
    assert created.startswith(plan_summary.MARKER.format(stack="demo") + "\n")
    assert "**Plan:** 4 to add, 0 to change, 0 to destroy (0 replaced)" in created
    assert "  + terraform_data.changed (create)" in created
    assert "[this run](https://example.invalid/run/1)" in created
    terraform(tmp_path, "apply", "tfplan")

    second = """
resource "terraform_data" "kept"     { input = "a" }
resource "terraform_data" "changed"  { input = "b" }
resource "terraform_data" "replaced" { triggers_replace = ["b"] }
resource "terraform_data" "added"    { input = "secret-looking-value" }
"""
    summary = plan_summary.summarize(_plan(tmp_path, second), "demo")
    assert "**Plan:** 1 to add, 1 to change, 2 to destroy (1 replaced)" in summary
    for line in (
        "  + terraform_data.added (create)",
        "  ~ terraform_data.changed (update)",
        "-/+ terraform_data.replaced (replace)",
        "  - terraform_data.removed (destroy)",
    ):
        assert line in summary
    assert "kept" not in summary and "secret-looking-value" not in summary  # addresses only, no values

    terraform(tmp_path, "apply", "tfplan")
    unchanged = plan_summary.summarize(_plan(tmp_path, second), "demo")
    assert "**No changes.**" in unchanged


def _state(*images: str) -> str:
    """A Terraform state (format version 4, as `terraform state pull` prints it) with the
    stack's task definition, plus a data source that must be ignored."""
    resources = [
        {
            "mode": "data",
            "type": "aws_ecs_task_definition",
            "name": "other",
            "provider": "aws",
            "instances": [{"attributes": {"container_definitions": json.dumps([{"image": "x:data"}])}}],
        }
    ] + [
        {
            "mode": "managed",
            "type": "aws_ecs_task_definition",
            "name": "task_task_definition",
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [
                {
                    "schema_version": 1,
                    "attributes": {
                        "family": "busyb-google-workspace-mcp",
                        "container_definitions": json.dumps([{"name": "google-workspace-mcp", "image": image}]),
                    },
                }
            ],
        }
        for image in images
    ]
    return json.dumps(
        {
            "version": 4,
            "terraform_version": "1.11.4",
            "serial": 3,
            "lineage": "x",
            "outputs": {},
            "resources": resources,
        }
    )


@pytest.mark.parametrize(
    "state, tag",
    [
        ("", ""),  # no state before the first deploy
        (_state(), ""),
        (_state("123456789012.dkr.ecr.us-east-1.amazonaws.com/busyb-google-workspace-mcp:0123abc"), "0123abc"),
        (_state("registry.local:5000/workspace-mcp"), ""),  # a registry port is not a tag
    ],
)
def test_deployed_image_tag_from_terraform_state(state: str, tag: str):
    """Plans use the running tag, read from `terraform state pull`."""
    script = subprocess.run(
        [sys.executable, str(ROOT / "scripts/ci/deployed_image_tag.py")],
        input=state,
        capture_output=True,
        text=True,
        check=True,
    )
    assert script.stdout.strip() == tag
