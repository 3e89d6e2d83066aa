"""Fixtures for the server tests: the Google OAuth stand-in, S3 buckets on moto, env builders."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.fakes.google_api import run_linked_google_api
from tests.fakes.google_oauth import CLIENT_ID, CLIENT_SECRET, GoogleOAuthStandIn, run_google_oauth
from tests.fakes.moto_server import MotoServer

PREFIX = "/google-workspace"


@pytest.fixture(scope="session")
def google_oauth() -> GoogleOAuthStandIn:
    with run_google_oauth() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def s3_store(moto: MotoServer) -> str:
    """A fresh bucket on moto; returns the s3://bucket/prefix token-store URL."""
    bucket = f"tokens-{uuid.uuid4().hex[:12]}"
    moto.client("s3").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/workspace-mcp"


def oauth_env(
    google_oauth: GoogleOAuthStandIn, public_url: str, token_store: str, prefix: str = PREFIX
) -> dict[str, str]:
    """Multi-user OAuth 2.1 against the stand-in; http is allowed because everything is on loopback."""
    return {
        **google_oauth.env(),
        "MCP_ENABLE_OAUTH21": "true",
        "MCP_SINGLE_USER_MODE": "0",
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
        "WORKSPACE_MCP_PATH_PREFIX": prefix,
        "WORKSPACE_MCP_PUBLIC_URL": public_url,
        "WORKSPACE_MCP_TOKEN_STORE": token_store,
        "WORKSPACE_MCP_SERVICES": "gmail",
    }


GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.modify"


@pytest.fixture(scope="module")
def google_api(google_oauth):
    """The Google API stand-in (tests/fakes/google_api.py), told about every token the OAuth stand-in issues."""
    with run_linked_google_api(google_oauth) as fake:
        yield fake


def seed_single_user(directory: Path, google_oauth: GoogleOAuthStandIn, email: str = "solo@example.com") -> dict:
    """An expired authorized-user credentials file (google-auth format). The server refreshes it at
    GOOGLE_OAUTH_TOKEN_URL (google-auth ignores a file's token_uri), so tests set that variable."""
    access, refresh = google_oauth.issue(email, f"openid https://www.googleapis.com/auth/userinfo.email {GMAIL_SCOPE}")
    info = {
        "token": access,
        "refresh_token": refresh,
        "token_uri": f"{google_oauth.base_url}/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": ["openid", "https://www.googleapis.com/auth/userinfo.email", GMAIL_SCOPE],
        "expiry": "2000-01-01T00:00:00Z",
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{email}.json").write_text(json.dumps(info))
    return info


def single_user_env(credentials_dir: Path, prefix: str = "") -> dict[str, str]:
    return {
        "MCP_SINGLE_USER_MODE": "1",
        "GOOGLE_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "GOOGLE_MCP_CREDENTIALS_DIR": str(credentials_dir),
        "WORKSPACE_MCP_PATH_PREFIX": prefix,
        "WORKSPACE_MCP_SERVICES": "gmail",
    }


def log_entries(server) -> list[dict]:
    """The server's log so far, one JSON object per line (every complete line must parse)."""
    text = server.log_text()
    complete = text[: text.rfind("\n") + 1]  # the server may be writing the last line right now
    return [json.loads(line) for line in complete.splitlines() if line.strip()]
