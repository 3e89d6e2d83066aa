"""The token store (S3) slow, throttling or unreachable: requests fail fast with a clear answer that names
no bucket or record, /health stays live, /ready says not ready, and service resumes by itself."""

from __future__ import annotations

import json
import time

import httpx2
import pytest

from tests.fakes.fault_proxy import S3_SLOW_DOWN
from tests.faults.cluster import call_tool, expire_upstream_tokens, rpc
from tests.server.conftest import PREFIX
from tests.server.oauth_client import login

FAIL_FAST = 10.0  # seconds: the longest a request may wait for an S3 that does not answer


@pytest.fixture(scope="module")
def user(cluster, google_oauth):
    google_oauth.signed_in = "outage@example.com"
    return login(cluster.mcp_url)


def _works(cluster, user) -> bool:
    response = rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels"))
    return response.status_code == 200 and not response.json()["result"].get("isError")


def _await_recovery(cluster, user, within: float = 15.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if httpx2.get(f"{cluster.alb.base_url}{PREFIX}/ready", timeout=10).status_code == 200 and _works(cluster, user):
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"service did not resume within {within}s after S3 came back")


def _assert_clear_and_not_leaking(cluster, response: httpx2.Response) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "temporarily_unavailable", body
    bucket = cluster.token_store[len("s3://") :].split("/")[0]
    for secret in (bucket, "s3://", "127.0.0.1", "Traceback", "botocore"):
        assert secret not in response.text, (secret, response.text)


FAULTS = {
    "slow": dict(action="delay", seconds=6.0),
    "throttling": dict(action="status", status=503, body=S3_SLOW_DOWN),
    "unreachable": dict(action="reset"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_store_outage_fails_fast_and_resumes(cluster, user, s3_proxy, fault):
    assert _works(cluster, user)
    options = dict(FAULTS[fault])
    s3_proxy.add(options.pop("action"), times=None, **options)
    server = cluster.servers[0]  # one process: each process has its own view of the store
    started = time.monotonic()
    health = httpx2.get(server.url(f"{PREFIX}/health"), timeout=5)
    assert health.status_code == 200 and time.monotonic() - started < 1, "liveness must not touch the store"
    started = time.monotonic()
    ready = httpx2.get(server.url(f"{PREFIX}/ready"), timeout=30)
    assert ready.status_code == 503 and time.monotonic() - started < 4.5, (ready.text, time.monotonic() - started)
    assert ready.json()["status"] == "unavailable"
    durations = []
    for _ in range(4):
        started = time.monotonic()
        response = rpc(server.url(f"{PREFIX}/mcp"), user.access_token, call_tool("list_gmail_labels"), timeout=60)
        durations.append(time.monotonic() - started)
        _assert_clear_and_not_leaking(cluster, response)
    assert max(durations) < FAIL_FAST, durations
    # After repeated failures the store is not waited for at all until a cool-down has passed.
    assert min(durations[-2:]) < 1.0, durations
    events = [e.get("event") for e in cluster.log_events()]
    assert "storage_unavailable" in events
    s3_proxy.clear()
    assert _await_recovery(cluster, user) < 12


def test_intermittent_store_faults_leave_every_record_whole(cluster, user, moto, s3_proxy, google_oauth):
    """Writes that S3 applied but whose answer was lost, resets and throttling in the middle of a sign-in
    and a token refresh: afterwards every record is old or new, and decrypts."""
    s3_proxy.add("reset_after", method="PUT", times=2)
    s3_proxy.add("status", status=503, body=S3_SLOW_DOWN, times=1)
    google_oauth.signed_in = "intermittent@example.com"
    other = None
    deadline = time.monotonic() + 20
    while other is None and time.monotonic() < deadline:  # refused while the faults last; the user tries again
        try:
            other = login(cluster.mcp_url)
        except AssertionError as refused:
            assert "temporarily_unavailable" in str(refused), refused
            time.sleep(0.5)
    assert other is not None, "sign-in never succeeded"
    expire_upstream_tokens(moto, cluster.token_store, cluster.cipher)
    google_oauth.expire_all_access_tokens()
    s3_proxy.add("reset_after", method="PUT", times=2)
    for account in (user, other):
        deadline = time.monotonic() + 20
        while not _works(cluster, account):
            assert time.monotonic() < deadline, "a signed-in user was not served again after the faults"
            time.sleep(0.5)
    bucket, _, prefix = cluster.token_store[len("s3://") :].partition("/")
    s3, fernet = moto.client("s3"), cluster.cipher
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    for key in keys:
        plain = fernet.decrypt(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        if "/oauth/" in key and "/oauth/leases/" not in key:
            assert "value" in json.loads(plain), key
    assert len(keys) > 5
