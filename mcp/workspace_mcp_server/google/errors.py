"""Turn Google API failures into clear tool errors, and decide which ones are worth retrying."""

from __future__ import annotations

import json
import logging
import random

from fastmcp.exceptions import ToolError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Gmail and Drive report per-user rate limits as 403 with these reasons.
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})

MAX_ATTEMPTS = 4
BASE_DELAY = 0.5  # seconds; attempt n waits up to BASE_DELAY * 2**n (full jitter)
MAX_DELAY = 8.0  # no single wait is longer, whatever Retry-After says


class UserError(ToolError):
    """A failure the caller can fix (a bad argument, Google's 4xx answer): logged as a warning, no traceback."""

    def __init__(self, message: str):
        super().__init__(message, log_level=logging.WARNING)


def error_details(status: int, content: bytes | str | None) -> tuple[str, set[str]]:
    """Google's error message and reasons from a JSON error body (tolerates non-JSON bodies)."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else (content or "")
    try:
        error = json.loads(text).get("error", {})
    except (ValueError, AttributeError):
        return (text.strip()[:300] or f"HTTP {status}"), set()
    if not isinstance(error, dict):
        return str(error), set()
    reasons = {e.get("reason", "") for e in error.get("errors", []) if isinstance(e, dict)}
    for detail in error.get("details", []):
        if isinstance(detail, dict) and detail.get("reason"):
            reasons.add(detail["reason"])
    return str(error.get("message") or f"HTTP {status}"), reasons


def is_retryable(status: int, reasons: set[str]) -> bool:
    return status in RETRY_STATUSES or (status == 403 and bool(reasons & RATE_LIMIT_REASONS))


def backoff_delay(attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): Retry-After if given, else full jitter."""
    if retry_after is not None:
        try:
            return min(MAX_DELAY, max(0.0, float(retry_after)))
        except ValueError:
            pass
    return random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))


def tool_error(
    status: int,
    message: str,
    reasons: set[str],
    *,
    method_id: str,
    what: str | None,
    scope: str | None,
    attempts: int = 1,
    denied_hint: str = "",
) -> ToolError:
    """The ToolError a user sees for a Google API failure (a UserError unless Google itself failed).
    ``denied_hint`` ends a permission refusal: why the API may refuse this caller, what to do."""
    target = what or "the requested item"
    if "chat app not found" in message.lower():  # Chat's answer (404) when the Cloud project has no Chat app
        return UserError(
            "Google Chat API: the server's Google Cloud project has no Chat app configured; an administrator must "
            f"configure one (Chat API > Configuration), even for calls made as you. Google said: {message}"
        )
    if status == 404:
        return UserError(f"Not found: {target} does not exist or is not visible to you.")
    if status == 403 and (reasons & SCOPE_REASONS or "scope" in message.lower()):
        needed = f"the {scope} scope" if scope else "a broader scope"
        return UserError(f"Missing OAuth scope: {method_id} needs {needed}; sign in again and grant it.")
    if status == 401:
        return UserError("Google rejected your credentials (401); sign in again.")
    if is_retryable(status, reasons):
        return ToolError(
            f"Google API unavailable ({status}) for {method_id} after {attempts} attempts; try again later. "
            f"Google said: {message}"
        )
    if status == 403:
        return UserError(f"Permission denied on {target}: {message}{denied_hint}")
    if status == 400:
        return UserError(f"Google rejected the request ({method_id}): {message}")
    if 400 <= status < 500:
        return UserError(f"Google API error {status} ({method_id}): {message}")
    return ToolError(f"Google API error {status} ({method_id}): {message}")


def narrowest_scope(method_scopes: list[str], preferred: list[str]) -> str | None:
    """The first of ``preferred`` (ordered narrow to broad) that the method accepts, else its first scope."""
    for scope in preferred:
        if scope in method_scopes:
            return scope
    return method_scopes[0] if method_scopes else None
