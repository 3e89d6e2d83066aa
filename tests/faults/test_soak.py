"""A short soak inside the test suite: 100 concurrent sessions through the ALB stand-in for a few seconds.
The full-size run (minutes) is a `make bench` row (benchmarks/soak.py)."""

from __future__ import annotations

from tests.faults.soak import run_soak
from tests.server.oauth_client import login

SESSIONS = 100
USERS = 3
SECONDS = 5.0
MAX_CALLS = 5000


def test_soak_100_sessions(cluster, google_oauth):
    tokens = []
    for index in range(USERS):
        google_oauth.signed_in = f"soak-{index}@example.com"
        tokens.append(login(cluster.mcp_url).access_token)
    result = run_soak(
        cluster.mcp_url,
        tokens,
        [s.process.pid for s in cluster.servers],
        sessions=SESSIONS,
        seconds=SECONDS,
        max_calls=MAX_CALLS,
        warmup_seconds=2,
        settle_seconds=1,
    )
    print(result.summary())
    assert not result.errors, result.errors[:5]
    assert result.calls >= SESSIONS, result.summary()  # every session made calls
    # Leaks, not noise: a few MiB of allocator growth is normal; tens per thousand calls is not.
    assert result.growth("rss_mib") < 40, result.summary()
    # The servers reach S3 and Google through the fault proxies here, which close every connection: after
    # the calls settle, a process holds what it held before (make bench judges pooled connections).
    assert result.growth("fds") <= 5, result.summary()
    assert result.growth("threads") <= 2, result.summary()
