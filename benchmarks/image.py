"""Container image size, read from podman when the container tests have built the image."""

from __future__ import annotations

import json
import shutil
import subprocess

IMAGE = "localhost/workspace-mcp-server:test"  # tests/container/conftest.py builds this tag
BASE_REPOSITORY = "localhost/workspace-mcp-base"  # scripts/container/build-base.sh


def _podman(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=60)


def sizes() -> tuple[float | None, float | None, str]:
    """(image MB, base image MB, reason when not available); MB = 10^6 bytes, as podman reports."""
    if shutil.which("podman") is None:
        return None, None, "podman is not installed on this machine"
    found = _podman("image", "inspect", IMAGE)
    if found.returncode != 0:
        return None, None, f"image {IMAGE} not built yet (the container tests build it: make test)"
    image_mb = json.loads(found.stdout)[0]["Size"] / 1e6
    listed = _podman("images", "--format", "json", BASE_REPOSITORY)
    base_mb = None
    if listed.returncode == 0 and listed.stdout.strip():
        bases = sorted(json.loads(listed.stdout), key=lambda image: image.get("Created", 0))
        if bases:
            base_mb = bases[-1]["Size"] / 1e6
    return image_mb, base_mb, ""
