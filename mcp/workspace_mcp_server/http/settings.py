"""Settings of the HTTP surface: body caps, rate limits, trusted proxies, origins, shutdown.

Read by ``config.Settings.from_env``; every error is a ``ConfigError`` starting with the variable name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

# The OAuth endpoints take a few form fields or a small JSON document; 16 KiB is many times that.
DEFAULT_OAUTH_MAX_BODY_BYTES = 16 * 1024
# Requests per minute per client address, per endpoint group (0 switches a limit off). A company
# behind one NAT address must still get through: a client registers once per install, a sign-in
# takes three authorization requests (authorize, consent page, consent answer), and each signed-in
# client asks for a token about once an hour.
DEFAULT_RATE_LIMITS = {"register": 30, "authorize": 120, "token": 300}
# ECS's stopTimeout default (the task definition does not set one): SIGKILL comes this long after SIGTERM.
DEFAULT_STOP_TIMEOUT_SECONDS = 30
# Left of the stop timeout for what follows the drain: uvicorn's shutdown, the last answer, process exit.
SHUTDOWN_MARGIN_SECONDS = 3


def _error(message: str) -> Exception:
    from workspace_mcp_server.config import ConfigError

    return ConfigError(message)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise _error(f"{name}: must be a whole number >= {minimum} (got {raw!r})")
    return int(raw)


def _networks(env: Mapping[str, str], name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for raw in env.get(name, "").split(","):
        if not raw.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(raw.strip(), strict=False))
        except ValueError:
            raise _error(f"{name}: {raw.strip()!r} is not an IP address or CIDR block (such as 10.0.0.0/16)") from None
    return tuple(networks)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` as browsers send it in ``Origin`` (default ports left out)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _origins(env: Mapping[str, str], name: str, public_url: str) -> frozenset[str]:
    origins = {origin_of(public_url)}
    for raw in env.get(name, "").split(","):
        value = raw.strip()
        if not value:
            continue
        parts = urlsplit(value)
        try:
            _ = parts.port  # urlsplit parses the port lazily: reading it is the check
        except ValueError:
            raise _error(f"{name}: invalid port in {value!r}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
            raise _error(f"{name}: {value!r} is not an origin such as https://app.example.com (scheme://host[:port])")
        origins.add(origin_of(value))
    return frozenset(origins)


@dataclass(frozen=True)
class HttpSettings:
    oauth_max_body_bytes: int
    rate_limits: Mapping[str, int]  # endpoint group -> requests per minute per client (0 = no limit)
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    allowed_origins: frozenset[str]
    stop_timeout_seconds: int

    @property
    def drain_seconds(self) -> int:
        """How long in-flight requests get after SIGTERM: the stop timeout minus the shutdown margin."""
        return max(1, self.stop_timeout_seconds - SHUTDOWN_MARGIN_SECONDS)

    @classmethod
    def from_env(cls, env: Mapping[str, str], public_url: str) -> HttpSettings:
        return cls(
            oauth_max_body_bytes=_int(env, "WORKSPACE_MCP_OAUTH_MAX_BODY_BYTES", DEFAULT_OAUTH_MAX_BODY_BYTES, 1024),
            rate_limits={
                group: _int(env, f"WORKSPACE_MCP_RATE_LIMIT_{group.upper()}", default, 0)
                for group, default in DEFAULT_RATE_LIMITS.items()
            },
            trusted_proxies=_networks(env, "WORKSPACE_MCP_TRUSTED_PROXIES"),
            allowed_origins=_origins(env, "WORKSPACE_MCP_ALLOWED_ORIGINS", public_url),
            stop_timeout_seconds=_int(
                env, "WORKSPACE_MCP_STOP_TIMEOUT_SECONDS", DEFAULT_STOP_TIMEOUT_SECONDS, SHUTDOWN_MARGIN_SECONDS + 1
            ),
        )
