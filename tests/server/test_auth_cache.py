"""The per-process caches of a request's token check (auth/cache.py), on real server processes sharing
one token store on moto's S3: Google's tokeninfo and the store are asked once per token and TTL, not
once per request; a token revoked on a task stops working there at once, and on another task within
its WORKSPACE_MCP_AUTH_CACHE_TTL (at once with 0, which turns the caches off)."""

from __future__ import annotations

import time
from contextlib import ExitStack

import httpx2
import pytest

from tests.fakes.fault_proxy import run_fault_proxy
from tests.fakes.ports import free_port
from tests.fakes.server_process import run_server
from tests.server.conftest import PREFIX, oauth_env
from tests.server.oauth_client import login
from workspace_mcp_server.auth.google import EARLY_REFRESH_SECONDS

SHORT_TTL = 4  # seconds, the task that learns of a revocation only from the store
LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


@pytest.fixture(scope="module")
def s3_counter(moto):
    """A pass-through proxy in front of moto: counts the servers' S3 requests."""
    with run_fault_proxy(moto.endpoint) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def tasks(moto, s3_counter, s3_store, google_oauth, google_api, tmp_path_factory):
    """Three tasks on one store and one public URL (the first task's, where users sign in), as behind
    a load balancer: default TTL (60 s), a short TTL, and 0 (no caching)."""
    logs = tmp_path_factory.mktemp("auth-cache")
    started = {}
    ports = {name: free_port() for name in ("default", "short", "off")}
    public_url = f"http://127.0.0.1:{ports['default']}{PREFIX}"
    with ExitStack() as stack:
        for name, ttl in (("default", None), ("short", str(SHORT_TTL)), ("off", "0")):
            port = ports[name]
            env = {
                **oauth_env(google_oauth, public_url, s3_store),
                **moto.env(),
                "AWS_ENDPOINT_URL": s3_counter.url,
                "GOOGLE_API_ROOT_URL": google_api.root_url,
            }
            if ttl is not None:
                env["WORKSPACE_MCP_AUTH_CACHE_TTL"] = ttl
            started[name] = stack.enter_context(run_server(env, port=port, log_path=logs / f"{name}.log"))
        yield started


def _status(server, token: str) -> int:
    headers = {
        "Accept": "application/json, text/event-stream",
        "Authorization": f"Bearer {token}",
        "MCP-Protocol-Version": "2025-06-18",
    }
    return httpx2.post(server.url(f"{PREFIX}/mcp"), json=LIST, headers=headers, timeout=30).status_code


def _sign_in(google_oauth, server, email: str):
    google_oauth.signed_in = email
    user = login(server.url(f"{PREFIX}/mcp"))
    (google_token,) = google_oauth.tokens_of(email)
    return user, google_token


def _tokeninfo_calls(google_oauth, google_token: str) -> int:
    return google_oauth.seen_tokens("/tokeninfo").count(google_token)


def test_google_and_the_store_are_asked_once_per_token_not_per_request(tasks, google_oauth, s3_counter):
    user, google_token = _sign_in(google_oauth, tasks["default"], "dora@example.com")
    assert _status(tasks["default"], user.access_token) == 200  # the token's first request: checked in full
    before, mark = _tokeninfo_calls(google_oauth, google_token), s3_counter.mark()
    for _ in range(5):
        assert _status(tasks["default"], user.access_token) == 200
    assert _tokeninfo_calls(google_oauth, google_token) == before, "tokeninfo asked again within the TTL"
    reads = s3_counter.requests("GET", since=mark)
    assert reads == [], f"token-store reads on every request: {[r.target for r in reads]}"


def test_with_ttl_zero_every_request_is_checked_with_google(tasks, google_oauth):
    user, google_token = _sign_in(google_oauth, tasks["default"], "olaf@example.com")
    before = _tokeninfo_calls(google_oauth, google_token)
    for _ in range(3):
        assert _status(tasks["off"], user.access_token) == 200
    assert _tokeninfo_calls(google_oauth, google_token) == before + 3


def test_revoked_token_stops_at_once_on_its_task_and_within_the_ttl_on_others(tasks, google_oauth):
    user, _ = _sign_in(google_oauth, tasks["default"], "rita@example.com")
    for name in ("default", "short", "off"):  # every task has checked (and, where on, cached) the token
        assert _status(tasks[name], user.access_token) == 200, name
    cached_at = time.monotonic()
    revoked = httpx2.post(
        tasks["default"].url(f"{PREFIX}/revoke"),
        data={"token": user.access_token, "client_id": user.client_id},
        timeout=30,
    )
    assert revoked.status_code == 200, revoked.text
    assert _status(tasks["default"], user.access_token) == 401, "the revoking task must refuse the token at once"
    assert _status(tasks["off"], user.access_token) == 401, "a task without caching must refuse it at once"
    short = _status(tasks["short"], user.access_token)
    if time.monotonic() - cached_at < SHORT_TTL - 1:  # the documented window: the cached check still holds
        assert short == 200
    deadline = cached_at + SHORT_TTL + 2
    while short != 401 and time.monotonic() < deadline:
        time.sleep(0.25)
        short = _status(tasks["short"], user.access_token)
    assert short == 401, f"another task still accepted a revoked token {SHORT_TTL + 2} s after it was cached"


