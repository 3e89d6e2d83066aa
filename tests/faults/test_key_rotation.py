"""Rolling rotation of WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY with both processes serving and tokens being
refreshed (rewritten) all the time: no token lost, nobody signed out; then the old key is dropped after
scripts/reencrypt_token_store.py, which never puts back an older copy of a record a server rewrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, MultiFernet

from tests.fakes.moto_server import FAKE_CREDENTIALS
from tests.fakes.server_process import stop_process
from tests.faults.cluster import KEY_VARIABLE, call_tool, expire_upstream_tokens, rpc, upstream_token_records
from tests.server.oauth_client import login

ROOT = Path(__file__).resolve().parents[2]


def _reencrypt(cluster, endpoint: str, keys: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, KEY_VARIABLE: keys}
    return subprocess.run(
        [sys.executable, "scripts/reencrypt_token_store.py", cluster.token_store],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _roll(cluster, keys: str) -> None:
    """Replace the processes one at a time with ``keys`` (as ECS's rolling deployment does)."""
    # Each step's keys read everything the step before wrote, so the cluster's cipher (what the
    # tests read the store with) is the new one from the start, even if a step fails midway.
    cluster.env[KEY_VARIABLE] = keys
    for index in range(len(cluster.servers)):
        stop_process(cluster.servers[index].process, timeout=30)
        replacement = cluster.replace(index)
        # As the ALB does: the next task is stopped only once the new one is healthy and in service
        # (nginx keeps a target it saw fail out of rotation for a moment).
        deadline = time.monotonic() + 30
        while '"tool_call"' not in replacement.log_text():
            assert time.monotonic() < deadline, "the replacement was never put in service"
            time.sleep(0.2)


@pytest.fixture
def short_google_tokens(google_oauth):
    """Google access tokens issued from now on live 3 s: the servers refresh and rewrite the token set all
    through the test (a sign-in before this keeps its hour: FastMCP's token lasts as long as Google's)."""
    google_oauth.rotate_refresh_tokens = True
    yield lambda: setattr(google_oauth, "access_token_lifetime", 3)
    google_oauth.access_token_lifetime = 3600
    google_oauth.rotate_refresh_tokens = False


def _traffic(cluster, token: str, stop: threading.Event, outcomes: list) -> None:
    while not stop.is_set():
        response = rpc(cluster.mcp_url, token, call_tool("list_gmail_labels"), timeout=60)
        ok = response.status_code == 200 and not response.json()["result"].get("isError")
        outcomes.append((ok, response.status_code, "" if ok else response.text[:300]))
        time.sleep(0.1)


def _assert_nobody_signed_out(outcomes: list) -> None:
    """No 401 (sign in again), no 503 (a record no key decrypts), no failed tool call. nginx may answer 502
    for a request that reached a process just as it stopped (the stop itself is another test's subject)."""
    failures = [o for o in outcomes if not o[0]]
    assert all(status == 502 for _, status, _ in failures), failures[:5]
    assert len(failures) <= 3, failures


def _rewrite_token_sets(moto, cluster, readers: list[str], writer: str) -> None:
    """Every stored token set, expired (as an hour later) and encrypted with ``writer``."""
    bucket, _, _ = cluster.token_store[len("s3://") :].partition("/")
    s3, reader = moto.client("s3"), MultiFernet([Fernet(k.encode()) for k in readers])
    for name in upstream_token_records(moto, cluster.token_store):
        record = json.loads(reader.decrypt(s3.get_object(Bucket=bucket, Key=name)["Body"].read()))
        record["value"]["expires_at"] = 1.0
        s3.put_object(Bucket=bucket, Key=name, Body=Fernet(writer.encode()).encrypt(json.dumps(record).encode()))


def test_rolling_key_rotation_under_traffic(cluster, moto, s3_proxy, google_oauth, short_google_tokens):
    google_oauth.signed_in = "rotation@example.com"
    user = login(cluster.mcp_url)
    short_google_tokens()
    old_key, new_key = cluster.env[KEY_VARIABLE], Fernet.generate_key().decode()
    expire_upstream_tokens(moto, cluster.token_store, cluster.cipher)
    google_oauth.expire_all_access_tokens()
    refreshes_before = google_oauth.refresh_grants
    stop, outcomes = threading.Event(), []
    thread = threading.Thread(target=_traffic, args=(cluster, user.access_token, stop, outcomes))
    thread.start()
    try:
        _roll(cluster, f"{old_key},{new_key}")  # 1. every process can read the new key
        _roll(cluster, f"{new_key},{old_key}")  # 2. new writes use it
    finally:
        stop.set()
        thread.join(timeout=60)
    _assert_nobody_signed_out(outcomes)

    # 3. Re-encryption while a server rewrites the token set the script has just read: the script's
    # write waits in the proxy, the server refreshes (Google rotates the refresh token), then the
    # script's write arrives. It must not put back the copy it read (its refresh token is retired).
    _rewrite_token_sets(moto, cluster, [new_key, old_key], old_key)
    google_oauth.expire_all_access_tokens()
    held = s3_proxy.add("delay", method="PUT", path="mcp-upstream-tokens", seconds=2.0, times=1)
    finished: list[subprocess.CompletedProcess] = []
    script = threading.Thread(target=lambda: finished.append(_reencrypt(cluster, s3_proxy.url, f"{new_key},{old_key}")))
    script.start()
    deadline = time.monotonic() + 30
    while held.applied == 0:
        assert time.monotonic() < deadline and script.is_alive(), finished
        time.sleep(0.05)
    refreshed = rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels"))
    assert refreshed.status_code == 200 and not refreshed.json()["result"].get("isError"), refreshed.text
    script.join(timeout=60)
    assert finished and finished[0].returncode == 0, finished[0].stdout + finished[0].stderr if finished else "hung"
    after_race = rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels"))
    assert after_race.status_code == 200, "the re-encryption put back a retired token: " + after_race.text

    stop.clear()
    thread = threading.Thread(target=_traffic, args=(cluster, user.access_token, stop, outcomes))
    thread.start()
    try:
        _roll(cluster, new_key)  # 4. the old key is gone
        time.sleep(4)  # at least one more refresh with the new key alone
    finally:
        stop.set()
        thread.join(timeout=60)
    _assert_nobody_signed_out(outcomes)
    assert len(outcomes) > 20 and google_oauth.refresh_grants - refreshes_before >= 3
    bucket, _, prefix = cluster.token_store[len("s3://") :].partition("/")
    s3, fernet = moto.client("s3"), Fernet(new_key.encode())
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]:
        fernet.decrypt(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())  # nothing left on the old key
