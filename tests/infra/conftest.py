"""Fixtures for the infrastructure tests (the session synthesis lives in tests/conftest.py)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.infra.tf_json import Stack, load

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def production(synth_dir: Path) -> Stack:
    return load(synth_dir, "production")


@pytest.fixture(scope="session")
def local(synth_dir: Path) -> Stack:
    return load(synth_dir, "local")


@pytest.fixture(scope="session")
def terraform_env(tmp_path_factory) -> dict[str, str]:
    """Environment for terraform: the repo's CLI config (provider mirror) and a plugin cache
    so each ``init`` links the provider instead of copying it."""
    cache = tmp_path_factory.mktemp("tf-plugin-cache")
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(ROOT / "terraform.rc"),
        "TF_PLUGIN_CACHE_DIR": str(cache),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }

