"""Fixtures for the Terraform module tests: a private copy of ``terraform/`` per session
(terraform writes ``.terraform/`` and state next to the configuration)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = ROOT / "terraform"


@pytest.fixture(scope="session")
def tf_cache(tmp_path_factory) -> dict[str, str]:
    """A plugin cache, so each ``init`` links the provider from the mirror instead of copying it."""
    return {"TF_PLUGIN_CACHE_DIR": str(tmp_path_factory.mktemp("tf-plugin-cache"))}


@pytest.fixture(scope="session")
def terraform_copy(tmp_path_factory) -> Path:
    """``terraform/`` (committed module + examples) copied to a temporary directory."""
    destination = tmp_path_factory.mktemp("terraform") / "terraform"
    shutil.copytree(
        TERRAFORM_DIR,
        destination,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.*", ".terraform.lock.hcl"),
    )
    return destination
