"""Contacts tools (People API): search, list, get, create, update, delete, contact groups."""

from __future__ import annotations

import re
from typing import Any

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import CONTACTS_READ, CONTACTS_WRITE
from .common import check_page_size, email_address, paged, respond
from .registry import read, write

PERSON_FIELDS = "names,emailAddresses,phoneNumbers,organizations,biographies,memberships"
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,30}$")


def _people(service: Any) -> Any:
    return service.people()


def _resource(value: str) -> str:
    if not re.fullmatch(r"people/[^/\s]+", value):
        raise UserError(f"resource_name: expected people/<id> (got {value!r})")
    return value


def _render(person: dict) -> str:
    name = (person.get("names") or [{}])[0].get("displayName", "(no name)")
    parts = [f"{name} ({person.get('resourceName')})"]
    emails = [e.get("value") for e in person.get("emailAddresses", [])]
    phones = [p.get("value") for p in person.get("phoneNumbers", [])]
    orgs = [o.get("name") for o in person.get("organizations", []) if o.get("name")]
    for label, values in (("email", emails), ("phone", phones), ("organization", orgs)):
        if values:
            parts.append(f"  {label}: {', '.join(values)}")
    return "\n".join(parts)


def _person_body(
    given_name: str | None,
    family_name: str | None,
    emails: list[str] | None,
    phones: list[str] | None,
    organization: str | None,
    notes: str | None,
) -> dict:
    body: dict[str, Any] = {}
    if given_name is not None or family_name is not None:
        body["names"] = [
            {key: value for key, value in (("givenName", given_name), ("familyName", family_name)) if value is not None}
        ]
    if emails is not None:
        body["emailAddresses"] = [{"value": email_address("emails", e)} for e in emails]
    if phones is not None:
        bad = [p for p in phones if not _PHONE.match(p)]
        if bad:
            raise UserError(f"phones: {bad[0]!r} is not a phone number")
        body["phoneNumbers"] = [{"value": p} for p in phones]
    if organization is not None:
        body["organizations"] = [{"name": organization}]
    if notes is not None:
        body["biographies"] = [{"value": notes, "contentType": "TEXT_PLAIN"}]
    return body


# Fields Google computes from the others: never sent back (a stale copy could override the change).
DERIVED = frozenset(
    {
        "metadata",
        "displayName",
        "displayNameLastFirst",
        "unstructuredName",
        "formattedType",
        "canonicalForm",
        "formattedValue",
        "formattedProtocol",
    }
)
# How a sent entry finds the stored entry it replaces (a contact has one name, organization and note here).
MATCH = {
    "names": lambda entry: "name",
    "emailAddresses": lambda entry: entry.get("value", "").lower(),
    "phoneNumbers": lambda entry: re.sub(r"\D", "", entry.get("value", "")),
    "organizations": lambda entry: "organization",
    "biographies": lambda entry: "note",
}


def _keep_stored(body: dict, current: dict) -> None:
    """updatePersonFields replaces whole fields: each sent entry keeps what the stored entry it replaces had
    (middle name, prefix, suffix, phonetic names, email and phone types, job title), changing only what was given."""
    for field, entries in body.items():
        stored = {MATCH[field](entry): entry for entry in current.get(field, [])}
        body[field] = [
            {**{k: v for k, v in stored.get(MATCH[field](entry), {}).items() if k not in DERIVED}, **entry}
            for entry in entries
        ]


@read("core", CONTACTS_READ)
async def search_contacts(query: str, page_size: int = 10) -> ToolResult:
    """Search your contacts by name, email or phone prefix."""
    check_page_size(page_size, 30)
    result = await call(
        "people", lambda s: _people(s).searchContacts(query=query, pageSize=page_size, readMask=PERSON_FIELDS)
    )
    people = [r["person"] for r in result.get("results", [])]
    return respond("\n".join(_render(p) for p in people) or f"No contacts match {query!r}.", {"contacts": people})


@read("extended", CONTACTS_READ)
async def list_contacts(page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List your contacts, sorted by first name."""
    check_page_size(page_size, 1000)
    listing = await call(
        "people",
        lambda s: (
            _people(s)
            .connections()
            .list(
                resourceName="people/me",
                personFields=PERSON_FIELDS,
                pageSize=page_size,
                pageToken=page_token,
                sortOrder="FIRST_NAME_ASCENDING",
            )
        ),
    )
    return paged(listing, "connections", _render, "No contacts.", name="contacts")


@read("core", CONTACTS_READ)
async def get_contact(resource_name: str) -> ToolResult:
    """Get a contact by resource name (people/...)."""
    name = _resource(resource_name)
    person = await call(
        "people", lambda s: _people(s).get(resourceName=name, personFields=PERSON_FIELDS), what=f"contact '{name}'"
    )
    return respond(_render(person), person)


@write("extended", CONTACTS_WRITE)
async def create_contact(
    given_name: str,
    family_name: str | None = None,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    organization: str | None = None,
    notes: str | None = None,
) -> ToolResult:
    """Create a contact."""
    body = _person_body(given_name, family_name, emails, phones, organization, notes)
    person = await call("people", lambda s: _people(s).createContact(body=body, personFields=PERSON_FIELDS))
    return respond("Created " + _render(person), person)


@write("extended", CONTACTS_WRITE, destructive=True)
async def update_contact(
    resource_name: str,
    given_name: str | None = None,
    family_name: str | None = None,
    emails: list[str] | None = None,
    phones: list[str] | None = None,
    organization: str | None = None,
    notes: str | None = None,
) -> ToolResult:
    """Change a contact; only given fields change (emails/phones replace the lists; kept entries keep their type,
    the name keeps its other parts)."""
    name = _resource(resource_name)
    body = _person_body(given_name, family_name, emails, phones, organization, notes)
    if not body:
        raise UserError("Nothing to change: give at least one field")
    current = await call(
        "people", lambda s: _people(s).get(resourceName=name, personFields=PERSON_FIELDS), what=f"contact '{name}'"
    )
    _keep_stored(body, current)
    mask = ",".join(body)  # body keys are People field names
    body["etag"] = current.get("etag")
    person = await call(
        "people",
        lambda s: _people(s).updateContact(
            resourceName=name, updatePersonFields=mask, personFields=PERSON_FIELDS, body=body
        ),
        what=f"contact '{name}'",
    )
    return respond("Updated " + _render(person), person)


@write("complete", CONTACTS_WRITE, destructive=True)
async def delete_contact(resource_name: str) -> ToolResult:
    """Delete a contact."""
    name = _resource(resource_name)
    await call("people", lambda s: _people(s).deleteContact(resourceName=name), what=f"contact '{name}'")
    return respond(f"Deleted contact {name}.")


@read("extended", CONTACTS_READ)
async def list_contact_groups(page_size: int = 100, page_token: str | None = None) -> ToolResult:
    """List contact groups (labels) with member counts."""
    check_page_size(page_size, 1000)
    listing = await call("people", lambda s: s.contactGroups().list(pageSize=page_size, pageToken=page_token))
    return paged(
        listing,
        "contactGroups",
        lambda g: f"{g.get('formattedName') or g.get('name')} ({g['resourceName']}, {g.get('memberCount', 0)} members)",
        "No contact groups.",
    )
