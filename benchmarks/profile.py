"""Profiles that explain a missed goal: where the time (pyinstrument, -X importtime) or the memory
(tracemalloc) goes. Written to benchmarks/profiles/ and excerpted in RESULTS.md."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from tests.fakes.ports import free_port

from . import servers, synth, toolcall
from .mcp_http import McpSession, new_client
from .procs import started_server

ROOT = Path(__file__).resolve().parent.parent
HOOK_DIR = Path(__file__).resolve().parent / "server_hook"
REPORT_WAIT_S = 120


def _hooked(mode: str, out: Path) -> dict[str, str]:
    """Server environment that loads server_hook/sitecustomize.py in ``mode`` (time or memory)."""
    return {"PYTHONPATH": str(HOOK_DIR), "BENCH_PROFILE_MODE": mode, "BENCH_PROFILE_OUT": str(out)}


def _signal(pid: int, out: Path, *, report: bool) -> None:
    """SIGUSR1 starts the hook's measurement; the second one makes it write ``out`` (awaited)."""
    os.kill(pid, signal.SIGUSR1)
    if not report:
        time.sleep(0.5)  # the handler runs on the server's main thread at its next chance
        return
    deadline = time.monotonic() + REPORT_WAIT_S
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    if not out.exists():
        raise RuntimeError(f"the profiling hook wrote no report to {out}")


def _profiled(pid: int, out: Path, workload) -> None:
    _signal(pid, out, report=False)
    workload()
    _signal(pid, out, report=True)


def tool_calls(work: Path, out: Path, calls: int = 100) -> None:
    """pyinstrument on our server's event loop while it answers ``calls`` sequential Gmail searches."""
    with toolcall.google_standin(work, toolcall.all_scopes()) as standin:
        port = free_port()
        argv, env = servers.ours_command({"GOOGLE_API_ROOT_URL": standin.api_root, **_hooked("time", out)})(port, work)
        with started_server(argv, env=env, port=port, log=work / "server.log", cwd=work) as server:

            async def drive(count: int) -> None:
                async with new_client() as client:
                    session = await McpSession(client, f"{server.base_url}/mcp").open()
                    for _ in range(count):
                        await session.call_tool(toolcall.TOOL, toolcall.ARGS)

            asyncio.run(drive(3))
            _profiled(server.pid, out, lambda: asyncio.run(drive(calls)))


def tools_list(work: Path, out: Path, requests: int = 200) -> None:
    """pyinstrument on our server's event loop during ``requests`` sequential tools/list calls."""
    port = free_port()
    argv, env = servers.ours_command(_hooked("time", out))(port, work)
    with started_server(argv, env=env, port=port, log=work / "server.log", cwd=work) as server:

        async def drive(count: int) -> None:
            async with new_client() as client:
                session = await McpSession(client, f"{server.base_url}/mcp").open()
                for _ in range(count):
                    await session.list_tools()

        asyncio.run(drive(3))
        _profiled(server.pid, out, lambda: asyncio.run(drive(requests)))


def _import_times(log: Path) -> dict[str, float]:
    """Self time (s) of every import, summed per top-level package, from ``-X importtime`` output."""
    per_package: dict[str, float] = defaultdict(float)
    for line in log.read_text(errors="replace").splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
        if found:
            per_package[found.group(3).split(".")[0]] += int(found.group(1)) / 1e6
    return per_package


def startup(work: Path, out: Path) -> None:
    """Where start-up goes: import time per package, ours against the one-tool floor."""
    results = {}
    for name, command in (("ours", servers.ours_command()), ("floor", servers.floor_command)):
        port = free_port()
        argv, env = command(port, work / name)
        (work / name).mkdir(parents=True, exist_ok=True)
        argv = [argv[0], "-X", "importtime", *argv[1:]]
        with started_server(argv, env=env, port=port, log=work / name / "server.log", cwd=work / name) as server:
            results[name] = (server.startup_s, _import_times(work / name / "server.log"))
    ours, floor = results["ours"][1], results["floor"][1]
    lines = [
        f"Start-up with -X importtime: ours {results['ours'][0]:.2f} s, floor {results['floor'][0]:.2f} s.",
        f"Import self time: ours {sum(ours.values()):.2f} s, floor {sum(floor.values()):.2f} s.",
        "",
        "Top-level package       ours (s)   floor (s)   ours - floor (s)",
    ]
    for package in sorted(ours, key=lambda p: ours[p] - floor.get(p, 0.0), reverse=True)[:20]:
        lines.append(
            f"{package:<22}{ours[package]:>9.3f}{floor.get(package, 0.0):>12.3f}"
            f"{ours[package] - floor.get(package, 0.0):>18.3f}"
        )
    out.write_text("\n".join(lines) + "\n")


def synthesis(work: Path, out: Path) -> None:
    """pyinstrument over ``python main.py`` (Python side; jsii calls show as the construct that made them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDKTF_"))}
    env.update(synth.SYNTH_ENV, CDKTF_OUTDIR=str(work / "synth"))
    argv = [sys.executable, "-m", "pyinstrument", "--renderer", "text", "-o", str(out), "main.py"]
    subprocess.run(argv, cwd=ROOT, env=env, check=True, timeout=synth.SYNTH_TIMEOUT_S, capture_output=True)


def users_memory(work: Path, out: Path, users: int = 100) -> None:
    """tracemalloc in our server across ``users`` sign-ins and calls after the warm-up: which Python
    allocations remain (and which are only garbage awaiting the cycle collector)."""
    calls = []

    def snapshot(pid: int) -> None:
        calls.append(pid)
        _signal(pid, out, report=len(calls) == 2)

    toolcall.measure_users(work, users, extra_env=_hooked("memory", out), snapshot=snapshot)


PROFILERS = {
    "synth": synthesis,
    "startup": startup,
    "tools_list": tools_list,
    "tool_calls": tool_calls,
    "users_memory": users_memory,
}
# Which profile explains which row.
FOR_ROW = {
    "synth_wall": "synth",
    "synth_rss": "synth",
    "start_vs_peer": "startup",
    "start_vs_floor": "startup",
    "list_p50_vs_peer": "tools_list",
    "list_p99_vs_peer": "tools_list",
    "call_c1_p50": "tool_calls",
    "call_c50_p50": "tool_calls",
    "call_errors": "tool_calls",
    "rss_vs_peer": "users_memory",
    "users_growth": "users_memory",
    "dep_call_c1_p50": "tool_calls",
    "dep_auth_steady": "tool_calls",
}
