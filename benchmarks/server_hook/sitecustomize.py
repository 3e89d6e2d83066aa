"""Loaded by a profiled server through PYTHONPATH (benchmarks/profile.py); inert otherwise.

The first SIGUSR1 starts measuring, the second writes the report to $BENCH_PROFILE_OUT, so start-up
and warm-up stay out of the report. $BENCH_PROFILE_MODE:
  time    pyinstrument on the main thread (the event loop): the call tree, then functions by self time
  memory  tracemalloc: allocations made in between and still alive, after and before gc.collect()
"""

import gc
import os
import signal

_MODE = os.environ.get("BENCH_PROFILE_MODE")
_OUT = os.environ.get("BENCH_PROFILE_OUT")
_state = {}


def _write(text: str) -> None:
    with open(_OUT + ".tmp", "w") as out:
        out.write(text)
    os.replace(_OUT + ".tmp", _OUT)


def _memory_report(title: str, snapshot, top: int) -> str:
    import tracemalloc

    stats = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)]).statistics("traceback")
    total = sum(stat.size for stat in stats)
    lines = [f"## {title}: {total / 2**20:.1f} MiB in {sum(stat.count for stat in stats):,} blocks", ""]
    for stat in stats[:top]:
        lines.append(f"{stat.size / 2**20:.2f} MiB in {stat.count:,} blocks, allocated at:")
        lines += ["    " + line for line in stat.traceback.format()[-14:]]
        lines.append("")
    return "\n".join(lines) + "\n"


def _on_signal(signum, frame) -> None:
    if _MODE == "memory":
        import tracemalloc

        if not tracemalloc.is_tracing():
            tracemalloc.start(15)
            return
        before = tracemalloc.take_snapshot()
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        _write(
            _memory_report("Python allocations since the first signal, alive after gc.collect() (retained)", after, 5)
            + "\n"
            + _memory_report("The same before gc.collect() (includes garbage in reference cycles)", before, 6)
        )
    elif _MODE == "time":
        from pyinstrument import Profiler

        if "profiler" not in _state:
            _state["profiler"] = Profiler(interval=0.001, async_mode="disabled")
            _state["profiler"].start()
            return
        profiler = _state.pop("profiler")
        profiler.stop()
        _write(
            "## Call tree (library frames collapsed; work in worker threads shows as waiting)\n\n"
            + profiler.output_text()
            + "\n## Functions by self time (all frames)\n\n"
            + profiler.output_text(flat=True, show_all=True)
        )


if _MODE in ("time", "memory") and _OUT:
    signal.signal(signal.SIGUSR1, _on_signal)
