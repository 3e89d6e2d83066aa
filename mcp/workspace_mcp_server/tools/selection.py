"""Which tools a server exposes: tier, read-only mode and enabled services, and the scopes they need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..google import scopes as google_scopes
from ..google.services import DEFAULT_NAMES, IMPLIES
from .registry import SERVICES, TIERS, ToolSpec, specs

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class ToolSelection:
    """tier: core / extended / complete (default; cumulative). read_only: only tools that never
    change data, and only read-only scopes (default False). services: enabled services (default all
    but the opt-in ones).
    """

    tier: str = "complete"
    read_only: bool = False
    services: tuple[str, ...] = DEFAULT_NAMES

    def __post_init__(self):
        if self.tier not in TIERS:
            raise ValueError(f"WORKSPACE_MCP_TOOL_TIER: must be one of {', '.join(TIERS)} (got {self.tier!r})")
        unknown = [s for s in self.services if s not in SERVICES]
        if unknown:
            raise ValueError(
                f"WORKSPACE_MCP_SERVICES: unknown service {unknown[0]!r}; choose from {', '.join(SERVICES)}"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ToolSelection:
        tier = (environ.get("WORKSPACE_MCP_TOOL_TIER") or "complete").strip().lower()
        raw_read_only = (environ.get("WORKSPACE_MCP_READ_ONLY") or "").strip().lower()
        if raw_read_only not in _TRUE | _FALSE:
            raise ValueError(f"WORKSPACE_MCP_READ_ONLY: must be true or false (got {raw_read_only!r})")
        raw_services = (environ.get("WORKSPACE_MCP_SERVICES") or "").strip()
        services = DEFAULT_NAMES
        if raw_services:
            named = [s.strip().lower() for s in raw_services.split(",") if s.strip()]
            services = tuple(dict.fromkeys(named))
        return cls(tier=tier, read_only=raw_read_only in _TRUE, services=services)

    def includes(self, spec: ToolSpec) -> bool:
        return (
            spec.service in self.services
            and TIERS.index(spec.tier) <= TIERS.index(self.tier)
            and (spec.read_only or not self.read_only)
        )

    def tools(self) -> list[ToolSpec]:
        return [spec for spec in specs(self.services) if self.includes(spec)]

    def tool_names(self) -> list[str]:
        return [spec.name for spec in self.tools()]

    def scopes(self) -> list[str]:
        """OAuth scopes the enabled tools need, sorted; a scope implied by another is left out."""
        wanted = {google_scopes.OPENID, google_scopes.USERINFO_EMAIL}
        for spec in self.tools():
            wanted.update(spec.scopes)
        implied = set().union(*(IMPLIES.get(scope, frozenset()) for scope in wanted))
        return sorted(wanted - implied)
