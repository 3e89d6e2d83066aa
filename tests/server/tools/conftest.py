"""One Google API stand-in and one real server process (single-user mode) for all tool tests.

Tests talk to the server over streamable HTTP with FastMCP's client. The stand-in checks every
request against the shipped discovery documents; ``no_violations`` fails a test whose requests
did not fit them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport
from fastmcp.exceptions import ToolError

from tests.fakes.google.search import ENGINE_ID as SEARCH_ENGINE_ID
from tests.fakes.google.search import SEARCH_API_KEY
from tests.fakes.google_api import GoogleApiFake, run_google_api
from tests.fakes.server_process import run_server
from tests.server.conftest import single_user_env
from workspace_mcp_server.google.services import NAMES as SERVICE_NAMES
from workspace_mcp_server.tools.selection import ToolSelection

ACCESS_TOKEN = "ya29.single-user-token"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def seed_credentials(directory: Path, token: str, scopes: list[str]) -> None:
    """An authorized-user file (google-auth format) with a still-valid token the stand-in accepts."""
    directory.mkdir(parents=True, exist_ok=True)
    info = {
        "token": token,
        "refresh_token": "1//refresh-unused",
        "token_uri": "http://127.0.0.1:9/token",
        "client_id": "client.apps.googleusercontent.com",
        "client_secret": "client-secret",
        "scopes": scopes,
        "expiry": "2099-01-01T00:00:00Z",
    }
    (directory / "solo@example.com.json").write_text(json.dumps(info))


def tools_env(credentials_dir: Path, google_api: GoogleApiFake, **extra: str) -> dict[str, str]:
    return {
        **single_user_env(credentials_dir),
        "WORKSPACE_MCP_SERVICES": ",".join(SERVICE_NAMES),  # every service, opt-in ones included
        "GOOGLE_API_ROOT_URL": google_api.root_url,
        "GOOGLE_SEARCH_API_KEY": SEARCH_API_KEY,
        "GOOGLE_SEARCH_ENGINE_ID": SEARCH_ENGINE_ID,
        **extra,
    }


@pytest.fixture(scope="session")
def google_api() -> GoogleApiFake:
    with run_google_api() as fake:
        fake.add_token(ACCESS_TOKEN, ToolSelection(services=SERVICE_NAMES).scopes())
        yield fake


@pytest.fixture(scope="session")
def server(google_api, tmp_path_factory):
    """The server with every tool (complete tier, all services)."""
    credentials = tmp_path_factory.mktemp("tool-credentials")
    seed_credentials(credentials, ACCESS_TOKEN, ToolSelection(services=SERVICE_NAMES).scopes())
    log = tmp_path_factory.mktemp("tool-logs") / "server.log"
    with run_server(tools_env(credentials, google_api), log_path=log) as process:
        yield process


@pytest.fixture
async def mcp(server):
    async with Client(StreamableHttpTransport(server.url("/mcp"))) as client:
        yield client


@pytest.fixture(autouse=True)
def no_violations(request):
    """Requests the stand-in received must fit the discovery documents."""
    if "google_api" not in request.fixturenames:
        yield
        return
    fake = request.getfixturevalue("google_api")
    fake.violations.clear()
    yield
    assert fake.violations == [], "requests did not match the discovery documents"


async def call(client: Client, tool: str, **arguments: Any):
    """Call a tool that must succeed; returns the result (``.content[0].text``, ``.structured_content``)."""
    return await client.call_tool(tool, arguments)


async def text(client: Client, tool: str, **arguments: Any) -> str:
    return (await call(client, tool, **arguments)).content[0].text


async def error(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail; returns its error text (never a traceback)."""
    with pytest.raises(ToolError) as failure:
        await client.call_tool(tool, arguments)
    message = str(failure.value)
    assert "Traceback" not in message
    return message
