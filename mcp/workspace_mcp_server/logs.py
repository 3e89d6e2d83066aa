"""JSON logs, one object per line on stdout (CloudWatch-friendly); tokens are scrubbed.

A request id and the user are carried in context variables set by the HTTP middleware,
so every line logged while serving a request carries them.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import re
import sys
import time

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
user_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("user", default=None)

# Belt and braces: nothing should log a token, but if a library does, it is masked here.
_SECRET_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (
        re.compile(
            r"(?i)((?:access_token|refresh_token|id_token|client_secret|code|code_verifier|token)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,}]{12,}"
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"ya29\.[A-Za-z0-9._-]+"), "[redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "[redacted-jwt]"),
]
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def scrub(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        if (request_id := request_id_var.get()) is not None:
            entry["request_id"] = request_id
        if (user := user_var.get()) is not None:
            entry["user"] = user
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure_logging(level: str, stream=None) -> None:
    """Route every logger (ours, FastMCP's, uvicorn's) through one JSON handler (stdout by default)."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("fastmcp", "mcp", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx2", "botocore"):
        lib = logging.getLogger(name)
        lib.handlers[:] = []
        lib.propagate = True
    # Libraries are chatty at INFO; ours stay at the configured level.
    for name in ("httpx2", "httpcore2", "botocore", "boto3", "urllib3", "mcp", "fastmcp", "sse_starlette"):
        logging.getLogger(name).setLevel(max(logging.getLevelName(level), logging.WARNING))


def user_label(sub: str | None, email: str | None, mode: str) -> str | None:
    """The user as logs show it: email, or a stable hash that cannot be reversed to the email."""
    if mode == "email" and email:
        return email
    ident = sub or email
    if not ident:
        return None
    return "u-" + hashlib.sha256(ident.encode()).hexdigest()[:16]
