"""Tool metadata: each tool module marks its functions with ``@read``/``@write`` (tier, scopes).

Marking does not touch FastMCP; ``register_tools`` later adds only the selected tools.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

TIERS = ("core", "extended", "complete")  # cumulative: extended includes core, complete everything
SERVICES = ("gmail", "drive", "calendar", "docs", "sheets", "tasks", "contacts")


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    name: str
    service: str
    tier: str
    read_only: bool
    destructive: bool
    scopes: tuple[str, ...]


_SPECS: list[ToolSpec] = []


def _mark(tier: str, scopes: tuple[str, ...], read_only: bool, destructive: bool):
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}")

    def decorate(fn):
        service = fn.__module__.rsplit(".", 1)[-1]
        _SPECS.append(ToolSpec(fn, fn.__name__, service, tier, read_only, destructive, scopes))
        return fn

    return decorate


def read(tier: str, *scopes: str):
    """Mark a tool that only reads (exposed in read-only mode)."""
    return _mark(tier, scopes, True, False)


def write(tier: str, *scopes: str, destructive: bool = False):
    """Mark a tool that changes data; ``destructive`` when it deletes or overwrites."""
    return _mark(tier, scopes, False, destructive)


def specs(services: Iterable[str] = SERVICES) -> list[ToolSpec]:
    """Every tool of ``services``, in module order (imports only those modules)."""
    wanted = set(services)
    for service in SERVICES:
        if service in wanted:
            importlib.import_module(f"{__package__}.{service}")
    return [spec for spec in _SPECS if spec.service in wanted]
