"""Tool metadata: each tool module marks its functions with ``@read``/``@write`` (tier, scopes).

Marking only attaches a ``ToolSpec`` to the function; ``specs`` reads the specs of a service's module
and ``register_tools`` later adds the selected ones to FastMCP (with the service and read-only tags).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..google.services import NAMES as SERVICES

TIERS = ("core", "extended", "complete")  # cumulative: extended includes core, complete everything
_SPEC = "__tool_spec__"


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    name: str
    service: str
    tier: str
    read_only: bool
    destructive: bool
    scopes: tuple[str, ...]


def _mark(tier: str, scopes: tuple[str, ...], read_only: bool, destructive: bool):
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}")

    def decorate(fn):
        service = fn.__module__.rsplit(".", 1)[-1]
        setattr(fn, _SPEC, ToolSpec(fn, fn.__name__, service, tier, read_only, destructive, scopes))
        return fn

    return decorate


def read(tier: str, *scopes: str):
    """Mark a tool that only reads (exposed in read-only mode)."""
    return _mark(tier, scopes, True, False)


def write(tier: str, *scopes: str, destructive: bool = False):
    """Mark a tool that changes data; ``destructive`` when it deletes or overwrites."""
    return _mark(tier, scopes, False, destructive)


def specs(services: Iterable[str] = SERVICES) -> list[ToolSpec]:
    """Every tool of ``services``, in service then definition order (imports only those modules)."""
    wanted = set(services)
    found = []
    for service in SERVICES:
        if service in wanted:
            module = importlib.import_module(f"{__package__}.{service}")
            marked = (getattr(value, _SPEC, None) for value in vars(module).values())
            found += [spec for spec in marked if spec is not None and spec.service == service]  # not imported ones
    return found
