"""Settings for talking to the Google APIs, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_MAX_RESPONSE_BYTES = 100_000
# Below this a single message header would not fit; a typo (e.g. "100") is more likely than intent.
MIN_MAX_RESPONSE_BYTES = 1_000


@dataclass(frozen=True)
class GoogleApiSettings:
    """How tools reach Google.

    root_url: replaces every API's ``rootUrl`` from its discovery document (tests point it at the
        local stand-in); ``None`` (default) keeps each API's own root.
    max_response_bytes: tool output beyond this many bytes is truncated with a note (default 100000).
    """

    root_url: str | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GoogleApiSettings:
        root = (environ.get("GOOGLE_API_ROOT_URL") or "").strip() or None
        if root is not None:
            parts = urlsplit(root)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"GOOGLE_API_ROOT_URL: must be an http(s) URL (got {root!r})")
            if not root.endswith("/"):
                root += "/"
        raw = (environ.get("WORKSPACE_MCP_MAX_RESPONSE_BYTES") or "").strip()
        limit = DEFAULT_MAX_RESPONSE_BYTES
        if raw:
            try:
                limit = int(raw)
            except ValueError:
                raise ValueError(f"WORKSPACE_MCP_MAX_RESPONSE_BYTES: must be an integer (got {raw!r})") from None
            if limit < MIN_MAX_RESPONSE_BYTES:
                raise ValueError(
                    f"WORKSPACE_MCP_MAX_RESPONSE_BYTES: must be at least {MIN_MAX_RESPONSE_BYTES} (got {limit})"
                )
        return cls(root_url=root, max_response_bytes=limit)
