"""OAuth scopes the tools use (which API takes which, and what implies what: ``services.py``)."""

from __future__ import annotations

_BASE = "https://www.googleapis.com/auth/"

OPENID = "openid"
USERINFO_EMAIL = _BASE + "userinfo.email"

GMAIL_READ = _BASE + "gmail.readonly"
GMAIL_WRITE = _BASE + "gmail.modify"
GMAIL_SETTINGS = _BASE + "gmail.settings.basic"
DRIVE_READ = _BASE + "drive.readonly"
DRIVE_WRITE = _BASE + "drive"
CALENDAR_READ = _BASE + "calendar.readonly"
CALENDAR_WRITE = _BASE + "calendar"
DOCS_READ = _BASE + "documents.readonly"
DOCS_WRITE = _BASE + "documents"
SHEETS_READ = _BASE + "spreadsheets.readonly"
SHEETS_WRITE = _BASE + "spreadsheets"
TASKS_READ = _BASE + "tasks.readonly"
TASKS_WRITE = _BASE + "tasks"
CONTACTS_READ = _BASE + "contacts.readonly"
CONTACTS_WRITE = _BASE + "contacts"
SLIDES_READ = _BASE + "presentations.readonly"
SLIDES_WRITE = _BASE + "presentations"
