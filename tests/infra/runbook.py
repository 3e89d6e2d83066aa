"""The runbook's commands, taken from the Markdown and run against the applied stack.

docs/deployment.md and docs/operations.md mark every shell block with an HTML comment on
the line before its fence:

    <!-- tested -->                      run by the end-to-end test on moto
    <!-- tested: <check> -->             run, then the named check below verifies the effect
    <!-- not emulated: <reason> -->      moto cannot serve it (ECS Exec, live tasks, ...)
    <!-- not run: <reason> -->           changes real infrastructure; the reason names the test
                                         that exercises the same thing

``run_tested_commands`` runs the tested blocks of both documents in order, each in its own
``bash -euo pipefail`` with the stack's outputs exported as shell variables (through
scripts/stack_outputs.py, as the docs do) and the AWS CLI aimed at moto. Before the
operations runbook it seeds what an operator would find in a real deployment: token-store
records written by the server's own storage code (one of them later corrupted, one created
after the restore point) and a CloudWatch log line the server's JSON formatter produced
for the failed read. A block that exits non-zero or a check that fails fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "deployment.md", ROOT / "docs" / "operations.md")
SHELLS = {"sh", "bash", "shell"}
MARKER = re.compile(r"<!--\s*(tested|not emulated|not run)\s*(?::\s*(.*?))?\s*-->")
FENCE = re.compile(r"^```(\w*)\s*$")
BLOCK_TIMEOUT = 240

# Values an operator supplies by hand (each block says which with ${NAME:?why}).
FAKE_CLIENT_ID = "1234567890-runbook.apps.googleusercontent.com"
FAKE_CLIENT_SECRET = "GOCSPX-runbook-fake-secret"
NEW_CLIENT_SECRET = "GOCSPX-runbook-rotated-secret"
IMAGE_TAG = "runbook-e2e"


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    language: str
    marker: str | None  # "tested", "not emulated", "not run" or None
    detail: str  # check name (tested) or reason
    code: str

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def extract_blocks(doc: Path) -> list[Block]:
    """Every fenced code block with the marker comment right above it (if any)."""
    blocks: list[Block] = []
    lines = doc.read_text().splitlines()
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].startswith("```"):
            body.append(lines[index])
            index += 1
        if index >= len(lines):
            raise ValueError(f"{doc}:{start + 1}: code block is not closed")
        marker = MARKER.fullmatch(lines[start - 1].strip()) if start else None
        blocks.append(
            Block(
                doc=doc,
                line=start + 1,
                language=fence.group(1),
                marker=marker.group(1) if marker else None,
                detail=(marker.group(2) or "") if marker else "",
                code="\n".join(body) + "\n",
            )
        )
        index += 1
    return blocks


def shell_blocks(doc: Path) -> list[Block]:
    return [b for b in extract_blocks(doc) if b.language in SHELLS]


def syntax_error(block: Block) -> str | None:
    """bash's complaint about the block, or None if it parses."""
    result = subprocess.run(["bash", "-n"], input=block.code, capture_output=True, text=True, timeout=30)
    return result.stderr.strip() or None if result.returncode else None


# --------------------------------------------------------------------------- the test run


@dataclass
class Context:
    """What the seeding created and the checks verify."""

    env: dict[str, str]
    variables: dict[str, str]
    seeded: dict[str, object] = field(default_factory=dict)

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.env["AWS_ENDPOINT_URL"],
            region_name=self.env.get("AWS_DEFAULT_REGION", "us-east-1"),
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=self.env.get("AWS_SESSION_TOKEN"),
        )

    def app_secret(self) -> dict:
        value = self.client("secretsmanager").get_secret_value(SecretId=self.variables["APP_SECRET_ARN"])
        return json.loads(value["SecretString"])


