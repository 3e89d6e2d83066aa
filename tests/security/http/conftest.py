"""Real server processes for the attacks on the HTTP surface: OAuth mode behind the prefix with
the Google stand-ins and the token store on moto's S3, and single-user mode."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.fakes.ports import free_port
from tests.fakes.server_process import ServerProcess, run_server
from tests.server.conftest import PREFIX, oauth_env, seed_single_user, single_user_env

# A browser app the operator allows (for instance a web MCP client) in every server started here.
EXTRA_ORIGIN = "https://inspector.example"


@dataclass(frozen=True)
class Target:
    process: ServerProcess
    public_url: str  # http://127.0.0.1:<port>[/google-workspace]
    store_url: str = ""

    @property
    def port(self) -> int:
        return self.process.port

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.process.url(path)


def new_bucket(moto) -> str:
    bucket = f"http-sec-{uuid.uuid4().hex[:12]}"
    moto.client("s3").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/workspace-mcp"


@contextlib.contextmanager
def oauth_server(
    google_oauth, google_api, moto, log_dir: Path, store_url: str | None = None, port: int = 0, **extra: str
):
    """The server in OAuth mode below the prefix; ``extra`` adds or overrides variables.

    Tokens name the server's URL: a later server accepts an earlier one's tokens only on the same ``port``.
    """
    port = port or free_port()
    public_url = f"http://127.0.0.1:{port}{PREFIX}"
    store_url = store_url or new_bucket(moto)
    env = {
        **oauth_env(google_oauth, public_url, store_url),
        **moto.env(),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
        "WORKSPACE_MCP_ALLOWED_ORIGINS": EXTRA_ORIGIN,
        **extra,
    }
    with run_server(env, port=port, log_path=log_dir / f"oauth-{port}.log") as process:
        yield Target(process, public_url, store_url)


@contextlib.contextmanager
def single_user_server(google_oauth, directory: Path, prefix: str = "", **extra: str):
    credentials = directory / "credentials"
    seed_single_user(credentials, google_oauth)
    port = free_port()
    env = {
        **single_user_env(credentials, prefix),
        **google_oauth.env(),
        "WORKSPACE_MCP_ALLOWED_ORIGINS": EXTRA_ORIGIN,
        **extra,
    }
    with run_server(env, port=port, log_path=directory / f"single-{port}.log") as process:
        yield Target(process, f"http://127.0.0.1:{port}{prefix}")


@pytest.fixture(scope="package")
def server(google_oauth, google_api, moto, tmp_path_factory):
    """OAuth mode, default limits, no trusted proxy: the target of most attacks."""
    with oauth_server(google_oauth, google_api, moto, tmp_path_factory.mktemp("http-sec")) as target:
        yield target


@pytest.fixture(scope="package")
def single_user(google_oauth, tmp_path_factory):
    """Single-user mode below the prefix (no authentication: the origin check is all a browser meets)."""
    with single_user_server(google_oauth, tmp_path_factory.mktemp("single-user"), PREFIX) as target:
        yield target


def fernet_key() -> str:
    return Fernet.generate_key().decode()
