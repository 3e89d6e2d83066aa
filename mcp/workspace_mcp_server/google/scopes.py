"""OAuth scopes the tools use, narrowest first, and which broader scope implies which narrower one."""

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

# A granted key scope makes asking for the value scope redundant.
IMPLIES = {
    GMAIL_WRITE: GMAIL_READ,
    DRIVE_WRITE: DRIVE_READ,
    CALENDAR_WRITE: CALENDAR_READ,
    DOCS_WRITE: DOCS_READ,
    SHEETS_WRITE: SHEETS_READ,
    TASKS_WRITE: TASKS_READ,
    CONTACTS_WRITE: CONTACTS_READ,
}

# Per API, narrow to broad: a missing-scope error names the first one the method accepts.
BY_API = {
    "gmail": [GMAIL_READ, GMAIL_WRITE, GMAIL_SETTINGS],
    "drive": [DRIVE_READ, DRIVE_WRITE],
    "calendar": [CALENDAR_READ, CALENDAR_WRITE],
    "docs": [DOCS_READ, DOCS_WRITE],
    "sheets": [SHEETS_READ, SHEETS_WRITE],
    "tasks": [TASKS_READ, TASKS_WRITE],
    "people": [CONTACTS_READ, CONTACTS_WRITE],
}
