"""IAM over the synthesized JSON: least privilege, no wildcard actions."""

from __future__ import annotations

import re

import pytest

from modules.pipeline_roles import EXACT_SERVICES
from tests.infra.tf_json import STACKS, as_list, load, statements

BUCKET = "${aws_s3_bucket.token_bucket_bucket_bucket.arn}"


@pytest.mark.parametrize("name", STACKS)
def test_no_wildcard_actions(synth_dir, name):
    """No Allow statement grants ``*`` or ``service:*``, and none uses NotAction; wildcards and
    NotAction appear only in Deny statements, which only take rights away."""
    for address, policy in load(synth_dir, name).policies().items():
        for statement in statements(policy):
            if statement["Effect"] == "Allow":
                assert "NotAction" not in statement, address
                actions = as_list(statement["Action"])
                if address == "aws_iam_policy.boundary":
                    # The boundary only caps: read families, and change families (``service:Verb*``)
                    # outside the services it must name action by action.
                    actions = [
                        a
                        for a in actions
                        if not re.fullmatch(r"[a-z0-9-]+:(Describe|Get|List)\*", a)
                        and not (re.fullmatch(r"[a-z0-9-]+:[A-Z][a-z]+\*", a) and a.split(":")[0] not in EXACT_SERVICES)
                    ]
                assert all("*" not in action for action in actions), (address, actions)
            else:
                assert statement["Effect"] == "Deny", address


def by_sid(stack, role_policy: str) -> dict[str, dict]:
    policy = stack.policies()[f"aws_iam_role_policy.{role_policy}"]
    return {s["Sid"]: s for s in statements(policy)}


def test_execution_role(production):
    found = by_sid(production, "iam_execution_policy")
    assert set(found) == {"EcrToken", "EcrPull", "Logs", "Secrets"}
    assert found["EcrToken"]["Action"] == ["ecr:GetAuthorizationToken"]
    assert found["EcrToken"]["Resource"] == "*"  # the action has no resource type
    assert found["EcrPull"]["Resource"] == ["arn:aws:ecr:us-east-1:758888582357:repository/busyb-google-workspace-mcp"]
    assert found["Logs"]["Resource"] == ["${aws_cloudwatch_log_group.logs_group.arn}:*"]
    assert found["Secrets"]["Action"] == ["secretsmanager:GetSecretValue"]
    # Exactly the two injected secrets.
    assert found["Secrets"]["Resource"] == [
        "${aws_secretsmanager_secret.secrets_app.arn}",
        "${aws_secretsmanager_secret.secrets_credentials_dir.arn}",
    ]


def test_task_role(production):
    found = by_sid(production, "iam_task_policy")
    assert set(found) == {"TokenObjects", "TokenList", "EcsExec", "EcsExecLogGroups", "EcsExecTranscript", "EcsExecKey"}
    assert found["TokenObjects"]["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert found["TokenObjects"]["Resource"] == [f"{BUCKET}/tokens/*"]
    assert found["TokenList"] == {
        "Sid": "TokenList",
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": [BUCKET],
        "Condition": {"StringLike": {"s3:prefix": ["tokens", "tokens/*"]}},
    }
    assert found["EcsExec"]["Action"] == [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    ]


def test_roles_trust_only_ecs_tasks_of_this_account(production):
    roles = production.resources("aws_iam_role")
    assert len(roles) == 2
    account = "${data.aws_caller_identity.kms_account.account_id}"
    for address, policy in production.policies().items():
        if address.startswith("aws_iam_role."):
            (statement,) = statements(policy)
            assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
            assert statement["Action"] == "sts:AssumeRole"
            # No confused deputy: only ECS acting for this account's clusters.
            assert statement["Condition"] == {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:*:{account}:*"},
            }
