"""The HTTP surface's settings: defaults, every variable's errors, and the rules they feed."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from workspace_mcp_server.config import ConfigError, Settings
from workspace_mcp_server.http.limits import TokenBuckets, client_address
from workspace_mcp_server.http.settings import DEFAULT_STOP_TIMEOUT_SECONDS

ROOT = Path(__file__).resolve().parents[3]
BASE = {
    "MCP_SINGLE_USER_MODE": "1",
    "GOOGLE_OAUTH_CLIENT_SECRET": "s3cret-value",
    "WORKSPACE_MCP_PUBLIC_URL": "https://mcp.example.com/google-workspace",
    "WORKSPACE_MCP_PATH_PREFIX": "/google-workspace",
}


def http_settings(**env: str):
    return Settings.from_env({**BASE, **env}).http


def test_defaults():
    http = http_settings()
    assert http.oauth_max_body_bytes == 16 * 1024
    assert dict(http.rate_limits) == {"register": 30, "authorize": 120, "token": 300}
    assert http.trusted_proxies == ()  # nobody's X-Forwarded-For is believed until configured
    assert http.allowed_origins == {"https://mcp.example.com"}
    assert http.stop_timeout_seconds == 30 and http.drain_seconds == 27


def test_the_default_stop_timeout_is_what_the_task_definition_gets():
    """The task definition sets no stopTimeout, so ECS's default (30 s) applies; an explicit one must match ours."""
    definition = (ROOT / "modules" / "task_definition.py").read_text()
    if "stop_timeout" in definition or "stopTimeout" in definition:
        assert "WORKSPACE_MCP_STOP_TIMEOUT_SECONDS" in definition, "the server must be told the task's stop timeout"
    else:
        assert DEFAULT_STOP_TIMEOUT_SECONDS == 30


def test_every_setting_can_be_changed():
    http = http_settings(
        WORKSPACE_MCP_OAUTH_MAX_BODY_BYTES="32768",
        WORKSPACE_MCP_RATE_LIMIT_REGISTER="0",
        WORKSPACE_MCP_RATE_LIMIT_AUTHORIZE="5",
        WORKSPACE_MCP_RATE_LIMIT_TOKEN="600",
        WORKSPACE_MCP_TRUSTED_PROXIES="10.0.0.0/16, 2001:db8::/32,192.0.2.1",
        WORKSPACE_MCP_ALLOWED_ORIGINS="https://Claude.ai, http://localhost:6274,https://app.example:443",
        WORKSPACE_MCP_STOP_TIMEOUT_SECONDS="120",
    )
    assert http.oauth_max_body_bytes == 32768
    assert dict(http.rate_limits) == {"register": 0, "authorize": 5, "token": 600}
    assert ipaddress.ip_address("10.0.3.4") in http.trusted_proxies[0]
    assert len(http.trusted_proxies) == 3
    assert http.allowed_origins == {
        "https://mcp.example.com",
        "https://claude.ai",
        "http://localhost:6274",
        "https://app.example",
    }
    assert http.drain_seconds == 117


@pytest.mark.parametrize(
    "name,value",
    [
        ("WORKSPACE_MCP_OAUTH_MAX_BODY_BYTES", "12"),
        ("WORKSPACE_MCP_OAUTH_MAX_BODY_BYTES", "16k"),
        ("WORKSPACE_MCP_RATE_LIMIT_REGISTER", "-1"),
        ("WORKSPACE_MCP_RATE_LIMIT_TOKEN", "lots"),
        ("WORKSPACE_MCP_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("WORKSPACE_MCP_TRUSTED_PROXIES", "alb.internal"),
        ("WORKSPACE_MCP_ALLOWED_ORIGINS", "https://app.example/path"),
        ("WORKSPACE_MCP_ALLOWED_ORIGINS", "app.example"),
        ("WORKSPACE_MCP_ALLOWED_ORIGINS", "https://app.example:99999"),
        ("WORKSPACE_MCP_STOP_TIMEOUT_SECONDS", "2"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(ConfigError) as error:
        http_settings(**{name: value})
    assert str(error.value).startswith(f"{name}: "), str(error.value)


TRUSTED = [ipaddress.ip_network("10.0.0.0/16")]


@pytest.mark.parametrize(
    "peer,forwarded,expected",
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # untrusted peer: its header is ignored
        ("10.0.1.5", None, "10.0.1.5"),  # trusted peer without a header: the peer
        ("10.0.1.5", "198.51.100.7", "198.51.100.7"),  # the ALB's view of the client
        ("10.0.1.5", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own invention is left of it
        ("10.0.1.5", "198.51.100.7, 10.0.2.2", "198.51.100.7"),  # two trusted hops
        ("10.0.1.5", "garbage, 198.51.100.7", "198.51.100.7"),
        ("10.0.1.5", "198.51.100.7, garbage", "10.0.1.5"),  # a malformed hop from the proxy side: stop at the peer
        ("10.0.1.5", "10.0.9.9", "10.0.9.9"),  # only trusted hops: the leftmost one
    ],
)
def test_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, TRUSTED) == expected


def test_no_trusted_proxies_means_the_peer():
    assert client_address("10.0.1.5", "198.51.100.7", []) == "10.0.1.5"


def test_token_buckets_refill_and_stay_bounded():
    now = [0.0]
    buckets = TokenBuckets(60, max_keys=100, clock=lambda: now[0])
    assert all(buckets.take("a") == 0 for _ in range(60))
    wait = buckets.take("a")
    assert 0 < wait <= 1.0
    now[0] += 1.0
    assert buckets.take("a") == 0  # one a second comes back
    for i in range(1000):  # a spray of addresses does not grow the table without bound
        buckets.take(f"client-{i}")
    assert len(buckets.buckets) <= 100
