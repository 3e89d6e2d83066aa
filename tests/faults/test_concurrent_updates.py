"""Records several processes change at once: conditional writes (compare-and-swap) on S3 and on a local
directory, newest-wins token sets, atomic claims and the refresh lease."""

from __future__ import annotations

import asyncio
import time

import pytest
from cryptography.fernet import Fernet

from tests.fakes.moto_server import FAKE_CREDENTIALS
from workspace_mcp_server.storage.blobs import LocalBlobStore, S3BlobStore, WriteConflict
from workspace_mcp_server.storage.crypto import TokenCipher
from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue
from workspace_mcp_server.storage.lease import lease

KEY = Fernet.generate_key()
TOKENS = "mcp-upstream-tokens"


@pytest.fixture
def aws_env(moto, monkeypatch):
    for name, value in {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": moto.endpoint}.items():
        monkeypatch.setenv(name, value)


def _s3(bucket: str, endpoint: str | None = None, monkeypatch=None) -> S3BlobStore:
    if endpoint is not None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return S3BlobStore(f"s3://{bucket}/tokens")


@pytest.fixture(params=["s3", "local"])
def blobs(request, aws_env, bucket, tmp_path):
    return _s3(bucket) if request.param == "s3" else LocalBlobStore(tmp_path / "store")


def test_conditional_put_and_delete(blobs):
    async def scenario():
        first = await blobs.put("r", b"one", if_none_match=True)
        with pytest.raises(WriteConflict):
            await blobs.put("r", b"again", if_none_match=True)
        second = await blobs.put("r", b"two", if_match=first)
        with pytest.raises(WriteConflict):
            await blobs.put("r", b"stale", if_match=first)
        with pytest.raises(WriteConflict):
            await blobs.delete("r", if_match=first)
        assert await blobs.get_versioned("r") == (b"two", second)
        assert await blobs.delete("r", if_match=second)
        with pytest.raises(WriteConflict):  # the record it was read from is gone
            await blobs.put("r", b"three", if_match=second)
        assert await blobs.get("r") is None

    asyncio.run(scenario())


def test_concurrent_creates_exactly_one_wins(blobs):
    store = EncryptedKeyValue(blobs, TokenCipher((KEY,)))

    async def scenario():
        return await asyncio.gather(*[store.create("code", {"n": n}, collection="claims") for n in range(8)])

    assert sorted(asyncio.run(scenario())) == [False] * 7 + [True]


def test_a_stale_token_set_never_replaces_a_newer_one(blobs):
    """Two processes refreshed one user's Google token; the one that refreshed first writes last."""
    first, second = (EncryptedKeyValue(blobs, TokenCipher((KEY,))) for _ in range(2))
    now = time.time()

    async def scenario():
        await first.put("set", {"access_token": "ya29.initial", "expires_at": now - 10}, collection=TOKENS)
        await second.put(
            "set", {"access_token": "ya29.newer", "refresh_token": "1//r2", "expires_at": now + 3600}, collection=TOKENS
        )
        await first.put(
            "set", {"access_token": "ya29.older", "refresh_token": "1//r1", "expires_at": now + 3500}, collection=TOKENS
        )
        return await first.get("set", collection=TOKENS)

    assert asyncio.run(scenario())["access_token"] == "ya29.newer"


def test_token_set_write_retries_a_conflict_s3_reports(aws_env, bucket, s3_proxy, monkeypatch):
    """S3 answers 409 ConditionalRequestConflict when writes to one key overlap: compare again and retry."""
    store = EncryptedKeyValue(_s3(bucket, s3_proxy.url, monkeypatch), TokenCipher((KEY,)))
    asyncio.run(store.put("set", {"expires_at": 1.0}, collection=TOKENS))
    s3_proxy.add(
        "status",
        method="PUT",
        status=409,
        times=2,
        body=b"<Error><Code>ConditionalRequestConflict</Code><Message>A conflicting operation occurred.</Message>"
        b"</Error>",
    )
    asyncio.run(store.put("set", {"expires_at": time.time() + 60, "access_token": "ya29.new"}, collection=TOKENS))
    assert asyncio.run(store.get("set", collection=TOKENS))["access_token"] == "ya29.new"
    assert len(s3_proxy.requests("PUT")) >= 3


def test_reaping_an_expired_record_spares_a_fresh_rewrite(aws_env, bucket, moto, s3_proxy, monkeypatch):
    """A process reaps a record it read as expired while another process rewrites it: the rewrite stays."""
    store = EncryptedKeyValue(_s3(bucket, s3_proxy.url, monkeypatch), TokenCipher((KEY,)))
    other = EncryptedKeyValue(S3BlobStore(f"s3://{bucket}/tokens"), TokenCipher((KEY,)))
    asyncio.run(store.put("txn", {"n": "old"}, collection="mcp-oauth-transactions", ttl=0.01))
    time.sleep(0.05)
    s3_proxy.add("delay", method="DELETE", seconds=1.0)

    async def scenario():
        reader = asyncio.create_task(store.get("txn", collection="mcp-oauth-transactions"))
        await asyncio.sleep(0.5)  # the reader's DELETE is on its way
        await other.put("txn", {"n": "fresh"}, collection="mcp-oauth-transactions", ttl=600)
        assert await reader is None
        return await other.get("txn", collection="mcp-oauth-transactions")

    assert asyncio.run(scenario()) == {"n": "fresh"}


def test_lease_is_exclusive_and_an_abandoned_one_expires(blobs):
    store = EncryptedKeyValue(blobs, TokenCipher((KEY,)))
    order: list[str] = []

    async def holder(name: str, pause: float):
        async with lease(store, "refresh:x", wait=5) as granted:
            order.append(f"{name} in {granted}")
            await asyncio.sleep(pause)
            order.append(f"{name} out")

    async def scenario():
        await asyncio.gather(holder("a", 0.3), holder("b", 0.0), holder("c", 0.0))
        # A process killed while holding the lease: the next one takes it over after it expires.
        abandoned = lease(store, "refresh:y", hold=0.3)
        await abandoned.__aenter__()
        started = time.monotonic()
        async with lease(store, "refresh:y", wait=5) as granted:
            return granted, time.monotonic() - started

    granted, waited = asyncio.run(scenario())
    pairs = [order[i : i + 2] for i in range(0, len(order), 2)]
    assert all(p[0].endswith(" in True") and p[1] == p[0].split()[0] + " out" for p in pairs), order
    assert granted and 0.2 <= waited < 3


def test_a_lease_whose_create_answer_was_lost_is_still_ours(aws_env, bucket, s3_proxy, monkeypatch):
    """S3 applied the create but the answer was reset; botocore's retry then gets 412: the lease is ours."""
    store = EncryptedKeyValue(_s3(bucket, s3_proxy.url, monkeypatch), TokenCipher((KEY,)))
    s3_proxy.add("reset_after", method="PUT", path="/leases/")

    async def scenario():
        started = time.monotonic()
        async with lease(store, "refresh:z", wait=10) as granted:
            return granted, time.monotonic() - started

    granted, waited = asyncio.run(scenario())
    assert granted and waited < 5  # not the 10 s a waiter gives up after
