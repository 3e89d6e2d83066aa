"""The credentials hand-off between the server (who knows the caller) and the tools.

The server registers one resolver at start-up; every tool call asks it for the caller's Google
credentials. Multi-user: the resolver maps the request's access token to that user's credentials.
Single-user: it returns the one stored credential.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from fastmcp.exceptions import ToolError

if TYPE_CHECKING:  # google.oauth2 is imported by the resolver, not here (start-up cost)
    from google.oauth2.credentials import Credentials

CredentialsResolver = Callable[[], Awaitable["Credentials"]]

_resolver: CredentialsResolver | None = None
# One dict per tool call, shared by the tasks it starts (a search fans out to many Google requests).
_call_cache: ContextVar[dict | None] = ContextVar("google_call_cache", default=None)


@contextmanager
def call_scope() -> Iterator[None]:
    """Mark one tool call: resolvers may reuse what they loaded for it until it ends."""
    token = _call_cache.set({})
    try:
        yield
    finally:
        _call_cache.reset(token)


def call_cache() -> dict | None:
    """The current tool call's cache, or None outside a tool call."""
    return _call_cache.get()


def set_credentials_resolver(resolver: CredentialsResolver | None) -> None:
    """Install the function that returns the current caller's Google credentials (None clears it)."""
    global _resolver
    _resolver = resolver


async def current_credentials() -> Credentials:
    """The caller's Google credentials; a ToolError (never a traceback) when there are none."""
    if _resolver is None:
        raise ToolError("Not signed in to Google: this server has no credentials resolver configured.")
    try:
        credentials = await _resolver()
    except ToolError:
        raise
    except Exception as exc:  # the resolver's own failure (store unreachable, bad file) is reported
        raise ToolError(f"Could not load your Google credentials: {exc}") from exc
    if credentials is None:
        raise ToolError("Not signed in to Google: sign in again to authorize this server.")
    return credentials
