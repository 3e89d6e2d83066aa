"""Server start-up, tools/list latency and size, and peak memory: ours, the peer and the floor."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.ports import free_port
from tests.fakes.server_process import server_env
from workspace_mcp_server.google.settings import SEARCH_ENGINE_VARIABLE, SEARCH_KEY_VARIABLE

from .mcp_http import McpSession, new_client, tools_json_bytes
from .procs import peak_rss_mb, started_server
from .stats import percentile

ROOT = Path(__file__).resolve().parent.parent
TOOLS_LIST_BUDGET_S = 120  # per run: the request loop stops early rather than run forever
# Variables of the developer's shell that would change any server measured here.
_DROP = ("PORT", "WORKSPACE_MCP_", "MCP_", "GOOGLE_", "OAUTHLIB_", "AWS_", "PYTHON")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROP)}
    return {**env, "HOME": str(home), "PYTHONUNBUFFERED": "1", **extra}


@dataclass(frozen=True)
class ServerKind:
    name: str
    label: str
    # (port, work dir) -> (argv, env)
    command: Callable[[int, Path], tuple[list[str], dict[str, str]]]
    expected_tools: int | None = None  # "every tool loaded": tools/list must return exactly this many


def compile_ours() -> None:
    """Byte-compile the server package as the container image ships it (pip compiles at install). From a
    shell with PYTHONDONTWRITEBYTECODE set, every start would otherwise compile each module edited since
    its bytecode was last written (about 0.15 s of cold start for a dozen tool modules)."""
    import compileall

    import workspace_mcp_server

    compileall.compile_dir(Path(workspace_mcp_server.__file__).parent, quiet=1)


def every_tool() -> dict[str, str]:
    """The selection that serves every tool: the complete tier of every service, opt-in ones included."""
    from workspace_mcp_server.google.services import NAMES

    return {"WORKSPACE_MCP_TOOL_TIER": "complete", "WORKSPACE_MCP_SERVICES": ",".join(NAMES)}


def complete_tier_size() -> int:
    """How many tools our complete tier has, from the tools package's own selection."""
    from workspace_mcp_server.tools.selection import ToolSelection

    return len(ToolSelection.from_env(every_tool()).tool_names())


def ours_command(extra_env: dict[str, str] | None = None) -> Callable[[int, Path], tuple[list[str], dict[str, str]]]:
    def command(port: int, work: Path) -> tuple[list[str], dict[str, str]]:
        creds = work / "credentials"
        creds.mkdir(parents=True, exist_ok=True)
        env = server_env(
            {
                "HOME": str(work),
                "MCP_SINGLE_USER_MODE": "1",
                "GOOGLE_OAUTH_CLIENT_SECRET": "benchmark-secret",
                "GOOGLE_MCP_CREDENTIALS_DIR": str(creds),
                **every_tool(),
                # Every tool loaded: the search service needs its key and engine id to be served at all.
                SEARCH_KEY_VARIABLE: "benchmark-search-key",
                SEARCH_ENGINE_VARIABLE: "benchmark-engine",
                **(extra_env or {}),
            },
            port,
        )
        return [sys.executable, "-m", "workspace_mcp_server"], env

    return command


def peer_command(peer_python: Path) -> Callable[[int, Path], tuple[list[str], dict[str, str]]]:
    def command(port: int, work: Path) -> tuple[list[str], dict[str, str]]:
        creds = work / "credentials"
        creds.mkdir(parents=True, exist_ok=True)
        env = clean_env(
            work,
            WORKSPACE_MCP_HOST="127.0.0.1",
            WORKSPACE_MCP_PORT=str(port),
            GOOGLE_OAUTH_CLIENT_ID="benchmark.apps.googleusercontent.com",
            GOOGLE_OAUTH_CLIENT_SECRET="benchmark-secret",
            GOOGLE_MCP_CREDENTIALS_DIR=str(creds),
        )
        # Its console script, in streamable-http mode with every tool (it serves /health itself).
        script = peer_python.parent / "workspace-mcp"
        return [
            str(peer_python),
            str(script),
            "--transport",
            "streamable-http",
            "--single-user",
            "--tool-tier",
            "complete",
        ], env

    return command


def floor_command(port: int, work: Path) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, str(ROOT / "benchmarks" / "floor_server.py"), str(port)], clean_env(work)


@dataclass
class ServerRun:
    startup_s: float
    tool_count: int
    tools_bytes: int  # compact JSON of the tools array
    p50_ms: float
    p99_ms: float
    requests: int
    peak_rss_mb: float  # VmHWM after start-up and the tools/list loop


async def _tools_list_loop(url: str, requests: int) -> tuple[list[dict], list[float]]:
    async with new_client() as client:
        session = await McpSession(client, url).open()
        tools = await session.list_tools()
        latencies: list[float] = []
        deadline = time.monotonic() + TOOLS_LIST_BUDGET_S
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            await session.list_tools()
            latencies.append(time.perf_counter() - started)
        return tools, latencies


def measure(kind: ServerKind, work: Path, requests: int) -> ServerRun:
    """One fresh process: time to /health 200, one tools/list, ``requests`` timed ones, VmHWM."""
    port = free_port()
    argv, env = kind.command(port, work)
    with started_server(argv, env=env, port=port, log=work / "server.log", cwd=work) as server:
        tools, latencies = asyncio.run(_tools_list_loop(f"{server.base_url}/mcp", requests))
        rss = peak_rss_mb(server.pid)
    if not tools or (kind.expected_tools is not None and len(tools) != kind.expected_tools):
        raise RuntimeError(
            f"{kind.name}: tools/list returned {len(tools)} tools, expected "
            f"{kind.expected_tools or 'some'} (see {work / 'server.log'})"
        )
    return ServerRun(
        startup_s=server.startup_s,
        tool_count=len(tools),
        tools_bytes=tools_json_bytes(tools),
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        requests=len(latencies),
        peak_rss_mb=rss,
    )
