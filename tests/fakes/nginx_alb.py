"""An ALB stand-in: nginx (Debian package) on 127.0.0.1 configured like the listener rules.

Forwards only the path prefix (rule ``/google-workspace/*``) and the OAuth discovery paths the
deployment forwards by a dedicated rule; round-robins between the targets with no stickiness
(every request picks the next target); answers 404 for everything else. The access log records
which target served each request.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.ports import free_port, wait_for_http
from tests.fakes.server_process import stop_process

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def nginx_binary() -> str:
    """The nginx binary, installing Debian's nginx-light first if it is missing (CI runs as root)."""
    for candidate in (shutil.which("nginx"), *NGINX_CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("nginx is not installed (apt-get install -y nginx-light)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "nginx-light"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    for candidate in NGINX_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("nginx-light installed but no nginx binary found")


@dataclass(frozen=True)
class NginxAlb:
    base_url: str  # http://127.0.0.1:<port>
    port: int
    access_log: Path
    process: subprocess.Popen

    def upstreams(self) -> list[str]:
        """The target (host:port) that served each forwarded request so far, in order."""
        if not self.access_log.exists():
            return []
        served = [line.split(" ", 1)[0] for line in self.access_log.read_text().splitlines() if line.strip()]
        return [target for target in served if target != "-"]  # "-": answered by nginx itself (404)


def render_config(workdir: Path, port: int, targets: list[str], prefix: str, fail_timeout: int = 10) -> str:
    proxy = """
            proxy_pass http://targets;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout 60s;
    """
    # A target that failed is skipped for fail_timeout seconds (the ALB's unhealthy threshold, roughly).
    servers = "\n".join(f"        server {t} fail_timeout={fail_timeout}s;" for t in targets)
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format targets '$upstream_addr $request_method $uri $status';
    access_log {workdir}/access.log targets;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    upstream targets {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        # Listener rule: path pattern {prefix}/*
        location ^~ {prefix}/ {{ {proxy} }}
        # Dedicated rule for the root-level OAuth discovery forms of the prefixed issuer/resource.
        location ^~ /.well-known/oauth-protected-resource{prefix}/ {{ {proxy} }}
        location = /.well-known/oauth-authorization-server{prefix} {{ {proxy} }}
        location = /.well-known/openid-configuration{prefix} {{ {proxy} }}
        # Default action: fixed 404.
        location / {{ return 404 "no rule matched\\n"; }}
    }}
}}
"""


@contextlib.contextmanager
def run_nginx_alb(
    workdir: Path,
    targets: list[str],
    prefix: str = "/google-workspace",
    port: int | None = None,
    fail_timeout: int = 10,
) -> Iterator[NginxAlb]:
    binary = nginx_binary()
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "nginx.conf"
    config.write_text(render_config(workdir, port, targets, prefix, fail_timeout))
    with open(workdir / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            [binary, "-p", str(workdir), "-c", str(config)], stdout=stderr, stderr=subprocess.STDOUT
        )
    alb = NginxAlb(base_url=f"http://127.0.0.1:{port}", port=port, access_log=workdir / "access.log", process=process)
    try:
        try:
            wait_for_http(f"{alb.base_url}/", timeout=30, process=process)
        except (RuntimeError, TimeoutError) as exc:
            logs = "".join(p.read_text() for p in (workdir / "stderr.log", workdir / "error.log") if p.exists())
            raise RuntimeError(f"nginx did not start: {exc}\n{logs}") from None
        yield alb
    finally:
        stop_process(process)