def test_a_cached_check_ends_with_the_token(tasks, google_oauth):
    google_oauth.access_token_lifetime = 5  # Google's token, and so ours, lives five seconds
    try:
        user, _ = _sign_in(google_oauth, tasks["default"], "elsa@example.com")
    finally:
        google_oauth.access_token_lifetime = 3600
    assert _status(tasks["default"], user.access_token) == 200
    assert _status(tasks["default"], user.access_token) == 200  # from the cache
    time.sleep(6)
    assert _status(tasks["default"], user.access_token) == 401, "an expired token was accepted from the cache"


def test_a_cached_check_ends_when_googles_token_is_due_for_refresh(tasks, google_oauth):
    """Google's token is refreshed a minute before it expires (auth/google.py); a cached check must not
    outlive that moment, or the task would keep sending the old token until Google refuses it."""
    google_oauth.access_token_lifetime = EARLY_REFRESH_SECONDS + 3  # due for refresh 3 s after sign-in
    try:
        user, _ = _sign_in(google_oauth, tasks["default"], "hans@example.com")
        assert _status(tasks["default"], user.access_token) == 200  # checked, and cached until then
        refreshes = google_oauth.refresh_grants
        time.sleep(4)
        assert _status(tasks["default"], user.access_token) == 200
        assert google_oauth.refresh_grants == refreshes + 1, "the cached check hid a token due for refresh"
    finally:
        google_oauth.access_token_lifetime = 3600


def test_unknown_and_rejected_tokens_are_never_cached(tasks, google_oauth):
    user, google_token = _sign_in(google_oauth, tasks["default"], "nora@example.com")
    with google_oauth.lock:  # Google revokes the grant before this task ever checked the token
        del google_oauth.access_tokens[google_token]
    before = _tokeninfo_calls(google_oauth, google_token)
    for _ in range(2):
        assert _status(tasks["default"], user.access_token) == 401
    assert _tokeninfo_calls(google_oauth, google_token) == before + 2, "a refusal must not be remembered"


OAUTH_SETTINGS = {
    "MCP_ENABLE_OAUTH21": "true",
    "GOOGLE_OAUTH_CLIENT_ID": "id.apps.googleusercontent.com",
    "GOOGLE_OAUTH_CLIENT_SECRET": "secret",
    "WORKSPACE_MCP_PUBLIC_URL": "https://alb.example.com/google-workspace",
    "WORKSPACE_MCP_PATH_PREFIX": "/google-workspace",
}


@pytest.mark.parametrize(("raw", "seconds"), [(None, 60), ("0", 0), ("30", 30), ("2m", 120), ("300s", 300)])
def test_auth_cache_ttl_setting(raw, seconds):
    from workspace_mcp_server.config import Settings

    env = dict(OAUTH_SETTINGS) if raw is None else {**OAUTH_SETTINGS, "WORKSPACE_MCP_AUTH_CACHE_TTL": raw}
    assert Settings.from_env(env).auth_cache_ttl == seconds


@pytest.mark.parametrize("raw", ["301", "6m", "-1", "a minute", "1.5"])
def test_auth_cache_ttl_refusals_name_the_variable(raw):
    from workspace_mcp_server.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="WORKSPACE_MCP_AUTH_CACHE_TTL") as error:
        Settings.from_env({**OAUTH_SETTINGS, "WORKSPACE_MCP_AUTH_CACHE_TTL": raw})
    assert raw in str(error.value)


def test_cache_memory_follows_the_tokens_seen_within_the_ttl():
    from workspace_mcp_server.auth.cache import MAX_ENTRIES, ExpiringCache

    cache = ExpiringCache()
    for index in range(1000):  # a thousand users' checks, all expired by now
        cache.put(f"old-{index}", index, 0.01)
    time.sleep(0.05)
    for index in range(300):  # the users still active: every write drops expired ones
        cache.put(f"new-{index}", index, 60)
    assert len(cache) == 300, "expired checks kept"
    for index in range(MAX_ENTRIES + 10):
        cache.put(f"many-{index}", index, 60)
    assert len(cache) == MAX_ENTRIES
