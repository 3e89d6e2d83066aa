"""One code path for both synthesis targets.

A setting is either a Python value (the CDKTF stacks: an environment file is known at
synthesis) or a Terraform expression (the module: ``var.<name>``, known at plan time).
Constructs branch through these helpers instead of ``if``: with a Python value they do
exactly what a plain ``if`` would (same JSON as before); with an expression they declare
both branches with ``count`` and choose the reference with a conditional expression.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from typing import Any

import jsii

from modules import aws


def symbolic(value: Any) -> bool:
    """True for a Terraform expression (token), False for a plain Python value."""
    if isinstance(value, bool) or value is None:
        return False
    if dataclasses.is_dataclass(value):
        return any(symbolic(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, str):
        return "TfToken[" in value  # "${TfToken[..]}", or "#{TfToken[..]}" for a list
    if isinstance(value, (int, float)):
        return aws.Token.is_unresolved(value)  # number tokens are special floats
    if isinstance(value, (list, tuple)):
        return any(symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(symbolic(v) for v in value.values())
    return True  # an IResolvable (e.g. a bool variable)


def when(flag: Any) -> bool:
    """Declare the resources of the ``flag`` branch?"""
    return flag is True or symbolic(flag)


def unless(flag: Any) -> bool:
    """Declare the resources of the ``not flag`` branch?"""
    return flag is False or symbolic(flag)


@jsii.implements(aws.IResolvable)
class _Parenthesized:
    """``(expression)``: CDKTF prints ``c ? a : b`` bare, so a conditional used as another's
    condition or branch would regroup (``c1 ? a : b ? x : y``); parentheses keep it whole."""

    def __init__(self, inner: Any):
        self._inner = inner

    @property
    def creation_stack(self) -> list[str]:
        return []

    def resolve(self, context: Any) -> Any:
        outer = context.suppress_braces
        context.suppress_braces = True  # inside ${...}: the bare expression
        expression = context.resolve(self._inner)
        context.suppress_braces = outer
        return f"({expression})" if outer else f"${{({expression})}}"

    def to_string(self) -> str:
        return aws.Token.as_string(self)


def conditional(flag: Any, on: Any, off: Any) -> Any:
    """``(flag ? on : off)``, always parenthesized: the only way this code writes a conditional."""
    return _Parenthesized(aws.Fn.conditional(flag, on, off))


def count(flag: Any):
    """``count`` of a resource that exists when ``flag``: None (no count) for a Python value."""
    return aws.Token.as_number(conditional(flag, 1, 0)) if symbolic(flag) else None


def count_unless(flag: Any):
    return aws.Token.as_number(conditional(flag, 0, 1)) if symbolic(flag) else None


def choose(flag: Any, on: Callable[[], Any], off: Callable[[], Any]) -> Any:
    """``on()`` or ``off()``; for an expression, ``flag ? on() : off()`` (both built)."""
    if not symbolic(flag):
        value = on() if flag else off()
        return None if value is _NULL else value
    return conditional(flag, _terraform(on()), _terraform(off()))


def _terraform(value: Any) -> Any:
    return aws.Token.null_value() if value is _NULL else value


def choose_string(flag: Any, on: Callable[[], Any], off: Callable[[], Any]) -> str:
    value = choose(flag, on, off)
    return aws.Token.as_string(value) if symbolic(flag) else value


_NULL = object()


def is_set(value: Any) -> Any:
    """``value != ""`` for a string setting (an expression for a variable)."""
    if not symbolic(value):
        return bool(value)
    return aws.Op.gte(aws.Fn.length_of(value), 1)  # CDKTF prints a literal 0 operand as `undefined`


def is_unset(value: Any) -> Any:
    if not symbolic(value):
        return not value
    return aws.Op.lt(aws.Fn.length_of(value), 1)


def or_null(value: Any) -> Any:
    """An optional string argument: omitted when empty."""
    if not symbolic(value):
        return value or None
    return choose_string(is_unset(value), null, lambda: value)


def or_default(value: Any, default: Callable[[], Any]) -> Any:
    """``value`` unless it is empty, else ``default()``."""
    return choose_string(is_set(value), lambda: value, default)


def trim_suffix(value: str, suffix: str) -> str:
    """``value`` without ``suffix`` (``trimsuffix(...)`` for an expression)."""
    return aws.Token.as_string(aws.Fn.trimsuffix(value, suffix)) if symbolic(value) else value.removesuffix(suffix)


def named(scope: Any, name: str, value: Any) -> Any:
    """A derived value: as it is when known at synthesis, else ``local.<name>`` (computed once,
    in one place that a reader of the Terraform finds by name)."""
    if not symbolic(value):
        return value
    return aws.TerraformLocal(scope, name, value).as_string


def text(value: Any) -> str:
    """A number as a string (``str()`` would print a number token's placeholder)."""
    return aws.Token.as_string(aws.Fn.tostring(value)) if symbolic(value) else str(value)


def single(resource: Any, attribute: str, flag: Any) -> str:
    """``resource.<attribute>`` of a resource declared with ``count(flag)``."""
    if not symbolic(flag):
        return getattr(resource, attribute)
    return aws.Token.as_string(aws.Fn.one(resource.get_list_attribute(f"*.{attribute}")))


def optional_items(items: Iterable[tuple[Any, Any]]) -> Any:
    """The items whose flag holds: a Python list, or ``concat(flag ? [item] : [], ...)``."""
    items = list(items)
    if not any(symbolic(flag) for flag, _ in items):
        return [item for flag, item in items if flag]
    parts = [[item] if flag is True else [] if flag is False else conditional(flag, [item], []) for flag, item in items]
    return aws.Token.as_list(aws.Fn.concat(parts))


def to_json(value: Any) -> str:
    """``json.dumps`` for Python data (string tokens survive as interpolations);
    ``jsonencode(...)`` once numbers, lists or conditionals are expressions."""
    if _needs_jsonencode(value):
        return aws.Token.as_string(aws.Fn.jsonencode(value))
    return json.dumps(value)


def _needs_jsonencode(value: Any) -> bool:
    if isinstance(value, list) and len(value) == 1 and str(value[0]).startswith("#{"):
        return True  # a list-valued expression (e.g. concat(...)) encoded as a one-item list
    if isinstance(value, (str, bool)) or value is None:
        return False  # string tokens are interpolated inside the JSON text
    if isinstance(value, (int, float)):
        return aws.Token.is_unresolved(value)
    if isinstance(value, (list, tuple)):
        return any(_needs_jsonencode(v) for v in value)
    if isinstance(value, dict):
        return any(_needs_jsonencode(v) for v in value.values())
    return True


def choose_list(flag: Any, on: Callable[[], Any], off: Callable[[], Any]) -> list:
    value = choose(flag, on, off)
    return aws.Token.as_list(value) if symbolic(flag) else value


def every(resource: Any, attribute: str) -> list[str]:
    """``resource[*].<attribute>`` of a resource declared with a ``count`` expression."""
    return aws.Token.as_list(resource.get_list_attribute(f"*.{attribute}"))


def has_items(values: Any) -> Any:
    """``length(values) > 0`` (a Python bool for a Python list)."""
    if not symbolic(values):
        return bool(values)
    return aws.Op.gte(aws.Fn.length_of(values), 1)


def both(left: Any, right: Any) -> Any:
    """``left && right``."""
    if not symbolic(left) and not symbolic(right):
        return bool(left) and bool(right)
    if left is False or right is False:
        return False
    if left is True:
        return right
    if right is True:
        return left
    return aws.Op.and_(left, right)


def equals(left: Any, right: Any) -> Any:
    """``left == right``."""
    if not symbolic(left) and not symbolic(right):
        return left == right
    return aws.Op.eq(left, right)


def negate(flag: Any) -> Any:
    """``!flag``."""
    return aws.Op.not_(flag) if symbolic(flag) else not flag


def null() -> Any:
    """No value for ``choose``: the argument is omitted (None, or Terraform ``null``)."""
    return _NULL


def either(left: Any, right: Any) -> Any:
    """``left || right``."""
    if not symbolic(left) and not symbolic(right):
        return bool(left) or bool(right)
    if left is True or right is True:
        return True
    if left is False:
        return right
    if right is False:
        return left
    return aws.Op.or_(left, right)
