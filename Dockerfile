# Image of the Google Workspace MCP server (mcp/ only: no CDKTF, no Node).
#
#   podman build --format docker -t workspace-mcp-server .    (or: docker build -t ... .)
#
# BASE_IMAGE is any Debian-like image with python3 (>= 3.11) and python3 -m venv. The
# builder and the final stage share it so the venv's interpreter path stays valid.
# The default is pinned by digest (the multi-platform index of python:3.12-slim), so a build
# never picks up a base nobody reviewed. To move it (monthly, or for a CVE in the base):
#   docker buildx imagetools inspect python:3.12-slim    # "Digest:" of the index
# then replace the digest here in a pull request (docs/deployment.md, "Base image").
ARG BASE_IMAGE=python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

FROM ${BASE_IMAGE} AS builder
# The system CA bundle instead of pip's vendored one, so builds behind a TLS proxy work.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python3 -m venv /opt/venv
# Dependencies first (exact pins, no resolution) so code changes reuse this layer.
COPY mcp/requirements.lock ./
RUN /opt/venv/bin/pip install --no-deps -r requirements.lock
COPY mcp/pyproject.toml mcp/README.md ./
COPY mcp/workspace_mcp_server ./workspace_mcp_server
# pip and setuptools are not needed at run time: drop them from the shipped venv. Of the
# ~600 discovery documents google-api-python-client ships (~100 MB), keep the APIs the
# server builds clients for (workspace_mcp_server.google.services.APIS).
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools \
    && /opt/venv/bin/python -c "import pathlib, googleapiclient.discovery_cache as cache; \
from workspace_mcp_server.google.services import APIS; \
keep = {f'{name}.{version}.json' for name, version in APIS.items()}; \
docs = pathlib.Path(cache.__file__).parent / 'documents'; \
[doc.unlink() for doc in docs.glob('*.json') if doc.name not in keep]; \
assert {doc.name for doc in docs.glob('*.json')} == keep, keep"

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="workspace-mcp-server" \
      org.opencontainers.image.description="Google Workspace MCP server (FastMCP) for ECS Fargate behind an ALB path prefix"
SHELL ["/bin/sh", "-eu", "-c"]
# curl serves the container health check (the ECS task definition runs the same command).
# Slim bases lack it; bases that ship it skip apt entirely.
RUN if ! command -v curl >/dev/null; then \
        apt-get update \
        && apt-get install -y --no-install-recommends curl \
        && apt-get clean \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --gid 10001 mcp \
    && useradd --uid 10001 --gid 10001 --home-dir /home/mcp --create-home \
        --shell /usr/sbin/nologin mcp \
    && install -d -o 10001 -g 10001 -m 0700 /home/mcp/.google_workspace_mcp \
        /home/mcp/.google_workspace_mcp/credentials
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GOOGLE_MCP_CREDENTIALS_DIR=/home/mcp/.google_workspace_mcp/credentials
USER 10001:10001
WORKDIR /home/mcp
EXPOSE 8000
# Same command and timings as the task definition; ${PORT} only differs when overridden.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -f http://localhost:${PORT:-8000}/health || exit 1"]
# Exec form: the server is PID 1 and receives ECS's SIGTERM itself.
ENTRYPOINT ["workspace-mcp-server"]
