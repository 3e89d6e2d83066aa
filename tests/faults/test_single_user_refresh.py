"""Single-user mode with two processes on one token store (two tasks of one service, or a rolling deploy):
the stored Google credential is refreshed by one of them at a time, as in multi-user mode."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import httpx2
from cryptography.fernet import Fernet

from tests.fakes.moto_server import FAKE_CREDENTIALS
from tests.fakes.server_process import run_server
from tests.faults.cluster import ACCEPT, call_tool
from tests.server.conftest import PREFIX, seed_single_user, single_user_env


def test_two_processes_refresh_the_single_users_credential_once(moto, google_oauth, google_api, oauth_proxy, tmp_path):
    """Google rotates refresh tokens and treats a retired one as stolen: were both processes to refresh, the
    second refresh would fail and revoke the credential. Only one may; the other uses its result."""
    bucket = f"single-{uuid.uuid4().hex[:12]}"
    moto.client("s3").create_bucket(Bucket=bucket)
    email = "solo-shared@example.com"
    seed_single_user(tmp_path / "creds", google_oauth, email)
    env = {
        **single_user_env(tmp_path / "creds", PREFIX),
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": moto.endpoint,
        "WORKSPACE_MCP_TOKEN_STORE": f"s3://{bucket}/workspace-mcp",
        "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "GOOGLE_API_ROOT_URL": google_api.root_url,
        "GOOGLE_OAUTH_TOKEN_URL": f"{oauth_proxy.url}/token",
    }
    google_oauth.rotate_refresh_tokens = True
    try:
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(run_server(env, log_path=tmp_path / f"server-{i}.log")) for i in range(2)]
            refreshes_before = google_oauth.refresh_grants
            # Google takes a second to answer: both processes find the expired credential together.
            oauth_proxy.add("delay", method="POST", path=r"/token$", seconds=1.0, times=4)

            async def both():
                async with httpx2.AsyncClient(timeout=60) as http:
                    return await asyncio.gather(
                        *[
                            http.post(
                                server.url(f"{PREFIX}/mcp"),
                                json=call_tool("list_gmail_labels"),
                                headers={**ACCEPT, "MCP-Protocol-Version": "2025-06-18"},
                            )
                            for server in servers
                            for _ in range(2)
                        ]
                    )

            answers = asyncio.run(both())
            assert [a.status_code for a in answers] == [200] * 4, [a.text[:300] for a in answers]
            assert all(not a.json()["result"].get("isError") for a in answers), [a.text[:300] for a in answers]
            assert google_oauth.refresh_grants - refreshes_before == 1, "only one process may refresh"
    finally:
        google_oauth.rotate_refresh_tokens = False
