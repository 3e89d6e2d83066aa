"""Settings for talking to the Google APIs, read from the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_MAX_RESPONSE_BYTES = 100_000
# Below this a single message header would not fit; a typo (e.g. "100") is more likely than intent.
MIN_MAX_RESPONSE_BYTES = 1_000
SEARCH_KEY_VARIABLE = "GOOGLE_SEARCH_API_KEY"
SEARCH_ENGINE_VARIABLE = "GOOGLE_SEARCH_ENGINE_ID"
# An API key is URL-safe base64-like text; an engine id ("cx") is letters, digits and maybe one colon.
_API_KEY = re.compile(r"[A-Za-z0-9_-]{20,100}")
_ENGINE_ID = re.compile(r"[A-Za-z0-9_:-]{5,100}")


@dataclass(frozen=True)
class GoogleApiSettings:
    """How tools reach Google.

    root_url: replaces every API's ``rootUrl`` from its discovery document (tests point it at the
        local stand-in); ``None`` (default) keeps each API's own root.
    max_response_bytes: tool output beyond this many bytes is truncated with a note (default 100000).
    search_api_key, search_engine_id: the Programmable Search (Custom Search JSON API) key and engine id;
        the search tools authenticate with the key, never with a user's token. The key is a secret:
        never part of repr, logs or tool output.
    """

    root_url: str | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    search_api_key: str | None = field(default=None, repr=False)
    search_engine_id: str | None = None

    def missing_search_variables(self) -> list[str]:
        """The variables the search service still needs (none when both are set)."""
        return [
            name
            for name, value in (
                (SEARCH_KEY_VARIABLE, self.search_api_key),
                (SEARCH_ENGINE_VARIABLE, self.search_engine_id),
            )
            if not value
        ]

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
        key = (environ.get(SEARCH_KEY_VARIABLE) or "").strip() or None
        if key is not None and not _API_KEY.fullmatch(key):
            # The value is a secret: the message describes it without showing it.
            raise ValueError(
                f"{SEARCH_KEY_VARIABLE}: not a Google API key (expected 20-100 letters, digits, '-' or '_'; "
                f"got {len(key)} characters, value not shown)"
            )
        engine = (environ.get(SEARCH_ENGINE_VARIABLE) or "").strip() or None
        if engine is not None and not _ENGINE_ID.fullmatch(engine):
            raise ValueError(
                f"{SEARCH_ENGINE_VARIABLE}: not a Programmable Search engine id (the cx value, e.g. "
                f"'0123456789abcdef0'; got {engine!r})"
            )
        return cls(root_url=root, max_response_bytes=limit, search_api_key=key, search_engine_id=engine)
