"""The consent page users see before the server sends them to Google, and the headers every OAuth page carries.

The page names the client and, prominently, the host the sign-in will be sent to. Everything
it shows comes from the server itself (the logo is inlined), so a sign-in tells no third party
who is signing in, and the page renders offline. Browsers must not frame it (clickjacking).
"""

from __future__ import annotations

import base64
import html
from functools import lru_cache
from importlib import resources
from string import Template
from urllib.parse import urlsplit

from workspace_mcp_server.auth.redirects import is_loopback_host
from workspace_mcp_server.google import scopes as google_scopes

# No form-action: the form posts to itself and the answer redirects on to Google, then to the
# client (possibly a private-use scheme); Chrome checks form-action on every hop of that chain.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": PAGE_CSP,
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on the form post.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

SCOPE_DESCRIPTIONS = {
    google_scopes.OPENID: "Know who you are (your Google account ID)",
    google_scopes.USERINFO_EMAIL: "See your email address",
    google_scopes.GMAIL_READ: "Read your Gmail messages and settings",
    google_scopes.GMAIL_WRITE: "Read, compose, send and organise your Gmail",
    google_scopes.GMAIL_SETTINGS: "Change your Gmail settings and filters",
    google_scopes.DRIVE_READ: "See and download your Google Drive files",
    google_scopes.DRIVE_WRITE: "See, edit, create and delete your Google Drive files",
    google_scopes.CALENDAR_READ: "See your calendars and events",
    google_scopes.CALENDAR_WRITE: "See, edit, share and delete your calendars and events",
    google_scopes.DOCS_READ: "See your Google Docs documents",
    google_scopes.DOCS_WRITE: "See, edit, create and delete your Google Docs documents",
    google_scopes.SHEETS_READ: "See your Google Sheets spreadsheets",
    google_scopes.SHEETS_WRITE: "See, edit, create and delete your Google Sheets spreadsheets",
    google_scopes.TASKS_READ: "See your tasks",
    google_scopes.TASKS_WRITE: "Create, edit and delete your tasks",
    google_scopes.CONTACTS_READ: "See your contacts",
    google_scopes.CONTACTS_WRITE: "See, edit and delete your contacts",
}


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def logo_data_uri() -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(_asset("logo.svg").encode()).decode()


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template(_asset("consent.html"))


def redirect_host(uri: str) -> tuple[str, str]:
    """What to show as the destination, and what kind of place it is."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https") and is_loopback_host(parts.hostname):
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port}", "an application on this computer"
    if parts.scheme in ("http", "https"):
        return parts.hostname or uri, "a website"
    return f"{parts.scheme}://{parts.netloc}", "an application installed on this computer"


def render_consent(
    *,
    client_id: str,
    client_name: str | None,
    redirect_uri: str,
    scopes: list[str],
    txn_id: str,
    csrf_token: str,
    server_name: str,
) -> str:
    host, kind = redirect_host(redirect_uri)
    name = client_name.strip() if client_name and client_name.strip() else f"An unnamed application ({client_id})"
    items = "".join(
        f"<li>{html.escape(SCOPE_DESCRIPTIONS.get(scope, scope))} <code>{html.escape(scope)}</code></li>"
        for scope in scopes
    )
    values = {
        "client_name": name,
        "client_name_text": name,
        "client_id": client_id,
        "redirect_host": host,
        "redirect_kind": kind,
        "redirect_uri": redirect_uri,
        "server_name": server_name,
        "txn_id": txn_id,
        "csrf_token": csrf_token,
    }
    escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
    return _template().substitute(escaped, scope_items=items, logo_src=logo_data_uri())
