"""Which Google scopes a sign-in may carry, and which tools a token may see and call.

- A client may ask for any scope the enabled tools use, or a narrower one they imply
  (``gmail.readonly`` instead of ``gmail.modify``): :func:`grantable_scopes`.
- A client that asks for nothing gets everything the enabled tools need (the default).
- ``openid`` and ``userinfo.email`` are always added: the server must know who signed in.
- ``tools/list`` shows a token only the tools its scopes allow; calling another one fails
  with a message naming the missing scope and how to get it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from fastmcp.exceptions import ToolError
from fastmcp.server.dependencies import get_access_token
from fastmcp.server.middleware import Middleware

from workspace_mcp_server.google import scopes as google_scopes
from workspace_mcp_server.google.services import IMPLIES

IDENTITY_SCOPES = (google_scopes.OPENID, google_scopes.USERINFO_EMAIL)


def grantable_scopes(default: Iterable[str]) -> list[str]:
    """``default`` (what the enabled tools need) plus the narrower scopes each of them implies."""
    scopes = list(dict.fromkeys([*IDENTITY_SCOPES, *default]))
    for scope in list(scopes):
        scopes.extend(sorted(IMPLIES.get(scope, frozenset()) - set(scopes)))
    return scopes


def effective(granted: Iterable[str]) -> set[str]:
    """The granted scopes plus the narrower ones they imply."""
    granted = set(granted)
    return granted.union(*(IMPLIES.get(scope, frozenset()) for scope in granted))


def missing_scopes(required: Iterable[str], granted: Iterable[str]) -> list[str]:
    have = effective(granted)
    return [scope for scope in required if scope not in have]


class ToolScopeMiddleware(Middleware):
    """Filters ``tools/list`` by the token's scopes and refuses calls outside them (OAuth mode only)."""

    def __init__(self, tool_scopes: Mapping[str, Iterable[str]]):
        self.tool_scopes = {name: tuple(scopes) for name, scopes in tool_scopes.items()}

    @staticmethod
    def _granted() -> set[str] | None:
        token = get_access_token()
        return None if token is None else set(token.scopes or ())

    async def on_list_tools(self, context, call_next):
        tools = await call_next(context)
        granted = self._granted()
        if granted is None:
            return tools
        return [tool for tool in tools if not missing_scopes(self.tool_scopes.get(tool.name, ()), granted)]

    async def on_call_tool(self, context, call_next):
        granted = self._granted()
        name = context.message.name
        if granted is not None:
            missing = missing_scopes(self.tool_scopes.get(name, ()), granted)
            if missing:
                needed = " ".join(missing)
                raise ToolError(
                    f"{name} needs the Google scope {needed}, which this sign-in did not grant. "
                    f'Sign in again asking for it (scope="{" ".join([*sorted(granted), *missing])}"), '
                    "or without a scope parameter to get every scope this server's tools use."
                )
        return await call_next(context)
