"""Two processes behind the ALB act on one user's records at the same moment."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from tests.faults.cluster import call_tool, expire_upstream_tokens, rpc
from tests.server.oauth_client import authorize, login


@pytest.fixture
def rotating_google(google_oauth):
    google_oauth.rotate_refresh_tokens = True
    yield google_oauth
    google_oauth.rotate_refresh_tokens = False


def test_two_processes_refreshing_one_users_google_token_both_keep_working(
    cluster, moto, google_oauth, rotating_google, oauth_proxy
):
    """Google rotates refresh tokens and treats a retired one as stolen; both processes see the expired
    token at once. Only one may refresh; the other must use its result, and nobody signs in again."""
    google_oauth.signed_in = "race@example.com"
    user = login(cluster.mcp_url)
    assert expire_upstream_tokens(moto, cluster.token_store, cluster.cipher) == 1
    google_oauth.expire_all_access_tokens()
    refreshes_before = google_oauth.refresh_grants
    # Google takes a second to answer the refresh: both processes are in the middle of it together.
    oauth_proxy.add("delay", method="POST", path=r"/token$", seconds=1.0, times=4)

    async def both():
        async with httpx2.AsyncClient(timeout=60) as http:
            headers = {
                "Accept": "application/json, text/event-stream",
                "Authorization": f"Bearer {user.access_token}",
                "MCP-Protocol-Version": "2025-06-18",
            }
            return await asyncio.gather(
                *[
                    http.post(server.url("/google-workspace/mcp"), json=call_tool("list_gmail_labels"), headers=headers)
                    for server in cluster.servers
                    for _ in range(2)
                ]
            )

    answers = asyncio.run(both())
    assert [a.status_code for a in answers] == [200] * 4, [a.text[:300] for a in answers]
    assert all(not a.json()["result"].get("isError") for a in answers), [a.text[:300] for a in answers]
    assert google_oauth.refresh_grants - refreshes_before == 1, "only one process may refresh the token"
    # The stored refresh token is the current one: the next refresh works too.
    assert expire_upstream_tokens(moto, cluster.token_store, cluster.cipher) == 1
    google_oauth.expire_all_access_tokens()
    again = rpc(cluster.mcp_url, user.access_token, call_tool("list_gmail_labels"))
    assert again.status_code == 200 and not again.json()["result"].get("isError"), again.text
    assert not [e for e in cluster.log_events() if e.get("event") == "token_family_revoked"]


def _code_exchange(mcp_url: str) -> dict[str, str]:
    """A fresh authorization code's token request, as the client would send it."""
    with httpx2.Client(timeout=30, follow_redirects=False) as http:
        return authorize(http, mcp_url, client_name="race").token_request()


def test_an_authorization_code_exchanged_twice_at_once_is_refused_and_revokes_its_tokens(
    cluster, moto, google_oauth, s3_proxy
):
    """RFC 6749 §4.1.2: a code presented twice is taken for stolen; the tokens it granted are revoked, as
    when it is replayed later, also when the two exchanges overlap on two processes."""
    google_oauth.signed_in = "code-race@example.com"
    form = _code_exchange(cluster.mcp_url)
    # Deleting the used code takes S3 a second: both processes read it before either removed it.
    s3_proxy.add("delay", method="DELETE", path="mcp-authorization-codes", seconds=1.0, times=2)

    async def both():
        async with httpx2.AsyncClient(timeout=60) as http:
            first = asyncio.create_task(http.post(cluster.servers[0].url("/google-workspace/token"), data=form))
            await asyncio.sleep(0.3)
            second = await http.post(cluster.servers[1].url("/google-workspace/token"), data=form)
            return await first, second

    first, second = asyncio.run(both())
    # FastMCP answers invalid_grant with 401 (the MCP spec's rule for invalid tokens).
    assert second.status_code == 401 and second.json()["error"] == "invalid_grant", second.text
    if first.status_code == 200:  # answered before it learnt of the second: its tokens must be dead now
        refused = rpc(cluster.mcp_url, first.json()["access_token"], call_tool("list_gmail_labels"))
        assert refused.status_code == 401, refused.text
    else:
        assert first.status_code == 401 and first.json()["error"] == "invalid_grant", first.text
    revoked = [e for e in cluster.log_events() if e.get("event") == "token_family_revoked"]
    assert any("twice" in e.get("reason", "") for e in revoked), revoked
    # Google's refresh token of that sign-in is revoked too.
    with google_oauth.lock:
        assert not [t for t, g in google_oauth.refresh_tokens.items() if g.email == "code-race@example.com"]
    # Claims are released once the exchange is over: they do not pile up in the bucket.
    bucket, _, prefix = cluster.token_store[len("s3://") :].partition("/")
    claims = moto.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/oauth/mcp-consumed-grants/")
    assert claims.get("KeyCount", 0) == 0, claims.get("Contents")


def test_a_code_presented_while_its_first_exchange_is_finishing_revokes_the_tokens(cluster, google_oauth, s3_proxy):
    """The other order: the first exchange has recorded the spent code and is releasing its claim (slowly)
    when the second arrives; the second finds the record and revokes what the first was given."""
    google_oauth.signed_in = "code-race-late@example.com"
    form = _code_exchange(cluster.mcp_url)
    s3_proxy.add("delay", method="DELETE", path="mcp-consumed-grants", seconds=2.0, times=1)
    mark = s3_proxy.mark()

    async def both():
        async with httpx2.AsyncClient(timeout=60) as http:
            first = asyncio.create_task(http.post(cluster.servers[0].url("/google-workspace/token"), data=form))
            while not s3_proxy.requests("DELETE", "mcp-consumed-grants", since=mark):
                await asyncio.sleep(0.02)
            second = await http.post(cluster.servers[1].url("/google-workspace/token"), data=form)
            return await first, second

    first, second = asyncio.run(both())
    assert first.status_code == 200, first.text
    assert second.status_code == 401 and second.json()["error"] == "invalid_grant", second.text
    refused = rpc(cluster.mcp_url, first.json()["access_token"], call_tool("list_gmail_labels"))
    assert refused.status_code == 401, refused.text
