"""Sustained traffic: many concurrent MCP sessions calling a tool through the ALB stand-in, bounded in time and
in calls; latency percentiles, errors, and each server process's memory, file descriptors and threads
before and after. Used at a short, fixed size by tests/faults/test_soak.py and at full size by
``make bench`` (benchmarks/soak.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tests.faults.cluster import ACCEPT, call_tool

PROTOCOL = "2025-11-25"


@dataclass(frozen=True)
class ProcessStats:
    rss_mib: float
    fds: int
    threads: int
    sockets: int = 0  # of the fds: connections (pooled or in use), listening and socket pairs

    @property
    def other_fds(self) -> int:
        """Files, pipes, event polls: no pool holds these, so they must not grow at all."""
        return self.fds - self.sockets


def process_stats(pid: int) -> ProcessStats:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    targets = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed while listed
            targets.append(os.readlink(fd))
    return ProcessStats(
        rss_mib=int(fields["VmRSS"].split()[0]) / 1024,
        fds=len(targets),
        threads=int(fields["Threads"]),
        sockets=sum(target.startswith("socket:") for target in targets),
    )


@dataclass
class SoakResult:
    sessions: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    before: dict[int, ProcessStats] = field(default_factory=dict)
    middle: dict[int, ProcessStats] = field(default_factory=dict)  # half-way: pools have their size by then
    after: dict[int, ProcessStats] = field(default_factory=dict)
    first_half: list[dict[int, ProcessStats]] = field(default_factory=list)  # sampled every second
    second_half: list[dict[int, ProcessStats]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def growth(self, attribute: str, since: str = "before") -> float:
        """The largest growth of ``attribute`` over the server processes from ``since`` to the end.

        From "middle": a leak keeps growing in the second half, connection and thread pools do not."""
        start = getattr(self, since)
        return max(getattr(self.after[pid], attribute) - getattr(start[pid], attribute) for pid in start)

    def peak_growth(self, attribute: str) -> float:
        """Second half's peak minus the first half's, largest over the processes. Pools (connections, worker
        threads) reach their peak early and then come and go below it; a leak sets a new peak."""

        def peak(samples: list[dict[int, ProcessStats]], pid: int) -> float:
            return max(getattr(sample[pid], attribute) for sample in samples)

        return max(peak(self.second_half, pid) - peak(self.first_half, pid) for pid in self.before)

    def summary(self) -> str:
        return (
            f"{self.sessions} sessions, {self.calls} calls in {self.seconds:.1f} s, {len(self.errors)} errors, "
            f"p50 {self.percentile(0.5):.0f} ms, p99 {self.percentile(0.99):.0f} ms, "
            f"RSS +{self.growth('rss_mib'):.1f} MiB (second half +{self.growth('rss_mib', 'middle'):.1f}), "
            f"fds +{self.growth('fds')} (second half +{self.growth('fds', 'middle')}), "
            f"threads +{self.growth('threads')} (second half +{self.growth('threads', 'middle')}); "
            f"peaks second half vs first: fds {self.peak_growth('fds'):+.0f}, "
            f"threads {self.peak_growth('threads'):+.0f}"
        )


async def _session(
    http: httpx2.AsyncClient, url: str, token: str, deadline: float, budget: list[int], result: SoakResult | None
) -> None:
    headers = {**ACCEPT, "Authorization": f"Bearer {token}"}
    init = await http.post(
        url,
        headers=headers,
        json={
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "soak", "version": "1"}},
        },
    )
    init.raise_for_status()
    headers["MCP-Protocol-Version"] = PROTOCOL
    if init.headers.get("mcp-session-id"):
        headers["Mcp-Session-Id"] = init.headers["mcp-session-id"]
    request_id = 0
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        request_id += 1
        started = time.perf_counter()
        try:
            response = await http.post(url, headers=headers, json=call_tool("list_gmail_labels", request_id=request_id))
            body = response.json() if response.status_code == 200 else None
            failed = body is None or "result" not in body or body["result"].get("isError")
            detail = "" if not failed else f"HTTP {response.status_code}: {response.text[:200]}"
        except (httpx2.HTTPError, ValueError) as exc:
            failed, detail = True, repr(exc)[:200]
        if result is not None:
            if failed:
                result.errors.append(detail)
            else:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def _drive(
    url: str, tokens: list[str], sessions: int, seconds: float, max_calls: int, result: SoakResult | None
) -> None:
    limits = httpx2.Limits(max_connections=sessions, max_keepalive_connections=sessions)
    async with httpx2.AsyncClient(timeout=60, limits=limits) as http:
        deadline, budget = time.monotonic() + seconds, [max_calls]
        await asyncio.gather(
            *[_session(http, url, tokens[i % len(tokens)], deadline, budget, result) for i in range(sessions)]
        )


class _sampling:
    """Samples the processes every second into ``into`` while the block runs (at least once)."""

    def __init__(self, pids: list[int], into: list):
        self.pids, self.into, self.stop = pids, into, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.into.append({pid: process_stats(pid) for pid in self.pids})
            if self.stop.wait(1.0):
                return

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join()


def run_soak(
    url: str,
    tokens: list[str],
    pids: list[int],
    *,
    sessions: int,
    seconds: float,
    max_calls: int,
    warmup_seconds: float = 3.0,
    settle_seconds: float = 2.0,
) -> SoakResult:
    """Warm up at full concurrency (thread pools and connection pools reach their size), measure the
    processes, soak, let in-flight work settle, measure again."""
    asyncio.run(_drive(url, tokens, sessions, warmup_seconds, max_calls, None))
    time.sleep(settle_seconds)
    result = SoakResult(sessions=sessions, seconds=0.0, before={pid: process_stats(pid) for pid in pids})
    started = time.monotonic()
    with _sampling(pids, result.first_half):
        asyncio.run(_drive(url, tokens, sessions, seconds / 2, max_calls // 2, result))
    result.middle = {pid: process_stats(pid) for pid in pids}
    with _sampling(pids, result.second_half):
        asyncio.run(_drive(url, tokens, sessions, seconds / 2, max_calls - max_calls // 2, result))
    result.seconds = time.monotonic() - started
    time.sleep(settle_seconds)
    result.after = {pid: process_stats(pid) for pid in pids}
    return result
