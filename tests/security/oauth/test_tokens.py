"""Token lifecycle, attacked: revocation (RFC 7009) for public clients, refresh-token reuse,
authorization-code replay, and lifetimes from the environment."""

from __future__ import annotations

import asyncio
import base64

from tests.fakes.google_oauth import CLIENT_SECRET
from tests.fakes.oauth_steps import OAuthSteps, jwt_claims, tokens
from tests.security.oauth.conftest import start
from workspace_mcp_server.storage.blobs import open_blob_store
from workspace_mcp_server.storage.crypto import TokenCipher, derive_key
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue

DAY = 86400


def refused(response) -> bool:
    """A refused grant: invalid_grant (FastMCP answers 401 for an invalid token, RFC 6749 says 400)."""
    return response.status_code in (400, 401) and response.json().get("error") == "invalid_grant"


def test_metadata_advertises_revocation_truthfully(steps: OAuthSteps):
    meta = steps.metadata()
    assert meta["revocation_endpoint"] == f"{steps.public_url}/revoke"
    assert meta["revocation_endpoint_auth_methods_supported"] == ["none"]
    assert meta["token_endpoint_auth_methods_supported"][0] == "none"


def test_public_client_revokes_without_a_secret_and_the_whole_sign_in_ends(steps: OAuthSteps):
    client_id, issued = steps.sign_in()
    assert steps.mcp_status(issued.access_token) == 200
    response = steps.revoke(client_id, issued.access_token)
    assert response.status_code == 200, response.text
    assert steps.mcp_status(issued.access_token) == 401
    assert refused(steps.refresh(client_id, issued.refresh_token)), "the refresh token goes with it"


def test_revoking_the_refresh_token_ends_its_access_tokens(steps: OAuthSteps):
    client_id, issued = steps.sign_in()
    response = steps.revoke(client_id, issued.refresh_token, token_type_hint="refresh_token")
    assert response.status_code == 200, response.text
    assert refused(steps.refresh(client_id, issued.refresh_token))
    assert steps.mcp_status(issued.access_token) == 401


def test_a_secret_from_a_public_client_is_refused_and_revokes_nothing(steps: OAuthSteps):
    client_id, issued = steps.sign_in()
    for extra, headers in (
        ({"client_secret": "dummy"}, {}),
        ({}, {"Authorization": "Basic " + base64.b64encode(f"{client_id}:dummy".encode()).decode()}),
    ):
        data = {"token": issued.access_token, "client_id": client_id, **extra}
        response = steps.http.post(f"{steps.public_url}/revoke", data=data, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"
    assert steps.revoke("no-such-client", issued.access_token).status_code == 401
    assert steps.mcp_status(issued.access_token) == 200


def test_another_client_cannot_revoke_my_token(steps: OAuthSteps):
    _, mine = steps.sign_in()
    other = steps.register_ok()
    response = steps.revoke(other, mine.access_token)
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client", response.text
    assert steps.mcp_status(mine.access_token) == 200


def test_unknown_or_garbage_tokens_are_answered_200(steps: OAuthSteps):
    client_id = steps.register_ok()
    assert steps.revoke(client_id, "not-a-token").status_code == 200
    assert steps.http.post(f"{steps.public_url}/revoke", data={"client_id": client_id}).status_code == 400


def test_reusing_a_rotated_refresh_token_revokes_the_family(steps: OAuthSteps):
    client_id, first = steps.sign_in()
    rotated = steps.refresh(client_id, first.refresh_token)
    assert rotated.status_code == 200, rotated.text
    second = tokens(rotated)
    assert second.refresh_token != first.refresh_token
    assert steps.mcp_status(second.access_token) == 200
    # An attacker (or a confused client) presents the old refresh token again.
    reuse = steps.refresh(client_id, first.refresh_token)
    assert refused(reuse), reuse.text
    assert steps.mcp_status(second.access_token) == 401, "every token of the sign-in is revoked"
    assert steps.mcp_status(first.access_token) == 401
    assert refused(steps.refresh(client_id, second.refresh_token))


def test_replaying_an_authorization_code_revokes_the_tokens_it_issued(steps: OAuthSteps):
    client_id = steps.register_ok()
    code, verifier = steps.code_for(client_id)
    first = steps.exchange(client_id, code, verifier)
    assert first.status_code == 200, first.text
    issued = tokens(first)
    assert steps.mcp_status(issued.access_token) == 200
    replay = steps.exchange(client_id, code, verifier)
    assert refused(replay), replay.text
    assert steps.mcp_status(issued.access_token) == 401
    assert refused(steps.refresh(client_id, issued.refresh_token))


def test_default_lifetimes_suit_a_company(steps: OAuthSteps):
    _, issued = steps.sign_in()
    assert issued.expires_in == 3600
    access, refresh = jwt_claims(issued.access_token), jwt_claims(issued.refresh_token)
    assert access["exp"] - access["iat"] == 3600
    assert abs(refresh["exp"] - refresh["iat"] - 30 * DAY) <= 5, (refresh["exp"] - refresh["iat"]) / DAY


def test_lifetimes_come_from_the_environment(google_oauth, google_api, moto, tmp_path_factory, monkeypatch):
    public_url, store_url, running = start(
        google_oauth,
        google_api,
        moto,
        tmp_path_factory,
        WORKSPACE_MCP_ACCESS_TOKEN_LIFETIME="15m",
        WORKSPACE_MCP_REFRESH_TOKEN_LIFETIME="2d",
        WORKSPACE_MCP_CLIENT_REGISTRATION_LIFETIME="1h",
    )
    with running:
        steps = OAuthSteps(public_url)
        unused = steps.register_ok()
        client_id, issued = steps.sign_in()
        assert issued.expires_in == 900
        access, refresh = jwt_claims(issued.access_token), jwt_claims(issued.refresh_token)
        assert access["exp"] - access["iat"] == 900
        assert abs(refresh["exp"] - refresh["iat"] - 2 * DAY) <= 5
        rotated = steps.refresh(client_id, issued.refresh_token)
        assert rotated.status_code == 200, rotated.text
        # A sign-in's limit is absolute: refreshing does not extend it.
        assert jwt_claims(rotated.json()["refresh_token"])["exp"] <= refresh["exp"] + 1
        steps.http.close()
    # Registrations expire: an unused one after 1 h, a signed-in one when its refresh token does.
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    store = EncryptedKeyValue(open_blob_store(store_url), TokenCipher((derive_key(CLIENT_SECRET),)))
    _, unused_ttl = asyncio.run(store.ttl(unused, collection="mcp-oauth-proxy-clients"))
    _, used_ttl = asyncio.run(store.ttl(client_id, collection="mcp-oauth-proxy-clients"))
    assert unused_ttl is not None and 3500 < unused_ttl <= 3600, unused_ttl
    assert used_ttl is not None and 2 * DAY - 120 < used_ttl <= 2 * DAY, used_ttl
