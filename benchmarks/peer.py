"""The peer, workspace-mcp 2.2.1, in its own virtual environment pinned by peer-requirements.lock.

``python -m benchmarks.peer --relock`` re-resolves the peer's dependencies and rewrites the lock
(pip freeze of a fresh venv); every benchmark run installs exactly the lock with ``--no-deps``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_PACKAGE = "workspace-mcp==2.2.1"
LOCK = Path(__file__).resolve().parent / "peer-requirements.lock"
VENV = ROOT / "build" / "bench" / "peer-venv"
PIP_TIMEOUT_S = 900


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _create_venv(venv: Path) -> None:
    # The same interpreter as our server's venv, so start-up figures compare like with like.
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)


def _pip(venv: Path, *args: str) -> str:
    result = subprocess.run(
        [str(_python(venv)), "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_S,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_peer_venv(venv: Path = VENV) -> Path:
    """Install the locked peer into ``venv`` unless it already matches the lock; returns its python."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    marker = venv / ".lock-sha256"
    if _python(venv).exists() and marker.exists() and marker.read_text().strip() == digest:
        return _python(venv)
    _create_venv(venv)
    _pip(venv, "install", "--no-deps", "-r", str(LOCK))
    marker.write_text(digest + "\n")
    return _python(venv)


def relock(venv: Path = VENV) -> None:
    """Resolve the peer afresh and write every installed distribution's exact pin to the lock."""
    _create_venv(venv)
    _pip(venv, "install", PEER_PACKAGE)
    frozen = _pip(venv, "freeze")
    LOCK.write_text(
        f"# {PEER_PACKAGE} and everything it pulls in, for benchmarks only.\n"
        "# Regenerate with: .venv/bin/python -m benchmarks.peer --relock\n" + frozen
    )
    (venv / ".lock-sha256").write_text(hashlib.sha256(LOCK.read_bytes()).hexdigest() + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--relock", action="store_true", help="re-resolve the peer and rewrite the lock")
    args = parser.parse_args(argv)
    if args.relock:
        relock()
    else:
        print(ensure_peer_venv())


if __name__ == "__main__":
    main()
