"""Entry point: ``workspace-mcp-server`` and ``python -m workspace_mcp_server``.

Configuration is validated before anything else; an invalid value stops the process with one
line naming the variable and exit code 2, before a port is bound.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import os
import sys

EXIT_CONFIG = 2


def _listen_host(single_user: bool) -> str:
    # Single-user mode has no authentication: by default only this machine may connect.
    default = "127.0.0.1" if single_user else "0.0.0.0"
    host = os.environ.get("WORKSPACE_MCP_HOST", "").strip() or default
    try:
        ipaddress.ip_address(host)
    except ValueError:
        from workspace_mcp_server.config import ConfigError

        raise ConfigError(f"WORKSPACE_MCP_HOST: must be an IP address to listen on (got {host!r})") from None
    return host


def main() -> int:
    from workspace_mcp_server.config import ConfigError, Settings

    try:
        settings = Settings.from_env()
        host = _listen_host(settings.single_user)
    except ConfigError as exc:
        print(f"workspace-mcp-server: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG

    from workspace_mcp_server.logs import configure_logging

    # stdio speaks MCP on stdout, so logs go to stderr there.
    configure_logging(settings.log_level, stream=sys.stderr if settings.transport == "stdio" else sys.stdout)
    log = logging.getLogger("workspace_mcp_server")

    if settings.transport == "stdio":
        from workspace_mcp_server.app import build_mcp, open_store

        mcp = build_mcp(settings, open_store(settings))
        gc.freeze()
        mcp.run(transport="stdio", show_banner=False)
        return 0

    import uvicorn

    from workspace_mcp_server.app import build_app

    app = build_app(settings)
    # The start-up heap (modules, tool schemas) never dies: keep it out of every later collection,
    # which otherwise makes each full collection a p99 spike on tools/list.
    gc.freeze()
    if settings.single_user and not ipaddress.ip_address(host).is_loopback:
        log.warning(
            "single-user mode has no authentication and listens on %s: anyone who reaches it acts as the stored user",
            host,
            extra={"event": "unauthenticated_listener"},
        )
    log.info(
        "starting on %s:%d, public URL %s",
        host,
        settings.port,
        settings.public_url,
        extra={
            "event": "start",
            "mode": "oauth21" if settings.oauth21 else "single-user",
            "token_store": settings.token_store,
        },
    )
    from workspace_mcp_server.http.shutdown import serve

    config = uvicorn.Config(
        app,
        host=host,
        port=settings.port,
        log_config=None,  # keep our JSON handler
        access_log=False,  # our request log omits query strings (OAuth codes)
        # X-Forwarded-For is read by our ClientAddressMiddleware, from trusted proxies only.
        proxy_headers=False,
        # SIGKILL follows SIGTERM after the stop timeout: in-flight requests get all of it but the margin.
        timeout_graceful_shutdown=settings.http.drain_seconds,
        server_header=False,
    )
    serve(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
