"""Start moto in server mode on loopback: the emulated AWS that every test talks to.

Real API round trips (boto3, the AWS CLI, Terraform's AWS provider) go to this
process over HTTP; nothing in boto3 is patched. moto runs behind the small shim in
tests/fakes/moto_shim.py, which fills the few API gaps Terraform's AWS provider trips over.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.ports import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
CALLER_ARN = "arn:aws:iam::123456789012:role/busyb-google-workspace-mcp-break-glass"
# moto accepts any credentials; fixed fake ones keep real ones out of the tests.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass(frozen=True)
class MotoServer:
    endpoint: str
    process: subprocess.Popen

    def env(self) -> dict[str, str]:
        """Environment for a child process (AWS CLI, terraform, the server) aimed at this moto."""
        return {**FAKE_CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint}

    def client(self, service: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
        )


@contextlib.contextmanager
def run_moto(log_path: Path) -> Iterator[MotoServer]:
    """Run moto (behind tests/fakes/moto_shim.py) on a free loopback port until the context exits."""
    port = free_port()
    env = {
        **os.environ,
        **FAKE_CREDENTIALS,
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
        # Who calls, for bucket policies (moto does not model it): the operator the runbook's
        # commands run as, the local environment's break-glass role.
        "MOTO_SHIM_CALLER_ARN": CALLER_ARN,
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.moto_shim", "-H", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{endpoint}/moto-api/", timeout=60, process=process)
        yield MotoServer(endpoint=endpoint, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
