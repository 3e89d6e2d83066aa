"""The real server process in OAuth mode behind the prefix, against the Google stand-ins, with its
token store on moto's S3: the target of the OAuth attacks in this directory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from tests.fakes.oauth_steps import OAuthSteps
from tests.fakes.ports import free_port
from tests.fakes.server_process import run_server
from tests.server.conftest import PREFIX, oauth_env

# Hosted clients the operator allows in these tests (a real one and a wildcard one).
ALLOWED_PATTERNS = "https://claude.ai/api/mcp/auth_callback,https://*.partner.example/oauth/*"


@dataclass(frozen=True)
class Target:
    process: object  # tests.fakes.server_process.ServerProcess
    public_url: str  # http://127.0.0.1:<port>/google-workspace


def s3_token_store(moto) -> str:
    bucket = f"oauth-sec-{uuid.uuid4().hex[:12]}"
    moto.client("s3").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/workspace-mcp"


def start(google_oauth, google_api, moto, tmp_path_factory, **extra_env: str):
    """(public URL, token store URL, context manager running the server) for one configuration."""
    port = free_port()
    public_url = f"http://127.0.0.1:{port}{PREFIX}"
    store_url = s3_token_store(moto)
    env = {
        **oauth_env(google_oauth, public_url, store_url),
        **moto.env(),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
        # These tests sign in dozens of times from one address; rate limits have their own tests.
        **{f"WORKSPACE_MCP_RATE_LIMIT_{group}": "0" for group in ("REGISTER", "AUTHORIZE", "TOKEN")},
        **extra_env,
    }
    log_path = tmp_path_factory.mktemp("logs") / "server.log"
    return public_url, store_url, run_server(env, port=port, log_path=log_path)


@pytest.fixture(scope="package")
def server(google_oauth, google_api, moto, tmp_path_factory):
    """Operator configuration: two redirect patterns, default lifetimes, the Gmail tools."""
    public_url, _, running = start(
        google_oauth, google_api, moto, tmp_path_factory, WORKSPACE_MCP_ALLOWED_REDIRECT_URIS=ALLOWED_PATTERNS
    )
    with running as process:
        yield Target(process, public_url)


@pytest.fixture()
def steps(server) -> OAuthSteps:
    """A fresh browser-like client (own cookies) for every test."""
    flow = OAuthSteps(server.public_url)
    yield flow
    flow.http.close()
