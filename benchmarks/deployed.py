"""The deployed path: multi-user OAuth, the token store on S3, Google over TLS, each with a round trip.

One run starts fresh: moto (S3) behind tests/fakes/fault_proxy.py adding ``S3_DELAY_S`` to every S3
call, the Google stand-ins behind the HTTPS front of tls_google.py adding ``GOOGLE_DELAY_S`` to every
Google call (tokeninfo included), our server in OAuth mode on that store trusting the front's
throwaway CA through its environment, and the same server in single-user mode (no auth) as the
floor of an authenticated request. Users sign in through the real OAuth flow; then:

- auth overhead: ``ping`` with a token's first request, then steady state, against ``ping`` on the
  single-user server (same code, no authentication);
- Google and S3 calls and new Google connections per tool call, counted at the stand-ins;
- the Gmail search at concurrency 1 (latency) and at 50 and 200 (throughput, latency), against the
  same Google requests sent straight to the front by a minimal async client (the floor, which is
  also the stand-in alone at that concurrency), with CPU seconds per 1,000 calls of each.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import re
import resource
import ssl
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx2

from tests.fakes.fault_proxy import run_fault_proxy
from tests.fakes.moto_server import run_moto
from tests.fakes.ports import free_port

from .mcp_http import McpError, McpSession
from .procs import started_server
from .servers import ours_command
from .toolcall import (
    ARGS,
    TOOL,
    UNLIMITED_SIGN_INS,
    Latencies,
    ToolCalls,
    _bounded,
    all_scopes,
    google_standin,
)

S3_DELAY_S = 0.015
GOOGLE_DELAY_MS = 30.0
SIGN_IN_PARALLEL = 8
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class DeployedPlan:
    users: int  # distinct users signed in; concurrent clients share their tokens round-robin
    first_tokens: int  # tokens whose first request is timed (sequentially, nothing else running)
    pings: int  # steady-state pings per token measured
    c1_calls: int
    per_worker: dict[int, int]  # concurrency -> calls per client


@dataclass
class Throughput:
    concurrency: int
    ours: Latencies
    floor: Latencies
    ours_calls_per_s: float
    floor_calls_per_s: float
    ours_cpu_s_per_1000: float
    floor_cpu_s_per_1000: float


@dataclass
class DeployedRun:
    first_ms: list[float]  # first request of each token
    steady_ms: list[float]  # every steady-state ping
    floor_ping_ms: list[float]  # single-user server, same ping
    steady_cpu_ms: float  # server CPU per steady-state ping (robust to a busy machine, unlike wall time)
    floor_cpu_ms: float
    first_google: float  # Google requests during one token's first request
    first_s3: float
    c1: Latencies
    c1_floor: Latencies
    google_per_call: float
    floor_google_per_call: int
    google_kinds: dict[str, float]
    s3_per_call: float
    connections_per_call: float
    throughput: list[Throughput] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Front:
    """The HTTPS front's counters, read over TLS with its CA."""

    def __init__(self, root: str, context: ssl.SSLContext):
        self.root = root.rstrip("/")
        self.http = httpx2.Client(verify=context, timeout=30, trust_env=False)

    def counts(self) -> dict[str, int]:
        return self.http.get(self.root + "/_bench/counts").json()

    def clear(self) -> None:
        self.http.get(self.root + "/_bench/clear").raise_for_status()


def _sign_in(mcp_url: str, context: ssl.SSLContext) -> str:
    from tests.server.oauth_client import login

    with httpx2.Client(verify=context, timeout=60, follow_redirects=False, trust_env=False) as http:
        return login(mcp_url, http=http).access_token


