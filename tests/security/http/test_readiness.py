"""A task started with the wrong encryption key must not take traffic, and no answer tells where the store is."""

from __future__ import annotations

import re

import httpx2

from tests.fakes.ports import free_port
from tests.security.http.conftest import fernet_key, new_bucket, oauth_server
from tests.server.conftest import PREFIX
from tests.server.oauth_client import login

RPC = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
# What would give the store away: its bucket and prefix, a local path, or a Python traceback.
LEAKS = re.compile(r"s3://|http-sec-|workspace-mcp/|/tmp/|/home/|/root/|Traceback|\.py\"", re.I)


def _no_leak(response: httpx2.Response) -> None:
    assert not LEAKS.search(response.text), f"{response.status_code} tells internals: {response.text[:400]}"


def test_ready_fails_when_the_keys_cannot_decrypt_the_store(google_oauth, google_api, moto, tmp_path):
    store = new_bucket(moto)
    right, wrong = fernet_key(), fernet_key()
    port = free_port()

    def start(keys: str):
        keys_env = {"WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": keys}
        return oauth_server(google_oauth, google_api, moto, tmp_path, store, port, **keys_env)

    with start(right) as first:
        assert httpx2.get(first.url(f"{PREFIX}/ready")).status_code == 200
        signed_in = login(first.url(f"{PREFIX}/mcp"))

    # The same store, a task configured with another key (a wrong secret, a botched rotation).
    with start(wrong) as bad:
        for path in ("/ready", f"{PREFIX}/ready"):
            ready = httpx2.get(bad.url(path))
            assert ready.status_code == 503, (path, ready.status_code, ready.text)
            assert "encryption keys" in ready.json()["error"], ready.text
            _no_leak(ready)
        assert httpx2.get(bad.url("/health")).status_code == 200  # alive, just not ready
        # The signed-in user is refused clearly, without learning where the store is.
        call = httpx2.post(
            bad.url(f"{PREFIX}/mcp"),
            json=RPC,
            headers={
                "Authorization": f"Bearer {signed_in.access_token}",
                "Accept": "application/json, text/event-stream",
            },
        )
        assert call.status_code == 503, (call.status_code, call.text)
        _no_leak(call)
        assert "request id" in call.json()["error_description"]
        log = bad.process.log_text()
        assert "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY" in log and store in log  # the operator learns where and why

    # Rotation: the new key first, the old one still listed: ready, and the user still works.
    with start(f"{wrong},{right}") as rotated:
        assert httpx2.get(rotated.url(f"{PREFIX}/ready")).status_code == 200
        call = httpx2.post(
            rotated.url(f"{PREFIX}/mcp"),
            json=RPC,
            headers={
                "Authorization": f"Bearer {signed_in.access_token}",
                "Accept": "application/json, text/event-stream",
            },
        )
        assert call.status_code == 200, call.text
    # ... and after the rotation the canary follows the new key alone.
    with start(wrong) as new:
        assert httpx2.get(new.url(f"{PREFIX}/ready")).status_code == 200


def test_unreachable_store_answers_without_its_location(google_oauth, google_api, moto, tmp_path):
    missing = "s3://http-sec-missing-bucket/workspace-mcp"
    with oauth_server(google_oauth, google_api, moto, tmp_path, missing) as broken:
        ready = httpx2.get(broken.url(f"{PREFIX}/ready"))
        assert ready.status_code == 503
        _no_leak(ready)
        registration = httpx2.post(
            broken.url(f"{PREFIX}/register"), json={"redirect_uris": ["http://127.0.0.1:9/cb"], "client_name": "x"}
        )
        assert registration.status_code == 503, registration.text
        _no_leak(registration)
