"""Fast checks of the deployment guide and the runbook (their commands run in test_e2e.py):
both exist and are linked from the README, every shell block is marked and parses, every
tested block's check exists, the required topics are there and internal links resolve.
Also scripts/stack_outputs.py's output format."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest

from scripts.stack_outputs import derived, shell_assignments
from tests.infra.runbook import CHECKS, DOCS, ROOT, extract_blocks, shell_blocks, syntax_error

DEPLOYMENT, OPERATIONS = DOCS
REQUIRED_HEADINGS = {
    DEPLOYMENT: [
        "Prerequisites",
        "IAM permissions of the deployer",
        "Bootstrap the state bucket",
        "Put the secret values",
        "First deploy",
        "Verify",
        "Adding an environment",
        "Custom domain",
        "Tearing down",
    ],
    OPERATIONS: [
        "Stack outputs as shell variables",
        "Service status",
        "Logs",
        "Scaling",
        "Deploying a new image",
        "Rollback",
        "ECS Exec into a task",
        "Backup and restore of the token store",
        "Restore one user's record",
        "Restore everything to a point in time",
        "Rotating secrets without logging users out",
        "Google OAuth client secret",
        "Token encryption key",
        "Alarms",
        "Troubleshooting",
        "Monthly cost",
    ],
}
TROUBLESHOOTING_SYMPTOMS = [
    "unhealthy targets",
    "404 through the ALB",
    "401 loops",
    "secrets not injected",
    "stuck in `PENDING`",
    "circuit-breaker rollback",
]
ALL_BLOCKS = [pytest.param(block, id=block.where) for doc in DOCS if doc.exists() for block in shell_blocks(doc)]


def _headings(doc) -> list[str]:
    return [line.lstrip("#").strip() for line in doc.read_text().splitlines() if line.startswith("#")]


def _slug(heading: str) -> str:
    # GitHub's anchor for a heading.
    return re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", heading.lower()))


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_doc_exists_with_required_topics(doc):
    assert doc.exists(), f"{doc} is missing"
    headings = _headings(doc)
    missing = [h for h in REQUIRED_HEADINGS[doc] if h not in headings]
    assert not missing, f"{doc.name} lacks the headings {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_readme_links_the_doc(doc):
    readme = (ROOT / "README.md").read_text()
    assert f"docs/{doc.name}" in readme, f"README.md does not link docs/{doc.name}"


def test_troubleshooting_table_covers_the_symptoms():
    text = OPERATIONS.read_text()
    table = text[text.index("## Troubleshooting") : text.index("## Monthly cost")]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    for symptom in TROUBLESHOOTING_SYMPTOMS:
        assert any(symptom in row.split("|")[1] for row in rows), f"no troubleshooting row for {symptom!r}"


@pytest.mark.parametrize("block", ALL_BLOCKS)
def test_shell_block_is_marked_and_parses(block):
    assert block.marker, (
        f"{block.where}: mark the block <!-- tested -->, <!-- not emulated: why --> or <!-- not run: why -->"
    )
    if block.marker != "tested":
        assert block.detail, f"{block.where}: say why the block is {block.marker}"
    elif block.detail:
        assert block.detail in CHECKS, f"{block.where}: no check {block.detail!r} in tests/infra/runbook.py"
    assert syntax_error(block) is None, f"{block.where}: {syntax_error(block)}"


def test_every_check_is_used_once_and_most_blocks_are_tested():
    blocks = [b for doc in DOCS for b in shell_blocks(doc)]
    used = [b.detail for b in blocks if b.marker == "tested" and b.detail]
    assert sorted(used) == sorted(CHECKS), f"checks used {sorted(used)} vs defined {sorted(CHECKS)}"
    tested = [b for b in blocks if b.marker == "tested"]
    assert len(tested) >= 20 and len(tested) * 2 > len(blocks), (len(tested), len(blocks))


def test_code_blocks_are_closed_and_shell_blocks_say_sh():
    for doc in DOCS:
        for block in extract_blocks(doc):
            assert block.language, f"{block.where}: give the code block a language"


def test_internal_links_resolve():
    anchors = {doc.name: {_slug(h) for h in _headings(doc)} for doc in DOCS}
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            if target.startswith("http"):
                continue
            name, _, anchor = target.partition("#")
            name = name or doc.name
            if name not in anchors:
                assert (doc.parent / name).exists(), f"{doc.name}: broken link {target}"
                continue
            assert not anchor or anchor in anchors[name], f"{doc.name}: no heading for {target}"


def test_secret_targets_line_names_the_created_secrets(synth_dir):
    """The first-deploy step applies only the secrets; its target list comes from the JSON."""
    (block,) = [b for b in shell_blocks(DEPLOYMENT) if "TARGETS=$(" in b.code]
    assignment = block.code[: block.code.index("\nif ")]
    for stack, expected in (("local", 2), ("production", 2)):
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", assignment + '\nprintf "%s\\n" $TARGETS'],
            env={"PATH": "/usr/bin:/bin", "STACK_DIR": str(synth_dir / stack)},
            capture_output=True,
            text=True,
            check=True,
        )
        targets = result.stdout.split()
        assert len(targets) == expected and all(t.startswith("-target=aws_secretsmanager_secret.") for t in targets)


# --------------------------------------------------------------------------- stack outputs script


OUTPUTS = {
    "service_name": "busyb-google-workspace-mcp-service",
    "cluster_arn": "arn:aws:ecs:us-east-1:123456789012:cluster/busyb-cluster",
    "task_definition_arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/busyb-google-workspace-mcp:7",
    "log_group_name": "/ecs/busyb-google-workspace-mcp",
    "token_bucket_name": "tokens-bucket",
    "token_store_uri": "s3://tokens-bucket/tokens",
    "app_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b-XyZ",
    "weird": "it's $(not run)",
    "listy": ["a", "b"],
}


def test_stack_outputs_are_quoted_shell_assignments(tmp_path):
    text = shell_assignments("production", tmp_path, OUTPUTS)
    script = text + 'printf "%s\\n" "$SERVICE_NAME" "$WEIRD" "$LISTY" "$SCALING_RESOURCE_ID" "$TOKEN_PREFIX" "$STACK"'
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [
        OUTPUTS["service_name"],
        "it's $(not run)",
        '["a", "b"]',
        "service/busyb-cluster/busyb-google-workspace-mcp-service",
        "tokens",
        "production",
    ]
    assert all(shlex.split(line)[0] == "export" for line in text.splitlines())


def test_stack_outputs_derived_names():
    assert derived(OUTPUTS) == {
        "LOG_GROUP": "/ecs/busyb-google-workspace-mcp",
        "TOKEN_BUCKET": "tokens-bucket",
        "TOKEN_PREFIX": "tokens",
        "CLUSTER_NAME": "busyb-cluster",
        "TASK_FAMILY": "busyb-google-workspace-mcp",
        "SCALING_RESOURCE_ID": "service/busyb-cluster/busyb-google-workspace-mcp-service",
    }


def test_stack_outputs_unknown_stack_fails_the_eval(tmp_path):
    script = f'eval "$({sys.executable} scripts/stack_outputs.py no-such-env)"; echo reached'
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "STACKS_DIR": str(tmp_path)},
    )
    assert result.returncode != 0 and "reached" not in result.stdout
    assert "no-such-env/cdk.tf.json not found" in result.stderr