async def _ping(client: httpx2.AsyncClient, url: str, bearer: str | None) -> float:
    """One JSON-RPC ping (the cheapest authenticated MCP request), in ms."""
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2025-06-18",
    }
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    started = time.perf_counter()
    response = await client.post(url, content=b'{"jsonrpc":"2.0","id":1,"method":"ping"}', headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200 or '"result"' not in response.text:
        raise RuntimeError(f"ping answered {response.status_code}: {response.text[:300]}")
    return elapsed


def _mcp_client(concurrency: int) -> httpx2.AsyncClient:
    # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them under a request.
    limits = httpx2.Limits(
        max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2, keepalive_expiry=2.0
    )
    return httpx2.AsyncClient(timeout=60.0, limits=limits, trust_env=False)


class MinimalGoogleCalls:
    """The floor: the tool's Google requests sent by a minimal asyncio HTTP/1.1 client over TLS.

    Each client keeps its own connections open (as a lean caller would) and sends, like the tool,
    the list request and then the gets concurrently. Its first call (setup, untimed) opens them.
    """

    def __init__(self, root: str, pattern: list[dict], context: ssl.SSLContext):
        parts = urlsplit(root)
        self.host, self.port, self.context, self.pattern = parts.hostname, parts.port, context, pattern
        self.requests = [
            (
                f"{r['method']} {r['target']} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Authorization: Bearer {r['token']}\r\nAccept: application/json\r\n\r\n"
            ).encode()
            for r in pattern
        ]

    async def setup(self, index: int) -> list:
        idle: list = []
        await self(idle)
        return idle

    async def _one(self, idle: list, request: bytes) -> None:
        if idle:
            reader, writer = idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port, ssl=self.context)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        body = await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            raise McpError(f"stand-in answered {head[:40]!r}")
        json.loads(body)
        idle.append((reader, writer))

    async def __call__(self, idle: list) -> None:
        await self._one(idle, self.requests[0])
        await asyncio.gather(*(self._one(idle, r) for r in self.requests[1:]))


class _SharedTokenCalls(ToolCalls):
    """Concurrent clients, each its own MCP session, on the signed-in users' tokens round-robin."""

    def __init__(self, client: httpx2.AsyncClient, url: str, tokens: list[str]):
        super().__init__(client, url)
        self.tokens = tokens

    async def setup(self, index: int) -> McpSession:
        return await McpSession(self.client, self.url, bearer=self.tokens[index % len(self.tokens)]).open()


class _Opened(ToolCalls):
    """Calls on one session opened beforehand (its initialize is not counted)."""

    def __init__(self, session: McpSession):
        self.session = session

    async def setup(self, index: int) -> McpSession:
        return self.session


async def _throughput(
    concurrency: int, per_worker: int, calls, server_pid: int | None
) -> tuple[Latencies, float, float]:
    """(latencies, calls per second, CPU seconds per 1,000 calls of the server, or of this process)."""
    cpu = (lambda: _cpu_s(server_pid)) if server_pid else _own_cpu_s
    sessions = await asyncio.gather(*(calls.setup(i) for i in range(concurrency)))  # not timed

    class Ready:
        async def setup(self, index: int):
            return sessions[index]

        async def __call__(self, state) -> None:
            await calls(state)

    cpu_before, started = cpu(), time.perf_counter()
    latencies = await _bounded(concurrency, per_worker, Ready())
    wall, cpu_used = time.perf_counter() - started, cpu() - cpu_before
    done = max(len(latencies.samples), 1)
    return latencies, len(latencies.samples) / wall, cpu_used / done * 1000


async def _measure(
    mcp_url: str,
    floor_url: str,
    tokens: list[str],
    fresh: list[str],
    front: _Front,
    s3,
    context: ssl.SSLContext,
    standin,
    server_pid: int,
    floor_pid: int,
    plan: DeployedPlan,
) -> DeployedRun:
    async with _mcp_client(max(plan.per_worker)) as client:
        # Auth: each fresh token's first request, then its steady state; the single-user floor.
        first_ms, steady_ms, first_google, first_s3, steady_cpu = [], [], [], [], 0.0
        for token in fresh:
            front.clear()
            mark = s3.mark()
            first_ms.append(await _ping(client, mcp_url, token))
            counts = front.counts()
            first_google.append(sum(v for k, v in counts.items() if k != "connections"))
            first_s3.append(len(s3.requests(since=mark)))
            cpu_before = _cpu_s(server_pid)
            for _ in range(plan.pings):
                steady_ms.append(await _ping(client, mcp_url, token))
            steady_cpu += _cpu_s(server_pid) - cpu_before
        await _ping(client, floor_url, None)
        cpu_before = _cpu_s(floor_pid)
        floor_ping_ms = [await _ping(client, floor_url, None) for _ in range(plan.pings * len(fresh))]
        floor_cpu = _cpu_s(floor_pid) - cpu_before

        # The tool's Google requests, as the strict stand-in saw them (the first call of the process).
        session = await McpSession(client, mcp_url, bearer=tokens[0]).open()
        standin.post("/clear")
        await session.call_tool(TOOL, ARGS)
        recorded = standin.api_requests()
        if recorded["violations"]:
            raise RuntimeError(f"the tool's Google requests broke the API contract: {recorded['violations']}")
        pattern = recorded["requests"]
        if not pattern or any(r["status"] != 200 for r in pattern):
            raise RuntimeError(f"unexpected Google requests for one tool call: {pattern}")

        # Calls per tool call in steady state, counted at the stand-ins, at concurrency 1.
        for token in tokens:  # every token past its first request
            await McpSession(client, mcp_url, bearer=token).open()
        front.clear()
        mark = s3.mark()
        c1 = await _bounded(1, plan.c1_calls, _Opened(session))
        counts, s3_calls = front.counts(), len(s3.requests(since=mark))
        calls = max(len(c1.samples), 1)
        connections = counts.pop("connections", 0)
        c1_floor = await _bounded(1, plan.c1_calls, MinimalGoogleCalls(front.root, pattern, context))
        run = DeployedRun(
            first_ms=first_ms,
            steady_ms=steady_ms,
            floor_ping_ms=floor_ping_ms,
            steady_cpu_ms=steady_cpu / len(steady_ms) * 1000,
            floor_cpu_ms=floor_cpu / len(floor_ping_ms) * 1000,
            first_google=statistics.median(first_google),
            first_s3=statistics.median(first_s3),
            c1=c1,
            c1_floor=c1_floor,
            google_per_call=sum(counts.values()) / calls,
            floor_google_per_call=len(pattern),
            google_kinds={k: v / calls for k, v in counts.items()},
            s3_per_call=s3_calls / calls,
            connections_per_call=connections / calls,
        )
        for concurrency, per_worker in plan.per_worker.items():
            standin.post("/clear")
            ours, ours_rate, ours_cpu = await _throughput(
                concurrency, per_worker, _SharedTokenCalls(client, mcp_url, tokens), server_pid
            )
            floor, floor_rate, floor_cpu = await _throughput(
                concurrency, per_worker, MinimalGoogleCalls(front.root, pattern, context), None
            )
            run.throughput.append(Throughput(concurrency, ours, floor, ours_rate, floor_rate, ours_cpu, floor_cpu))
        for latencies in [c1, c1_floor, *(t.ours for t in run.throughput), *(t.floor for t in run.throughput)]:
            run.errors += latencies.errors
            run.first_error = run.first_error or latencies.first_error
        return run


