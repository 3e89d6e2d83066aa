"""The encrypted token store (local directory and moto S3) and the single-user credential."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

import httpx2
import pytest
from cryptography.fernet import Fernet
from fastmcp import Client
from fastmcp.client.transports import StdioTransport, StreamableHttpTransport

from tests.fakes.ports import free_port
from tests.fakes.server_process import run_server, server_env
from tests.server.conftest import PREFIX, oauth_env, seed_single_user, single_user_env
from workspace_mcp_server.storage.blobs import LocalBlobStore, S3BlobStore, StorageError
from workspace_mcp_server.storage.crypto import TokenCipher
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue


def _roundtrip(store: EncryptedKeyValue) -> None:
    async def scenario():
        assert await store.get("k", collection="c") is None
        await store.put("k", {"token": "ya29.secret", "n": 1}, collection="c")
        assert await store.get("k", collection="c") == {"token": "ya29.secret", "n": 1}
        await store.put("short", {"v": 1}, collection="c", ttl=-1)  # already expired
        assert await store.get("short", collection="c") is None
        value, ttl = await store.ttl("k", collection="c")
        assert value and ttl is None
        assert await store.delete("k", collection="c")
        assert await store.get("k", collection="c") is None

    asyncio.run(scenario())


def test_local_store_roundtrip_atomic_and_encrypted(tmp_path):
    store = EncryptedKeyValue(LocalBlobStore(tmp_path), TokenCipher((Fernet.generate_key(),)))
    _roundtrip(store)
    asyncio.run(store.put("user", {"refresh_token": "1//secret"}, collection="c"))
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].suffix == ".bin", files  # no temp files left behind
    assert b"1//secret" not in files[0].read_bytes()


def test_s3_store_roundtrip(moto, s3_store, monkeypatch):
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    _roundtrip(EncryptedKeyValue(S3BlobStore(s3_store + "/unit"), TokenCipher((Fernet.generate_key(),))))


def test_key_rotation(tmp_path):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    blobs = LocalBlobStore(tmp_path)
    asyncio.run(EncryptedKeyValue(blobs, TokenCipher((old,))).put("k", {"v": "before"}))
    rotated = EncryptedKeyValue(blobs, TokenCipher((new, old)))
    assert asyncio.run(rotated.get("k")) == {"v": "before"}  # old records still readable
    asyncio.run(rotated.put("k", {"v": "after"}))
    assert asyncio.run(EncryptedKeyValue(blobs, TokenCipher((new,))).get("k")) == {"v": "after"}
    with pytest.raises(StorageError, match="unreadable"):
        asyncio.run(EncryptedKeyValue(blobs, TokenCipher((old,))).get("k"))


def test_unreachable_store_raises_a_clear_error_and_logs(moto, monkeypatch, caplog):
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    store = EncryptedKeyValue(S3BlobStore("s3://no-such-bucket-here/x"), TokenCipher((Fernet.generate_key(),)))
    with caplog.at_level(logging.ERROR, logger="workspace_mcp_server.storage"), pytest.raises(StorageError) as error:
        asyncio.run(store.put("k", {"v": 1}))
    assert "s3://no-such-bucket-here/x" in str(error.value) and "cannot write" in str(error.value)
    assert any(r.event == "storage_error" for r in caplog.records)


def test_server_with_a_broken_store_is_not_ready_and_says_why(moto, google_oauth, tmp_path):
    port = free_port()
    env = {
        **oauth_env(google_oauth, f"http://127.0.0.1:{port}{PREFIX}", "s3://no-such-bucket-here/tokens"),
        **moto.env(),
    }
    with run_server(env, port=port, log_path=tmp_path / "broken.log") as server:
        assert httpx2.get(server.url("/health")).status_code == 200  # liveness never touches storage
        ready = httpx2.get(server.url(f"{PREFIX}/ready"))
        # Says what is wrong, never where: the bucket is named in the log only.
        assert ready.status_code == 503 and "token store" in ready.json()["error"]
        assert "no-such-bucket-here" not in ready.text
        registration = httpx2.post(
            server.url(f"{PREFIX}/register"),
            json={"redirect_uris": ["http://127.0.0.1:3000/cb"], "token_endpoint_auth_method": "none"},
        )
        assert registration.status_code == 503, registration.text
        assert "token store is unavailable" in registration.json()["error_description"]
        assert "no-such-bucket-here" not in registration.text
    assert '"storage_error"' in server.log_text() and "no-such-bucket-here" in server.log_text()


def _labels(url: str) -> object:
    async def call():
        async with Client(StreamableHttpTransport(url)) as client:
            return await client.call_tool("list_gmail_labels", {}, raise_on_error=False)

    return asyncio.run(call())


def test_single_user_refreshes_persists_and_survives_restart(google_oauth, google_api, tmp_path):
    creds = tmp_path / "creds"
    seed = seed_single_user(creds, google_oauth)
    env = {
        **single_user_env(creds, PREFIX),
        "WORKSPACE_MCP_TOKEN_STORE": str(tmp_path / "store"),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
        "GOOGLE_OAUTH_TOKEN_URL": google_oauth.env()["GOOGLE_OAUTH_TOKEN_URL"],
    }
    before = google_oauth.tokens_of("solo@example.com")
    with run_server(env) as server:
        # The seeded token has expired: the server refreshes it at the (stand-in) token_uri.
        result = _labels(server.url(f"{PREFIX}/mcp"))
        assert not result.is_error, result
    refreshed = google_oauth.tokens_of("solo@example.com") - before
    assert refreshed, "the expired credential should have been refreshed"
    assert {r.token for r in google_api.calls("gmail.users.labels.list")} <= refreshed
    stored = list((tmp_path / "store").rglob("*.bin"))
    assert stored and not any(seed["refresh_token"].encode() in p.read_bytes() for p in stored)

    (creds / "solo@example.com.json").unlink()  # the store alone must be enough now
    with run_server(env) as server:
        assert not _labels(server.url(f"{PREFIX}/mcp")).is_error
        for path in stored:  # an undecryptable record: a clear tool error, not a traceback
            path.write_bytes(Fernet(Fernet.generate_key()).encrypt(b"{}"))
        result = _labels(server.url(f"{PREFIX}/mcp"))
        assert result.is_error
        assert "unreadable" in result.content[0].text
        assert '"storage_error"' in server.log_text()


def test_single_user_with_an_unreachable_store_answers_a_tool_error_naming_no_location(moto, tmp_path):
    creds = tmp_path / "creds"
    creds.mkdir()
    env = {
        **single_user_env(creds, PREFIX),
        **moto.env(),
        "WORKSPACE_MCP_TOKEN_STORE": "s3://no-such-bucket-here/tokens",
    }
    with run_server(env, log_path=tmp_path / "server.log") as server:
        result = _labels(server.url(f"{PREFIX}/mcp"))
        assert result.is_error
        text = result.content[0].text
        assert "the stored credential cannot be read; the server log has the details" in text, text
        assert "no-such-bucket-here" not in text and "Traceback" not in text
    assert '"storage_error"' in server.log_text() and "no-such-bucket-here" in server.log_text()


def test_stdio_transport(tmp_path):
    env = server_env({**single_user_env(tmp_path / "creds"), "WORKSPACE_MCP_TRANSPORT": "stdio"}, free_port())

    async def list_tools():
        transport = StdioTransport(command=sys.executable, args=["-m", "workspace_mcp_server"], env=env)
        async with Client(transport) as client:
            return await client.list_tools()

    assert asyncio.run(list_tools())


def test_single_user_seed_moves_into_the_store(tmp_path):
    from workspace_mcp_server.auth.credentials import SingleUserResolver

    seed = {
        "token": "ya29.valid",
        "refresh_token": "1//r",
        "client_id": "c",
        "client_secret": "s",
        "expiry": "2999-01-01T00:00:00Z",
        "token_uri": "https://attacker.example/token",
    }
    (tmp_path / "creds").mkdir()
    (tmp_path / "creds" / "me.json").write_text(json.dumps(seed))
    store = EncryptedKeyValue(LocalBlobStore(tmp_path / "store"), TokenCipher((Fernet.generate_key(),)))
    resolver = SingleUserResolver(store, tmp_path / "creds", "https://oauth2.googleapis.com/token")
    creds = asyncio.run(resolver())
    assert creds.token == "ya29.valid" and creds.token_uri == "https://oauth2.googleapis.com/token"
    (tmp_path / "creds" / "me.json").unlink()
    assert asyncio.run(resolver()).token == "ya29.valid"
    # The store holds it, not only the resolver's memory: a new resolver (another task) finds it.
    fresh = SingleUserResolver(store, tmp_path / "creds", "https://oauth2.googleapis.com/token")
    assert asyncio.run(fresh()).token == "ya29.valid"
