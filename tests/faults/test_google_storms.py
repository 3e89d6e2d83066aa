"""Google answering 429/500/503 in bursts, with and without Retry-After, and connections failing after a
write was sent: retries are bounded per request, per tool call and in time, writes are never repeated when
they may have been applied, and the caller is told the cause and when to retry."""

from __future__ import annotations

import re
import time
import uuid

import pytest

from tests.fakes.fault_proxy import google_error
from tests.faults.cluster import call_tool, rpc
from tests.server.oauth_client import login

LABELS = r"/gmail/v1/users/me/labels"


@pytest.fixture(scope="module")
def user(cluster, google_oauth):
    google_oauth.signed_in = "storm@example.com"
    return login(cluster.mcp_url)


def _tool(cluster, user, name: str, arguments: dict | None = None) -> tuple[bool, str, float]:
    started = time.monotonic()
    response = rpc(cluster.mcp_url, user.access_token, call_tool(name, arguments), timeout=120)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    return bool(result.get("isError")), result["content"][0]["text"], time.monotonic() - started


def _rate_limited(retry_after: str | None = None) -> dict:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return dict(status=429, headers=headers, body=google_error(429, "rateLimitExceeded", "Rate Limit Exceeded"))


def test_a_short_burst_is_ridden_out(cluster, user, api_proxy):
    api_proxy.add("status", path=LABELS, times=2, **_rate_limited())
    mark = api_proxy.mark()
    failed, text, _ = _tool(cluster, user, "list_gmail_labels")
    assert not failed, text
    assert len(api_proxy.requests(path=LABELS, since=mark)) == 3


def test_retry_after_is_honoured(cluster, user, api_proxy):
    api_proxy.add(
        "status",
        path=LABELS,
        times=1,
        status=503,
        headers={"Retry-After": "2"},
        body=google_error(503, "backendError", "Backend Error"),
    )
    mark = api_proxy.mark()
    failed, text, _ = _tool(cluster, user, "list_gmail_labels")
    assert not failed, text
    first, second = api_proxy.requests(path=LABELS, since=mark)
    assert 2.0 <= second.at - first.at < 3.5, second.at - first.at


def test_a_long_retry_after_is_reported_not_waited_for(cluster, user, api_proxy):
    api_proxy.add("status", path=LABELS, times=None, **_rate_limited("120"))
    mark = api_proxy.mark()
    failed, text, took = _tool(cluster, user, "list_gmail_labels")
    assert failed and took < 3, (took, text)
    assert len(api_proxy.requests(path=LABELS, since=mark)) == 1
    assert "429" in text and re.search(r"retry after 120 s", text, re.IGNORECASE), text


def test_a_storm_is_bounded_per_tool_call(cluster, user, api_proxy):
    """Ten concurrent Google requests of one tool call, every one answered 503: the retries are shared."""
    api_proxy.add(
        "status",
        path=r"/gmail/v1/users/me/messages/",
        times=None,
        status=503,
        body=google_error(503, "backendError", "Backend Error"),
    )
    mark = api_proxy.mark()
    failed, text, took = _tool(cluster, user, "get_gmail_messages", {"message_ids": [f"m{i}" for i in range(10)]})
    assert failed, text
    sent = len(api_proxy.requests(path=r"/messages/", since=mark))
    assert sent <= 10 + 3, sent  # the tool's own requests plus at most 3 retries in the whole call
    assert took < 25, took
    assert "503" in text and re.search(r"retry", text, re.IGNORECASE), text


@pytest.mark.parametrize("fault", ["reset_after", "close_after"])
def test_a_write_is_not_repeated_when_it_may_have_been_applied(cluster, user, api_proxy, google_api, fault):
    name = f"storm-{fault}-{uuid.uuid4().hex[:6]}"
    api_proxy.add(fault, method="POST", path=LABELS, times=1)
    mark = api_proxy.mark()
    failed, text, _ = _tool(cluster, user, "create_gmail_label", {"name": name})
    assert failed, text
    assert len(api_proxy.requests("POST", path=LABELS, since=mark)) == 1
    assert sum(label["name"] == name for label in google_api.state["labels"].values()) == 1
    assert re.search(r"may (or may not )?have been applied", text), text


def test_a_write_is_not_repeated_after_a_server_error_but_is_after_a_rate_limit(cluster, user, api_proxy, google_api):
    name = f"storm-500-{uuid.uuid4().hex[:6]}"
    api_proxy.add(
        "status",
        method="POST",
        path=LABELS,
        times=1,
        status=500,
        body=google_error(500, "backendError", "Backend Error"),
    )
    mark = api_proxy.mark()
    failed, text, _ = _tool(cluster, user, "create_gmail_label", {"name": name})
    assert failed and len(api_proxy.requests("POST", path=LABELS, since=mark)) == 1, text
    api_proxy.add("status", method="POST", path=LABELS, times=1, **_rate_limited())
    failed, text, _ = _tool(cluster, user, "create_gmail_label", {"name": name + "-429"})
    assert not failed, text  # a 429 means Google did not act on it: sending it again is safe
