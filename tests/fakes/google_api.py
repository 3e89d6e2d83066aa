"""The Google API stand-in's historical import path; it lives in ``tests.fakes.google`` (one module per service)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tests.fakes.google import ApiError, Ctx, GoogleApiFake, Recorded, add_message, mime_message, run_google_api
from tests.fakes.google_oauth import GoogleOAuthStandIn


@contextlib.contextmanager
def run_linked_google_api(google_oauth: GoogleOAuthStandIn) -> Iterator[GoogleApiFake]:
    """A fresh API stand-in that accepts every access token ``google_oauth`` issues, with its scopes, until
    it expires or is revoked (as Google would: then 401)."""
    with run_google_api() as fake:
        google_oauth.on_issue = lambda token, grant: fake.add_token(token, grant.scope.split())
        fake.token_is_live = lambda token: google_oauth.live_grant(token) is not None
        try:
            yield fake
        finally:
            google_oauth.on_issue = None


__all__ = [
    "ApiError",
    "Ctx",
    "GoogleApiFake",
    "Recorded",
    "add_message",
    "mime_message",
    "run_google_api",
    "run_linked_google_api",
]
