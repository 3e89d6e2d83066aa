"""Fixtures for the infrastructure tests (the session synthesis lives in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.terraform import terraform_env as fake_terraform_env
from tests.infra.tf_json import Stack, load


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
    return fake_terraform_env({"TF_PLUGIN_CACHE_DIR": str(tmp_path_factory.mktemp("tf-plugin-cache"))})
