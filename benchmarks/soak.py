"""The soak rows: 100 concurrent MCP sessions calling a tool through the nginx ALB stand-in in front of two
server processes (multi-user OAuth, token store on moto S3), for minutes, bounded in calls.

Fresh moto, Google stand-ins and processes per run; the driver is tests/faults/soak.py (the test suite
runs it for seconds). Reported: unexpected errors (goal 0), p50/p99 latency, and per process the growth
of RSS, open file descriptors and threads between a warm-up at full concurrency and the end.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from botocore.endpoint import MAX_POOL_CONNECTIONS

from tests.fakes.google_api import run_google_api
from tests.fakes.google_oauth import run_google_oauth
from tests.fakes.moto_server import run_moto
from tests.faults.cluster import run_cluster
from tests.faults.soak import SoakResult, run_soak
from tests.server.oauth_client import login
from workspace_mcp_server.auth.cache import DEFAULT_TTL_SECONDS
from workspace_mcp_server.auth.google import TOKENINFO_KEEPALIVE_CONNECTIONS

from .report import Row
from .stats import Summary

# What a server process may hold in sockets at rest, whatever the traffic was: one Google API connection
# per worker thread (an httplib2 pool per thread; anyio's default limit is 40 threads), the token
# verifier's idle connections to tokeninfo, botocore's S3 pool, and the listening socket plus the event
# loop's socket pair. A leak exceeds it; pools filling up stay within it.
WORKER_THREADS = 40
SOCKET_BOUND = WORKER_THREADS + TOKENINFO_KEEPALIVE_CONNECTIONS + MAX_POOL_CONNECTIONS + 3
SOCKET_BOUND_TERMS = (
    f"{WORKER_THREADS} worker threads × 1 Google API connection + {TOKENINFO_KEEPALIVE_CONNECTIONS} idle tokeninfo "
    f"connections + {MAX_POOL_CONNECTIONS} S3 connections + listener and event-loop pair"
)


@dataclass(frozen=True)
class SoakPlan:
    sessions: int
    users: int  # distinct signed-in users; sessions share their tokens round-robin
    seconds: float
    max_calls: int


def measure(work: Path, plan: SoakPlan, log: Callable[[str], None] = lambda message: None) -> SoakResult:
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        moto = stack.enter_context(run_moto(work / "moto.log"))
        google_oauth = stack.enter_context(run_google_oauth())
        google_api = stack.enter_context(run_google_api())
        google_oauth.on_issue = lambda token, grant: google_api.add_token(token, grant.scope.split())
        # As deployed: a request's token check cached per task (the fault tests' cluster turns it off).
        production = {"WORKSPACE_MCP_AUTH_CACHE_TTL": str(DEFAULT_TTL_SECONDS)}
        cluster = stack.enter_context(
            run_cluster(moto, None, google_oauth, None, google_api.root_url, work / "cluster", extra_env=production)
        )
        tokens = []
        for index in range(plan.users):
            google_oauth.signed_in = f"soak-{index}@example.com"
            tokens.append(login(cluster.mcp_url).access_token)
        log(
            f"soak: {plan.sessions} sessions of {plan.users} users for {plan.seconds:.0f} s "
            f"(at most {plan.max_calls:,} calls)"
        )
        result = run_soak(
            cluster.mcp_url,
            tokens,
            [s.process.pid for s in cluster.servers],
            sessions=plan.sessions,
            seconds=plan.seconds,
            max_calls=plan.max_calls,
        )
        log(f"soak: {result.summary()}")
        return result


def rows(result: SoakResult, plan: SoakPlan) -> list[Row]:
    def one(value: float) -> Summary:
        return Summary.of([value])

    what = f"Soak: {result.sessions} concurrent sessions through the ALB stand-in, 2 processes, {result.seconds:.0f} s"
    before = {pid: stats for pid, stats in result.before.items()}
    detail = "; ".join(
        f"process {n + 1}: RSS {before[pid].rss_mib:.1f} → {result.after[pid].rss_mib:.1f} MiB, "
        f"fds {before[pid].fds} → {result.after[pid].fds}, "
        f"threads {before[pid].threads} → {result.after[pid].threads}"
        for n, pid in enumerate(before)
    )
    settle_note = "after the soak's last calls settled"
    first_error = f" First error: {result.errors[0]}" if result.errors else ""
    return [
        Row(
            "soak_errors",
            f"{what}: unexpected errors",
            "",
            "0",
            one(len(result.errors)),
            check=lambda ours, base: ours == 0,
            note=f"{result.calls:,} tool calls (list_gmail_labels, protocol 2025-11-25) by {plan.users} users, "
            f"multi-user OAuth, token store on moto S3; bounded at {plan.max_calls:,} calls.{first_error}",
        ),
        Row(
            "soak_p99",
            f"{what}: tool call latency p99",
            "ms",
            "reported",
            one(result.percentile(0.99)),
            note=f"p50 {result.percentile(0.5):.0f} ms; {result.calls / max(result.seconds, 1e-9):.0f} calls/s.",
        ),
        Row(
            "soak_rss",
            f"{what}: memory growth (RSS, largest of the processes)",
            "MiB",
            "≤ 20 MiB",
            one(result.growth("rss_mib")),
            check=lambda ours, base: ours <= 20.0,
            note=f"after a warm-up at full concurrency → end of the soak. {detail}.",
        ),
        Row(
            "soak_fds",
            f"{what}: open file descriptors at rest after the soak: sockets within the pools' bound, other fds",
            "",
            f"sockets ≤ {SOCKET_BOUND}, other +0",
            one(max(result.after[pid].sockets for pid in result.after)),
            check=lambda ours, base: ours <= SOCKET_BOUND and result.growth("other_fds") <= 0,
            note=f"largest number of socket fds of a process, {settle_note}. Bound: {SOCKET_BOUND_TERMS}. "
            f"Other fds (files, pipes, event polls) start to end {result.growth('other_fds'):+.0f}. "
            f"All fds start to end {result.growth('fds'):+.0f}, second half's peak over the first half's "
            f"{result.peak_growth('fds'):+.0f} (the tokeninfo pool fills when the cached token checks expire, "
            "worker threads and their Google connections come and go). "
            + "; ".join(
                f"process {n + 1}: sockets {result.before[pid].sockets} → {result.after[pid].sockets}, "
                f"other {result.before[pid].other_fds} → {result.after[pid].other_fds}"
                for n, pid in enumerate(result.before)
            )
            + ".",
        ),
        Row(
            "soak_threads",
            f"{what}: threads, second half's peak over the first half's",
            "",
            "≤ 2",
            one(result.peak_growth("threads")),
            check=lambda ours, base: ours <= 2,
            note=f"start to end {result.growth('threads'):+.0f} (worker threads retire when idle).",
        ),
    ]
