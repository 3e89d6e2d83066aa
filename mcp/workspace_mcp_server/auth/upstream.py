"""Google's token endpoint busy or unreachable: a retryable error, never a lost sign-in.

FastMCP treats any failed refresh of a user's Google token as an invalid token (401: the client
signs in again). Only Google's ``invalid_grant`` means that; a 429, a 5xx, a body that is not a
token answer or a connection failure means "try again later". Those become
:class:`GoogleUnavailableError`, which the outermost middleware answers with 503
``temporarily_unavailable`` and ``Retry-After`` (Google's when it sent one): the client keeps its
tokens and retries.
"""

from __future__ import annotations

import logging
import math
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
from fastmcp.server.auth.auth import TokenVerificationError
from fastmcp.server.auth.oauth_proxy.upstream import AsyncOAuth2Client

log = logging.getLogger("workspace_mcp_server.auth")

DEFAULT_RETRY_AFTER = 5  # seconds, when Google did not say
MAX_RETRY_AFTER = 3600


class GoogleUnavailableError(TokenVerificationError):
    """Google's token endpoint could not answer now; ``retry_after`` in whole seconds."""

    def __init__(self, cause: str, retry_after: int = DEFAULT_RETRY_AFTER):
        super().__init__(f"Google's token endpoint is unavailable ({cause})")
        self.cause = cause
        self.retry_after = retry_after


def retry_after_seconds(value: str | None) -> int:
    """Retry-After (delta-seconds or an HTTP date, RFC 9110 §10.2.3) as whole seconds, within bounds."""
    seconds: float | None = None
    if value:
        value = value.strip()
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                seconds = None
    if seconds is None:
        return DEFAULT_RETRY_AFTER
    return min(max(1, math.ceil(seconds)), MAX_RETRY_AFTER)


async def _refuse_busy(response: httpx2.Response) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        log.warning(
            "Google's token endpoint answered %d; the caller is told to retry in %d s",
            response.status_code,
            retry_after,
            extra={"event": "google_token_endpoint_unavailable", "status": response.status_code},
        )
        raise GoogleUnavailableError(f"HTTP {response.status_code}", retry_after)


class TokenEndpointClient(AsyncOAuth2Client):
    """FastMCP's upstream token client, telling "Google is busy" apart from "the grant is invalid"."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._client.event_hooks["response"].append(_refuse_busy)

    async def _request_token(self, url: str, data: dict[str, Any]) -> dict[str, Any]:
        try:
            return await super()._request_token(url, data)
        except httpx2.TransportError as exc:
            log.warning(
                "Google's token endpoint could not be reached: %s",
                type(exc).__name__,
                extra={"event": "google_token_endpoint_unavailable", "status": 0},
            )
            raise GoogleUnavailableError(type(exc).__name__) from exc
        except ValueError as exc:  # not JSON: a gateway's page, not a token answer
            log.warning(
                "Google's token endpoint answered with something that is not a token response",
                extra={"event": "google_token_endpoint_unavailable", "status": -1},
            )
            raise GoogleUnavailableError("unreadable answer") from exc
