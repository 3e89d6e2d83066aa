"""Tool calls through MCP against the Google stand-ins, and memory growth across many users.

The Gmail search tool (``search_gmail_messages``) makes one ``messages.list`` and then one
``messages.get`` per hit, concurrently. Its floor is the same requests sent by this client straight
to the stand-in, in the same pattern, so the difference is what our server adds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tests.fakes.ports import free_port

from .mcp_http import McpError, McpSession, new_client
from .procs import peak_rss_mb, rss_mb, started_server, stop
from .servers import ours_command
from .stats import percentile

ROOT = Path(__file__).resolve().parent.parent
TOOL = "search_gmail_messages"
ARGS = {"query": "Report", "page_size": 10}
LOOP_BUDGET_S = 300  # every measured loop stops here at the latest
STANDIN_START_S = 60
# Every benchmark sign-in comes from one address, which the per-address rate limits of the OAuth
# endpoints would refuse after a few dozen; in production sign-ins come from many (0: no limit).
UNLIMITED_SIGN_INS = {f"WORKSPACE_MCP_RATE_LIMIT_{group}": "0" for group in ("REGISTER", "AUTHORIZE", "TOKEN")}


@dataclass
class StandIn:
    api_root: str
    oauth_env: dict[str, str]
    control: str
    credentials: Path
    tls: dict | None = None  # the HTTPS front (tls_google.py): root, ca_file, oauth_env

    def post(self, path: str) -> None:
        httpx2.post(self.control + path, timeout=10, trust_env=False).raise_for_status()

    def api_requests(self) -> dict:
        return httpx2.get(self.control + "/api-requests", timeout=30, trust_env=False).json()


@contextlib.contextmanager
def google_standin(work: Path, scopes: list[str], tls_delay_ms: float | None = None) -> Iterator[StandIn]:
    """The Google stand-ins in their own process (see google_standin.py); with ``tls_delay_ms``, also
    the HTTPS front that adds that round trip to every Google request."""
    credentials = work / "credentials" / "bench.json"
    credentials.parent.mkdir(parents=True, exist_ok=True)
    with open(work / "standin.log", "wb") as log:
        tls = [] if tls_delay_ms is None else ["--tls-delay-ms", str(tls_delay_ms), "--cert-dir", str(work / "tls")]
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.google_standin", *tls, str(credentials), *scopes],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        try:
            line = _read_line(process, STANDIN_START_S)
            info = json.loads(line)
            yield StandIn(info["api_root"], info["oauth_env"], info["control"], credentials, info.get("tls"))
        finally:
            process.stdin.close()
            stop(process)


def _read_line(process: subprocess.Popen, timeout_s: float) -> str:
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout_s)
    if not result or not result[0]:
        raise RuntimeError(f"the Google stand-in did not start within {timeout_s}s (exit {process.poll()})")
    return result[0].decode()


def all_scopes() -> list[str]:
    from workspace_mcp_server.tools.selection import ToolSelection

    return ToolSelection.from_env({"WORKSPACE_MCP_TOOL_TIER": "complete"}).scopes()


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def p(self, pct: float) -> float:
        return percentile(self.samples, pct) * 1000


async def _bounded(concurrency: int, per_worker: int, one_call) -> Latencies:
    """``concurrency`` workers, each making ``per_worker`` calls; bounded by LOOP_BUDGET_S."""
    out = Latencies()
    deadline = time.monotonic() + LOOP_BUDGET_S

    async def worker(index: int) -> None:
        state = await one_call.setup(index)
        for _ in range(per_worker):
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            try:
                await one_call(state)
                out.samples.append(time.perf_counter() - started)
            except (McpError, httpx2.HTTPError) as exc:
                out.errors += 1
                out.first_error = out.first_error or str(exc)[:300]

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return out


class ToolCalls:
    """One MCP session per worker, each calling the Gmail search tool."""

    def __init__(self, client: httpx2.AsyncClient, url: str):
        self.client, self.url = client, url

    async def setup(self, index: int) -> McpSession:
        return await McpSession(self.client, self.url).open()

    async def __call__(self, session: McpSession) -> None:
        await session.call_tool(TOOL, ARGS)


class DirectCalls:
    """The floor: the tool's own Google requests, straight to the stand-in, in the tool's pattern."""

    def __init__(self, client: httpx2.AsyncClient, api_root: str, pattern: list[dict]):
        self.client, self.pattern = client, pattern
        self.base = api_root.rstrip("/")

    async def setup(self, index: int) -> None:
        return None

    async def _one(self, request: dict) -> None:
        response = await self.client.request(
            request["method"], self.base + request["target"], headers={"Authorization": f"Bearer {request['token']}"}
        )
        if response.status_code != 200:
            raise McpError(f"stand-in answered {response.status_code}")
        response.json()

    async def __call__(self, _state: None) -> None:
        first, rest = self.pattern[0], self.pattern[1:]
        await self._one(first)
        await asyncio.gather(*(self._one(r) for r in rest))


@dataclass
class ToolCallRun:
    first_call_ms: float
    google_requests_per_call: int
    ours: dict[int, Latencies]
    floor: dict[int, Latencies]


async def _tool_call_run(url: str, standin: StandIn, plan: dict[int, int]) -> ToolCallRun:
    async with new_client(max(plan)) as client:
        session = await McpSession(client, url).open()
        standin.post("/clear")
        started = time.perf_counter()
        await session.call_tool(TOOL, ARGS)  # builds the Gmail service object: reported, not counted
        first_ms = (time.perf_counter() - started) * 1000
        recorded = standin.api_requests()
        if recorded["violations"]:
            raise RuntimeError(f"the tool's Google requests broke the API contract: {recorded['violations']}")
        pattern = recorded["requests"]
        if not pattern or any(r["status"] != 200 for r in pattern):
            raise RuntimeError(f"unexpected Google requests for one tool call: {pattern}")
        ours, floor = {}, {}
        for concurrency, per_worker in plan.items():
            standin.post("/clear")  # keeps the stand-in's request log (memory) bounded
            ours[concurrency] = await _bounded(concurrency, per_worker, ToolCalls(client, url))
            standin.post("/clear")
            floor[concurrency] = await _bounded(concurrency, per_worker, DirectCalls(client, standin.api_root, pattern))
        return ToolCallRun(first_ms, len(pattern), ours, floor)


def measure_tool_calls(work: Path, plan: dict[int, int]) -> ToolCallRun:
    """Fresh stand-in and server (single-user mode, complete tier); ``plan`` maps concurrency -> calls per worker."""
    with google_standin(work, all_scopes()) as standin:
        port = free_port()
        argv, env = ours_command({"GOOGLE_API_ROOT_URL": standin.api_root})(port, work)
        with started_server(argv, env=env, port=port, log=work / "server.log", cwd=work) as server:
            return asyncio.run(_tool_call_run(f"{server.base_url}/mcp", standin, plan))


@dataclass
class UsersRun:
    users: int  # distinct users who signed in and made one call after the baseline
    baseline_rss_mb: float
    final_rss_mb: float
    peak_rss_mb: float
    errors: int
    seconds: float
    first_error: str = ""

    @property
    def growth_mb(self) -> float:
        return self.final_rss_mb - self.baseline_rss_mb


def _sign_in_and_call(mcp_url: str) -> None:
    """One new user: the whole OAuth flow with a fresh client, then one tool call with the token."""
    from tests.server.oauth_client import login

    token = login(mcp_url).access_token

    async def call() -> None:
        async with new_client() as client:
            session = await McpSession(client, mcp_url, bearer=token).open()
            await session.call_tool(TOOL, ARGS)

    asyncio.run(call())


def measure_users(
    work: Path,
    users: int,
    warmup_users: int = 3,
    parallel: int = 8,
    extra_env: dict[str, str] | None = None,
    snapshot: Callable[[int], None] | None = None,
) -> UsersRun:
    """Multi-user mode (OAuth 2.1 proxy, local encrypted token store): every user signs in through the
    real OAuth flow (DCR, authorize + consent, Google stand-in, token) and makes one tool call;
    ``parallel`` users at a time, each a different Google account. ``snapshot(pid)`` (profiling) is
    called after the warm-up and after the last user."""
    with google_standin(work, all_scopes()) as standin:
        standin.post("/distinct-users")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        argv, env = ours_command(
            {
                **standin.oauth_env,
                "MCP_SINGLE_USER_MODE": "0",
                "MCP_ENABLE_OAUTH21": "true",
                "OAUTHLIB_INSECURE_TRANSPORT": "1",
                "WORKSPACE_MCP_PUBLIC_URL": base,
                "WORKSPACE_MCP_TOKEN_STORE": str(work / "token-store"),
                "GOOGLE_API_ROOT_URL": standin.api_root,
                **UNLIMITED_SIGN_INS,
                **(extra_env or {}),
            }
        )(port, work)
        with started_server(argv, env=env, port=port, log=work / "server.log", cwd=work) as server:
            mcp_url = f"{base}/mcp"
            for _ in range(warmup_users):  # first-use costs (service objects, caches) are not growth
                _sign_in_and_call(mcp_url)
            standin.post("/clear")
            if snapshot:
                snapshot(server.pid)
            baseline = rss_mb(server.pid)
            started = time.monotonic()
            deadline = started + LOOP_BUDGET_S * 3
            done = errors = 0
            first_error = ""

            def one(_index: int) -> None:
                if time.monotonic() < deadline:
                    _sign_in_and_call(mcp_url)

            with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
                futures = [pool.submit(one, index) for index in range(users)]
                for index, future in enumerate(futures):
                    try:
                        future.result()
                        done += time.monotonic() < deadline
                    except (McpError, httpx2.HTTPError, AssertionError) as exc:
                        errors += 1
                        first_error = first_error or str(exc)[:300]
                    if index % 100 == 99:
                        standin.post("/clear")  # keeps the stand-ins' request logs bounded
            seconds = time.monotonic() - started
            final = rss_mb(server.pid)
            if snapshot:
                snapshot(server.pid)
            return UsersRun(done, baseline, final, peak_rss_mb(server.pid), errors, seconds, first_error)
