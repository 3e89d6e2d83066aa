"""Run every benchmark (each row of RESULTS.md's table) and write RESULTS.md and results.json.

    .venv/bin/python -m benchmarks.run            # full run (20-40 minutes on 2 cores)
    .venv/bin/python -m benchmarks.run --quick    # smoke mode: one short run of every row

Method: every figure is the median over runs, with min and max; each run starts fresh processes
(server, peer, floor, Google stand-ins); all traffic stays on 127.0.0.1; every loop is bounded in
count and in time. See the "Method" section that RESULTS.md carries.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import deployed, image, method, peer, profile, servers, soak, synth, toolcall
from .report import Row, write
from .stats import Summary, percentile

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("synth", "servers", "calls", "deployed", "users", "soak", "image")


@dataclass(frozen=True)
class Plan:
    synth_runs: int
    server_runs: int
    tools_list_requests: int
    call_runs: int
    c1_calls: int
    c50_per_worker: int
    users: int
    users_runs: int
    warmup: bool  # one unmeasured start of each server first (byte-code compilation, page cache)
    overlap_synth: bool  # quick mode only: synthesize while the server rows run
    deployed_runs: int
    deployed: deployed.DeployedPlan
    soak: soak.SoakPlan


FULL = Plan(
    synth_runs=3,
    server_runs=3,
    tools_list_requests=100,
    call_runs=3,
    c1_calls=60,
    c50_per_worker=4,
    users=1000,
    users_runs=1,
    warmup=True,
    overlap_synth=False,
    deployed_runs=3,
    deployed=deployed.DeployedPlan(users=50, first_tokens=5, pings=50, c1_calls=60, per_worker={50: 6, 200: 3}),
    soak=soak.SoakPlan(sessions=100, users=20, seconds=180, max_calls=100_000),
)
QUICK = Plan(
    synth_runs=1,
    server_runs=1,
    tools_list_requests=10,
    call_runs=1,
    c1_calls=5,
    c50_per_worker=1,
    users=10,
    users_runs=1,
    warmup=False,
    overlap_synth=True,
    deployed_runs=1,
    deployed=deployed.DeployedPlan(users=3, first_tokens=1, pings=10, c1_calls=5, per_worker={50: 1, 200: 1}),
    soak=soak.SoakPlan(sessions=100, users=3, seconds=5, max_calls=1_000),
)
CONCURRENCY = 50


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def summary(values: list[float]) -> Summary:
    return Summary.of(values)


def _le(factor: float):
    return lambda ours, base: base is not None and ours <= factor * base


def _overhead_le(ms: float):
    return lambda ours, base: base is not None and ours - base <= ms


# ---------------------------------------------------------------------------------------------
def synth_rows(plan: Plan) -> list[Row]:
    runs = synth.measure(plan.synth_runs, log)
    ours, floor = runs["ours"], runs["floor"]
    return [
        Row(
            "synth_wall",
            "Synthesis of all environments: wall time",
            "s",
            "≤ 1.25× floor",
            summary([r.wall_s for r in ours]),
            "floor",
            summary([r.wall_s for r in floor]),
            _le(1.25),
        ),
        Row(
            "synth_rss",
            "Synthesis of all environments: peak RSS (Python + Node, summed)",
            "MiB",
            "≤ 1.25× floor",
            summary([r.peak_rss_mb for r in ours]),
            "floor",
            summary([r.peak_rss_mb for r in floor]),
            _le(1.25),
        ),
    ]


def server_rows(plan: Plan, work: Path) -> list[Row]:
    kinds = [
        servers.ServerKind("ours", "ours", servers.ours_command(), servers.complete_tier_size()),
        servers.ServerKind("peer", "workspace-mcp 2.2.1", servers.peer_command(peer.ensure_peer_venv())),
        servers.ServerKind("floor", "floor", servers.floor_command, 1),
    ]
    if plan.warmup:
        for kind in kinds:
            servers.measure(kind, work / f"warmup-{kind.name}", 1)
    runs: dict[str, list[servers.ServerRun]] = {k.name: [] for k in kinds}
    for index in range(plan.server_runs):
        for kind in kinds:  # interleaved, so machine noise spreads over all three
            run = servers.measure(kind, work / f"{kind.name}-{index}", plan.tools_list_requests)
            log(
                f"server {kind.name} run {index + 1}/{plan.server_runs}: start {run.startup_s:.2f} s, "
                f"{run.tool_count} tools, tools/list p50 {run.p50_ms:.1f} ms, VmHWM {run.peak_rss_mb:.0f} MiB"
            )
            runs[kind.name].append(run)

    def of(name: str, attr: str) -> Summary:
        return summary([getattr(r, attr) for r in runs[name]])

    counts = {name: runs[name][0].tool_count for name in runs}
    per_tool = {name: summary([r.tools_bytes / r.tool_count for r in runs[name]]) for name in runs}
    peer_label = "workspace-mcp 2.2.1"
    requests = runs["ours"][0].requests
    return [
        Row(
            "start_vs_peer",
            "Server cold start: process start → first /health 200, every tool loaded",
            "s",
            "≤ 0.5× peer",
            of("ours", "startup_s"),
            peer_label,
            of("peer", "startup_s"),
            _le(0.5),
            note=(
                f"ours serves {counts['ours']} tools (complete tier), the peer {counts['peer']} (--tool-tier complete)."
            ),
        ),
        Row(
            "start_vs_floor",
            "Server cold start vs the one-tool FastMCP floor",
            "s",
            "≤ 1.15× floor",
            of("ours", "startup_s"),
            "floor",
            of("floor", "startup_s"),
            _le(1.15),
        ),
        Row(
            "list_p50_vs_peer",
            "tools/list latency p50, complete tier",
            "ms",
            "≤ 0.5× peer",
            of("ours", "p50_ms"),
            peer_label,
            of("peer", "p50_ms"),
            _le(0.5),
            note=f"{requests} sequential tools/list requests per run on one session, after one untimed.",
        ),
        Row(
            "list_p99_vs_peer",
            "tools/list latency p99, complete tier",
            "ms",
            "≤ 0.5× peer",
            of("ours", "p99_ms"),
            peer_label,
            of("peer", "p99_ms"),
            _le(0.5),
        ),
        Row(
            "list_p50_vs_floor",
            "tools/list latency p50 vs the one-tool floor",
            "ms",
            "reported",
            of("ours", "p50_ms"),
            "floor",
            of("floor", "p50_ms"),
        ),
        Row(
            "list_bytes_per_tool",
            "tools/list size: bytes per tool, complete tier",
            "B",
            "≤ 0.6× peer",
            per_tool["ours"],
            peer_label,
            per_tool["peer"],
            _le(0.6),
            note=f"compact JSON of the tools array: ours {runs['ours'][0].tools_bytes:,} B for {counts['ours']} tools, "
            f"the peer {runs['peer'][0].tools_bytes:,} B for {counts['peer']} tools.",
        ),
        Row(
            "rss_vs_peer",
            "Peak RSS after start-up and tools/list (VmHWM)",
            "MiB",
            "≤ 0.8× peer",
            of("ours", "peak_rss_mb"),
            peer_label,
            of("peer", "peak_rss_mb"),
            _le(0.8),
        ),
        Row(
            "rss_vs_floor",
            "Peak RSS after start-up and tools/list vs the floor",
            "MiB",
            "reported",
            of("ours", "peak_rss_mb"),
            "floor",
            of("floor", "peak_rss_mb"),
        ),
    ]


def call_rows(plan: Plan, work: Path) -> list[Row]:
    schedule = {1: plan.c1_calls, CONCURRENCY: plan.c50_per_worker}
    runs = []
    for index in range(plan.call_runs):
        run = toolcall.measure_tool_calls(work / f"calls-{index}", schedule)
        log(
            f"tool calls run {index + 1}/{plan.call_runs}: first call {run.first_call_ms:.0f} ms, "
            + ", ".join(f"c{c} p50 {run.ours[c].p(50):.1f} ms (floor {run.floor[c].p(50):.1f} ms)" for c in schedule)
        )
        runs.append(run)
    rows = []
    errors = 0
    for concurrency in schedule:
        for pct, goal in ((50, "overhead ≤ 5 ms"), (99, "reported")):
            ours = summary([r.ours[concurrency].p(pct) for r in runs])
            floor = summary([r.floor[concurrency].p(pct) for r in runs])
            overhead = summary([r.ours[concurrency].p(pct) - r.floor[concurrency].p(pct) for r in runs])
            rows.append(
                Row(
                    f"call_c{concurrency}_p{pct}",
                    f"Gmail search tool call through MCP, concurrency {concurrency}, p{pct}",
                    "ms",
                    goal,
                    ours,
                    "stand-in alone",
                    floor,
                    _overhead_le(5.0) if pct == 50 else None,
                    note=f"overhead {overhead.median:.1f} ms ({overhead.min:.1f}–{overhead.max:.1f}).",
                )
            )
        errors += sum(r.ours[concurrency].errors + r.floor[concurrency].errors for r in runs)
    samples = sum(len(r.ours[c].samples) for r in runs for c in schedule)
    first = next(
        (
            r.ours[c].first_error or r.floor[c].first_error
            for r in runs
            for c in schedule
            if r.ours[c].first_error or r.floor[c].first_error
        ),
        "",
    )
    rows.append(
        Row(
            "call_errors",
            "Tool call errors (all concurrencies, ours and floor)",
            "",
            "0",
            summary([float(errors)]),
            check=lambda ours, base: ours == 0,
            note=(
                f"{samples} timed MCP tool calls; each makes {runs[0].google_requests_per_call} Google requests "
                f"(messages.list, then messages.get per hit, concurrently). First call of each process (builds the "
                f"Gmail service object) excluded: {statistics.median(r.first_call_ms for r in runs):.0f} ms median."
                + (f" First error: {first}" if first else "")
            ),
        )
    )
    return rows


def deployed_rows(plan: Plan, work: Path) -> list[Row]:
    runs = []
    for index in range(plan.deployed_runs):
        run = deployed.measure_deployed(work / f"deployed-{index}", plan.deployed, log)
        log(
            f"deployed run {index + 1}/{plan.deployed_runs}: ping first {statistics.median(run.first_ms):.1f} ms, "
            f"steady p50 {percentile(run.steady_ms, 50):.2f} ms (no auth {percentile(run.floor_ping_ms, 50):.2f}), "
            f"c1 p50 {run.c1.p(50):.1f} ms (floor {run.c1_floor.p(50):.1f}), "
            + ", ".join(
                f"c{t.concurrency} {t.ours_calls_per_s:.1f}/s (floor {t.floor_calls_per_s:.1f}/s)"
                for t in run.throughput
            )
        )
        runs.append(run)
    return deployed.rows(runs, plan.deployed)


def users_rows(plan: Plan, work: Path) -> list[Row]:
    runs = []
    for index in range(plan.users_runs):
        run = toolcall.measure_users(work / f"users-{index}", plan.users)
        log(
            f"users run {index + 1}/{plan.users_runs}: {run.users} users in {run.seconds:.0f} s, "
            f"RSS {run.baseline_rss_mb:.1f} → {run.final_rss_mb:.1f} MiB, {run.errors} errors"
        )
        runs.append(run)
    done = min(r.users for r in runs)
    errors = sum(r.errors for r in runs)
    row = Row(
        "users_growth",
        f"Memory growth (RSS) after {done:,} distinct users each sign in and make one call",
        "MiB",
        "≤ 20 MB",
        summary([r.growth_mb for r in runs]),
        check=lambda ours, base: ours <= 20.0,
        note=(
            f"multi-user mode (OAuth 2.1 proxy, encrypted local token store); each user: dynamic client "
            f"registration, authorize + consent through the Google stand-in, token, one Gmail search call. "
            f"RSS after 3 warm-up users {runs[0].baseline_rss_mb:.1f} MiB → {runs[0].final_rss_mb:.1f} MiB; "
            f"{errors} errors; {runs[0].seconds:.0f} s." + (f" First error: {runs[0].first_error}" if errors else "")
        ),
    )
    if done < plan.users:
        row.note += f" Only {done} of {plan.users} users fit in the time budget."
    return [row]


def soak_rows(plan: Plan, work: Path) -> list[Row]:
    return soak.rows(soak.measure(work / "soak", plan.soak, log), plan.soak)


def image_rows() -> list[Row]:
    image_mb, base_mb, reason = image.sizes()
    row = Row("image_size", "Container image size (podman)", "MB", "reported")
    if image_mb is None:
        row.not_available = reason
    else:
        row.ours = summary([image_mb])
        if base_mb is not None:
            row.baseline_name, row.baseline = "its Debian base", summary([base_mb])
        row.note = f"{image.IMAGE}, as built by the container tests."
    return [row]


def _measured(group: str, fn, failed: list[str]) -> list[Row]:
    """``fn()``'s rows; a group that fails becomes one row saying why, so the others' figures are kept."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - reported in the table, and the exit status is 1
        import traceback

        log(f"{group} failed:\n{traceback.format_exc()}")
        failed.append(group)
        return [
            Row(
                f"{group}_failed",
                f"{group} (failed)",
                "",
                "—",
                not_available=f"failed: {type(exc).__name__}: {str(exc)[:300]}",
            )
        ]