def measure_deployed(work: Path, plan: DeployedPlan, log: Callable[[str], None] = lambda message: None) -> DeployedRun:
    """One run of the deployed path with fresh processes (moto, stand-ins, two servers)."""
    work.mkdir(parents=True, exist_ok=True)
    with (
        run_moto(work / "moto.log") as moto,
        run_fault_proxy(moto.endpoint) as s3,
        google_standin(work, all_scopes(), tls_delay_ms=GOOGLE_DELAY_MS) as standin,
    ):
        bucket = f"tokens-{uuid.uuid4().hex[:12]}"
        moto.client("s3").create_bucket(Bucket=bucket)
        s3.add("delay", seconds=S3_DELAY_S, times=None)
        standin.post("/distinct-users")
        tls = standin.tls
        context = ssl.create_default_context(cafile=tls["ca_file"])
        trust = {
            "SSL_CERT_FILE": tls["ca_file"],
            "HTTPLIB2_CA_CERTS": tls["ca_file"],
            "REQUESTS_CA_BUNDLE": tls["ca_file"],
        }
        port, floor_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        argv, env = ours_command(
            {
                **tls["oauth_env"],
                **moto.env(),
                **trust,
                "AWS_ENDPOINT_URL": s3.url,
                "MCP_SINGLE_USER_MODE": "0",
                "MCP_ENABLE_OAUTH21": "true",
                "OAUTHLIB_INSECURE_TRANSPORT": "1",
                "WORKSPACE_MCP_PUBLIC_URL": base,
                "WORKSPACE_MCP_TOKEN_STORE": f"s3://{bucket}/workspace-mcp",
                "GOOGLE_API_ROOT_URL": tls["root"],
                **UNLIMITED_SIGN_INS,
            }
        )(port, work / "ours")
        floor_argv, floor_env = ours_command({**trust, "GOOGLE_API_ROOT_URL": tls["root"]})(floor_port, work / "floor")
        with contextlib.ExitStack() as stack, concurrent.futures.ThreadPoolExecutor(2) as starting:
            # Both servers start at once (each on its own stack, so either is stopped whatever happens).
            stacks = [stack.enter_context(contextlib.ExitStack()) for _ in range(2)]
            server, floor = [
                future.result()
                for future in [
                    starting.submit(
                        stacks[0].enter_context,
                        started_server(argv, env=env, port=port, log=work / "ours.log", cwd=work),
                    ),
                    starting.submit(
                        stacks[1].enter_context,
                        started_server(floor_argv, env=floor_env, port=floor_port, log=work / "floor.log", cwd=work),
                    ),
                ]
            ]
            log("deployed path: servers up, signing in")
            mcp_url = f"{base}/mcp"
            with concurrent.futures.ThreadPoolExecutor(SIGN_IN_PARALLEL) as pool:
                tokens = list(pool.map(lambda _: _sign_in(mcp_url, context), range(plan.users + plan.first_tokens)))
            fresh, tokens = tokens[: plan.first_tokens], tokens[plan.first_tokens :]
            front = _Front(tls["root"], context)
            log(f"deployed path: {len(tokens) + len(fresh)} users signed in, measuring")
            return asyncio.run(
                _measure(
                    mcp_url,
                    f"{floor.base_url}/mcp",
                    tokens,
                    fresh,
                    front,
                    s3,
                    context,
                    standin,
                    server.pid,
                    floor.pid,
                    plan,
                )
            )


# --- rows of the results table ------------------------------------------------------------------
FLOOR_NAME = "minimal async client"
NO_AUTH = "single-user, no auth"
SETUP = (
    f"OAuth mode, token store on moto S3 (+{S3_DELAY_S * 1000:.0f} ms per S3 call), Google over TLS "
    f"(+{GOOGLE_DELAY_MS:.0f} ms per call, tokeninfo included)"
)


