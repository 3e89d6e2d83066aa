"""The real image, built with podman from the repository's Dockerfile and run with the
`local` stack's task definition (read from the synthesized JSON) against moto's S3 and the
Google stand-ins on loopback: health, prefixed routes, OAuth + MCP through real clients, the
image's HEALTHCHECK, the non-root user, and a clean exit on SIGTERM within ECS's 30 s."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from cryptography.fernet import Fernet
from fastmcp import Client
from fastmcp.client.transports import StreamableHttpTransport

from tests.container.conftest import Podman
from tests.fakes.google_oauth import CLIENT_ID, CLIENT_SECRET
from tests.fakes.ports import free_port, wait_for_http
from tests.server.oauth_client import login

# The first test also pays for the session's setup: apt-get, debootstrap and the image build
# (about 8 minutes on a fresh 2-core machine), hence more than pytest.ini's 900 s.
pytestmark = [pytest.mark.container, pytest.mark.timeout(1800)]

UID = 10001
CREDENTIALS_DIR = "/home/mcp/.google_workspace_mcp/credentials"
ECS_STOP_TIMEOUT = 30  # seconds between ECS's SIGTERM and SIGKILL


def task_container(synth_dir: Path, stack: str = "local") -> dict:
    """The one container definition of the stack's task definition, as ECS receives it."""
    resources = json.loads((synth_dir / stack / "cdk.tf.json").read_text())["resource"]
    (task_definition,) = resources["aws_ecs_task_definition"].values()
    (container,) = json.loads(task_definition["container_definitions"])
    return container


@dataclass(frozen=True)
class RunningContainer:
    name: str
    port: int
    env: dict[str, str]
    task: dict

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def prefix(self) -> str:
        return self.env["WORKSPACE_MCP_PATH_PREFIX"]

    def url(self, path: str) -> str:
        return self.base_url + path


