"""A Google access token about to expire is refreshed before it does, not after Google refuses it.

The server learns a token's expiry from the token answer, a little after Google stamped it, and Google
judges a request when it arrives, a little after the server checked the token. Between the two a
request checked "still valid" reaches Google expired: at tokeninfo that is a 401 the client answers by
signing in again, at a Google API it is a failed tool call. Google's own client libraries refresh
early for this reason; so does the server. Here the request to Gmail is slowed down (as a loaded
network would) so that it arrives after the token's expiry.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.faults.cluster import call_tool, expire_upstream_tokens, rpc
from tests.server.oauth_client import login

LIFETIME = 6  # seconds, Google's access tokens in these tests


@pytest.fixture
def user_with_short_google_tokens(cluster, moto, google_oauth):
    """Signed in (our token lives an hour), then the Google token behind it refreshed to one that lives
    ``LIFETIME`` seconds; returns the user and when that Google token expires (Google's clock)."""
    google_oauth.signed_in = "expiry-edge@example.com"
    user = login(cluster.mcp_url)
    google_oauth.access_token_lifetime = LIFETIME
    try:
        expire_upstream_tokens(moto, cluster.token_store, cluster.cipher)
        google_oauth.expire_all_access_tokens()
        refreshes = google_oauth.refresh_grants
        _assert_served(rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels")))
        assert google_oauth.refresh_grants == refreshes + 1
        with google_oauth.lock:
            expires = max(
                g.expires_at for g in google_oauth.access_tokens.values() if g.email == google_oauth.signed_in
            )
        yield user, expires
    finally:
        google_oauth.access_token_lifetime = 3600


def _assert_served(answer) -> None:
    assert answer.status_code == 200, f"{answer.status_code}: {answer.text[:300]}"
    assert not answer.json()["result"].get("isError"), answer.text[:300]


def test_a_token_checked_just_before_it_expires_is_refreshed_first(
    cluster, api_proxy, google_oauth, user_with_short_google_tokens
):
    user, expires = user_with_short_google_tokens
    api_proxy.add("delay", path=r"/gmail/v1/users/me/labels", seconds=2.0, times=1)
    time.sleep(max(0.0, expires - 1.0 - time.time()))  # one second left: checked valid, arrives expired
    refreshes = google_oauth.refresh_grants
    _assert_served(rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels")))
    assert google_oauth.refresh_grants == refreshes + 1, "the token was not refreshed ahead of its expiry"


def test_a_token_google_revokes_during_a_call_is_a_clear_tool_error(cluster, api_proxy, google_oauth):
    google_oauth.signed_in = "revoked-mid-call@example.com"
    user = login(cluster.mcp_url)
    held = api_proxy.add("delay", path=r"/gmail/v1/users/me/labels", seconds=2.0, times=1)
    answers = []
    call = threading.Thread(
        target=lambda: answers.append(rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels")))
    )
    call.start()
    deadline = time.monotonic() + 20
    while held.applied == 0:  # the request is on its way to Gmail: the user revokes access in Google
        assert time.monotonic() < deadline and call.is_alive(), answers
        time.sleep(0.05)
    with google_oauth.lock:
        google_oauth.access_tokens.clear()
    call.join(timeout=60)
    result = answers[0].json()["result"]
    assert result.get("isError"), result
    text = result["content"][0]["text"]
    assert "Google refused this session's access token" in text and "sign in again" in text, text
