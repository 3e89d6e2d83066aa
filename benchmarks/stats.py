"""Summaries of repeated measurements: median with min and max, and latency percentiles."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    if not samples:
        raise ValueError("percentile of an empty sample")
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    """Median, min and max over runs (each run a fresh process)."""

    median: float
    min: float
    max: float
    runs: tuple[float, ...]

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        if not values:
            raise ValueError("no runs to summarize")
        return cls(statistics.median(values), min(values), max(values), tuple(values))

    def to_json(self) -> dict:
        return {"median": self.median, "min": self.min, "max": self.max, "runs": list(self.runs)}
