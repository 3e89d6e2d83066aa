"""Contacts tools (People API): search, list, get, create, update, delete; contact groups and their members."""

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


def _group_name(value: str) -> str:
    if not re.fullmatch(r"contactGroups/[A-Za-z0-9_]+", value):
        raise UserError(f"resource_name: expected contactGroups/<id> from list_contact_groups (got {value!r})")
    return value


def _label(value: str) -> str:
    label = value.strip()
    if not label or len(label) > 200 or not label.isprintable():
        raise UserError(f"name: a group name is 1-200 printable characters (got {value!r})")
    return label


def _members(field: str, names: list[str] | None) -> list[str]:
    bad = [n for n in names or [] if not re.fullmatch(r"people/[A-Za-z0-9_]+", n)]
    if bad:
        raise UserError(f"{field}: expected people/<id> resource names (got {bad[0]!r})")
    return list(dict.fromkeys(names or []))


def _group_line(group: dict) -> str:
    kind = "system" if group.get("groupType") == "SYSTEM_CONTACT_GROUP" else "user"
    return (
        f"{group.get('formattedName') or group.get('name')} ({group['resourceName']}, {kind} group, "
        f"{group.get('memberCount', 0)} members, etag={group.get('etag')})"
    )


@read("extended", CONTACTS_READ)
async def get_contact_group(resource_name: str, max_members: int = 100) -> ToolResult:
    """Get a contact group with its members' resource names (up to max_members, at most 1000)."""
    name = _group_name(resource_name)
    if not 1 <= max_members <= 1000:
        raise UserError(f"max_members: must be between 1 and 1000 (got {max_members})")
    group = await call(
        "people",
        lambda s: s.contactGroups().get(resourceName=name, maxMembers=max_members),
        what=f"contact group '{name}'",
    )
    members = group.get("memberResourceNames", [])
    more = len(members) < group.get("memberCount", 0)
    text = _group_line(group) + ("\nMembers: " + ", ".join(members) if members else "\nNo members.")
    return respond(text + ("\n(more members than max_members)" if more else ""), group)


@write("extended", CONTACTS_WRITE)
async def create_contact_group(name: str) -> ToolResult:
    """Create a contact group (label)."""
    body = {"contactGroup": {"name": _label(name)}}
    group = await call("people", lambda s: s.contactGroups().create(body=body))
    return respond("Created " + _group_line(group), group)


@write("extended", CONTACTS_WRITE)
async def rename_contact_group(resource_name: str, name: str, etag: str | None = None) -> ToolResult:
    """Rename a user contact group. etag (from get_contact_group) makes it fail if the group changed since."""
    group_name, label = _group_name(resource_name), _label(name)
    if etag is None:
        current = await call(
            "people", lambda s: s.contactGroups().get(resourceName=group_name), what=f"contact group '{group_name}'"
        )
        etag = current.get("etag")
    body = {"contactGroup": {"resourceName": group_name, "etag": etag, "name": label}, "updateGroupFields": "name"}
    try:
        group = await call(
            "people",
            lambda s: s.contactGroups().update(resourceName=group_name, body=body),
            what=f"contact group '{group_name}'",
        )
    except UserError as failure:
        if "etag" in str(failure).lower():
            raise UserError(
                f"etag: {group_name} changed since etag {etag!r} was read; get_contact_group gives the current one"
            ) from None
        raise
    return respond("Renamed to " + _group_line(group), group)


@write("complete", CONTACTS_WRITE, destructive=True)
async def delete_contact_group(resource_name: str, delete_contacts: bool = False) -> ToolResult:
    """Delete a user contact group; its contacts stay unless delete_contacts is true."""
    name = _group_name(resource_name)
    await call(
        "people",
        lambda s: s.contactGroups().delete(resourceName=name, deleteContacts=delete_contacts),
        what=f"contact group '{name}'",
    )
    return respond(f"Deleted contact group {name}" + (" and its contacts." if delete_contacts else " (contacts kept)."))


@write("extended", CONTACTS_WRITE)
async def modify_contact_group_members(
    resource_name: str, add: list[str] | None = None, remove: list[str] | None = None
) -> ToolResult:
    """Add and/or remove contacts (people/<id>) in a contact group."""
    name = _group_name(resource_name)
    to_add, to_remove = _members("add", add), _members("remove", remove)
    if not to_add and not to_remove:
        raise UserError("add/remove: give at least one contact")
    if len(to_add) + len(to_remove) > 1000:
        raise UserError("add/remove: at most 1000 contacts per call")
    if set(to_add) & set(to_remove):
        raise UserError(f"add/remove: {sorted(set(to_add) & set(to_remove))[0]} is in both")
    body = {"resourceNamesToAdd": to_add, "resourceNamesToRemove": to_remove}
    result = await call(
        "people",
        lambda s: s.contactGroups().members().modify(resourceName=name, body=body),
        what=f"contact group '{name}'",
    )
    missing = result.get("notFoundResourceNames", [])
    kept = result.get("canNotRemoveLastContactGroupResourceNames", [])
    added = [n for n in to_add if n not in missing]
    removed = [n for n in to_remove if n not in missing and n not in kept]
    lines = [f"Updated {name}: added {len(added)}, removed {len(removed)}."]
    if missing:
        lines.append(f"Not found (skipped): {', '.join(missing)}")
    if kept:
        lines.append(f"Not removed (a contact must stay in at least one group): {', '.join(kept)}")
    return respond("\n".join(lines), {"added": added, "removed": removed, "notFound": missing, "notRemoved": kept})
