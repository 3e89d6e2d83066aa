"""Typed server configuration read from environment variables, validated at start-up.

Every problem raises :class:`ConfigError` whose message starts with the variable name, so
``__main__`` can stop the process with one clear line before any port is bound.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

if TYPE_CHECKING:  # built by their own packages, which import this module
    from workspace_mcp_server.http.settings import HttpSettings
    from workspace_mcp_server.tools.selection import ToolSelection

DEFAULT_PORT = 8000
DEFAULT_BASE_URI = "http://localhost"
DEFAULT_CREDENTIALS_DIR = "~/.google_workspace_mcp/credentials"

GOOGLE_ENDPOINT_DEFAULTS = {
    "GOOGLE_OAUTH_AUTHORIZATION_URL": "https://accounts.google.com/o/oauth2/v2/auth",
    "GOOGLE_OAUTH_TOKEN_URL": "https://oauth2.googleapis.com/token",
    "GOOGLE_OAUTH_USERINFO_URL": "https://www.googleapis.com/oauth2/v2/userinfo",
    "GOOGLE_OAUTH_TOKENINFO_URL": "https://oauth2.googleapis.com/tokeninfo",
    "GOOGLE_OAUTH_REVOKE_URL": "https://oauth2.googleapis.com/revoke",
}

# OAuth lifetimes (seconds) chosen for a company deployment, and the range each may be set to.
# Unset: the lifetime of Google's access token behind it (1 h), so ours never outlives it.
ACCESS_TOKEN_LIFETIME = "WORKSPACE_MCP_ACCESS_TOKEN_LIFETIME"
LIFETIME_DEFAULTS: dict[str, int] = {
    "WORKSPACE_MCP_REFRESH_TOKEN_LIFETIME": 30 * 86400,  # a sign-in lasts at most 30 days
    "WORKSPACE_MCP_CLIENT_REGISTRATION_LIFETIME": 30 * 86400,  # after registration or the last sign-in
    # How long a task reuses a token check (Google's answer, store reads): the longest another task
    # keeps accepting a token revoked elsewhere (0: check every request; see auth/cache.py).
    "WORKSPACE_MCP_AUTH_CACHE_TTL": 60,
}
LIFETIME_RANGES = {
    "WORKSPACE_MCP_ACCESS_TOKEN_LIFETIME": (60, 86400),
    "WORKSPACE_MCP_REFRESH_TOKEN_LIFETIME": (300, 90 * 86400),
    "WORKSPACE_MCP_CLIENT_REGISTRATION_LIFETIME": (300, 365 * 86400),
    "WORKSPACE_MCP_AUTH_CACHE_TTL": (0, 300),
}
_Default = TypeVar("_Default", int, None)
_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TRANSPORTS = ("streamable-http", "stdio")
_HOST = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{1,5})?$")


class ConfigError(ValueError):
    """Invalid configuration; the message starts with the variable name."""


@dataclass(frozen=True)
class GoogleEndpoints:
    authorization_url: str
    token_url: str
    userinfo_url: str
    tokeninfo_url: str
    revoke_url: str


@dataclass(frozen=True)
class Settings:
    port: int
    base_uri: str
    oauth21: bool
    single_user: bool
    insecure_transport: bool
    client_id: str | None
    client_secret: str | None = field(repr=False)
    credentials_dir: Path
    path_prefix: str
    public_url: str
    token_store: str
    encryption_keys: tuple[bytes, ...] = field(repr=False)
    allowed_hosts: frozenset[str]
    log_level: str
    log_user: str
    transport: str
    google: GoogleEndpoints
    # Which tools are served.
    tool_selection: ToolSelection = field(compare=False)
    # Body caps, rate limits, trusted proxies, origins, stop timeout.
    http: HttpSettings = field(compare=False)
    # OAuth front door (workspace_mcp_server.auth): redirect patterns beyond loopback, lifetimes in seconds.
    allowed_redirect_uris: tuple[str, ...] = ()
    access_token_lifetime: int | None = None
    refresh_token_lifetime: int = LIFETIME_DEFAULTS["WORKSPACE_MCP_REFRESH_TOKEN_LIFETIME"]
    client_registration_lifetime: int = LIFETIME_DEFAULTS["WORKSPACE_MCP_CLIENT_REGISTRATION_LIFETIME"]
    auth_cache_ttl: int = LIFETIME_DEFAULTS["WORKSPACE_MCP_AUTH_CACHE_TTL"]
    # OAuth clients whose Google access tokens the internal route accepts (workspace_mcp_server.auth.internal).
    internal_client_ids: tuple[str, ...] = ()

    @property
    def mcp_url(self) -> str:
        return f"{self.public_url}/mcp"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        port = _port(env)
        base_uri = _url(env, "WORKSPACE_MCP_BASE_URI", DEFAULT_BASE_URI, allow_path=False)
        oauth21 = _bool(env, "MCP_ENABLE_OAUTH21")
        single_user = _bool(env, "MCP_SINGLE_USER_MODE")
        insecure = _bool(env, "OAUTHLIB_INSECURE_TRANSPORT")
        transport = _choice(env, "WORKSPACE_MCP_TRANSPORT", TRANSPORTS, "streamable-http")
        if oauth21 and single_user:
            raise ConfigError("MCP_SINGLE_USER_MODE: cannot be 1 while MCP_ENABLE_OAUTH21=true; choose one mode")
        if not oauth21 and not single_user and transport == "streamable-http":
            # An HTTP server without either mode would have no way to know whose Google account to use.
            raise ConfigError(
                "MCP_ENABLE_OAUTH21: set MCP_ENABLE_OAUTH21=true (multi-user) or MCP_SINGLE_USER_MODE=1 "
                "(single-user, local use) for the streamable-http transport"
            )
        if transport == "stdio":
            single_user = not oauth21
            if oauth21:
                raise ConfigError("MCP_ENABLE_OAUTH21: OAuth 2.1 needs WORKSPACE_MCP_TRANSPORT=streamable-http")
        client_id = env.get("GOOGLE_OAUTH_CLIENT_ID", "").strip() or None
        client_secret = env.get("GOOGLE_OAUTH_CLIENT_SECRET", "").strip() or None
        if oauth21 and not client_id:
            raise ConfigError("GOOGLE_OAUTH_CLIENT_ID: required when MCP_ENABLE_OAUTH21=true")
        if oauth21 and not client_secret:
            raise ConfigError("GOOGLE_OAUTH_CLIENT_SECRET: required when MCP_ENABLE_OAUTH21=true")
        credentials_dir = Path(
            env.get("GOOGLE_MCP_CREDENTIALS_DIR", "").strip() or DEFAULT_CREDENTIALS_DIR
        ).expanduser()
        prefix = _prefix(env)
        public_url = _public_url(env, base_uri, port, prefix)
        if oauth21 and urlsplit(public_url).scheme != "https" and not insecure:
            raise ConfigError(
                f"WORKSPACE_MCP_PUBLIC_URL: {public_url!r} is not https; OAuth needs https "
                "(set OAUTHLIB_INSECURE_TRANSPORT=1 only for local testing)"
            )
        token_store = _token_store(env, credentials_dir)
        keys = _encryption_keys(env, client_secret)
        allowed = _allowed_hosts(env, public_url, base_uri)
        log_level = _choice(env, "WORKSPACE_MCP_LOG_LEVEL", LOG_LEVELS, "INFO", upper=True)
        log_user = _choice(env, "WORKSPACE_MCP_LOG_USER", ("hash", "email"), "hash")
        google = GoogleEndpoints(
            **{
                name.removeprefix("GOOGLE_OAUTH_").lower(): _url(env, name, default, allow_path=True)
                for name, default in GOOGLE_ENDPOINT_DEFAULTS.items()
            }
        )
        return cls(
            port=port,
            base_uri=base_uri,
            oauth21=oauth21,
            single_user=single_user,
            insecure_transport=insecure,
            client_id=client_id,
            client_secret=client_secret,
            credentials_dir=credentials_dir,
            path_prefix=prefix,
            public_url=public_url,
            token_store=token_store,
            encryption_keys=keys,
            allowed_hosts=allowed,
            log_level=log_level,
            log_user=log_user,
            transport=transport,
            google=google,
            tool_selection=_tool_selection(env),
            http=_http_settings(env, public_url),
            allowed_redirect_uris=_redirect_patterns(env),
            internal_client_ids=_internal_client_ids(env, oauth21, prefix, base_uri, public_url),
            access_token_lifetime=_lifetime(env, ACCESS_TOKEN_LIFETIME, None),
            **{
                name.removeprefix("WORKSPACE_MCP_").lower(): _lifetime(env, name, default)
                for name, default in LIFETIME_DEFAULTS.items()
            },
        )


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}: must be true/false or 1/0 (got {env[name]!r})")


def _choice(env, name: str, choices: tuple[str, ...], default: str, upper: bool = False) -> str:
    raw = env.get(name, "").strip() or default
    value = raw.upper() if upper else raw.lower()
    if value not in choices:
        raise ConfigError(f"{name}: must be one of {', '.join(choices)} (got {raw!r})")
    return value


def _port_value(env, name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name}: must be a TCP port number 1-65535 (got {raw!r})")
    return int(raw)


def _port(env) -> int:
    port = _port_value(env, "PORT")
    mcp_port = _port_value(env, "WORKSPACE_MCP_PORT")
    if port is not None and mcp_port is not None and port != mcp_port:
        raise ConfigError(f"WORKSPACE_MCP_PORT: {mcp_port} disagrees with PORT={port}; set them equal")
    return mcp_port or port or DEFAULT_PORT


def _url(env, name: str, default: str, *, allow_path: bool) -> str:
    raw = env.get(name, "").strip() or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name}: must be an http(s) URL such as https://host/path (got {raw!r})")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name}: must not contain a query or fragment (got {raw!r})")
    try:
        _ = parts.port  # urlsplit parses the port lazily: reading it is the check
    except ValueError:
        raise ConfigError(f"{name}: invalid port in {raw!r}") from None
    if not allow_path and parts.path not in ("", "/"):
        raise ConfigError(f"{name}: must be scheme://host[:port] without a path (got {raw!r})")
    return raw.rstrip("/")


def _prefix(env) -> str:
    raw = env.get("WORKSPACE_MCP_PATH_PREFIX", "").strip()
    if raw in ("", "/"):
        return ""
    prefix = "/" + raw.strip("/")
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
    if not set(prefix) <= allowed or "//" in prefix or "/." in prefix:
        raise ConfigError(f"WORKSPACE_MCP_PATH_PREFIX: must be a path such as /google-workspace (got {raw!r})")
    return prefix


def _public_url(env, base_uri: str, port: int, prefix: str) -> str:
    if not env.get("WORKSPACE_MCP_PUBLIC_URL", "").strip():
        base = base_uri if urlsplit(base_uri).port else f"{base_uri}:{port}"
        return base + prefix
    url = _url(env, "WORKSPACE_MCP_PUBLIC_URL", "", allow_path=True)
    path = urlsplit(url).path.rstrip("/")
    if path != prefix:
        raise ConfigError(
            f"WORKSPACE_MCP_PUBLIC_URL: its path {path or '/'!r} must equal WORKSPACE_MCP_PATH_PREFIX "
            f"({prefix or '/'!r})"
        )
    return url


def _token_store(env, credentials_dir: Path) -> str:
    raw = env.get("WORKSPACE_MCP_TOKEN_STORE", "").strip()
    if not raw:
        return str(credentials_dir)
    if raw.startswith("s3://"):
        bucket, _, _ = raw[5:].partition("/")
        if not bucket or not all(c.islower() or c.isdigit() or c in "-." for c in bucket):
            raise ConfigError(f"WORKSPACE_MCP_TOKEN_STORE: must be s3://bucket/prefix (got {raw!r})")
        return raw.rstrip("/")
    if "://" in raw:
        raise ConfigError(f"WORKSPACE_MCP_TOKEN_STORE: must be s3://bucket/prefix or a local directory (got {raw!r})")
    return str(Path(raw).expanduser())


def _encryption_keys(env, client_secret: str | None) -> tuple[bytes, ...]:
    raw = env.get("WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY", "").strip()
    if raw:
        keys = []
        for position, key in enumerate(k.strip() for k in raw.split(",")):
            try:
                Fernet(key)
            except (ValueError, TypeError):
                # Never echo the value: it is a secret.
                raise ConfigError(
                    f"WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY: key #{position + 1} is not a Fernet key "
                    "(32 url-safe base64-encoded bytes; make one with "
                    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
                ) from None
            keys.append(key.encode())
        return tuple(keys)
    if client_secret:
        from workspace_mcp_server.storage.crypto import derive_key

        return (derive_key(client_secret),)
    raise ConfigError(
        "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY: required when GOOGLE_OAUTH_CLIENT_SECRET is not set "
        "(the token store is encrypted with it, or with a key derived from the client secret)"
    )


def _allowed_hosts(env, public_url: str, base_uri: str) -> frozenset[str]:
    hosts = {urlsplit(public_url).hostname, urlsplit(base_uri).hostname}
    for raw in env.get("WORKSPACE_MCP_ALLOWED_HOSTS", "").split(","):
        host = raw.strip().lower()
        if not host:
            continue
        match = _HOST.match(host)
        if not match:
            raise ConfigError(f"WORKSPACE_MCP_ALLOWED_HOSTS: {raw.strip()!r} is not a host name (host or host:port)")
        hosts.add(match.group(1).strip("[]"))
    return frozenset(h.lower() for h in hosts if h)


def _lifetime(env, name: str, default: _Default) -> int | _Default:
    """A duration: seconds, or a number with s/m/h/d (``3600``, ``60m``, ``1h``, ``30d``)."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    match = _DURATION.match(raw)
    low, high = LIFETIME_RANGES[name]
    if not match:
        raise ConfigError(f"{name}: must be a duration such as 3600, 60m, 1h or 30d (got {raw!r})")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not low <= seconds <= high:
        raise ConfigError(f"{name}: must be between {low} and {high} seconds (got {raw!r} = {seconds} s)")
    return seconds


