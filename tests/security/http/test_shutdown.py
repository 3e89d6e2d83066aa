"""SIGTERM with a tool call in flight: the call is answered for real, or stopped before its write;
the process is gone before the stop timeout (when ECS would SIGKILL it)."""

from __future__ import annotations

import signal
import threading
import time

import httpx2
import pytest

from tests.fakes.fault_proxy import run_fault_proxy
from tests.security.http.conftest import single_user_server
from tests.server.conftest import PREFIX

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
# WORKSPACE_MCP_STOP_TIMEOUT_SECONDS: calls in flight get 5 s; with the 5 s reserve for a Google request
# to come back, none may start after SIGTERM (the production default, 30, lets them start for 22 s).
STOP_TIMEOUT = 8


@pytest.fixture()
def slow_google(google_api):
    with run_fault_proxy(google_api.root_url) as proxy:
        yield proxy


def _call_in_background(url: str, tool: str, arguments: dict) -> tuple[threading.Thread, dict]:
    """A JSON-RPC tools/call as a stateless MCP client sends it, answered in a thread."""
    outcome: dict = {}
    request = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}

    def run():
        try:
            response = httpx2.post(url, json=request, headers=MCP_HEADERS, timeout=60)
            outcome["status"] = response.status_code
            outcome["body"] = response.json() if response.status_code == 200 else response.text
        except httpx2.HTTPError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _result(outcome: dict) -> tuple[bool, str]:
    """(is_error, text) of the tool's answer; the call must have been answered with 200."""
    assert outcome.get("status") == 200, outcome
    result = outcome["body"]["result"]
    return bool(result.get("isError")), result["content"][0]["text"]


def _wait_for(proxy, method: str, path: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not proxy.requests(method, path):
        assert time.monotonic() < deadline, f"{method} {path} never reached Google"
        time.sleep(0.05)


def _stopped_within(process, sigterm_at: float, budget: float) -> float:
    process.wait(timeout=budget + 5)
    took = time.monotonic() - sigterm_at
    assert took < budget, f"the process took {took:.1f} s after SIGTERM; ECS kills it at {budget} s"
    return took


def _sigterm_during(google_oauth, slow_google, tmp_path, tool: str, arguments: dict) -> tuple[bool, str]:
    """Call ``tool`` while Google's answer to its label lookup is held; SIGTERM the server meanwhile.
    Returns the call's answer, once the process has stopped within ECS's stop timeout."""
    with single_user_server(
        google_oauth,
        tmp_path,
        PREFIX,
        GOOGLE_API_ROOT_URL=slow_google.url,
        WORKSPACE_MCP_STOP_TIMEOUT_SECONDS=str(STOP_TIMEOUT),
    ) as target:
        thread, outcome = _call_in_background(target.url(f"{PREFIX}/mcp"), tool, arguments)
        _wait_for(slow_google, "GET", "/labels")
        sigterm_at = time.monotonic()
        target.process.process.send_signal(signal.SIGTERM)
        thread.join(timeout=30)
        answer = _result(outcome)  # an answer, not a dropped connection or a 500
        _stopped_within(target.process.process, sigterm_at, STOP_TIMEOUT)
        return answer


def test_a_slow_call_in_flight_at_sigterm_gets_its_real_answer(google_oauth, google_api, slow_google, tmp_path):
    slow_google.add("delay", method="GET", path="/gmail/v1/users/me/labels", seconds=3, times=1)
    is_error, text = _sigterm_during(google_oauth, slow_google, tmp_path, "list_gmail_labels", {})
    assert not is_error and "INBOX" in text, text


def test_a_call_that_would_write_after_the_cut_off_stops_before_the_write(
    google_oauth, google_api, slow_google, tmp_path
):
    # The label lookup is in flight at SIGTERM; the write would come after it, when no request may start.
    slow_google.add("delay", method="GET", path="/gmail/v1/users/me/labels", seconds=2, times=1)
    arguments = {"message_ids": ["m-1"], "add_labels": ["STARRED"]}
    is_error, text = _sigterm_during(google_oauth, slow_google, tmp_path, "modify_gmail_labels", arguments)
    assert is_error and "not sent" in text and "again" in text, text
    assert not slow_google.requests("POST", "batchModify"), "the write went out while the server was stopping"