def skipped(group: str) -> list[Row]:
    return [Row(f"{group}_skipped", f"{group} (not run)", "", "—", not_available="skipped with --only")]


def run_profiles(rows: list[Row], out_dir: Path) -> dict[str, Path]:
    """One profile per cause of a missed goal; returns {profile name: report file}."""
    wanted = dict.fromkeys(profile.FOR_ROW[row.id] for row in rows if row.met is False and row.id in profile.FOR_ROW)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = {}
    for name in wanted:
        out = out_dir / f"{name}.txt"
        log(f"profiling {name} -> {out}")
        try:
            with tempfile.TemporaryDirectory(prefix=f"bench-profile-{name}-") as tmp:
                profile.PROFILERS[name](Path(tmp), out)
            done[name] = out
        except Exception as exc:  # a failed profile must not lose the measured table
            log(f"profile {name} failed: {exc}")
    return done


def rows_from_json(data: dict) -> list[Row]:
    """The rows of a results.json, as measured (goals already judged)."""

    def summary(value: dict | None) -> Summary | None:
        return None if value is None else Summary(value["median"], value["min"], value["max"], tuple(value["runs"]))

    return [
        Row(
            r["id"],
            r["figure"],
            r["unit"],
            r["goal"],
            summary(r["ours"]),
            r["baseline_name"],
            summary(r["baseline"]),
            ratio=r["ratio"],
            met=r["met"],
            note=r["note"],
            not_available=r["not_available"],
            group=r.get("group", ""),
        )
        for r in data["rows"]
    ]