def _redirect_patterns(env) -> tuple[str, ...]:
    """Comma- or whitespace-separated redirect URI patterns; each one is checked now, not at sign-in."""
    from workspace_mcp_server.auth.redirects import ENV_VAR, pattern_problem

    patterns = []
    for raw in re.split(r"[,\s]+", env.get(ENV_VAR, "").strip()):
        if not raw:
            continue
        problem = pattern_problem(raw)
        if problem:
            raise ConfigError(f"{ENV_VAR}: {raw!r} {problem}")
        patterns.append(raw)
    return tuple(dict.fromkeys(patterns))


def _internal_client_ids(env, oauth21: bool, prefix: str, base_uri: str, public_url: str) -> tuple[str, ...]:
    """WORKSPACE_MCP_INTERNAL_CLIENT_IDS, comma- or whitespace-separated; only where the internal route is
    distinguishable from the public one: the bare /mcp (needs a prefix) on the Cloud Map host."""
    name = "WORKSPACE_MCP_INTERNAL_CLIENT_IDS"
    ids = tuple(dict.fromkeys(raw for raw in re.split(r"[,\s]+", env.get(name, "").strip()) if raw))
    if not ids:
        return ()
    for client_id in ids:
        if not re.match(r"^[A-Za-z0-9._-]{1,255}$", client_id):
            raise ConfigError(f"{name}: {client_id!r} is not an OAuth client id")
    if not oauth21:
        raise ConfigError(f"{name}: internal callers need MCP_ENABLE_OAUTH21=true")
    if not prefix:
        raise ConfigError(
            f"{name}: needs WORKSPACE_MCP_PATH_PREFIX: the internal route is the bare /mcp, "
            "which the ALB never forwards"
        )
    if urlsplit(base_uri).hostname == urlsplit(public_url).hostname:
        raise ConfigError(
            f"{name}: WORKSPACE_MCP_BASE_URI must name the Cloud Map host, not the public host "
            f"({urlsplit(public_url).hostname}): the internal route is told apart by its host"
        )
    return ids


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _http_settings(env, public_url: str):
    from workspace_mcp_server.http.settings import HttpSettings

    return HttpSettings.from_env(env, public_url)


def _tool_selection(env):
    """The tools package validates its own variables; its errors already start with the name."""
    from workspace_mcp_server.google.settings import GoogleApiSettings
    from workspace_mcp_server.tools.selection import ToolSelection

    try:
        google = GoogleApiSettings.from_env(env)
        selection = ToolSelection.from_env(env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    missing = google.missing_search_variables()
    if "search" in selection.services and missing:
        # Named on purpose: refuse to start. Implied by "every service": serve the others without search.
        if (env.get("WORKSPACE_MCP_SERVICES") or "").strip():
            raise ConfigError(
                f"{missing[0]}: required when WORKSPACE_MCP_SERVICES includes search "
                f"(set {' and '.join(missing)}, or leave search out)"
            )
        selection = replace(selection, services=tuple(s for s in selection.services if s != "search"))
    return selection
