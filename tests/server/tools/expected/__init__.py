"""What the server must list, stated per service independently of the server's own metadata: one
module per service (``TOOLS``: name -> (tier, kind), kind one of read / write / destructive;
``SCOPES`` and ``READ_ONLY_SCOPES``: what the service alone asks for; ``OPT_IN`` True: served only when
named). Adding a service adds a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

TIERS = ("core", "extended", "complete")
AUTH = "https://www.googleapis.com/auth/"

BY_SERVICE: dict[str, ModuleType] = {
    info.name: importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)
}
TOOLS: dict[str, tuple[str, str]] = {name: row for module in BY_SERVICE.values() for name, row in module.TOOLS.items()}
#: What a server serves when WORKSPACE_MCP_SERVICES is unset.
DEFAULT_SERVICES = tuple(service for service, module in BY_SERVICE.items() if not getattr(module, "OPT_IN", False))


def names(tier: str = "complete", read_only: bool = False, services=None) -> set[str]:
    """The tool names a selection must list (tiers are cumulative)."""
    return {
        name
        for service, module in BY_SERVICE.items()
        if services is None or service in services
        for name, (t, kind) in module.TOOLS.items()
        if TIERS.index(t) <= TIERS.index(tier) and (kind == "read" or not read_only)
    }


# Over every service, opt-in ones included (the catalog lists them all).
CORE, EXTENDED, COMPLETE = (names(tier) for tier in TIERS)
READ_ONLY = names(read_only=True)
DESTRUCTIVE = {name for name, (_, kind) in TOOLS.items() if kind == "destructive"}
