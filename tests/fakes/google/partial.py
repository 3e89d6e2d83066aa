"""Google's partial responses: a ``fields`` mask ("a,b(c,d/e)") cuts an answer down to what was asked for."""

from __future__ import annotations

import re
from typing import Any

from .core import ApiError


def mask_tree(fields: str) -> dict:
    """The mask as a tree; an empty subtree keeps the whole value. Unbalanced parentheses are refused."""
    bad = ApiError(400, f"Invalid field selection {fields!r}", "invalidParameter")
    tree: dict = {}
    stack, node, name = [tree], tree, ""
    for char in fields + ",":
        if char not in ",()":
            name += char
            continue
        if name.strip():
            parts = re.split(r"[/.]", name.strip())  # "a/b" and "a.b" both select b inside a
            if not all(part.strip() for part in parts):
                raise bad
            for part in parts:
                node = node.setdefault(part.strip(), {})
        elif char == "(":
            raise bad  # "(" must follow a field name
        if char == "(":
            stack.append(node)
        elif char == ")":
            if len(stack) == 1:
                raise bad
            stack.pop()
        node, name = stack[-1], ""
    if len(stack) != 1:
        raise bad
    return tree


def masked(value: Any, fields: str | None) -> Any:
    """``value`` cut down to ``fields`` (no mask or "*": all of it)."""
    if not fields or fields.strip() == "*":
        return value

    def cut(item: Any, tree: dict) -> Any:
        if not tree or "*" in tree:
            return item
        if isinstance(item, list):
            return [cut(entry, tree) for entry in item]
        if isinstance(item, dict):
            return {key: cut(item[key], sub) for key, sub in tree.items() if key in item}
        return item

    return cut(value, mask_tree(fields))
