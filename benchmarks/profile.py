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
RENDER_WAIT_S = 300  # pyinstrument renders its report after the server stops
_MEMORY_HOOK = '''
# Loaded by the server through PYTHONPATH: the first SIGUSR1 starts tracemalloc (so start-up is not
# slowed down), the second reports what is still allocated from what was allocated in between:
# before a full collection (garbage in reference cycles included) and after it (what is retained).
import gc, os, signal, tracemalloc
def _report(out, title, snapshot, top):
    stats = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)]).statistics("traceback")
    total = sum(stat.size for stat in stats)
    out.write(f"## {title}: {total / 2**20:.1f} MiB in {sum(stat.count for stat in stats):,} blocks\\n\\n")
    for stat in stats[:top]:
        out.write(f"{stat.size / 2**20:.2f} MiB in {stat.count:,} blocks, allocated at:\\n")
        for line in stat.traceback.format()[-14:]:
            out.write("    " + line + "\\n")
        out.write("\\n")
def _on_signal(signum, frame):
    if not tracemalloc.is_tracing():
        tracemalloc.start(15)
        return
    before = tracemalloc.take_snapshot()
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    with open(os.environ["BENCH_TRACEMALLOC_OUT"] + ".tmp", "w") as out:
        _report(out, "Python allocations since the warm-up, alive after gc.collect() (retained)", after, 5)
        _report(out, "The same before gc.collect() (includes garbage in reference cycles)", before, 6)
    os.replace(os.environ["BENCH_TRACEMALLOC_OUT"] + ".tmp", os.environ["BENCH_TRACEMALLOC_OUT"])
signal.signal(signal.SIGUSR1, _on_signal)
'''


def _pyinstrument(module_or_script: list[str], out: Path) -> list[str]:
    return [sys.executable, "-m", "pyinstrument", "--renderer", "text", "-o", str(out), *module_or_script]


def _finish(server, out: Path) -> None:
    """SIGINT lets uvicorn stop cleanly, so pyinstrument writes its report."""
    server.process.send_signal(signal.SIGINT)
    server.process.wait(timeout=RENDER_WAIT_S)
    if not out.exists() or not out.stat().st_size:
        raise RuntimeError(f"pyinstrument wrote no report to {out}")


def tool_calls(work: Path, out: Path, calls: int = 100) -> None:
    """pyinstrument over our server while it answers ``calls`` sequential Gmail search calls."""
    with toolcall.google_standin(work, toolcall.all_scopes()) as standin:
        port = free_port()
        _, env = servers.ours_command({"GOOGLE_API_ROOT_URL": standin.api_root})(port, work)
        argv = _pyinstrument(["-m", "workspace_mcp_server"], out)
        with started_server(argv, env=env, port=port, log=work / "server.log", cwd=work) as server:
            async def drive() -> None:
                async with new_client() as client:
                    session = await McpSession(client, f"{server.base_url}/mcp").open()
                    for _ in range(calls):
                        await session.call_tool(toolcall.TOOL, toolcall.ARGS)

            asyncio.run(drive())
            _finish(server, out)


def tools_list(work: Path, out: Path, requests: int = 200) -> None:
    port = free_port()
    _, env = servers.ours_command()(port, work)
    argv = _pyinstrument(["-m", "workspace_mcp_server"], out)
    with started_server(argv, env=env, port=port, log=work / "server.log", cwd=work) as server:
        async def drive() -> None:
            async with new_client() as client:
                session = await McpSession(client, f"{server.base_url}/mcp").open()
                for _ in range(requests):
                    await session.list_tools()

        asyncio.run(drive())
        _finish(server, out)


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
        lines.append(f"{package:<22}{ours[package]:>9.3f}{floor.get(package, 0.0):>12.3f}"
                     f"{ours[package] - floor.get(package, 0.0):>18.3f}")
    out.write_text("\n".join(lines) + "\n")


def synthesis(work: Path, out: Path) -> None:
    """pyinstrument over ``python main.py`` (Python side; jsii calls show as the construct that made them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDKTF_"))}
    env.update(synth.SYNTH_ENV, CDKTF_OUTDIR=str(work / "synth"))
    subprocess.run(_pyinstrument(["main.py"], out), cwd=ROOT, env=env, check=True, timeout=synth.SYNTH_TIMEOUT_S,
                   capture_output=True)


def users_memory(work: Path, out: Path, users: int = 200) -> None:
    """tracemalloc in our server (via a sitecustomize hook) across ``users`` sign-ins and calls:
    which Python allocations account for the growth."""
    hook = work / "hook"
    hook.mkdir(parents=True, exist_ok=True)
    (hook / "sitecustomize.py").write_text(_MEMORY_HOOK)
    extra = {"PYTHONPATH": str(hook), "BENCH_TRACEMALLOC_OUT": str(out)}
    signals = []

    def snapshot(pid: int) -> None:
        os.kill(pid, signal.SIGUSR1)
        signals.append(pid)
        if len(signals) == 2:  # the report: wait for it before the server is stopped
            deadline = time.monotonic() + 120
            while not (out.exists() and out.stat().st_size) and time.monotonic() < deadline:
                time.sleep(0.5)
        else:
            time.sleep(0.5)  # let tracing start before the measured users

    toolcall.measure_users(work, users, extra_env=extra, snapshot=snapshot)
    if not out.exists():
        raise RuntimeError("the tracemalloc hook wrote no report")


PROFILERS = {
    "synth": synthesis,
    "startup": startup,
    "tools_list": tools_list,
    "tool_calls": tool_calls,
    "users_memory": users_memory,
}
# Which profile explains which row.
FOR_ROW = {
    "synth_wall": "synth", "synth_rss": "synth",
    "start_vs_peer": "startup", "start_vs_floor": "startup",
    "list_p50_vs_peer": "tools_list", "list_p99_vs_peer": "tools_list",
    "call_c1_p50": "tool_calls", "call_c50_p50": "tool_calls", "call_errors": "tool_calls",
    "rss_vs_peer": "users_memory", "users_growth": "users_memory",
}
