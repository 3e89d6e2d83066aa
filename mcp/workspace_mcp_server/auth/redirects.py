"""Which redirect URIs an MCP client may register and use: the operator's redirect policy.

An authorization code (and so the user's Google account) goes wherever the redirect URI
points, so the server decides, not the client:

- loopback (``127.0.0.0/8``, ``[::1]``, ``localhost``) over http or https on any port (RFC 8252 §7.3:
  native apps such as Claude Code, VS Code, MCP Inspector listen on a random local port);
- URIs matching a pattern of ``WORKSPACE_MCP_ALLOWED_REDIRECT_URIS`` (hosted clients such as
  Claude.ai or ChatGPT, private-use schemes such as ``cursor://``), which the operator chose;
- never a URI with a fragment (RFC 6749 §3.1.2), user info, a backslash in its authority,
  dot segments, a script-capable scheme, or plain http to a non-loopback host.

Patterns are glob-style, compared component by component (FastMCP's matcher, which refuses
``https://claude.ai@evil.example`` tricks): ``*.example.com`` matches subdomains, ``:*`` any port,
``*`` in the path any characters; a pattern without a path matches every path of that origin.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

# Schemes a browser would execute or read locally instead of handing to an application.
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob", "about", "filesystem"})
ENV_VAR = "WORKSPACE_MCP_ALLOWED_REDIRECT_URIS"


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1, localhost and *.localhost (RFC 6761 §6.3); a trailing dot names the same host."""
    host = (host or "").lower().strip("[]").removesuffix(".")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")


class RedirectRefused(ValueError):
    """A redirect URI the policy refuses; ``str()`` says why (safe to show the client).

    ``malformed``: no server may accept it (fragment, script scheme, plain http to a remote
    host...), as opposed to a well-formed URI this server's patterns do not list.
    """

    def __init__(self, message: str, *, malformed: bool = True):
        super().__init__(message)
        self.malformed = malformed


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a redirect pattern, or None when it can (checked at start-up)."""
    try:
        parts = urlsplit(pattern)
    except ValueError:
        return "is not a URI"
    scheme = parts.scheme.lower()
    if not scheme or scheme in FORBIDDEN_SCHEMES:
        return "needs an https:// or private-use scheme (such as cursor://)"
    if scheme == "http" and not is_loopback_host(parts.hostname):
        return "uses plain http to a non-loopback host; use https"
    if parts.fragment or "#" in pattern:
        return "must not contain a fragment"
    if "@" in parts.netloc or "\\" in pattern:
        return "must not contain user info or backslashes"
    if scheme in ("http", "https") and not parts.hostname:
        return "needs a host"
    if parts.hostname and parts.hostname.strip("*.") == "":
        return "must name a host (a bare * would allow every site)"
    return None


@dataclass(frozen=True)
class RedirectPolicy:
    patterns: tuple[str, ...] = ()

    def check(self, uri: str) -> None:
        """Raise RedirectRefused unless ``uri`` may receive authorization codes."""
        try:
            parts = urlsplit(uri)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise RedirectRefused(f"redirect URI {uri!r} is not a valid URI") from None
        scheme = parts.scheme.lower()
        if "#" in uri:
            raise RedirectRefused(f"redirect URI {uri!r} must not contain a fragment (RFC 6749 section 3.1.2)")
        if not scheme or scheme in FORBIDDEN_SCHEMES:
            raise RedirectRefused(f"redirect URI {uri!r} uses a scheme that is never allowed")
        if parts.username is not None or parts.password is not None or "\\" in parts.netloc:
            raise RedirectRefused(f"redirect URI {uri!r} must not contain user info")
        if any(segment in (".", "..") for segment in parts.path.split("/")):
            raise RedirectRefused(f"redirect URI {uri!r} must not contain dot segments")
        if scheme in ("http", "https") and is_loopback_host(parts.hostname):
            return  # RFC 8252 §7.3: any port on the loopback interface
        if scheme == "http":
            raise RedirectRefused(f"redirect URI {uri!r} uses plain http to a non-loopback host; only https is allowed")
        # Imported here: config validation uses this module and must not load FastMCP's auth stack.
        from fastmcp.server.auth.redirect_validation import matches_allowed_pattern

        if any(matches_allowed_pattern(uri, pattern) for pattern in self.patterns):
            return
        raise RedirectRefused(
            f"redirect URI {uri!r} is not allowed by this server: only loopback URIs (http://127.0.0.1:<port>/...) "
            f"and URIs matching the operator's {ENV_VAR} are accepted",
            malformed=False,
        )

    def allows(self, uri: str) -> bool:
        try:
            self.check(uri)
        except RedirectRefused:
            return False
        return True
