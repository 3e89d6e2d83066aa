"""A small IAM policy evaluator for the synthesized policies (moto does not evaluate
conditions, resource policies or permissions boundaries).

It follows AWS's documented logic for one account: an explicit Deny in any policy wins; else
the request needs an Allow from an identity policy or a resource policy, and, when the
principal has a permissions boundary, an Allow from the boundary too. Supported: Action /
NotAction, Resource / NotResource with ``*`` and ``?`` wildcards, and the condition operators
the project uses — String(Not)Equals, String(Not)Like, Arn(Not)Equals, Arn(Not)Like, Bool,
Null, each with ``IfExists``. Anything else raises, so a policy using it cannot pass silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _action_matches(patterns, action: str) -> bool:
    return any(_wildcard(p, action, case_sensitive=False) for p in _as_list(patterns))


def _resource_matches(patterns, resource: str) -> bool:
    return any(_wildcard(p, resource) for p in _as_list(patterns))


def _arn_like(pattern: str, value: str) -> bool:
    # ARNs compare component by component (6 parts: the resource part may hold ':').
    parts, values = pattern.split(":", 5), value.split(":", 5)
    return len(parts) == len(values) == 6 and all(_wildcard(p, v) for p, v in zip(parts, values, strict=True))


_POSITIVE = {
    "StringEquals": lambda pattern, value: pattern == value,
    "StringLike": lambda pattern, value: _wildcard(pattern, value),
    "ArnEquals": lambda pattern, value: pattern == value,
    "ArnLike": _arn_like,
    "Bool": lambda pattern, value: str(pattern).lower() == str(value).lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def condition_holds(condition: dict, context: dict[str, Any]) -> bool:
    """Every operator and every key must hold (AND); the values of one key are ORed."""
    for operator, keys in condition.items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        for key, patterns in keys.items():
            patterns = [str(p) for p in _as_list(patterns)]
            present = key in context
            if base == "Null":
                (wanted,) = patterns
                if (wanted.lower() == "true") != (not present):
                    return False
                continue
            if not present:
                # A missing key: positive operators fail, negated ones hold; IfExists holds.
                if if_exists or base in _NEGATED:
                    continue
                return False
            values = [str(v) for v in _as_list(context[key])]
            if base in _POSITIVE:
                test = _POSITIVE[base]
                if not any(test(p, v) for p in patterns for v in values):
                    return False
            elif base in _NEGATED:
                test = _POSITIVE[_NEGATED[base]]
                if any(test(p, v) for p in patterns for v in values):
                    return False
            else:
                raise NotImplementedError(f"condition operator {operator}")
    return True


def _principal_matches(principal: Any, principal_arn: str) -> bool:
    if principal is None:
        return True  # identity policy: the attached principal
    if principal == "*" or principal == {"AWS": "*"}:
        return True
    return principal_arn in _as_list(principal.get("AWS", []))


def statement_applies(statement: dict, action: str, resource: str, context: dict, principal_arn: str) -> bool:
    unknown = set(statement) - {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Principal",
    }
    if unknown:
        raise NotImplementedError(f"statement elements {sorted(unknown)}")
    if "Action" in statement and not _action_matches(statement["Action"], action):
        return False
    if "NotAction" in statement and _action_matches(statement["NotAction"], action):
        return False
    if "Resource" in statement and not _resource_matches(statement["Resource"], resource):
        return False
    if "NotResource" in statement and _resource_matches(statement["NotResource"], resource):
        return False
    if not _principal_matches(statement.get("Principal"), principal_arn):
        return False
    return condition_holds(statement.get("Condition", {}), context)


@dataclass
class Principal:
    """A role: its ARN, identity policies and optional permissions boundary."""

    arn: str
    policies: list[dict] = field(default_factory=list)
    boundary: dict | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def evaluate(
    principal: Principal,
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
    resource_policies: list[dict] = (),
) -> Decision:
    context = {"aws:PrincipalArn": principal.arn, **(context or {})}

    def matching(policies, effect):
        for policy in policies:
            for statement in _as_list(policy["Statement"]):
                if statement["Effect"] == effect and statement_applies(
                    statement, action, resource, context, principal.arn
                ):
                    yield statement.get("Sid", "?")

    boundary = [principal.boundary] if principal.boundary else []
    for sid in matching([*principal.policies, *resource_policies, *boundary], "Deny"):
        return Decision(False, f"explicit deny {sid}")
    identity = next(matching(principal.policies, "Allow"), None)
    by_resource = next(matching(resource_policies, "Allow"), None)
    if identity is None and by_resource is None:
        return Decision(False, "implicit deny: no Allow")
    if boundary and identity is not None and next(matching(boundary, "Allow"), None) is None and by_resource is None:
        return Decision(False, "implicit deny: outside the permissions boundary")
    return Decision(True, f"allowed by {identity or by_resource}")
