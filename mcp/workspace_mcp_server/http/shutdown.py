"""Stopping within the task's stop timeout: SIGKILL follows SIGTERM after ``stopTimeout`` seconds.

After SIGTERM the server takes no new connections and gives calls in flight the drain budget
(the stop timeout minus a margin) to finish and be answered. A Google request takes time, so one
is not *started* in the last ``START_RESERVE_SECONDS`` of the budget: a tool that reaches its next
Google request that late ends with a clear error instead, before that request (a write, say) is
sent, rather than being killed half way with its client seeing a broken connection.
"""

from __future__ import annotations

import logging
import time

from fastmcp.exceptions import ToolError

log = logging.getLogger("workspace_mcp_server")
# Time kept free for a Google request started just before the cut-off to come back.
START_RESERVE_SECONDS = 5

_last_start: float | None = None  # monotonic time after which no Google request starts


def begin(drain_seconds: float) -> None:
    global _last_start
    if _last_start is None:
        _last_start = time.monotonic() + max(0.0, drain_seconds - START_RESERVE_SECONDS)
        log.info(
            "stopping: calls in flight have %.0f s to finish",
            drain_seconds,
            extra={"event": "shutdown", "drain_seconds": drain_seconds},
        )


def check_may_start(what: str) -> None:
    """Raises a ToolError once Google requests may no longer start (the process is about to stop)."""
    if _last_start is not None and time.monotonic() >= _last_start:
        log.warning("not starting %s: the server is stopping", what, extra={"event": "shutdown_refused", "what": what})
        raise ToolError(
            f"The server is restarting, so the next Google request of this call ({what}) was not sent; "
            "nothing after that point was changed. Call the tool again."
        )


def serve(config) -> None:
    """Run uvicorn (``config``: a ``uvicorn.Config``), telling :func:`begin` when the stop signal arrives."""
    import uvicorn

    class DrainingServer(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            begin(self.config.timeout_graceful_shutdown or 0)
            super().handle_exit(sig, frame)

    DrainingServer(config).run()
