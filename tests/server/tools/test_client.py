"""The Google client layer: retries, error mapping, truncation, shared service objects, credentials."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from fastmcp import Client, FastMCP
from fastmcp.exceptions import ToolError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp

from tests.fakes.google_api import add_message, mime_message
from tests.server.tools.conftest import ACCESS_TOKEN, call, error, text
from workspace_mcp_server.google import client as google_client
from workspace_mcp_server.google import errors
from workspace_mcp_server.google.credentials import current_credentials, set_credentials_resolver
from workspace_mcp_server.google.settings import GoogleApiSettings
from workspace_mcp_server.tools import register_tools
from workspace_mcp_server.tools.selection import ToolSelection

pytestmark = pytest.mark.anyio


@pytest.fixture
def failures(google_api):
    yield google_api
    google_api.failures.clear()


async def test_5xx_is_retried_then_succeeds(mcp, failures, server):
    before = len(failures.calls("gmail.users.labels.list"))
    failures.fail("gmail.users.labels.list", 503, times=2)
    assert "Receipts" in await text(mcp, "list_gmail_labels")
    assert len(failures.calls("gmail.users.labels.list")) - before == 3
    retries = [json.loads(line) for line in server.log_text().splitlines() if '"google_retry"' in line]
    assert any(r.get("method") == "gmail.users.labels.list" and r.get("status") == 503 for r in retries), retries


async def test_rate_limit_403_is_retried(mcp, failures):
    failures.fail("tasks.tasklists.list", 403, times=1, reason="userRateLimitExceeded")
    assert "My Tasks" in await text(mcp, "list_task_lists")


async def test_429_retries_are_bounded_then_reported(mcp, failures):
    before = len(failures.calls("calendar.calendarList.list"))
    failures.fail("calendar.calendarList.list", 429, times=100, message="Quota exceeded")
    message = await error(mcp, "list_calendars")
    assert message == (
        "Google is rate-limiting requests (HTTP 429); retry in a minute. "
        "Google API unavailable (429) for calendar.calendarList.list after 4 attempts; "
        "try again later. Google said: Quota exceeded"
    )
    assert len(failures.calls("calendar.calendarList.list")) - before == errors.MAX_ATTEMPTS


async def test_client_errors_are_not_retried(mcp, failures):
    before = len(failures.calls("drive.drives.list"))
    failures.fail("drive.drives.list", 400, message="Invalid Value")
    assert "Google rejected the request (drive.drives.list): Invalid Value" in await error(mcp, "list_shared_drives")
    assert len(failures.calls("drive.drives.list")) - before == 1


async def test_missing_scope_names_the_scope(mcp, google_api):
    granted = google_api.tokens[ACCESS_TOKEN]
    google_api.tokens[ACCESS_TOKEN] = {"openid"}
    try:
        message = await error(mcp, "get_gmail_message", message_id="m001")
        sheets = await error(mcp, "write_sheet_values", spreadsheet_id="sheet1", range="Sheet1!A1", values=[["x"]])
    finally:
        google_api.tokens[ACCESS_TOKEN] = granted
    assert message == (
        "Missing OAuth scope: gmail.users.messages.get needs the "
        "https://www.googleapis.com/auth/gmail.readonly scope; sign in again and grant it."
    )
    assert "https://www.googleapis.com/auth/spreadsheets.readonly scope" in sheets  # the metadata read fails first


async def test_large_bodies_are_truncated_with_a_note(mcp, google_api):
    add_message(
        google_api,
        "big1",
        "tbig",
        mime_message("Big <big@example.com>", "Huge", "x" * 150_000, "<big@example.com>"),
        ["INBOX"],
    )
    result = await call(mcp, "get_gmail_message", message_id="big1")
    body = result.content[0].text
    assert body.endswith("narrow the request or raise WORKSPACE_MCP_MAX_RESPONSE_BYTES]")
    assert "[truncated: showing 100000 of " in body
    assert len(body.encode()) < 100_000 + 200
    assert result.structured_content is None or result.structured_content.get("truncated") is True


async def test_one_service_object_per_api_shared_by_callers(google_api):
    """In-process: two callers with different tokens share one service object; each request carries its token."""
    google_api.add_token("token-a", ToolSelection().scopes())
    google_api.add_token("token-b", ToolSelection().scopes())
    mcp = FastMCP("in-process")
    register_tools(mcp, ToolSelection(services=("tasks",)), GoogleApiSettings(root_url=google_api.root_url))
    current = {"token": "token-a"}

    async def resolver() -> Credentials:
        return Credentials(token=current["token"])

    set_credentials_resolver(resolver)
    try:
        async with Client(mcp) as client:
            await client.call_tool("list_task_lists", {})
            service = google_client.client().service("tasks")
            current["token"] = "token-b"
            await client.call_tool("list_task_lists", {})
        assert google_client.client().service("tasks") is service
        assert not isinstance(service._http, AuthorizedHttp)  # no user is bound to the shared object
        assert service._baseUrl.startswith(google_api.root_url)
        tokens = [r.token for r in google_api.calls("tasks.tasklists.list")[-2:]]
        assert tokens == ["token-a", "token-b"]
        for api in google_client.APIS:  # the root override reaches every API
            assert google_client.client().service(api)._baseUrl.startswith(google_api.root_url)
    finally:
        set_credentials_resolver(None)


async def test_not_signed_in_is_a_tool_error():
    set_credentials_resolver(None)
    with pytest.raises(ToolError, match="Not signed in"):
        await current_credentials()

    async def broken() -> Credentials:
        raise OSError("store unreachable")

    set_credentials_resolver(broken)
    try:
        with pytest.raises(ToolError, match="Could not load your Google credentials: store unreachable"):
            await current_credentials()
    finally:
        set_credentials_resolver(None)


def test_backoff_is_bounded_jittered_and_honours_retry_after():
    for attempt in range(6):
        delays = {errors.backoff_delay(attempt) for _ in range(50)}
        assert all(0 <= d <= min(errors.MAX_DELAY, errors.BASE_DELAY * 2**attempt) for d in delays)
        assert len(delays) > 1  # jitter
    assert errors.backoff_delay(0, "2") == 2.0
    assert errors.backoff_delay(0, "3600") == errors.MAX_DELAY
    assert errors.is_retryable(503, set()) and errors.is_retryable(403, {"rateLimitExceeded"})
    assert not errors.is_retryable(403, {"insufficientPermissions"}) and not errors.is_retryable(404, set())


def test_stand_in_rejects_requests_outside_the_discovery_documents(google_api):
    """The stand-in's discovery check can fail: a missing required parameter and an unknown path."""

    def send(path: str) -> int:
        request = urllib.request.Request(
            google_api.root_url + path, headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert send("drive/v3/files/txt1/export") == 400  # mimeType is required
    assert send("gmail/v1/users/me/nothing") == 404
    assert send("gmail/v1/users/me/labels?bogus=1") == 400
    assert len(google_api.violations) == 3 and "required parameter 'mimeType' missing" in google_api.violations[0]
    google_api.violations.clear()
    assert send("gmail/v1/users/me/labels") == 200


async def test_unreachable_api_is_retried_then_reported(monkeypatch):
    """In-process against a closed loopback port: connection refused is retried within the bound."""
    from tests.fakes.ports import free_port

    monkeypatch.setattr(errors, "BASE_DELAY", 0.001)
    mcp = FastMCP("unreachable")
    register_tools(
        mcp, ToolSelection(services=("tasks",)), GoogleApiSettings(root_url=f"http://127.0.0.1:{free_port()}")
    )

    async def resolver() -> Credentials:
        return Credentials(token="token-a")

    set_credentials_resolver(resolver)
    try:
        async with Client(mcp) as client:
            with pytest.raises(ToolError) as failure:
                await client.call_tool("list_task_lists", {})
    finally:
        set_credentials_resolver(None)
    assert str(failure.value).startswith(
        f"Could not reach the Google API for tasks.tasklists.list after {errors.MAX_ATTEMPTS} attempts"
    )
