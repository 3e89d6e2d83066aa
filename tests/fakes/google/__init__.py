"""A local stand-in for the Google Workspace APIs, stricter than Google itself.

``core`` holds what every service shares (routing and checks against the discovery documents,
scopes, error bodies, the HTTP server); each service's handlers and seed data are a module of
their own, named like the tool modules. Importing this package registers all of them.
"""

from __future__ import annotations

from . import calendar, contacts, docs, drive, gmail, sheets, tasks  # noqa: F401  (registers handlers)
from .core import ApiError, Ctx, GoogleApiFake, Recorded, run_google_api
from .gmail import add_message, mime_message

__all__ = ["ApiError", "Ctx", "GoogleApiFake", "Recorded", "add_message", "mime_message", "run_google_api"]
