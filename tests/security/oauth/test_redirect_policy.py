"""The redirect policy, attacked: authorization codes may only go where the operator allows."""

from __future__ import annotations

import pytest

from tests.fakes.google_oauth import CLIENT_ID
from tests.fakes.oauth_steps import LOOPBACK_REDIRECT, OAuthSteps, pkce_pair

EVIL = "https://evil.example/steal"


def assert_refused_without_redirect(response) -> None:
    """Refused on the server: no redirect anywhere, no consent page, an OAuth error."""
    assert response.status_code == 400, (response.status_code, response.headers.get("location"), response.text[:300])
    assert "location" not in response.headers
    assert "csrf_token" not in response.text and "consent" not in response.text.lower()


def test_upstream_google_client_id_is_not_an_mcp_client(steps: OAuthSteps, google_oauth):
    _, challenge = pkce_pair()
    before = len(google_oauth.requests)
    for accept in ("text/html", "application/json"):
        response = steps.http.get(
            f"{steps.public_url}/authorize",
            headers={"Accept": accept},
            params={
                "response_type": "code",
                "client_id": CLIENT_ID,
                "redirect_uri": EVIL,
                "state": "x",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert_refused_without_redirect(response)
        assert "evil.example" not in response.text
        assert "gofastmcp.com" not in response.text, "the error page loads nothing from a third party"
    # Nor may it use the token endpoint as a client.
    token = steps.http.post(
        f"{steps.public_url}/token",
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "redirect_uri": EVIL,
            "client_id": CLIENT_ID,
            "code_verifier": "v" * 43,
        },
    )
    assert token.status_code in (400, 401) and token.json()["error"] in ("invalid_client", "unauthorized_client")
    assert len(google_oauth.requests) == before, "Google must not even be asked"


@pytest.mark.parametrize(
    "uri",
    [
        EVIL,
        "https://evil.example/cb",
        "https://claude.ai.evil.example/api/mcp/auth_callback",
        "https://claude.ai@evil.example/api/mcp/auth_callback",
        "https://evil.example/oauth/cb?next=https://x.partner.example/oauth/cb",
    ],
)
def test_registering_a_foreign_https_redirect_is_refused(steps: OAuthSteps, uri):
    response = steps.register([uri])
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_redirect_uri", response.json()


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:8123/callback#frag",  # RFC 6749 §3.1.2: no fragment
        "https://claude.ai/api/mcp/auth_callback#x",
        "http://evil.example/cb",  # plain http to a remote host
        "vbscript://127.0.0.1/cb",
    ],
)
def test_malformed_redirects_are_refused_even_beside_allowed_ones(steps: OAuthSteps, uri):
    response = steps.register([LOOPBACK_REDIRECT, uri])
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_redirect_uri"
    assert response.json()["error_description"]


@pytest.mark.parametrize(
    "uri",
    [
        "https://claude.ai/api/mcp/auth_callback",  # configured exactly
        "https://app.partner.example/oauth/callback",  # configured by wildcard
        "http://127.0.0.1:51515/callback",
        "http://localhost:6274/oauth/callback",
        "http://[::1]:8080/cb",  # RFC 8252
    ],
)
def test_loopback_and_configured_patterns_register(steps: OAuthSteps, uri):
    response = steps.register([uri])
    assert response.status_code == 201, response.text
    assert response.json()["redirect_uris"] == [uri]


def test_a_foreign_uri_beside_an_allowed_one_is_dropped_not_registered(steps: OAuthSteps):
    response = steps.register([LOOPBACK_REDIRECT, "https://evil.example/cb"])
    assert response.status_code == 201, response.text
    assert response.json()["redirect_uris"] == [LOOPBACK_REDIRECT]
    _, challenge = pkce_pair()
    assert_refused_without_redirect(steps.authorize(response.json()["client_id"], "https://evil.example/cb", challenge))


def test_authorize_refuses_a_redirect_not_registered_for_that_client(steps: OAuthSteps):
    client_id = steps.register_ok(LOOPBACK_REDIRECT)
    other = steps.register_ok("https://app.partner.example/oauth/callback")
    _, challenge = pkce_pair()
    # Allowed by the policy, but registered by another client: refused, no redirect.
    assert_refused_without_redirect(steps.authorize(client_id, "https://app.partner.example/oauth/callback", challenge))
    assert_refused_without_redirect(steps.authorize(other, EVIL, challenge))
    assert_refused_without_redirect(steps.authorize(client_id, "http://127.0.0.1:43117/other-path", challenge))
    # RFC 8252 §7.3: the loopback port may differ from the registered one.
    moved = steps.authorize(client_id, "http://127.0.0.1:40001/callback", challenge)
    assert moved.status_code == 302 and "/consent?" in moved.headers["location"], moved.text
