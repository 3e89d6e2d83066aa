"""No stored record is larger than the store's cap, whatever the body caps are set to."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from tests.security.http.conftest import fernet_key, oauth_server
from tests.server.conftest import PREFIX
from workspace_mcp_server.storage.blobs import LocalBlobStore
from workspace_mcp_server.storage.crypto import TokenCipher
from workspace_mcp_server.storage.keyvalue import MAX_RECORD_BYTES, EncryptedKeyValue, RecordTooLargeError


def test_put_and_create_refuse_a_record_over_the_cap(tmp_path):
    store = EncryptedKeyValue(LocalBlobStore(tmp_path), TokenCipher((fernet_key().encode(),)))
    huge = {"client_name": "A" * MAX_RECORD_BYTES}
    with pytest.raises(RecordTooLargeError, match="limit"):
        asyncio.run(store.put("k", huge, collection="mcp-oauth-proxy-clients"))
    with pytest.raises(RecordTooLargeError):
        asyncio.run(store.create("k2", huge))
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "nothing may be written"
    asyncio.run(store.put("k", {"client_name": "A" * 1000}))  # a normal record still fits
    assert asyncio.run(store.get("k")) == {"client_name": "A" * 1000}


def test_a_registration_too_large_to_store_is_refused_clearly(google_oauth, google_api, moto, tmp_path):
    """An operator who raises the body cap still cannot make the store keep a 200 KB registration."""
    with oauth_server(google_oauth, google_api, moto, tmp_path, WORKSPACE_MCP_OAUTH_MAX_BODY_BYTES="1048576") as target:
        response = httpx2.post(
            target.url(f"{PREFIX}/register"),
            json={"client_name": "A" * 200_000, "redirect_uris": ["http://127.0.0.1:9/cb"]},
        )
        assert response.status_code == 413, (response.status_code, response.text[:300])
        assert response.json()["error"] == "request_too_large"
        assert "record_too_large" in target.process.log_text()
