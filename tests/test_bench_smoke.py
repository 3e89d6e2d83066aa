"""The benchmark's quick mode, end to end, so `make bench` cannot rot: every row of the results table
(RESULTS.md) must come out measured (or, for the container image only, say why it could not be)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The results table, row by row (the ids results.json uses).
EXPECTED = {
    "synth_wall": "floor",
    "synth_rss": "floor",
    "start_vs_peer": "workspace-mcp 2.2.1",
    "start_vs_floor": "floor",
    "list_p50_vs_peer": "workspace-mcp 2.2.1",
    "list_p99_vs_peer": "workspace-mcp 2.2.1",
    "list_p50_vs_floor": "floor",
    "list_bytes_per_tool": "workspace-mcp 2.2.1",
    "rss_vs_peer": "workspace-mcp 2.2.1",
    "rss_vs_floor": "floor",
    "call_c1_p50": "stand-in alone",
    "call_c1_p99": "stand-in alone",
    "call_c50_p50": "stand-in alone",
    "call_c50_p99": "stand-in alone",
    "call_errors": None,
    "users_growth": None,
    "image_size": None,
    "dep_auth_first": "single-user, no auth",
    "dep_auth_steady": "single-user, no auth",
    "dep_call_c1_p50": "minimal async client",
    "dep_google_per_call": "minimal async client",
    "dep_s3_per_call": None,
    "dep_connections_per_call": None,
    "dep_tput_c50": "stand-in alone (minimal async client)",
    "dep_cpu_c50": "minimal async client",
    "dep_tput_c200": "stand-in alone (minimal async client)",
    "dep_cpu_c200": "minimal async client",
    "dep_errors": None,
    "soak_errors": None,
    "soak_p99": None,
    "soak_rss": None,
    "soak_fds": None,
    "soak_threads": None,
}


def _filled(summary: dict | None) -> bool:
    return (
        bool(summary)
        and all(isinstance(summary[k], (int, float)) for k in ("median", "min", "max"))
        and summary["min"] <= summary["median"] <= summary["max"]
        and len(summary["runs"]) >= 1
    )


def test_quick_benchmark_fills_every_row(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert result.returncode == 0, f"benchmark failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"

    data = json.loads((tmp_path / "results.json").read_text())
    rows = {row["id"]: row for row in data["rows"]}
    assert set(rows) == set(EXPECTED), f"rows differ from the expected table: {sorted(set(rows) ^ set(EXPECTED))}"
    for row_id, baseline in EXPECTED.items():
        row = rows[row_id]
        if row_id == "image_size" and row["not_available"]:
            continue  # no podman or no image on this machine: the reason is in the table instead
        assert not row["not_available"], (row_id, row["not_available"])
        assert _filled(row["ours"]), (row_id, row["ours"])
        if baseline is not None:
            assert row["baseline_name"] == baseline, (row_id, row["baseline_name"])
            assert _filled(row["baseline"]), (row_id, row["baseline"])
            assert row["ratio"] is not None and row["ratio"] > 0, (row_id, row["ratio"])
        if row["goal"] != "reported":
            assert row["met"] in (True, False), (row_id, row["met"])
    # The measurements themselves are plausible, not placeholders.
    assert rows["call_errors"]["ours"]["median"] == 0, rows["call_errors"]["note"]
    assert rows["dep_errors"]["ours"]["median"] == 0, rows["dep_errors"]["note"]
    assert rows["soak_errors"]["ours"]["median"] == 0, rows["soak_errors"]["note"]
    # Deployed path, counted at the stand-ins: after a token's first request no tokeninfo and no S3
    # read per tool call (checks are cached), and Google connections are reused.
    assert rows["dep_google_per_call"]["met"], rows["dep_google_per_call"]
    assert rows["dep_s3_per_call"]["met"], rows["dep_s3_per_call"]
    assert rows["dep_connections_per_call"]["met"], rows["dep_connections_per_call"]
    assert rows["start_vs_peer"]["ours"]["median"] > 0.1
    assert rows["list_bytes_per_tool"]["baseline"]["median"] > 500  # the peer's tools are listed in full

    markdown = (tmp_path / "RESULTS.md").read_text()
    assert "| figure | ours | peer or floor | ratio | goal | met? |" in markdown
    for row in data["rows"]:
        assert row["figure"] in markdown
    assert "## Method" in markdown


def test_a_group_run_alone_keeps_the_other_groups_rows(tmp_path):
    """``--only users`` re-measures that group and keeps every other row of the results already there."""
    committed = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    (tmp_path / "results.json").write_text(json.dumps(committed))
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--only", "users", "--users", "3", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {row["id"]: row for row in json.loads((tmp_path / "results.json").read_text())["rows"]}
    before = {row["id"]: row for row in committed["rows"]}
    assert set(rows) == set(before) == set(EXPECTED)
    assert [i for i in rows if rows[i] != before[i]] == ["users_growth"]
    assert rows["users_growth"]["group"] == "users" and _filled(rows["users_growth"]["ours"])
    assert rows["users_growth"]["ours"] != before["users_growth"]["ours"], "the users row was not measured again"
    header = (tmp_path / "RESULTS.md").read_text().splitlines()[2]
    assert "Rows of synth, servers, calls, deployed, soak, image are kept from the run before." in header, header
