"""Synthesis: ``python main.py`` (every environment) against the floor (binding + one resource)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .procs import TreeRssSampler

ROOT = Path(__file__).resolve().parent.parent
SYNTH_TIMEOUT_S = 600
# The local environment reads AWS_ENDPOINT_URL at synthesis time; nothing connects to it.
SYNTH_ENV = {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}


@dataclass
class SynthRun:
    wall_s: float
    peak_rss_mb: float  # summed over the process tree (Python + jsii's Node.js), sampled every 20 ms


def _run(argv: list[str], outdir: Path) -> SynthRun:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDKTF_"))}
    env.update(SYNTH_ENV, CDKTF_OUTDIR=str(outdir))
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with TreeRssSampler(process.pid) as sampler:
        try:
            output, _ = process.communicate(timeout=SYNTH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({process.returncode}):\n{output.decode(errors='replace')[-3000:]}"
        )
    return SynthRun(wall, sampler.peak_mb)


def ours(outdir: Path) -> SynthRun:
    run = _run([sys.executable, "main.py"], outdir)
    stacks = sorted(p.name for p in (outdir / "stacks").iterdir())
    if not stacks:
        raise RuntimeError("main.py wrote no stacks")
    return run


def floor(outdir: Path) -> SynthRun:
    run = _run([sys.executable, "-m", "benchmarks.floor_synth", str(outdir)], outdir)
    if not (outdir / "stacks" / "floor" / "cdk.tf.json").exists():
        raise RuntimeError("the floor wrote no stack")
    return run


def measure(runs: int, log) -> dict[str, list[SynthRun]]:
    """Alternate ours and the floor, each in a fresh process and output folder."""
    results: dict[str, list[SynthRun]] = {"ours": [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        for index in range(runs):
            for name, fn in (("ours", ours), ("floor", floor)):
                run = fn(Path(tmp) / f"{name}-{index}")
                log(f"synth {name} run {index + 1}/{runs}: {run.wall_s:.1f} s, {run.peak_rss_mb:.0f} MiB")
                results[name].append(run)
    return results
