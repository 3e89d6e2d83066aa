"""Start the real server (``python -m workspace_mcp_server``) on 127.0.0.1 for tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.ports import free_port, wait_for_http

# Variables of the developer's shell that would change the server under test.
_SERVER_VARS = ("PORT", "WORKSPACE_MCP_", "MCP_", "GOOGLE_", "OAUTHLIB_", "AWS_")


@dataclass(frozen=True)
class ServerProcess:
    base_url: str  # http://127.0.0.1:<port> (no prefix)
    port: int
    process: subprocess.Popen
    log_path: Path

    def url(self, path: str = "") -> str:
        return f"{self.base_url}{path}"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def console_script() -> list[str]:
    """The installed ``workspace-mcp-server`` entry point of this interpreter's environment."""
    return [str(Path(sys.executable).parent / "workspace-mcp-server")]


def server_env(env: dict[str, str], port: int) -> dict[str, str]:
    """The child's environment: ours plus ``env``; the port and loopback listen address are fixed."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(_SERVER_VARS)}
    return {
        **base,
        "WORKSPACE_MCP_HOST": "127.0.0.1",
        "WORKSPACE_MCP_BASE_URI": "http://127.0.0.1",
        **env,
        "PORT": str(port),
        "WORKSPACE_MCP_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def run_server(
    env: dict[str, str], *, port: int | None = None, log_path: Path | None = None, command: list[str] | None = None
) -> Iterator[ServerProcess]:
    """Run the server until the context exits; waits for ``/health``. Stops it with SIGTERM.

    ``command`` defaults to ``python -m workspace_mcp_server``; ``console_script()`` is the other way in.
    """
    port = port or free_port()
    if log_path is None:
        import tempfile

        log_path = Path(tempfile.mkstemp(prefix="workspace-mcp-", suffix=".log")[1])
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command or [sys.executable, "-m", "workspace_mcp_server"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=server_env(env, port),
        )
    server = ServerProcess(base_url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path)
    try:
        try:
            wait_for_http(f"{server.base_url}/health", timeout=60, process=process)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}\n--- server log ---\n{server.log_text()}") from None
        yield server
    finally:
        stop_process(process, timeout=30)


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
