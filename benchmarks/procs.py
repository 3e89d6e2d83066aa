"""Process helpers: fresh server processes, time to first /health 200, and memory from /proc."""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

HEALTH_POLL_S = 0.005  # fine enough for start-up times of seconds, cheap for the server


def _status_kb(pid: int, field: str) -> int:
    """A ``kB`` field (VmHWM, VmRSS) of /proc/<pid>/status; 0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a live process, in MiB."""
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int) -> float:
    """Current resident set size (VmRSS) of a live process, in MiB."""
    return _status_kb(pid, "VmRSS") / 1024


def _descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                # the command name may hold spaces; fields after the last ')' are fixed
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


class TreeRssSampler:
    """Samples the summed RSS of a process and all its descendants until stopped.

    Synthesis runs Python plus jsii's Node.js child, so the peak of the sum is what
    the machine must hold; a single process's VmHWM would miss the child.
    """

    def __init__(self, pid: int, interval_s: float = 0.02):
        self.pid = pid
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total_kb = sum(_status_kb(pid, "VmRSS") for pid in _descendants(self.pid))
            self.peak_mb = max(self.peak_mb, total_kb / 1024)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def http_status(port: int, path: str, timeout: float = 2.0) -> int | None:
    """Status of GET http://127.0.0.1:<port><path>, or None if nothing answers yet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def wait_for_ok(port: int, path: str, process: subprocess.Popen, timeout_s: float, log: Path | None) -> None:
    """Poll until GET path answers 200; bounded by ``timeout_s``; fails fast if the process exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {path} answered 200{_tail(log)}")
        if http_status(port, path) == 200:
            return
        time.sleep(HEALTH_POLL_S)
    raise TimeoutError(f"{path} on port {port} did not answer 200 within {timeout_s}s{_tail(log)}")


def _tail(log: Path | None, lines: int = 30) -> str:
    if log is None or not log.exists():
        return ""
    return "\n--- log tail ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class StartedServer:
    port: int
    process: subprocess.Popen
    startup_s: float  # process start -> first 200 on the health path
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def started_server(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    port: int,
    log: Path,
    cwd: Path | None = None,
    health_path: str = "/health",
    timeout_s: float = 120.0,
) -> Iterator[StartedServer]:
    """Start a fresh server process and time it from ``Popen`` to the first 200 on ``health_path``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_ok(port, health_path, process, timeout_s, log)
        yield StartedServer(port, process, time.perf_counter() - started, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s: a benchmark never leaves a server behind."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