def stack_variables(stack_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """The outputs as scripts/stack_outputs.py prints them (parsed, not eval'ed)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "stack_outputs.py"), str(stack_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise AssertionError(f"scripts/stack_outputs.py {stack_dir} failed:\n{result.stdout}{result.stderr}")
    variables = {}
    for line in result.stdout.splitlines():
        word, assignment = shlex.split(line)
        assert word == "export", line
        name, _, value = assignment.partition("=")
        variables[name] = value
    return variables


def run_block(block: Block, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
    )


def run_tested_commands(stack_dir: Path, env: dict[str, str]) -> list[tuple[Block, str, float]]:
    """Run every tested block of both docs against the applied stack in ``stack_dir``;
    ``env`` aims child processes at moto. Returns (block, stdout, seconds) per block;
    raises AssertionError listing each failure."""
    base = {
        **os.environ,
        **env,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "TF_CLI_CONFIG_FILE": str(ROOT / "terraform.rc"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "AWS_PAGER": "",
        "STACKS_DIR": str(stack_dir.parent),
        "STACK": stack_dir.name,
    }
    base.pop("TF_LOG", None)
    context = Context(env=base, variables=stack_variables(stack_dir, base))
    inputs = {
        "GOOGLE_OAUTH_CLIENT_ID": FAKE_CLIENT_ID,
        "GOOGLE_OAUTH_CLIENT_SECRET": FAKE_CLIENT_SECRET,
        "NEW_CLIENT_SECRET": NEW_CLIENT_SECRET,
    }
    ran: list[tuple[Block, str, float]] = []
    failures: list[str] = []
    for doc in DOCS:
        if doc.name == "operations.md":
            inputs.update(seed_incident(context))
            seed_deploy(context)
        for block in shell_blocks(doc):
            if block.marker != "tested":
                continue
            started = time.monotonic()
            result = run_block(block, {**base, **context.variables, **inputs})
            output = result.stdout
            if result.returncode != 0:
                failures.append(
                    f"{block.where} exited {result.returncode}:\n{block.code}--- stdout ---\n{result.stdout[-3000:]}"
                    f"\n--- stderr ---\n{result.stderr[-3000:]}"
                )
                continue
            if block.detail:
                check = CHECKS.get(block.detail)
                try:
                    if check is None:
                        raise AssertionError(f"no check named {block.detail!r} in tests/infra/runbook.py")
                    check(context, output)
                except AssertionError as error:
                    failures.append(
                        f"{block.where} ({block.detail}): {error}\n{block.code}--- stdout ---\n{output[-3000:]}"
                    )
            ran.append((block, output, time.monotonic() - started))
    if failures:
        raise AssertionError(f"{len(failures)} runbook block(s) failed:\n\n" + "\n\n".join(failures))
    return ran


# --------------------------------------------------------------------------- seeding


@contextlib.contextmanager
def _process_environ(values: dict[str, str]):
    # S3BlobStore builds its boto3 client from the process environment (as in the task).
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def token_store(context: Context, keys: list[str] | None = None):
    """The server's own encrypted store on the stack's token bucket and prefix."""
    from workspace_mcp_server.storage.blobs import S3BlobStore
    from workspace_mcp_server.storage.crypto import TokenCipher
    from workspace_mcp_server.storage.keyvalue import EncryptedKeyValue

    keys = keys or context.app_secret()["WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY"].split(",")
    aws = {k: v for k, v in context.env.items() if k.startswith("AWS_")}
    with _process_environ(aws):
        blobs = S3BlobStore(context.variables["TOKEN_STORE_URI"])
    return EncryptedKeyValue(blobs, TokenCipher(tuple(k.encode() for k in keys)))


def _server_log_line(store, key: str, collection: str, request_id: str) -> str:
    """The JSON line the server logs when it cannot read a record (its formatter, its code)."""
    from workspace_mcp_server.logs import JsonFormatter, request_id_var
    from workspace_mcp_server.storage.blobs import StorageError

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("workspace_mcp_server.storage")
    logger.addHandler(handler)
    token = request_id_var.set(request_id)
    try:
        asyncio.run(store.get(key, collection=collection))
    except StorageError:
        pass
    else:
        raise AssertionError("reading the corrupted record did not fail")
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    (line,) = [entry for entry in stream.getvalue().splitlines() if '"storage_error"' in entry]
    return line


def seed_incident(context: Context) -> dict[str, str]:
    """Records, a restore point, a corruption after it and the log line that reports it.

    Returns the operator inputs the runbook asks for (REQUEST_ID, STORE_KEY, RESTORE_TO).
    """
    store = token_store(context)
    prefix = context.variables["TOKEN_PREFIX"]
    user = {"upstream_token_id": "runbook-user", "access_token": "ya29.before", "refresh_token": "1//before"}
    client = {"client_id": "runbook-client", "redirect_uris": ["http://127.0.0.1:33418/callback"]}
    asyncio.run(store.put("runbook-user", user, collection="mcp-upstream-tokens"))
    asyncio.run(store.put("runbook-client", client, collection="mcp-oauth-proxy-clients"))
    # S3 times have whole seconds: keep the restore point strictly between the writes.
    time.sleep(1.2)
    restore_to = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    time.sleep(1.2)
    user_key = store.object_key("runbook-user", "mcp-upstream-tokens")
    asyncio.run(store.blobs.put(user_key, b"garbage written by a bad release"))
    asyncio.run(store.put("runbook-client", {**client, "redirect_uris": []}, collection="mcp-oauth-proxy-clients"))
    asyncio.run(store.put("runbook-late", {"client_id": "late"}, collection="mcp-oauth-proxy-clients"))
    request_id = f"runbook-{uuid.uuid4().hex[:12]}"
    line = _server_log_line(store, "runbook-user", "mcp-upstream-tokens", request_id)
    logs = context.client("logs")
    stream_name = f"ecs/google-workspace-mcp/{uuid.uuid4().hex}"
    logs.create_log_stream(logGroupName=context.variables["LOG_GROUP"], logStreamName=stream_name)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=context.variables["LOG_GROUP"],
        logStreamName=stream_name,
        logEvents=[
            {
                "timestamp": now - 1,
                "message": json.dumps({"level": "INFO", "message": "GET /google-workspace/health 200"}),
            },
            {"timestamp": now, "message": line},
        ],
    )
    context.seeded.update(
        user=user, client=client, user_key=user_key, s3_user_key=f"{prefix}/{user_key}", request_id=request_id
    )
    return {"REQUEST_ID": request_id, "STORE_KEY": user_key, "RESTORE_TO": restore_to}


def seed_deploy(context: Context) -> None:
    """A deploy of a new image as Terraform makes it: a new revision with the new tag, the
    service moved to it, the replaced revision deregistered. (The runbook's own deploy
    block is the plan/apply the end-to-end test already runs; repeating it costs minutes.)"""
    ecs = context.client("ecs")
    cluster, service_name = context.variables["CLUSTER_ARN"], context.variables["SERVICE_NAME"]
    (service,) = ecs.describe_services(cluster=cluster, services=[service_name])["services"]
    current = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    containers = [
        {**c, "image": f"{c['image'].rsplit(':', 1)[0]}:{IMAGE_TAG}"} for c in current["containerDefinitions"]
    ]
    fields = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "requiresCompatibilities", "cpu", "memory")
    new = ecs.register_task_definition(**{k: current[k] for k in fields}, containerDefinitions=containers)
    ecs.update_service(cluster=cluster, service=service_name, taskDefinition=new["taskDefinition"]["taskDefinitionArn"])
    ecs.deregister_task_definition(taskDefinition=current["taskDefinitionArn"])
    context.seeded["previous_image"] = current["containerDefinitions"][0]["image"]


# --------------------------------------------------------------------------- checks


def _check_secret_values(context: Context, output: str) -> None:
    secret = context.app_secret()
    assert secret["GOOGLE_OAUTH_CLIENT_ID"] == FAKE_CLIENT_ID, secret.keys()
    assert secret["GOOGLE_OAUTH_CLIENT_SECRET"] == FAKE_CLIENT_SECRET
    from cryptography.fernet import Fernet

    (key,) = secret["WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY"].split(",")
    Fernet(key.encode())  # a valid Fernet key
    plain = context.client("secretsmanager").get_secret_value(SecretId=context.variables["CREDENTIALS_DIR_SECRET_ARN"])
    assert plain["SecretString"].startswith("/"), plain["SecretString"]


def _check_request_id_search(context: Context, output: str) -> None:
    assert context.seeded["request_id"] in output and "storage_error" in output, output


def _check_store_key_found(context: Context, output: str) -> None:
    assert output.split() == [context.seeded["user_key"]], output


def _check_one_record_restored(context: Context, output: str) -> None:
    value = asyncio.run(token_store(context).get("runbook-user", collection="mcp-upstream-tokens"))
    assert value == context.seeded["user"], value


def _check_point_in_time(context: Context, output: str) -> None:
    store = token_store(context)
    assert asyncio.run(store.get("runbook-client", collection="mcp-oauth-proxy-clients")) == context.seeded["client"]
    assert asyncio.run(store.get("runbook-late", collection="mcp-oauth-proxy-clients")) is None
    assert asyncio.run(store.get("runbook-user", collection="mcp-upstream-tokens")) == context.seeded["user"]


def _keys(context: Context) -> list[str]:
    return context.app_secret()["WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY"].split(",")


def _check_client_secret(context: Context, output: str) -> None:
    secret = context.app_secret()
    assert secret["GOOGLE_OAUTH_CLIENT_SECRET"] == NEW_CLIENT_SECRET, "client secret not replaced"
    assert secret["GOOGLE_OAUTH_CLIENT_ID"] == FAKE_CLIENT_ID
    context.seeded["original_key"] = secret["WORKSPACE_MCP_TOKEN_ENCRYPTION_KEY"]
    assert "," not in context.seeded["original_key"], "the token key list changed with the client secret"


def _check_key_added(context: Context, output: str) -> None:
    keys = _keys(context)
    assert len(keys) == 2 and keys[0] == context.seeded["original_key"], keys
    context.seeded["new_key"] = keys[1]


def _check_key_promoted(context: Context, output: str) -> None:
    assert _keys(context) == [context.seeded["new_key"], context.seeded["original_key"]]


def _check_old_key_dropped(context: Context, output: str) -> None:
    keys = _keys(context)
    assert keys == [context.seeded["new_key"]], keys
    # Every record was re-encrypted, so the new key alone reads all of them.
    store = token_store(context, keys)
    assert asyncio.run(store.get("runbook-client", collection="mcp-oauth-proxy-clients")) == context.seeded["client"]
    assert asyncio.run(store.get("runbook-user", collection="mcp-upstream-tokens")) == context.seeded["user"]


def _check_rollback(context: Context, output: str) -> None:
    ecs = context.client("ecs")
    (service,) = ecs.describe_services(
        cluster=context.variables["CLUSTER_ARN"], services=[context.variables["SERVICE_NAME"]]
    )["services"]
    running = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    image = running["containerDefinitions"][0]["image"]
    assert image == context.seeded["previous_image"] and not image.endswith(f":{IMAGE_TAG}"), image
    assert running["status"] == "ACTIVE"


def _check_google_redirect_uri(context: Context, output: str) -> None:
    # The local environment's [domain]: the URI to register is on the domain, under the prefix.
    assert output.strip() == "http://google-workspace.busyb.test/google-workspace/auth/callback", output


CHECKS: dict[str, Callable[[Context, str], None]] = {
    "google-redirect-uri": _check_google_redirect_uri,
    "secret-values": _check_secret_values,
    "request-id": _check_request_id_search,
    "find-store-key": _check_store_key_found,
    "restore-one-record": _check_one_record_restored,
    "restore-point-in-time": _check_point_in_time,
    "client-secret": _check_client_secret,
    "key-added": _check_key_added,
    "key-promoted": _check_key_promoted,
    "old-key-dropped": _check_old_key_dropped,
    "rollback": _check_rollback,
}
