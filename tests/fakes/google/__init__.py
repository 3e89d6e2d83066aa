"""A local stand-in for the Google Workspace APIs, stricter than Google itself.

``core`` holds what every service shares (routing and checks against the discovery documents,
scopes, error bodies, the HTTP server); each service's handlers and seed data are a module of
their own, named like the tool modules. Importing this package imports (and so registers) all of them.
"""

from __future__ import annotations

import importlib
import pkgutil

from .core import ApiError, Ctx, GoogleApiFake, Recorded, run_google_api
from .gmail import add_message, mime_message

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")  # each service module registers its handlers

__all__ = ["ApiError", "Ctx", "GoogleApiFake", "Recorded", "add_message", "mime_message", "run_google_api"]
