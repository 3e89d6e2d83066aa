"""Scopes honoured: a token carries what its client asked for, and only sees and calls those tools."""

from __future__ import annotations

import asyncio

from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.fakes.oauth_steps import OAuthSteps, jwt_claims
from tests.security.oauth.conftest import start

IDENTITY = "openid https://www.googleapis.com/auth/userinfo.email"
GMAIL_READ = "https://www.googleapis.com/auth/gmail.readonly"
GMAIL_MODIFY = "https://www.googleapis.com/auth/gmail.modify"
GMAIL_SETTINGS = "https://www.googleapis.com/auth/gmail.settings.basic"


async def _list_and_call(url: str, token: str, tool: str):
    async with Client(StreamableHttpTransport(url, auth=token)) as client:
        names = {t.name for t in await client.list_tools()}
        result = await client.call_tool(tool, {}, raise_on_error=False)
        return names, result


def list_and_call(steps: OAuthSteps, token: str, tool: str = "list_gmail_labels"):
    return asyncio.run(_list_and_call(steps.resource, token, tool))


def upstream_scopes(google_oauth) -> set[str]:
    """The scope the server last asked Google for."""
    asked = [r.params.get("scope", "") for r in google_oauth.requests if r.path.endswith("/o/oauth2/v2/auth")]
    return set(asked[-1].split())


def test_identity_only_request_gets_no_gmail_and_no_gmail_tools(steps: OAuthSteps, google_oauth, google_api):
    _, tokens = steps.sign_in(scope=IDENTITY)
    assert upstream_scopes(google_oauth) == set(IDENTITY.split()), "Google must be asked only for what the client asked"
    granted = set(tokens.scope.split())
    assert granted == set(IDENTITY.split()), granted
    assert set(jwt_claims(tokens.access_token)["scope"].split()) == granted
    names, result = list_and_call(steps, tokens.access_token)
    assert not any("gmail" in name for name in names), names
    assert result.is_error
    message = result.content[0].text
    assert GMAIL_READ in message and "sign in again" in message.lower(), message


def test_read_only_request_sees_read_tools_only(steps: OAuthSteps, google_api):
    _, tokens = steps.sign_in(scope=f"{IDENTITY} {GMAIL_READ}")
    assert GMAIL_MODIFY not in tokens.scope
    names, result = list_and_call(steps, tokens.access_token)
    assert "list_gmail_labels" in names and "search_gmail_messages" in names, names
    assert "send_gmail_message" not in names and "create_gmail_filter" not in names, names
    assert not result.is_error, result
    _, refused = asyncio.run(_list_and_call(steps.resource, tokens.access_token, "create_gmail_label"))
    assert refused.is_error and GMAIL_MODIFY in refused.content[0].text, refused.content[0].text


def test_no_scope_requested_gets_what_the_enabled_tools_need(steps: OAuthSteps, google_oauth):
    _, tokens = steps.sign_in(scope=None)
    expected = {*IDENTITY.split(), GMAIL_MODIFY, GMAIL_SETTINGS}
    assert set(tokens.scope.split()) == expected
    assert upstream_scopes(google_oauth) == expected
    names, result = list_and_call(steps, tokens.access_token)
    assert {"send_gmail_message", "create_gmail_filter", "list_gmail_labels"} <= names
    assert not result.is_error


def test_no_scope_requested_gets_what_the_client_registered_for(steps: OAuthSteps):
    client_id = steps.register_ok(scope=f"{IDENTITY} {GMAIL_READ}")
    code, verifier = steps.code_for(client_id, scope=None)
    issued = steps.exchange(client_id, code, verifier)
    assert issued.status_code == 200, issued.text
    assert set(issued.json()["scope"].split()) == {*IDENTITY.split(), GMAIL_READ}


def test_registering_for_a_scope_beyond_the_enabled_tools_is_refused(steps: OAuthSteps):
    response = steps.register(
        ["http://127.0.0.1:43117/callback"], scope=f"{IDENTITY} https://www.googleapis.com/auth/drive"
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_client_metadata", response.text


def test_a_scope_beyond_the_enabled_tools_is_refused(steps: OAuthSteps):
    client_id = steps.register_ok()
    response = steps.authorize(
        client_id,
        "http://127.0.0.1:43117/callback",
        "c" * 43,
        scope=f"{IDENTITY} https://www.googleapis.com/auth/drive",
    )
    assert response.status_code == 302
    assert "error=invalid_scope" in response.headers["location"], response.headers["location"]
    assert "/consent" not in response.headers["location"]


def test_refresh_cannot_widen_the_grant(steps: OAuthSteps):
    client_id, tokens = steps.sign_in(scope=f"{IDENTITY} {GMAIL_READ}")
    widened = steps.http.post(
        f"{steps.public_url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": client_id,
            "scope": f"{IDENTITY} {GMAIL_MODIFY}",
        },
    )
    assert widened.status_code == 400 and widened.json()["error"] == "invalid_scope", widened.text
    same = steps.refresh(client_id, tokens.refresh_token)
    assert same.status_code == 200, same.text
    assert set(same.json()["scope"].split()) == {*IDENTITY.split(), GMAIL_READ}


def test_a_broad_scope_grants_the_tools_of_the_narrower_ones_it_covers(
    google_oauth, google_api, moto, tmp_path_factory
):
    """chat.messages covers reading, posting and reacting (each also grantable alone): a token with it sees
    and calls those tools, and the server asks Google for it alone, not next to the scopes it covers."""
    chat = "https://www.googleapis.com/auth/chat."
    public_url, _, running = start(
        google_oauth,
        google_api,
        moto,
        tmp_path_factory,
        WORKSPACE_MCP_SERVICES="chat",
        WORKSPACE_MCP_TOOL_TIER="complete",
    )
    with running:
        steps = OAuthSteps(public_url)
        _, tokens = steps.sign_in(scope=f"{IDENTITY} {chat}spaces.readonly {chat}messages")
        assert upstream_scopes(google_oauth) == {*IDENTITY.split(), f"{chat}spaces.readonly", f"{chat}messages"}
        names, result = asyncio.run(_list_and_call(steps.resource, tokens.access_token, "list_chat_spaces"))
        assert {"list_chat_messages", "send_chat_message", "add_chat_reaction", "delete_chat_message"} <= names, names
        assert not result.is_error, result
        _, default = steps.sign_in()  # no scope asked: what the enabled tools need, without redundant ones
        assert set(default.scope.split()) == {*IDENTITY.split(), f"{chat}spaces.readonly", f"{chat}messages"}
        steps.http.close()