def rows(runs: list[DeployedRun], plan: DeployedPlan) -> list:
    from .report import Row
    from .stats import Summary, percentile

    def over(values) -> Summary:
        return Summary.of([float(v) for v in values])

    def overhead_le(ms: float):
        return lambda ours, base: base is not None and ours - base <= ms

    def at_most(limit: float):
        return lambda ours, base: ours <= limit

    steady = over(percentile(r.steady_ms, 50) for r in runs)
    no_auth = over(percentile(r.floor_ping_ms, 50) for r in runs)
    first = over(statistics.median(r.first_ms) for r in runs)
    c1, c1_floor = over(r.c1.p(50) for r in runs), over(r.c1_floor.p(50) for r in runs)
    kinds = {k: statistics.median(r.google_kinds.get(k, 0.0) for r in runs) for k in runs[0].google_kinds}
    result = [
        Row(
            "dep_auth_first",
            "Deployed path: an MCP request (ping), the first request of a token",
            "ms",
            "reported",
            first,
            NO_AUTH,
            no_auth,
            note=(
                f"{SETUP}. Auth overhead {first.median - no_auth.median:.1f} ms: that request made "
                f"{statistics.median(r.first_google for r in runs):.0f} Google request(s) and "
                f"{statistics.median(r.first_s3 for r in runs):.0f} S3 request(s) "
                f"({plan.first_tokens} fresh tokens per run, one at a time)."
            ),
        ),
        Row(
            "dep_auth_steady",
            "Deployed path: an MCP request (ping) after the token's first, p50",
            "ms",
            "overhead ≤ 2 ms",
            steady,
            NO_AUTH,
            no_auth,
            overhead_le(2.0),
            note=(
                f"overhead {steady.median - no_auth.median:.2f} ms; {plan.pings} pings per fresh token; the floor "
                "is the same ping on the same server code in single-user mode (no authentication). Server CPU per "
                "request (immune to a busy machine): ours "
                f"{statistics.median(r.steady_cpu_ms for r in runs):.2f} ms, "
                f"no auth {statistics.median(r.floor_cpu_ms for r in runs):.2f} ms."
            ),
        ),
        Row(
            "dep_call_c1_p50",
            "Deployed path: Gmail search tool call, concurrency 1, p50",
            "ms",
            "overhead ≤ 5 ms",
            c1,
            FLOOR_NAME,
            c1_floor,
            overhead_le(5.0),
            note=(
                f"overhead {c1.median - c1_floor.median:.1f} ms; the floor sends the tool's "
                f"{runs[0].floor_google_per_call} Google requests (list, then the gets concurrently) over TLS on "
                "kept-alive connections."
            ),
        ),
        Row(
            "dep_google_per_call",
            "Deployed path: Google requests per tool call (steady state)",
            "",
            "= floor",
            over(r.google_per_call for r in runs),
            FLOOR_NAME,
            over(r.floor_google_per_call for r in runs),
            lambda ours, base: base is not None and ours <= base,
            note="counted at the Google front: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(kinds.items())),
        ),
        Row(
            "dep_s3_per_call",
            "Deployed path: S3 requests per tool call (steady state)",
            "",
            "≤ 0.05",
            over(r.s3_per_call for r in runs),
            check=at_most(0.05),
            note="counted at the S3 proxy in front of moto, concurrency 1, after each token's first request.",
        ),
        Row(
            "dep_connections_per_call",
            "Deployed path: new TLS connections to Google per tool call (steady state)",
            "",
            "≤ 0.05",
            over(r.connections_per_call for r in runs),
            check=at_most(0.05),
            note="TLS handshakes accepted by the Google front, concurrency 1.",
        ),
    ]
    for index, concurrency in enumerate(plan.per_worker):
        tput = [r.throughput[index] for r in runs]
        ours_rate, floor_rate = over(t.ours_calls_per_s for t in tput), over(t.floor_calls_per_s for t in tput)
        result.append(
            Row(
                f"dep_tput_c{concurrency}",
                f"Deployed path: Gmail searches per second, one server process, concurrency {concurrency}",
                "calls/s",
                "stand-in alone ≥ 2× ours",
                ours_rate,
                "stand-in alone (" + FLOOR_NAME + ")",
                floor_rate,
                lambda ours, base: base is not None and base >= 2 * ours,
                note=(
                    f"p50 latency ours {statistics.median(t.ours.p(50) for t in tput):.0f} ms, stand-in alone "
                    f"{statistics.median(t.floor.p(50) for t in tput):.0f} ms; p99 ours "
                    f"{statistics.median(t.ours.p(99) for t in tput):.0f} ms; {plan.per_worker[concurrency]} calls per "
                    f"client, {concurrency} clients on {plan.users} users' tokens. The goal says the stand-in is not "
                    "the bottleneck, so the figure measures the server."
                ),
            )
        )
        result.append(
            Row(
                f"dep_cpu_c{concurrency}",
                f"Deployed path: CPU seconds per 1,000 tool calls, concurrency {concurrency}",
                "s",
                "reported",
                over(t.ours_cpu_s_per_1000 for t in tput),
                FLOOR_NAME,
                over(t.floor_cpu_s_per_1000 for t in tput),
                note="ours: the server process (user + system, /proc); the floor: the minimal client's process.",
            )
        )
    errors = sum(r.errors for r in runs)
    first_error = next((r.first_error for r in runs if r.first_error), "")
    result.append(
        Row(
            "dep_errors",
            "Deployed path: errors (all phases, ours and floor)",
            "",
            "0",
            over([errors]),
            check=lambda ours, base: ours == 0,
            note=f"First error: {first_error}" if first_error else "",
        )
    )
    return result
