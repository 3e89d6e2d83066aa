"""Google credentials for the current request: the hand-off to the tools.

Multi-user: the Google access token behind the request's own FastMCP token (the OAuth proxy
has just validated and, if needed, refreshed it), so a request can only act as its own user.
Single-user: the one credential in the token store, seeded from an authorized-user JSON file.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import anyio
from fastmcp.exceptions import ToolError
from fastmcp.server.dependencies import get_access_token
from google.oauth2.credentials import Credentials

from workspace_mcp_server.google.credentials import call_cache
from workspace_mcp_server.logs import user_label, user_var
from workspace_mcp_server.storage.blobs import StorageError
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue, UndecryptableStoreError
from workspace_mcp_server.storage.lease import lease

log = logging.getLogger("workspace_mcp_server.auth")

SINGLE_USER_COLLECTION = "google-credentials"
SINGLE_USER_KEY = "single-user"


class MultiUserResolver:
    def __init__(self, log_user: str = "hash"):
        self.log_user = log_user

    async def __call__(self) -> Credentials:
        token = get_access_token()
        if token is None or not token.token:
            raise ToolError("Not signed in: connect with OAuth (MCP_ENABLE_OAUTH21) to use Google tools")
        claims = token.claims or {}
        user_var.set(user_label(claims.get("sub"), claims.get("email"), self.log_user))
        # No expiry: the OAuth proxy has just validated (and if needed refreshed) this token, and
        # google-auth treats a token in its last 3m45s as expired and tries a refresh it cannot do
        # (no refresh token here), which failed every tool call in that window of every hour.
        return Credentials(token=token.token, scopes=token.scopes or None)


class SingleUserResolver:
    """The one stored credential; refreshed with its refresh token and written back when it expires."""

    def __init__(self, store: EncryptedKeyValue, credentials_dir: Path, token_url: str, log_user: str = "hash"):
        self.store = store
        self.credentials_dir = credentials_dir
        # The configured token endpoint, never the file's token_uri (google-auth ignores that too:
        # a crafted file must not be able to send the refresh token elsewhere).
        self.token_url = token_url
        self.log_user = log_user
        self._lock = anyio.Lock()

    def _seed(self) -> dict | None:
        files = sorted(self.credentials_dir.glob("*.json")) if self.credentials_dir.is_dir() else []
        for path in files:
            try:
                info = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise ToolError(f"credentials file {path.name} is not readable JSON: {exc}") from None
            if isinstance(info, dict) and (info.get("refresh_token") or info.get("token")):
                log.info("seeding single-user credential from %s", path.name, extra={"event": "credential_seeded"})
                return info
        return None

    async def load_info(self) -> tuple[dict, bool]:
        """The stored credential, else the seed file's; the flag says it came from the seed."""
        with _store_errors_as_tool_errors():
            info = await self.store.get(SINGLE_USER_KEY, collection=SINGLE_USER_COLLECTION)
        if info is not None:
            return info, False
        seed = await anyio.to_thread.run_sync(self._seed)
        if seed is None:
            raise ToolError(
                f"Not signed in: no stored Google credential and no *.json credentials file in {self.credentials_dir}"
            )
        return seed, True

    async def _save(self, info: dict) -> None:
        try:
            await self.store.put(SINGLE_USER_KEY, info, collection=SINGLE_USER_COLLECTION)
        except StorageError:
            raise ToolError("Token store error: credential not saved; the server log has the details") from None

    def _credentials(self, info: dict) -> Credentials:
        try:
            parsed = Credentials.from_authorized_user_info(info)
        except ValueError as exc:
            raise ToolError(f"stored Google credential is incomplete: {exc}") from None
        return Credentials(
            token=info.get("token"),
            refresh_token=parsed.refresh_token,
            token_uri=self.token_url,
            client_id=parsed.client_id,
            client_secret=parsed.client_secret,
            scopes=parsed.scopes,
            expiry=parsed.expiry,
        )

    async def __call__(self) -> Credentials:
        async with self._lock:
            # Within one tool call a still-valid credential is reused (reading and decrypting the
            # store, then parsing it, for each of its Google requests was most of its overhead);
            # every tool call reads the store, the source of truth, again. Each request gets its
            # own copy, as it got its own object before.
            cache = call_cache()
            cached = cache.get(SINGLE_USER_KEY) if cache is not None else None
            if cached is not None and cached[1].valid:
                info, creds = cached
                user_var.set(user_label(info.get("account") or info.get("client_id"), None, self.log_user))
                return copy.copy(creds)
            info, seeded = await self.load_info()
            creds = self._credentials(info)
            user_var.set(user_label(info.get("account") or info.get("client_id"), None, self.log_user))
            if not creds.valid and creds.refresh_token:
                info, creds = await self._refresh_shared(info, creds)
            elif seeded:  # from now on the store holds it; the file is only the seed
                await self._save(info)
            if creds.valid and cache is not None:
                cache[SINGLE_USER_KEY] = (info, copy.copy(creds))
            return creds

    async def _refresh_shared(self, info: dict, creds: Credentials) -> tuple[dict, Credentials]:
        """Refresh under the store's lease: another process (a second task, a rolling deploy) may be
        refreshing the same credential, and a refresh token Google has just rotated would fail and be
        taken for stolen. Whoever waited reads the store again and uses the other's result."""
        with _store_errors_as_tool_errors():
            async with lease(self.store, f"refresh:{SINGLE_USER_KEY}"):
                stored = await self.store.get(SINGLE_USER_KEY, collection=SINGLE_USER_COLLECTION)
                if stored is not None:
                    info, creds = stored, self._credentials(stored)
                if not creds.valid and creds.refresh_token:
                    await anyio.to_thread.run_sync(self._refresh, creds)
                    info = {**info, **json.loads(creds.to_json())}
                    await self._save(info)
        return info, creds

    @staticmethod
    def _refresh(creds: Credentials) -> None:
        from google.auth.exceptions import RefreshError
        from google.auth.transport.requests import Request

        try:
            creds.refresh(Request())
        except RefreshError as exc:
            raise ToolError(f"Google refused to refresh the stored credential: {exc}") from None


@contextlib.contextmanager
def _store_errors_as_tool_errors() -> Iterator[None]:
    """The token store's failures as the client sees them: an undecryptable record says so (its message
    names no location); any other store error names its location, which is for the log (already
    written), not the client."""
    try:
        yield
    except UndecryptableStoreError as exc:
        raise ToolError(f"Token store error: {exc}") from None
    except StorageError:
        raise ToolError(
            "Token store error: the stored credential cannot be read; the server log has the details"
        ) from None
