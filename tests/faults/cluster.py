"""Server processes behind the nginx ALB stand-in, with S3 and Google reached through fault proxies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from cryptography.fernet import Fernet, MultiFernet

from tests.fakes.fault_proxy import FaultProxy
from tests.fakes.google_oauth import GoogleOAuthStandIn
from tests.fakes.moto_server import FAKE_CREDENTIALS, MotoServer
from tests.fakes.nginx_alb import NginxAlb, run_nginx_alb
from tests.fakes.ports import free_port
from tests.fakes.server_process import ServerProcess, run_server
from tests.server.conftest import PREFIX, oauth_env

ACCEPT = {"Accept": "application/json, text/event-stream"}
KEY_VARIABLE = "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY"
PROTOCOLS = ("2025-06-18", "2025-11-25", "2026-07-28")


@dataclass
class Cluster:
    alb: NginxAlb
    servers: list[ServerProcess]
    env: dict[str, str]
    token_store: str
    logs: Path
    stack: contextlib.ExitStack = field(repr=False)

    @property
    def mcp_url(self) -> str:
        return self.alb.base_url + PREFIX + "/mcp"

    @property
    def cipher(self) -> MultiFernet:
        """The token store's keys as the servers are configured now (the first one encrypts)."""
        return MultiFernet([Fernet(k.encode()) for k in self.env[KEY_VARIABLE].split(",")])

    def replace(self, index: int, env: dict[str, str] | None = None) -> ServerProcess:
        """Start a new process on the same port as server ``index`` (after it stopped), as ECS would."""
        old = self.servers[index]
        new = self.stack.enter_context(
            run_server(
                {**self.env, **(env or {})},
                port=old.port,
                log_path=self.logs / f"server-{index}-{uuid.uuid4().hex[:6]}.log",
            )
        )
        self.servers[index] = new
        return new

    def log_events(self) -> list[dict]:
        entries = []
        for path in self.logs.glob("server-*.log"):
            for line in path.read_text(errors="replace").splitlines():
                with contextlib.suppress(ValueError):
                    entries.append(json.loads(line))
        return entries


def server_env(
    moto: MotoServer,
    s3_proxy: FaultProxy | None,
    google_oauth: GoogleOAuthStandIn,
    oauth_proxy: FaultProxy | None,
    api_root: str,
    public_url: str,
    token_store: str,
    key: str,
) -> dict[str, str]:
    """The servers' environment; without proxies (None) they talk to moto and Google's stand-in directly."""
    env = {
        **oauth_env(google_oauth, public_url, token_store),
        **FAKE_CREDENTIALS,
        "AWS_ENDPOINT_URL": s3_proxy.url if s3_proxy is not None else moto.endpoint,
        "GOOGLE_API_ROOT_URL": api_root,
        KEY_VARIABLE: key,
        # The tests rewrite stored token sets behind the servers' backs (to expire them at once); a
        # cached check would hide that for up to the cache TTL, so every request reads the store.
        "WORKSPACE_MCP_AUTH_CACHE_TTL": "0",
    }
    if oauth_proxy is None:
        return env
    # Every Google OAuth endpoint through the fault proxy.
    return {
        k: v.replace(google_oauth.base_url, oauth_proxy.url) if k.startswith("GOOGLE_OAUTH_") else v
        for k, v in env.items()
    }


@contextlib.contextmanager
def run_cluster(
    moto: MotoServer,
    s3_proxy: FaultProxy | None,
    google_oauth: GoogleOAuthStandIn,
    oauth_proxy: FaultProxy | None,
    api_root: str,
    logs: Path,
    processes: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    bucket = f"faults-{uuid.uuid4().hex[:12]}"
    moto.client("s3").create_bucket(Bucket=bucket)
    token_store = f"s3://{bucket}/workspace-mcp"
    key = Fernet.generate_key().decode()
    alb_port = free_port()
    env = {
        **server_env(
            moto,
            s3_proxy,
            google_oauth,
            oauth_proxy,
            api_root,
            f"http://127.0.0.1:{alb_port}{PREFIX}",
            token_store,
            key,
        ),
        **(extra_env or {}),
    }
    logs.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(run_server(env, log_path=logs / f"server-{i}.log")) for i in range(processes)]
        # A stopped target comes back into rotation 2 s after it failed (nginx's default is 10 s).
        alb = stack.enter_context(
            run_nginx_alb(
                logs / "nginx", [f"127.0.0.1:{s.port}" for s in servers], PREFIX, port=alb_port, fail_timeout=2
            )
        )
        yield Cluster(alb, servers, env, token_store, logs, stack)


def rpc(
    url: str, token: str, message: dict, *, version: str = "2025-06-18", session: str | None = None, timeout: float = 30
) -> httpx2.Response:
    headers = {**ACCEPT, "Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if message.get("method") != "initialize":
        headers["MCP-Protocol-Version"] = version
    if session:
        headers["Mcp-Session-Id"] = session
    return httpx2.post(url, json=message, headers=headers, timeout=timeout)


def call_tool(name: str, arguments: dict | None = None, request_id: int = 1) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments or {}},
    }


async def arpc(
    client: httpx2.AsyncClient,
    url: str,
    token: str,
    message: dict,
    *,
    version: str = "2025-06-18",
    session: str | None = None,
) -> httpx2.Response:
    headers = {**ACCEPT, "Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if message.get("method") != "initialize":
        headers["MCP-Protocol-Version"] = version
    if session:
        headers["Mcp-Session-Id"] = session
    return await client.post(url, json=message, headers=headers)


def upstream_token_records(moto: MotoServer, token_store: str) -> list[str]:
    bucket, _, prefix = token_store[len("s3://") :].partition("/")
    listing = moto.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/oauth/mcp-upstream-tokens/")
    return [item["Key"] for item in listing.get("Contents", [])]


def expire_upstream_tokens(moto: MotoServer, token_store: str, cipher: Fernet | MultiFernet) -> int:
    """Mark every stored Google token set as expired (as an hour later), as the server would see it."""
    bucket, _, _ = token_store[len("s3://") :].partition("/")
    s3, fernet = moto.client("s3"), cipher
    names = upstream_token_records(moto, token_store)
    for name in names:
        record = json.loads(fernet.decrypt(s3.get_object(Bucket=bucket, Key=name)["Body"].read()))
        record["value"]["expires_at"] = 1.0
        s3.put_object(Bucket=bucket, Key=name, Body=fernet.encrypt(json.dumps(record).encode()))
    return len(names)


def run(coroutine):
    return asyncio.run(coroutine)
