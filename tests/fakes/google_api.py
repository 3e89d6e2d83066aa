"""The Google API stand-in's historical import path; it lives in ``tests.fakes.google`` (one module per service)."""

from __future__ import annotations

from tests.fakes.google import ApiError, Ctx, GoogleApiFake, Recorded, add_message, mime_message, run_google_api

__all__ = ["ApiError", "Ctx", "GoogleApiFake", "Recorded", "add_message", "mime_message", "run_google_api"]
