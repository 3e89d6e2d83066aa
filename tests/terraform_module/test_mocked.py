"""The module and its examples under ``terraform test`` with the AWS provider mocked
(tests/terraform_module/tftest/mocks): offline, seconds per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terraform_module.mocked import TFTEST_DIR, copy_root, terraform_test
from workspace_mcp_server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
ALB_DNS = "internal-busyb-alb-1.us-east-1.elb.amazonaws.com"  # tftest/mocks: the looked-up ALB
SERVER_SECRETS = {  # what ECS injects from Secrets Manager; values only need the right shape
    "GOOGLE_OAUTH_CLIENT_ID": "client.apps.googleusercontent.com",
    "GOOGLE_OAUTH_CLIENT_SECRET": "client-secret",
    "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": "m3dRWYR3vI4U1U5Y0b6wO3Q7b9H8x1J2k5L6n7P8q9s=",
}


def server_settings(environment: dict[str, str]) -> Settings:
    """The server's own configuration loader, as the task would run it: the independent referee
    of the URLs the infrastructure derives."""
    return Settings.from_env({**environment, **SERVER_SECRETS})


@pytest.fixture(scope="module")
def reference_run(terraform_copy: Path, tf_cache, tmp_path_factory):
    root = copy_root(
        terraform_copy / "examples" / "reference",
        tmp_path_factory.mktemp("reference") / "reference",
        replace={"../../modules/": f"{terraform_copy}/modules/"},
    )
    test_file = (TFTEST_DIR / "reference.tftest.hcl").read_text()
    runs = terraform_test(root, {"reference.tftest.hcl": test_file}, tf_cache)
    return runs["reference"]


def test_reference_example_advertises_the_albs_https_url(reference_run):
    """HTTPS on 443 without a public base URL: https://<alb dns>, no port, no stray text."""
    assert reference_run.status == "pass", "\n".join(reference_run.errors)
    public_url = f"https://{ALB_DNS}/google-workspace"
    assert reference_run.outputs["external_mcp_url"] == f"{public_url}/mcp"
    environment = reference_run.container_environment()
    assert environment["WORKSPACE_MCP_PUBLIC_URL"] == public_url
    settings = server_settings(environment)
    assert (settings.public_url, settings.mcp_url) == (public_url, f"{public_url}/mcp")
