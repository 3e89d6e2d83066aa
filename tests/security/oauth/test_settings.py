"""The OAuth front door's settings: every value an operator can set, valid and invalid."""

from __future__ import annotations

import pytest

from workspace_mcp_server.auth.redirects import RedirectPolicy
from workspace_mcp_server.config import ConfigError, Settings

OAUTH = {
    "MCP_ENABLE_OAUTH21": "true",
    "GOOGLE_OAUTH_CLIENT_ID": "id.apps.googleusercontent.com",
    "GOOGLE_OAUTH_CLIENT_SECRET": "secret",
    "WORKSPACE_MCP_PUBLIC_URL": "https://alb.example.com/google-workspace",
    "WORKSPACE_MCP_PATH_PREFIX": "/google-workspace",
}
REDIRECTS = "WORKSPACE_MCP_ALLOWED_REDIRECT_URIS"


def test_defaults():
    settings = Settings.from_env(OAUTH)
    assert settings.allowed_redirect_uris == ()
    assert settings.access_token_lifetime is None  # follows Google's access token (1 h)
    assert settings.refresh_token_lifetime == 30 * 86400
    assert settings.client_registration_lifetime == 30 * 86400


@pytest.mark.parametrize(
    ("raw", "seconds"), [("3600", 3600), ("90s", 90), ("15m", 900), ("1h", 3600), ("2d", 172800), (" 7D ", 7 * 86400)]
)
def test_lifetimes_accept_durations(raw, seconds):
    settings = Settings.from_env(
        {
            **OAUTH,
            "WORKSPACE_MCP_ACCESS_TOKEN_LIFETIME": raw if seconds <= 86400 else "1h",
            "WORKSPACE_MCP_REFRESH_TOKEN_LIFETIME": raw if seconds >= 300 else "1h",
            "WORKSPACE_MCP_CLIENT_REGISTRATION_LIFETIME": raw if seconds >= 300 else "1h",
        }
    )
    if seconds <= 86400:
        assert settings.access_token_lifetime == seconds
    if seconds >= 300:
        assert settings.refresh_token_lifetime == seconds == settings.client_registration_lifetime


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("WORKSPACE_MCP_ACCESS_TOKEN_LIFETIME", "an hour"),
        ("WORKSPACE_MCP_ACCESS_TOKEN_LIFETIME", "10"),  # below one minute
        ("WORKSPACE_MCP_ACCESS_TOKEN_LIFETIME", "2d"),  # above one day
        ("WORKSPACE_MCP_REFRESH_TOKEN_LIFETIME", "-1"),
        ("WORKSPACE_MCP_REFRESH_TOKEN_LIFETIME", "365d"),  # above 90 days
        ("WORKSPACE_MCP_CLIENT_REGISTRATION_LIFETIME", "1.5h"),
        ("WORKSPACE_MCP_CLIENT_REGISTRATION_LIFETIME", "0"),
    ],
)
def test_invalid_lifetimes_name_the_variable(name, raw):
    with pytest.raises(ConfigError, match=f"^{name}: "):
        Settings.from_env({**OAUTH, name: raw})


@pytest.mark.parametrize(
    "pattern",
    [
        "*",
        "https://*",
        "https://*.*/cb",
        "http://claude.ai/cb",
        "https://claude.ai/cb#frag",
        "javascript:alert(1)",
        "data:text/html,x",
        "https://user@claude.ai/cb",
        "claude.ai/api/mcp/auth_callback",
    ],
)
def test_unsafe_redirect_patterns_stop_the_server(pattern):
    with pytest.raises(ConfigError, match=f"^{REDIRECTS}: "):
        Settings.from_env({**OAUTH, REDIRECTS: f"https://claude.ai/api/mcp/auth_callback,{pattern}"})


def test_redirect_patterns_by_comma_or_whitespace():
    raw = "https://claude.ai/api/mcp/auth_callback, https://chatgpt.com/connector/oauth/*\ncursor://anysphere.cursor-mcp/oauth/callback"
    settings = Settings.from_env({**OAUTH, REDIRECTS: raw})
    assert settings.allowed_redirect_uris == (
        "https://claude.ai/api/mcp/auth_callback",
        "https://chatgpt.com/connector/oauth/*",
        "cursor://anysphere.cursor-mcp/oauth/callback",
    )
    policy = RedirectPolicy(settings.allowed_redirect_uris)
    assert policy.allows("https://chatgpt.com/connector/oauth/abc123")
    assert policy.allows("cursor://anysphere.cursor-mcp/oauth/callback")
    assert not policy.allows("cursor://anysphere.cursor-mcp/oauth/callback#x")
    assert not policy.allows("cursor://evil/oauth/callback")
    assert not policy.allows("https://chatgpt.com.evil.example/connector/oauth/abc")
    assert not policy.allows("https://claude.ai/api/mcp/auth_callback/../../steal")
