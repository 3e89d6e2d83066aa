"""Google's token endpoint busy or failing while the server refreshes a user's Google token.

Only Google's ``invalid_grant`` means the sign-in is over. A 429 or 5xx is Google being busy: the caller is
told to retry (503 with Retry-After when Google gave one), the user keeps the session, and the next request
after Google recovers works without signing in again.
"""

from __future__ import annotations

import json

import httpx2
import pytest

from tests.faults.cluster import call_tool, expire_upstream_tokens, rpc
from tests.server.oauth_client import login

TOKEN = r"/token$"


@pytest.fixture
def expired_user(cluster, moto, google_oauth):
    """A signed-in user whose Google access token has expired: the next request refreshes it."""
    google_oauth.signed_in = "busy-token-endpoint@example.com"
    user = login(cluster.mcp_url)
    assert expire_upstream_tokens(moto, cluster.token_store, cluster.cipher) >= 1
    google_oauth.expire_all_access_tokens()
    return user


def _labels(cluster, user):
    return rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels"))


def _still_signed_in(cluster, user) -> None:
    answer = _labels(cluster, user)
    assert answer.status_code == 200, answer.text
    assert not answer.json()["result"].get("isError"), answer.text


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (429, {"Retry-After": "7", "Content-Type": "application/json"}, {"error": "rate_limit_exceeded"}),
        (503, {"Content-Type": "text/html"}, None),
        (500, {"Content-Type": "application/json"}, {"error": "internal_failure"}),
    ],
    ids=["429-retry-after", "503-html", "500-json"],
)
def test_a_busy_token_endpoint_is_a_retryable_error_and_keeps_the_session(
    cluster, expired_user, oauth_proxy, status, headers, body
):
    payload = json.dumps(body).encode() if body is not None else b"<html><body>Unavailable</body></html>"
    # Every process's refresh attempt meets the fault (the ALB may send the request to either).
    oauth_proxy.add("status", method="POST", path=TOKEN, status=status, headers=headers, body=payload, times=None)
    answer = _labels(cluster, expired_user)
    assert answer.status_code == 503, (answer.status_code, answer.text)
    assert "www-authenticate" not in answer.headers, "a busy Google must not send the client back to sign in"
    error = answer.json()
    assert error["error"] == "temporarily_unavailable", error
    assert "Google" in error["error_description"] and "retry" in error["error_description"].lower(), error
    if "Retry-After" in headers:
        assert answer.headers.get("retry-after") == headers["Retry-After"]
    else:
        assert int(answer.headers["retry-after"]) > 0
    events = [e for e in cluster.log_events() if e.get("event") == "google_token_endpoint_unavailable"]
    assert any(e.get("status") == status for e in events), events
    # Google recovers: the same token works, nobody signs in again, nothing was revoked.
    oauth_proxy.clear()
    _still_signed_in(cluster, expired_user)


def test_a_refused_refresh_token_still_means_sign_in_again(cluster, expired_user, oauth_proxy):
    """The one answer that ends the session: Google says the refresh token is no longer valid."""
    refused = json.dumps({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    oauth_proxy.add(
        "status",
        method="POST",
        path=TOKEN,
        status=400,
        headers={"Content-Type": "application/json"},
        body=refused.encode(),
        times=None,
    )
    answer = _labels(cluster, expired_user)
    assert answer.status_code == 401, (answer.status_code, answer.text)
    assert "www-authenticate" in answer.headers


def test_an_unreachable_token_endpoint_is_a_retryable_error(cluster, expired_user, oauth_proxy):
    oauth_proxy.add("reset", method="POST", path=TOKEN, times=None)
    answer = _labels(cluster, expired_user)
    assert answer.status_code == 503, (answer.status_code, answer.text)
    assert answer.json()["error"] == "temporarily_unavailable"
    assert int(answer.headers["retry-after"]) > 0
    oauth_proxy.clear()
    _still_signed_in(cluster, expired_user)


def test_a_refresh_grant_while_google_is_busy_keeps_the_refresh_token(cluster, google_oauth, oauth_proxy):
    """The client's own refresh (the token endpoint's refresh_token grant) meets a busy Google: it is told to
    retry, and the same refresh token works once Google answers again."""
    google_oauth.signed_in = "busy-refresh-grant@example.com"
    user = login(cluster.mcp_url)
    token_url = user.discovery.metadata["token_endpoint"]
    form = {"grant_type": "refresh_token", "refresh_token": user.refresh_token, "client_id": user.client_id}
    busy = json.dumps({"error": "rate_limit_exceeded"}).encode()
    oauth_proxy.add("status", method="POST", path=TOKEN, status=429, headers={"Retry-After": "11"}, body=busy)
    answer = httpx2.post(token_url, data=form, timeout=30)
    assert answer.status_code == 503, (answer.status_code, answer.text)
    assert answer.json()["error"] == "temporarily_unavailable"
    assert answer.headers.get("retry-after") == "11"
    again = httpx2.post(token_url, data=form, timeout=30)
    assert again.status_code == 200, again.text
    assert rpc(cluster.mcp_url, again.json()["access_token"], call_tool("list_gmail_labels")).status_code == 200