def wait_until_serving(podman: Podman, running: RunningContainer, timeout: float = 90) -> None:
    """Wait for /health; fail at once with the container's log if it exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            wait_for_http(running.url("/health"), timeout=2)
            return
        except TimeoutError as exc:
            state = json.loads(podman("inspect", running.name).stdout)[0]["State"]
            if not state["Running"] or time.monotonic() > deadline:
                logs = podman("logs", running.name, check=False)
                pytest.fail(
                    f"{exc} (container {state['Status']}, exit {state['ExitCode']})\n"
                    f"--- container log ---\n{logs.stdout}{logs.stderr}"
                )


@pytest.fixture(scope="module")
def task(synth_dir: Path) -> dict:
    return task_container(synth_dir)


@pytest.fixture(scope="module")
def token_bucket(task, moto):
    """The bucket named by the task's WORKSPACE_MCP_TOKEN_STORE, on moto (removed afterwards
    if this test created it, so a later terraform apply of the local stack can create it)."""
    store = {e["name"]: e["value"] for e in task["environment"]}["WORKSPACE_MCP_TOKEN_STORE"]
    assert store.startswith("s3://"), store
    bucket = store.removeprefix("s3://").split("/", 1)[0]
    s3 = moto.client("s3")
    created = bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    if created:
        s3.create_bucket(Bucket=bucket)
    yield bucket
    if created:
        for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)


@pytest.fixture(scope="module")
def container(
    podman: Podman, server_image, task, token_bucket, moto, google_oauth_standin, google_api_standin, tmp_path_factory
):
    port = free_port()
    env = {e["name"]: e["value"] for e in task["environment"]}
    assert not {s["name"] for s in task["secrets"]} & env.keys(), "a secret is also a plain variable"
    env.update(
        # What differs on this machine: the port (host network), and the public URL, which
        # the stack derives from the ALB's DNS name (an interpolation in the JSON).
        PORT=str(port),
        WORKSPACE_MCP_PORT=str(port),
        WORKSPACE_MCP_PUBLIC_URL=f"http://127.0.0.1:{port}{env['WORKSPACE_MCP_PATH_PREFIX']}",
        WORKSPACE_MCP_HOST="127.0.0.1",  # host network: listen on loopback only
        # That public URL is plain http on loopback, which the server accepts only with this.
        OAUTHLIB_INSECURE_TRANSPORT="1",
    )
    # What ECS injects from Secrets Manager (test values).
    secrets = {
        "GOOGLE_OAUTH_CLIENT_ID": CLIENT_ID,
        "GOOGLE_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "GOOGLE_MCP_CREDENTIALS_DIR": CREDENTIALS_DIR,
    }
    assert set(secrets) == {s["name"] for s in task["secrets"]}, "the task injects other secrets than tested"
    env.update(secrets)
    # Stand-ins for AWS (moto, fake credentials) and Google, all on loopback.
    env.update(moto.env())
    env.update({k: v for k, v in google_oauth_standin.env().items() if k.endswith("_URL")})
    env["GOOGLE_API_ROOT_URL"] = google_api_standin.root_url

    env_file = tmp_path_factory.mktemp("container") / "env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    name = f"workspace-mcp-test-{uuid.uuid4().hex[:8]}"
    podman(
        "run",
        "-d",
        "--name",
        name,
        "--network=host",
        "--runtime",
        podman.runtime,
        "--env-file",
        str(env_file),
        server_image,
    )
    running = RunningContainer(name=name, port=port, env=env, task=task)
    try:
        wait_until_serving(podman, running)
        yield running
    finally:
        podman("rm", "-f", "-t", "0", name, check=False)


def test_image_runs_as_the_fixed_non_root_user(podman: Podman, container: RunningContainer, server_image):
    config = json.loads(podman("image", "inspect", server_image).stdout)[0]["Config"]
    assert config["User"] == f"{UID}:{UID}"
    status = podman("exec", container.name, "cat", "/proc/1/status").stdout
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert uids == [str(UID)] * 4, status  # real, effective, saved, filesystem
    cmdline = podman("exec", container.name, "cat", "/proc/1/cmdline").stdout
    assert "workspace-mcp-server" in cmdline, "the server is PID 1 (exec-form entrypoint)"


def test_token_directory_is_writable_and_image_is_lean(podman: Podman, container: RunningContainer):
    probe = 'touch "$GOOGLE_MCP_CREDENTIALS_DIR/probe" && rm "$GOOGLE_MCP_CREDENTIALS_DIR/probe" && echo ok'
    assert podman("exec", container.name, "sh", "-c", probe).stdout.strip() == "ok"
    lean = podman(
        "exec",
        container.name,
        "sh",
        "-c",
        "for p in gcc cc g++ make pip pip3; do command -v $p; done;"
        " ls -d /root/.cache /home/mcp/.cache /opt/venv/bin/pip /var/cache/apt/archives/*.deb"
        " /var/lib/apt/lists/*Packages* 2>/dev/null; true",
    )
    assert lean.stdout.strip() == "", f"build tools or caches in the final image: {lean.stdout}"


def test_image_keeps_the_discovery_documents_the_server_uses(podman: Podman, container: RunningContainer):
    """The build prunes google-api-python-client's discovery documents to the server's APIs."""
    script = (
        "from googleapiclient.discovery_cache import get_static_doc;"
        "from workspace_mcp_server.google.services import APIS;"
        "print(sorted(n for n, v in APIS.items() if not get_static_doc(n, v)));"
        "print(get_static_doc('youtube', 'v3') is None)"
    )
    missing, pruned = podman("exec", container.name, "python3", "-c", script).stdout.split("\n")[:2]
    assert (missing, pruned) == ("[]", "True")


def test_health_and_prefixed_routes(container: RunningContainer):
    prefix = container.prefix
    assert prefix == "/google-workspace"
    for path in ("/health", f"{prefix}/health"):
        response = httpx2.get(container.url(path))
        assert response.status_code == 200 and response.json()["status"] == "ok", (path, response.text)
    ready = httpx2.get(container.url(f"{prefix}/ready"))  # reads the token store on moto's S3
    assert ready.status_code == 200, ready.text
    resource = httpx2.get(container.url(f"/.well-known/oauth-protected-resource{prefix}/mcp"))
    assert resource.status_code == 200 and resource.json()["resource"] == container.url(f"{prefix}/mcp")
    unauthenticated = httpx2.post(
        container.url(f"{prefix}/mcp"),
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert unauthenticated.status_code == 401
    assert httpx2.get(container.url("/not-served")).status_code == 404


async def _list_and_call(url: str, token: str) -> tuple[list[str], object]:
    async with Client(StreamableHttpTransport(url, auth=token)) as client:
        names = [tool.name for tool in await client.list_tools()]
        return names, await client.call_tool("list_gmail_labels", {}, raise_on_error=False)


def test_oauth_login_then_tools_list_and_call_through_a_real_client(
    container: RunningContainer, google_oauth_standin, google_api_standin, token_bucket, moto
):
    mcp_url = container.url(f"{container.prefix}/mcp")
    google_oauth_standin.signed_in = "container@example.com"
    session = login(mcp_url)
    for token in google_oauth_standin.tokens_of("container@example.com"):
        google_api_standin.add_token(token, google_oauth_standin.access_tokens[token].scope.split())

    names, result = asyncio.run(_list_and_call(mcp_url, session.access_token))
    assert "list_gmail_labels" in names and len(names) > 10, names
    assert not result.is_error, result
    assert google_api_standin.calls("gmail.users.labels.list")
    stored = moto.client("s3").list_objects_v2(Bucket=token_bucket).get("Contents", [])
    assert stored, "the sign-in should persist tokens in the S3 token store"


def test_healthcheck_matches_the_task_definition_and_runs_inside(podman: Podman, container, server_image):
    check = json.loads(podman("image", "inspect", server_image).stdout)[0]["Healthcheck"]
    task_check = container.task["healthCheck"]
    seconds = 1_000_000_000
    assert (check["Interval"], check["Timeout"], check["StartPeriod"], check["Retries"]) == (
        task_check["interval"] * seconds,
        task_check["timeout"] * seconds,
        task_check["startPeriod"] * seconds,
        task_check["retries"],
    )
    (task_kind, task_command) = task_check["command"]
    assert task_kind == "CMD-SHELL"
    assert check["Test"][:3] == ["CMD", "/bin/sh", "-c"]
    assert check["Test"][3].replace("${PORT:-8000}", "8000") == task_command

    # Unhealthy means `retries` failures in a row, so one pass among that many runs is healthy.
    runs = []
    for _ in range(task_check["retries"]):
        runs.append(podman("healthcheck", "run", container.name, check=False))
        if runs[-1].returncode == 0:
            break
    health = json.loads(podman("inspect", container.name).stdout)[0]["State"].get("Health")
    assert runs[-1].returncode == 0, f"{runs[-1].stdout}{runs[-1].stderr}\n{json.dumps(health, indent=1)[-2000:]}"
    # The same command fails when nothing answers: it can detect an unhealthy server.
    broken = podman("exec", "-e", f"PORT={free_port()}", container.name, *check["Test"][1:], check=False)
    assert broken.returncode != 0


def test_sigterm_stops_the_server_cleanly_within_the_ecs_stop_timeout(podman: Podman, container):
    """Last in this module: it stops the shared container."""
    started = time.monotonic()
    podman("stop", "-t", str(ECS_STOP_TIMEOUT), container.name, timeout=ECS_STOP_TIMEOUT + 30)
    elapsed = time.monotonic() - started
    state = json.loads(podman("inspect", container.name).stdout)[0]["State"]
    logs = podman("logs", container.name).stdout
    # podman sends SIGKILL after the timeout, like ECS (exit 137). The server drains, shuts
    # down, then exits 0 (as PID 1) or re-raises SIGTERM (143, e.g. under ECS's init process).
    assert state["ExitCode"] in (0, 143), (
        f"exit code {state['ExitCode']} after {elapsed:.1f}s (137 = killed after the timeout)\n{logs[-3000:]}"
    )
    assert "Application shutdown complete" in logs, logs[-3000:]
    with pytest.raises(httpx2.TransportError):
        httpx2.get(container.url("/health"), timeout=2)
