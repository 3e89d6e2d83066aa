"""Fixtures for the container tests: podman (installed by scripts/container/setup.sh), the
local Debian base image (scripts/container/build-base.sh, cached) and the server image
built from the repository's real Dockerfile."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "container"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
IMAGE = "localhost/workspace-mcp-server:test"


@dataclass(frozen=True)
class Podman:
    """podman as root with this machine's settings (runc, no default ulimits)."""

    env: dict[str, str]
    log_dir: Path
    runtime: str  # runc, the OCI runtime podman is known to work with on these machines

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["podman", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(
                f"podman {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
            )
        return result


def _script(name: str, env: dict[str, str], log: Path, timeout: float) -> str:
    """Run a scripts/container script; returns its last stdout line (its result)."""
    with open(log, "w") as stderr:
        result = subprocess.run(
            ["bash", str(SCRIPTS / name)], env=env, stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=timeout
        )
    if result.returncode != 0:
        pytest.fail(f"{name} exited {result.returncode}:\n{log.read_text()[-4000:]}")
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def podman(tmp_path_factory) -> Podman:
    if os.geteuid() != 0:
        pytest.skip("container tests need root: podman runs rootful and setup.sh installs it with apt-get")
    if shutil.which("apt-get") is None:
        pytest.skip("container tests need apt-get to install podman, runc and debootstrap (Debian/Ubuntu)")
    log_dir = tmp_path_factory.mktemp("podman")
    conf = _script("setup.sh", dict(os.environ), log_dir / "setup.log", timeout=900)
    runtime = shutil.which("runc") or "/usr/sbin/runc"
    return Podman(env={**os.environ, "CONTAINERS_CONF": conf}, log_dir=log_dir, runtime=runtime)


@pytest.fixture(scope="session")
def base_image(podman: Podman) -> str:
    """The debootstrapped Debian base (python3.11 + venv + curl); reused while its recipe is unchanged."""
    return _script("build-base.sh", podman.env, podman.log_dir / "build-base.log", timeout=1800)


@pytest.fixture(scope="session")
def server_image(podman: Podman, base_image: str) -> str:
    """The real Dockerfile built on the local base (podman's layer cache keeps reruns short)."""
    previous = podman("image", "inspect", "--format", "{{.Id}}", IMAGE, check=False).stdout.strip()
    result = podman(
        "build",
        "--format",
        "docker",  # the OCI format drops HEALTHCHECK
        "--runtime",
        podman.runtime,
        "--network=host",
        "-v",
        f"{CA_BUNDLE}:{CA_BUNDLE}:ro",
        "--build-arg",
        f"BASE_IMAGE={base_image}",
        "-f",
        str(ROOT / "Dockerfile"),
        "-t",
        IMAGE,
        str(ROOT),
        timeout=1500,
        check=False,
    )
    (podman.log_dir / "build.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        pytest.fail(f"podman build failed ({result.returncode}):\n{(result.stdout + result.stderr)[-6000:]}")
    if previous and previous != podman("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip():
        # The last run's image (its venv layer is ~250 MB) would pile up on every code change.
        podman("rmi", previous, check=False)
    return IMAGE


@pytest.fixture(scope="session")
def google_oauth_standin():
    """The Google OAuth stand-in on loopback (the container shares the host network)."""
    from tests.fakes.google_oauth import run_google_oauth

    with run_google_oauth() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def google_api_standin():
    from tests.fakes.google_api import run_google_api

    with run_google_api() as stand_in:
        yield stand_in
