"""The Google services the server covers, each described once.

A service is a tool module (``tools/<name>.py``), a value of ``WORKSPACE_MCP_SERVICES``, a heading in
the tool catalog, the Google API its tools call and the scopes that API takes. Everything else that
lists services (the tool registry, the API client, missing-scope errors, the catalog, the test
stand-ins) is derived from ``SERVICES``: adding a service is one entry here and its tools module.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import scopes as s


@dataclass(frozen=True)
class Service:
    """name: the tools module and the ``WORKSPACE_MCP_SERVICES`` value. title: the catalog heading.
    api, version: the discovery document the tools call (shipped with google-api-python-client).
    scopes: what that API accepts, narrow to broad (a missing-scope error names the narrowest the
    method takes). implies: (broad, narrow) pairs; asking for narrow next to broad is redundant.
    cloud_api: the API to enable in the Google Cloud project (``gcloud services enable``).
    opt_in: served only when ``WORKSPACE_MCP_SERVICES`` names it. For a service whose scopes Google
    grants only where a Workspace administrator has allowed them: Google refuses a whole sign-in that
    asks for such a scope elsewhere, so every other user would lose access if it were asked by default.
    """

    name: str
    title: str
    api: str
    version: str
    scopes: tuple[str, ...] = ()
    implies: tuple[tuple[str, str], ...] = ()
    cloud_api: str = ""
    opt_in: bool = False

    def __post_init__(self) -> None:
        if not self.cloud_api:
            object.__setattr__(self, "cloud_api", f"{self.api}.googleapis.com")


def _read_write(
    name: str, title: str, api: str, version: str, read: str, write: str, *more: str, opt_in: bool = False
) -> Service:
    """The common shape: a read-only scope, a full scope that implies it, and maybe others after them."""
    return Service(name, title, api, version, (read, write, *more), ((write, read),), opt_in=opt_in)


SERVICES: tuple[Service, ...] = (
    _read_write("gmail", "Gmail", "gmail", "v1", s.GMAIL_READ, s.GMAIL_WRITE, s.GMAIL_SETTINGS),
    _read_write("drive", "Drive", "drive", "v3", s.DRIVE_READ, s.DRIVE_WRITE),
    Service(
        "calendar",
        "Calendar",
        "calendar",
        "v3",
        (s.CALENDAR_READ, s.CALENDAR_WRITE),
        ((s.CALENDAR_WRITE, s.CALENDAR_READ),),
        cloud_api="calendar-json.googleapis.com",  # the one API whose Cloud name is not its discovery name
    ),
    _read_write("docs", "Docs", "docs", "v1", s.DOCS_READ, s.DOCS_WRITE),
    _read_write("sheets", "Sheets", "sheets", "v4", s.SHEETS_READ, s.SHEETS_WRITE),
    _read_write("tasks", "Tasks", "tasks", "v1", s.TASKS_READ, s.TASKS_WRITE),
    _read_write("contacts", "Contacts (People API)", "people", "v1", s.CONTACTS_READ, s.CONTACTS_WRITE),
    _read_write("forms", "Forms", "forms", "v1", s.FORMS_BODY_READ, s.FORMS_BODY, s.FORMS_RESPONSES_READ),
    # Reading, posting and reacting are granted one by one; chat.messages (edit, delete) covers all three.
    Service(
        "chat",
        "Chat",
        "chat",
        "v1",
        (s.CHAT_SPACES_READ, s.CHAT_MESSAGES_READ, s.CHAT_MESSAGES_CREATE, s.CHAT_REACTIONS_CREATE, s.CHAT_MESSAGES),
        tuple(
            (s.CHAT_MESSAGES, narrow)
            for narrow in (s.CHAT_MESSAGES_READ, s.CHAT_MESSAGES_CREATE, s.CHAT_REACTIONS_CREATE)
        ),
    ),
    _read_write("slides", "Slides", "slides", "v1", s.SLIDES_READ, s.SLIDES_WRITE),
    Service(
        "apps_script",
        "Apps Script",
        "script",
        "v1",
        (
            s.SCRIPT_PROJECTS_READ,
            s.SCRIPT_PROJECTS,
            s.SCRIPT_DEPLOYMENTS_READ,
            s.SCRIPT_DEPLOYMENTS,
            s.SCRIPT_METRICS,
            s.SCRIPT_PROCESSES,
        ),
        ((s.SCRIPT_PROJECTS, s.SCRIPT_PROJECTS_READ), (s.SCRIPT_DEPLOYMENTS, s.SCRIPT_DEPLOYMENTS_READ)),
    ),
    # No OAuth scopes: the Custom Search JSON API takes the server's API key, never a user's token.
    Service("search", "Programmable Search", "customsearch", "v1"),
    # Google grants the Keep scopes only to Workspace users whose administrator allowed this OAuth
    # client for them (domain-wide delegation); asked anywhere else, the whole sign-in is refused.
    _read_write("keep", "Keep", "keep", "v1", s.KEEP_READ, s.KEEP_WRITE, opt_in=True),
)

BY_NAME = {service.name: service for service in SERVICES}
NAMES = tuple(BY_NAME)
#: What ``WORKSPACE_MCP_SERVICES`` unset serves: every service but the opt-in ones.
DEFAULT_NAMES = tuple(service.name for service in SERVICES if not service.opt_in)
#: Discovery name -> version of every API the tools call.
APIS = {service.api: service.version for service in SERVICES}
#: Discovery name -> the scopes it accepts, narrow to broad.
SCOPES_BY_API = {service.api: service.scopes for service in SERVICES}
_IMPLIED = [pair for service in SERVICES for pair in service.implies]
#: Broad scope -> the narrower scopes it makes redundant.
IMPLIES = {broad: frozenset(narrow for b, narrow in _IMPLIED if b == broad) for broad, _ in _IMPLIED}
