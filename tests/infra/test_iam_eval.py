"""The policy evaluator the security tests rely on, checked against AWS's documented rules
(policy evaluation logic, condition operators, missing keys, NotAction, boundaries)."""

from __future__ import annotations

import pytest

from tests.infra.iam_eval import Principal, condition_holds, evaluate

ROLE = "arn:aws:iam::111122223333:role/app"
OTHER = "arn:aws:iam::111122223333:role/other"


def allow(action, resource="*", condition=None, **extra):
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def deny(action, resource="*", condition=None, **extra):
    policy = allow(action, resource, condition, **extra)
    policy["Statement"][0]["Effect"] = "Deny"
    return policy


def test_implicit_deny_without_an_allow():
    assert not evaluate(Principal(ROLE), "s3:GetObject", "arn:aws:s3:::b/k").allowed


def test_action_wildcards_are_case_insensitive_resources_are_not():
    role = Principal(ROLE, [allow("s3:Get*", "arn:aws:s3:::b/tokens/*")])
    assert evaluate(role, "S3:GETOBJECT", "arn:aws:s3:::b/tokens/x").allowed
    assert not evaluate(role, "s3:PutObject", "arn:aws:s3:::b/tokens/x").allowed
    assert not evaluate(role, "s3:GetObject", "arn:aws:s3:::b/TOKENS/x").allowed
    assert not evaluate(role, "s3:GetObject", "arn:aws:s3:::b/other/x").allowed


def test_explicit_deny_wins_over_any_allow():
    role = Principal(ROLE, [allow("s3:GetObject"), deny("s3:GetObject", "arn:aws:s3:::b/secret/*")])
    assert evaluate(role, "s3:GetObject", "arn:aws:s3:::b/public/x").allowed
    decision = evaluate(role, "s3:GetObject", "arn:aws:s3:::b/secret/x")
    assert not decision.allowed and decision.reason.startswith("explicit deny")


def test_not_action_deny_covers_everything_else():
    role = Principal(ROLE, [allow(["s3:GetObject", "s3:PutObject"]), deny(None, NotAction=["s3:GetObject"])])
    role.policies[1]["Statement"][0].pop("Action")
    assert evaluate(role, "s3:GetObject", "x").allowed
    assert not evaluate(role, "s3:PutObject", "x").allowed


@pytest.mark.parametrize(
    ("condition", "context", "holds"),
    [
        ({"StringEquals": {"k": "a"}}, {"k": "a"}, True),
        ({"StringEquals": {"k": ["a", "b"]}}, {"k": "b"}, True),  # values of a key are ORed
        ({"StringEquals": {"k": "a"}}, {"k": "A"}, False),
        ({"StringEquals": {"k": "a"}}, {}, False),  # missing key: a positive operator fails
        ({"StringNotEquals": {"k": "a"}}, {}, True),  # ... and a negated one holds
        ({"StringNotEquals": {"k": ["a", "b"]}}, {"k": "b"}, False),
        ({"StringEqualsIfExists": {"k": "a"}}, {}, True),
        ({"StringNotEqualsIfExists": {"k": "a"}}, {"k": "b"}, True),
        ({"StringNotEqualsIfExists": {"k": "a"}}, {"k": "a"}, False),
        ({"StringLike": {"k": "repo:o/r:*"}}, {"k": "repo:o/r:pull_request"}, True),
        ({"StringNotLike": {"k": "a*"}}, {"k": "abc"}, False),
        ({"ArnLike": {"k": "arn:aws:ecs:*:111122223333:*"}}, {"k": "arn:aws:ecs:us-east-1:111122223333:task/x"}, True),
        ({"ArnLike": {"k": "arn:aws:ecs:*:111122223333:*"}}, {"k": "arn:aws:ecs:us-east-1:999999999999:task/x"}, False),
        ({"ArnNotEquals": {"k": [ROLE]}}, {"k": OTHER}, True),
        ({"ArnNotEquals": {"k": [ROLE, OTHER]}}, {"k": OTHER}, False),
        ({"Null": {"k": "true"}}, {}, True),
        ({"Null": {"k": "false"}}, {}, False),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False),
        ({"StringEquals": {"a": "1"}, "StringLike": {"b": "x*"}}, {"a": "1", "b": "y"}, False),  # ANDed
    ],
)
def test_condition_operators(condition, context, holds):
    assert condition_holds(condition, context) is holds


def test_an_unknown_operator_is_refused_not_ignored():
    with pytest.raises(NotImplementedError):
        condition_holds({"NumericLessThan": {"k": "1"}}, {"k": "0"})


def test_a_boundary_caps_the_identity_policy():
    bounded = Principal(ROLE, [allow(["s3:GetObject", "iam:PutRolePolicy"])], boundary=allow("s3:GetObject"))
    assert evaluate(bounded, "s3:GetObject", "x").allowed
    assert not evaluate(bounded, "iam:PutRolePolicy", "x").allowed
    # A boundary never grants by itself.
    assert not evaluate(Principal(ROLE, [], boundary=allow("s3:GetObject")), "s3:GetObject", "x").allowed


def test_resource_policy_denies_by_principal_arn():
    bucket = deny("s3:*", "arn:aws:s3:::b/tokens/*", {"ArnNotEquals": {"aws:PrincipalArn": [ROLE]}}, Principal="*")
    reader = [allow("s3:GetObject", "arn:aws:s3:::b/*")]
    assert evaluate(
        Principal(ROLE, reader), "s3:GetObject", "arn:aws:s3:::b/tokens/x", resource_policies=[bucket]
    ).allowed
    assert not evaluate(
        Principal(OTHER, reader), "s3:GetObject", "arn:aws:s3:::b/tokens/x", resource_policies=[bucket]
    ).allowed