def rerender(out: Path) -> Path:
    """RESULTS.md again from ``out``/results.json, the profiles beside it and the current ANALYSIS.md."""
    import types

    data = json.loads((out / "results.json").read_text())
    ordered = rows_from_json(data)

    def namespace(value):
        if isinstance(value, dict) and all(isinstance(k, str) and k.isidentifier() for k in value):
            return types.SimpleNamespace(**{k: namespace(v) for k, v in value.items()})
        return value

    plan = namespace(data["meta"]["plan"])
    plan.deployed.per_worker = {int(k): v for k, v in data["meta"]["plan"]["deployed"]["per_worker"].items()}
    wanted = {profile.FOR_ROW[row.id] for row in ordered if row.met is False and row.id in profile.FOR_ROW}
    profiles = {
        name: out / "profiles" / f"{name}.txt" for name in sorted(wanted) if (out / "profiles" / f"{name}.txt").exists()
    }
    return write(out, ordered, data["meta"], method.sections(ordered, out, profiles, plan))[1]


# ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke mode: one short run of every row")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where RESULTS.md and results.json go (default: benchmarks/, or build/bench/quick/ with --quick)",
    )
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma list of {', '.join(GROUPS)}; the other groups keep their rows from the results in --out",
    )
    parser.add_argument("--users", type=int, help="distinct users in the memory-growth row (default 1000; quick 10)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles of missed goals (full mode)")
    parser.add_argument(
        "--rerender",
        action="store_true",
        help="measure nothing: write RESULTS.md again from results.json (after editing ANALYSIS.md)",
    )
    args = parser.parse_args(argv)
    if args.rerender:
        out = args.out or ROOT / "benchmarks"
        log(f"rewrote {rerender(out)}")
        return 0
    plan = QUICK if args.quick else FULL
    if args.users is not None:
        if not 1 <= args.users <= 100_000:
            parser.error(f"--users: must be between 1 and 100000 (got {args.users})")
        plan = dataclasses.replace(plan, users=args.users)
    if args.out is None:  # smoke figures never overwrite the committed results
        args.out = ROOT / "build" / "bench" / "quick" if args.quick else ROOT / "benchmarks"
    only = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = [g for g in only if g not in GROUPS]
    if unknown:
        parser.error(f"--only: unknown group {unknown[0]!r}; choose from {', '.join(GROUPS)}")
    started = time.monotonic()
    rows: dict[str, list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, concurrent.futures.ThreadPoolExecutor(1) as background:
        work = Path(tmp)
        measure = {
            "users": lambda: users_rows(plan, work),
            "image": image_rows,
            "soak": lambda: soak_rows(plan, work),
            "calls": lambda: call_rows(plan, work),
            "deployed": lambda: deployed_rows(plan, work),
            "servers": lambda: server_rows(plan, work / "servers"),
            "synth": lambda: synth_rows(plan),
        }
        servers.compile_ours()
        synth_future = None
        if "synth" in only and plan.overlap_synth:
            synth_future = background.submit(measure.pop("synth"))
        # Memory first, timings last: the later the run, the quieter a shared machine tends to be.
        failed = []
        for group, fn in measure.items():
            if group in only:
                rows[group] = _measured(group, fn, failed)
        if synth_future is not None:
            rows["synth"] = _measured("synth", synth_future.result, failed)
    for group, measured in rows.items():
        for row in measured:
            row.group = group
    # A group not run this time keeps its rows from the results already in ``out`` (their own goals).
    previous: dict[str, list[Row]] = {}
    if (args.out / "results.json").exists():
        for row in rows_from_json(json.loads((args.out / "results.json").read_text())):
            if row.group and row.group not in rows and not row.id.endswith("_skipped"):
                previous.setdefault(row.group, []).append(row)
    ordered = [
        row.evaluate() if group in rows else row
        for group in GROUPS
        for row in rows.get(group) or previous.get(group) or skipped(group)
    ]
    profiles = {} if args.quick or args.no_profile else run_profiles(ordered, args.out / "profiles")

    meta = {
        "command": " ".join(["python -m benchmarks.run", *(sys.argv[1:] if argv is None else argv)]),
        "quick": args.quick,
        "finished_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.monotonic() - started, 1),
        "machine": (
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "plan": dataclasses.asdict(plan),
        "peer": peer.PEER_PACKAGE,
        "kept": [group for group in GROUPS if group in previous],
    }
    json_path, md_path = write(args.out, ordered, meta, method.sections(ordered, args.out, profiles, plan))
    log(f"wrote {md_path} and {json_path} in {meta['seconds']:.0f} s")
    if failed:
        log(f"failed: {', '.join(failed)} (see the table)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
