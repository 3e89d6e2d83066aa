"""Configuration: every invalid value stops the server with one line naming the variable, exit 2."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.fakes.ports import free_port
from tests.fakes.server_process import server_env
from workspace_mcp_server.config import ConfigError, Settings

OAUTH = {
    "MCP_ENABLE_OAUTH21": "true",
    "GOOGLE_OAUTH_CLIENT_ID": "id.apps.googleusercontent.com",
    "GOOGLE_OAUTH_CLIENT_SECRET": "secret",
    "WORKSPACE_MCP_PUBLIC_URL": "https://alb.example.com/google-workspace",
    "WORKSPACE_MCP_PATH_PREFIX": "/google-workspace",
}
SINGLE = {"MCP_SINGLE_USER_MODE": "1", "GOOGLE_OAUTH_CLIENT_SECRET": "secret"}

# (variable named in the error, environment)
BAD = [
    ("PORT", {**SINGLE, "PORT": "eighty"}),
    ("PORT", {**SINGLE, "PORT": "70000"}),
    ("WORKSPACE_MCP_PORT", {**SINGLE, "WORKSPACE_MCP_PORT": "0"}),
    ("WORKSPACE_MCP_PORT", {**SINGLE, "PORT": "8000", "WORKSPACE_MCP_PORT": "8001"}),
    ("WORKSPACE_MCP_BASE_URI", {**SINGLE, "WORKSPACE_MCP_BASE_URI": "google-workspace.busyb.local"}),
    ("WORKSPACE_MCP_BASE_URI", {**SINGLE, "WORKSPACE_MCP_BASE_URI": "http://host/with/path"}),
    ("MCP_ENABLE_OAUTH21", {**SINGLE, "MCP_ENABLE_OAUTH21": "maybe"}),
    ("MCP_ENABLE_OAUTH21", {"GOOGLE_OAUTH_CLIENT_SECRET": "secret"}),
    ("MCP_SINGLE_USER_MODE", {**OAUTH, "MCP_SINGLE_USER_MODE": "1"}),
    ("MCP_SINGLE_USER_MODE", {"MCP_SINGLE_USER_MODE": "2"}),
    ("OAUTHLIB_INSECURE_TRANSPORT", {**SINGLE, "OAUTHLIB_INSECURE_TRANSPORT": "sometimes"}),
    ("GOOGLE_OAUTH_CLIENT_ID", {**OAUTH, "GOOGLE_OAUTH_CLIENT_ID": ""}),
    ("GOOGLE_OAUTH_CLIENT_SECRET", {**OAUTH, "GOOGLE_OAUTH_CLIENT_SECRET": " "}),
    ("WORKSPACE_MCP_PATH_PREFIX", {**SINGLE, "WORKSPACE_MCP_PATH_PREFIX": "/google workspace"}),
    ("WORKSPACE_MCP_PATH_PREFIX", {**SINGLE, "WORKSPACE_MCP_PATH_PREFIX": "/a/../b"}),
    ("WORKSPACE_MCP_PUBLIC_URL", {**OAUTH, "WORKSPACE_MCP_PUBLIC_URL": "alb.example.com/google-workspace"}),
    ("WORKSPACE_MCP_PUBLIC_URL", {**OAUTH, "WORKSPACE_MCP_PUBLIC_URL": "https://alb.example.com/other"}),
    ("WORKSPACE_MCP_PUBLIC_URL", {**OAUTH, "WORKSPACE_MCP_PUBLIC_URL": "http://alb.example.com/google-workspace"}),
    ("WORKSPACE_MCP_PUBLIC_URL", {**OAUTH, "WORKSPACE_MCP_PUBLIC_URL": "https://alb.example.com/google-workspace?x=1"}),
    ("WORKSPACE_MCP_TOKEN_STORE", {**SINGLE, "WORKSPACE_MCP_TOKEN_STORE": "s3://"}),
    ("WORKSPACE_MCP_TOKEN_STORE", {**SINGLE, "WORKSPACE_MCP_TOKEN_STORE": "s3://Bad_Bucket/x"}),
    ("WORKSPACE_MCP_TOKEN_STORE", {**SINGLE, "WORKSPACE_MCP_TOKEN_STORE": "gs://bucket/x"}),
    ("WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY", {**SINGLE, "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": "not-a-key"}),
    ("WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY", {"MCP_SINGLE_USER_MODE": "1"}),
    ("WORKSPACE_MCP_ALLOWED_HOSTS", {**SINGLE, "WORKSPACE_MCP_ALLOWED_HOSTS": "ok.example.com, http://bad/"}),
    ("WORKSPACE_MCP_LOG_LEVEL", {**SINGLE, "WORKSPACE_MCP_LOG_LEVEL": "LOUD"}),
    ("WORKSPACE_MCP_LOG_USER", {**SINGLE, "WORKSPACE_MCP_LOG_USER": "name"}),
    ("WORKSPACE_MCP_TRANSPORT", {**SINGLE, "WORKSPACE_MCP_TRANSPORT": "sse"}),
    ("GOOGLE_OAUTH_TOKEN_URL", {**OAUTH, "GOOGLE_OAUTH_TOKEN_URL": "oauth2.googleapis.com/token"}),
    ("GOOGLE_OAUTH_AUTHORIZATION_URL", {**OAUTH, "GOOGLE_OAUTH_AUTHORIZATION_URL": "ftp://x/auth"}),
    ("GOOGLE_OAUTH_TOKENINFO_URL", {**OAUTH, "GOOGLE_OAUTH_TOKENINFO_URL": "https://host:port/x"}),
    ("WORKSPACE_MCP_TOOL_TIER", {**SINGLE, "WORKSPACE_MCP_TOOL_TIER": "gold"}),
]


@pytest.mark.parametrize("variable,env", BAD, ids=[f"{v}-{i}" for i, (v, _) in enumerate(BAD)])
def test_invalid_value_names_the_variable(variable, env):
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    assert str(error.value).startswith(f"{variable}: "), str(error.value)


def test_secrets_are_never_echoed():
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**SINGLE, "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": "super-secret-value"})
    assert "super-secret-value" not in str(error.value)


def test_reference_environment_with_our_additions():
    key = Fernet.generate_key().decode()
    old = Fernet.generate_key().decode()
    settings = Settings.from_env(
        {
            **OAUTH,
            "PORT": "8000",
            "WORKSPACE_MCP_PORT": "8000",
            "WORKSPACE_MCP_BASE_URI": "http://google-workspace.busyb.local",
            "MCP_SINGLE_USER_MODE": "0",
            "OAUTHLIB_INSECURE_TRANSPORT": "0",
            "WORKSPACE_MCP_PATH_PREFIX": "google-workspace/",
            "WORKSPACE_MCP_TOKEN_STORE": "s3://busyb-tokens/google-workspace/",
            "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": f"{key},{old}",
        }
    )
    assert settings.port == 8000
    assert settings.path_prefix == "/google-workspace"
    assert settings.mcp_url == "https://alb.example.com/google-workspace/mcp"
    assert settings.token_store == "s3://busyb-tokens/google-workspace"
    assert settings.encryption_keys == (key.encode(), old.encode())
    assert {"alb.example.com", "google-workspace.busyb.local"} <= settings.allowed_hosts
    assert "secret" not in repr(settings)


def test_defaults():
    settings = Settings.from_env(SINGLE)
    assert settings.port == 8000
    assert settings.public_url == "http://localhost:8000"
    assert settings.token_store == str(settings.credentials_dir)
    assert settings.credentials_dir.name == "credentials"
    assert settings.google.token_url == "https://oauth2.googleapis.com/token"
    assert (settings.log_level, settings.log_user, settings.transport) == ("INFO", "hash", "streamable-http")


@pytest.mark.parametrize(
    "variable,env",
    [
        ("WORKSPACE_MCP_PORT", {**SINGLE, "PORT": "8000", "WORKSPACE_MCP_PORT": "9000"}),
        ("GOOGLE_OAUTH_CLIENT_SECRET", {**OAUTH, "GOOGLE_OAUTH_CLIENT_SECRET": ""}),
        ("WORKSPACE_MCP_HOST", {**SINGLE, "WORKSPACE_MCP_HOST": "localhost"}),
    ],
)
def test_process_stops_with_one_line_and_exit_2_before_binding(variable, env):
    port = free_port()
    full = server_env({}, port)
    full.update(env)  # these tests set the ports themselves
    full.setdefault("WORKSPACE_MCP_PORT", str(port))
    full["PORT"] = env.get("PORT", full["WORKSPACE_MCP_PORT"])
    result = subprocess.run(
        [sys.executable, "-m", "workspace_mcp_server"], env=full, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"configuration error: {variable}: " in lines[0]
    assert result.stdout == ""
    with socket.socket() as sock:  # nothing was ever bound there
        sock.bind(("127.0.0.1", port))
