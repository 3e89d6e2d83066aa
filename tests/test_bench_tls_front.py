"""The benchmark's HTTPS front for Google (benchmarks/tls_google.py) refuses what Google refuses: it is
only faster than the strict stand-ins behind it, never laxer."""

from __future__ import annotations

import asyncio
import ssl
import threading
import time

import httpx2
import pytest

from benchmarks.tls_google import TlsGoogle
from tests.fakes.google_api import run_google_api
from tests.fakes.google_oauth import run_google_oauth

LIST = "/gmail/v1/users/me/messages?q=Report&maxResults=2"
GMAIL = "https://www.googleapis.com/auth/gmail.readonly"


@pytest.fixture(scope="module")
def google_oauth():
    with run_google_oauth() as stand_in:
        yield stand_in


@pytest.fixture(scope="module")
def front(google_oauth, tmp_path_factory):
    """The front (no added delay) on its own event loop, with the strict stand-ins behind it."""
    from benchmarks.google_standin import MintedTokens

    with run_google_api() as api:
        api.tokens = MintedTokens(api.tokens, google_oauth)
        loop = asyncio.new_event_loop()
        server = TlsGoogle(google_oauth, api.root_url, google_oauth.base_url, 0.0, tmp_path_factory.mktemp("tls"))
        threading.Thread(target=loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
        try:
            yield server, api
        finally:
            loop.call_soon_threadsafe(server.server.close)
            loop.call_soon_threadsafe(loop.stop)


def _client(front) -> httpx2.Client:
    return httpx2.Client(verify=ssl.create_default_context(cafile=str(front[0].ca_file)), timeout=10, trust_env=False)


def test_tls_is_verified_with_the_throwaway_ca_only(front):
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(front[0].root + "/tokeninfo", timeout=10, trust_env=False)  # the system's CAs do not know it
    with _client(front) as http:
        assert http.get(front[0].root + "/tokeninfo").status_code == 400  # verified; no token given


def test_tokens_are_checked_on_every_request_even_when_the_answer_is_replayed(front, google_oauth):
    server, api = front
    access, _ = google_oauth.issue("front@example.com", f"openid {GMAIL}")
    with _client(front) as http:
        headers = {"Authorization": f"Bearer {access}"}
        first = http.get(server.root + LIST, headers=headers)
        assert first.status_code == 200, first.text
        forwarded = len(api.requests)
        assert http.get(server.root + LIST, headers=headers).json() == first.json()
        assert len(api.requests) == forwarded, "a repeated request should be replayed, not forwarded"
        info = http.get(server.root + "/tokeninfo", headers=headers).json()
        assert info["email"] == "front@example.com" and int(info["expires_in"]) > 3000
        for auth in ({"Authorization": "Bearer ya29.unknown"}, {}):
            refused = http.get(server.root + LIST, headers=auth)
            assert refused.status_code == 401, auth
        with google_oauth.lock:  # revoked at Google: the replay must not outlive it
            google_oauth.access_tokens[access].expires_at = time.time() - 1
        assert http.get(server.root + LIST, headers=headers).status_code == 401
        assert http.get(server.root + "/tokeninfo", headers=headers).status_code == 400


def test_a_token_without_the_scope_gets_googles_refusal_not_a_replay(front, google_oauth):
    server, _ = front
    narrow, _ = google_oauth.issue("narrow@example.com", "openid")
    with _client(front) as http:
        refused = http.get(server.root + LIST, headers={"Authorization": f"Bearer {narrow}"})
    assert refused.status_code == 403, refused.text
