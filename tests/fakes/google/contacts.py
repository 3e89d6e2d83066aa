"""The stand-in's People API: contacts and contact groups."""

from __future__ import annotations

import re
from typing import Any

from .core import (
    SEEDERS,
    ApiError,
    Ctx,
    GoogleApiFake,
    check_address,
    get_or_404,
    handles,
    lost_subfields,
    page,
    pop_or_404,
)


def _seed_people(fake: GoogleApiFake) -> None:
    fake.state["people"] = {}
    for index, (given, family, mail) in enumerate(
        [
            ("Ann", "Lee", "ann@example.com"),
            ("Bob", "Stone", "bob@example.com"),
            ("Cara", "Diaz", "cara@example.org"),
            ("Dan", "Lee", "dan@example.net"),
        ]
    ):
        person_id = f"people/c{index + 1}"
        fake.state["people"][person_id] = {
            "resourceName": person_id,
            "etag": "etag-1",
            "names": [{"givenName": given, "familyName": family, "displayName": f"{given} {family}"}],
            "emailAddresses": [{"value": mail}],
            "phoneNumbers": [{"value": f"+49 30 {index}000"}],
        }
    fake.state["people"]["people/c9"] = {
        "resourceName": "people/c9",
        "etag": "etag-1",
        "names": [
            {
                "givenName": "María",
                "middleName": "José",
                "familyName": "García",
                "honorificPrefix": "Dr.",
                "honorificSuffix": "PhD",
                "phoneticGivenName": "Maria",
                "displayName": "Dr. María José García PhD",
                "unstructuredName": "Dr. María José García PhD",
            }
        ],
        "emailAddresses": [
            {"value": "maria@example.es", "type": "work", "formattedType": "Work"},
            {"value": "mj@example.com", "type": "home", "formattedType": "Home"},
        ],
        "phoneNumbers": [{"value": "+34 91 000 0000", "type": "mobile"}],
        "organizations": [{"name": "ACME", "title": "CTO", "department": "R&D"}],
    }
    fake.state["contact_groups"] = [
        {
            "resourceName": "contactGroups/myContacts",
            "etag": "g-etag-1",
            "name": "myContacts",
            "formattedName": "My Contacts",
            "groupType": "SYSTEM_CONTACT_GROUP",
            "memberResourceNames": ["people/c1", "people/c2", "people/c3", "people/c4"],
        },
        {
            "resourceName": "contactGroups/friends",
            "etag": "g-etag-1",
            "name": "Friends",
            "formattedName": "Friends",
            "groupType": "USER_CONTACT_GROUP",
            "memberResourceNames": ["people/c1", "people/c2"],
        },
    ]


SEEDERS.append(_seed_people)


def _person_out(person: dict, fields: str) -> dict:
    wanted = set(fields.split(",")) | {"resourceName", "etag"}
    out = {k: v for k, v in person.items() if k in wanted}
    if "names" in out:
        parts = ("honorificPrefix", "givenName", "middleName", "familyName", "honorificSuffix")
        out["names"] = [{**n, "displayName": " ".join(n[p] for p in parts if n.get(p))} for n in out["names"]]
    return out


@handles("people.people.searchContacts")
def _people_search(fake: GoogleApiFake, ctx: Ctx) -> dict:
    query = ctx.params["query"].lower()
    found = [
        p
        for p in fake.state["people"].values()
        if any(w.startswith(query) for w in _person_out(p, "names")["names"][0]["displayName"].lower().split())
        or any(e["value"].lower().startswith(query) for e in p.get("emailAddresses", []))
    ]
    size = int(ctx.params.get("pageSize") or 10)
    return {"results": [{"person": _person_out(p, ctx.params["readMask"])} for p in found[:size]]}


@handles("people.people.connections.list")
def _people_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if ctx.params["resourceName"] != "people/me":
        raise ApiError(400, "resourceName must be people/me", "badRequest")
    if not ctx.params.get("personFields"):
        raise ApiError(400, "personFields mask is required", "badRequest")
    people = sorted(fake.state["people"].values(), key=lambda p: p["names"][0]["givenName"])
    chunk, token = page(people, ctx.params, "pageSize", 100)
    return {
        "connections": [_person_out(p, ctx.params["personFields"]) for p in chunk],
        "totalPeople": len(people),
        **({"nextPageToken": token} if token else {}),
    }


@handles("people.people.get")
def _people_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    if not ctx.params.get("personFields"):
        raise ApiError(400, "personFields mask is required", "badRequest")
    return _person_out(
        get_or_404(fake.state["people"], ctx.params["resourceName"], "person"), ctx.params["personFields"]
    )


# Computed by Google from the other subfields: a request may leave them out.
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
MATCH = {
    "names": lambda e: "name",
    "emailAddresses": lambda e: e.get("value", "").lower(),
    "phoneNumbers": lambda e: re.sub(r"\D", "", e.get("value", "")),
    "organizations": lambda e: "organization",
    "biographies": lambda e: "note",
}


def _check_emails(fake: GoogleApiFake, ctx: Ctx) -> None:
    for entry in ctx.body.get("emailAddresses", []):
        check_address(fake, ctx.method_id, "emailAddresses[].value", entry.get("value"))


@handles("people.people.createContact")
def _people_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _check_emails(fake, ctx)
    person = {"resourceName": fake.new_id("people/c"), "etag": "etag-1", **ctx.body}
    fake.state["people"][person["resourceName"]] = person
    return _person_out(person, ctx.params.get("personFields") or "names")


@handles("people.people.updateContact")
def _people_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    person = get_or_404(fake.state["people"], ctx.params["resourceName"], "person")
    if ctx.body.get("etag") != person["etag"]:
        raise ApiError(400, "Request person.etag is different than the current person.etag.", "failedPrecondition")
    _check_emails(fake, ctx)
    for field_name in ctx.params["updatePersonFields"].split(","):
        sent = ctx.body.get(field_name, [])
        lost = lost_subfields(person.get(field_name, []), sent, MATCH.get(field_name, lambda e: id(e)), DERIVED)
        if lost:
            fake.data_loss(ctx.method_id, f"updatePersonFields={field_name} erases {lost}")
        person[field_name] = sent
    person["etag"] = f"etag-{int(person['etag'].rsplit('-', 1)[1]) + 1}"
    return _person_out(person, ctx.params.get("personFields") or "names")


@handles("people.people.deleteContact")
def _people_delete(fake: GoogleApiFake, ctx: Ctx) -> dict:
    pop_or_404(fake.state["people"], ctx.params["resourceName"], "person")
    return {}


def _group_out(group: dict, max_members: int = 0) -> dict:
    out = {k: v for k, v in group.items() if k != "memberResourceNames"}
    out["memberCount"] = len(group["memberResourceNames"])
    if max_members and group["memberResourceNames"]:
        out["memberResourceNames"] = group["memberResourceNames"][:max_members]
    return out


@handles("people.contactGroups.list")
def _people_groups(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(fake.state["contact_groups"], ctx.params, "pageSize", 30)
    return {
        "contactGroups": [_group_out(g) for g in chunk],
        "totalItems": len(fake.state["contact_groups"]),
        **({"nextPageToken": token} if token else {}),
    }


GROUP_NAME = re.compile(r"contactGroups/[A-Za-z0-9_]+")
PERSON_NAME = re.compile(r"people/[A-Za-z0-9_]+")
# The system groups whose membership a user changes (the others follow from the contacts themselves).
MEMBER_EDITABLE_SYSTEM = {"contactGroups/myContacts", "contactGroups/starred"}


def _group(fake: GoogleApiFake, name: str) -> dict:
    if not GROUP_NAME.fullmatch(name):
        raise ApiError(400, f"Resource name is not a valid contact group resource name: {name}", "badRequest")
    found = next((g for g in fake.state["contact_groups"] if g["resourceName"] == name), None)
    if found is None:
        raise ApiError(404, "Requested entity was not found.", "notFound")
    return found


def _user_group(fake: GoogleApiFake, name: str, verb: str) -> dict:
    group = _group(fake, name)
    if group["groupType"] != "USER_CONTACT_GROUP":
        raise ApiError(
            400, f"Cannot {verb} a system contact group.", "failedPrecondition", status_name="FAILED_PRECONDITION"
        )
    return group


def _check_group_name(fake: GoogleApiFake, name: Any, own: str = "") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "Contact group name must not be empty.", "invalidArgument")
    if any(g["name"] == name and g["resourceName"] != own for g in fake.state["contact_groups"]):
        raise ApiError(409, "Contact group name already exists.", "alreadyExists", status_name="ALREADY_EXISTS")
    return name


def _next_etag(group: dict) -> None:
    group["etag"] = f"g-etag-{int(group['etag'].rsplit('-', 1)[1]) + 1}"


@handles("people.contactGroups.get")
def _people_group_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return _group_out(_group(fake, ctx.params["resourceName"]), int(ctx.params.get("maxMembers") or 0))


@handles("people.contactGroups.create")
def _people_group_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    sent = ctx.body.get("contactGroup") or {}
    extra = set(sent) - {"name", "clientData"}
    if extra:
        raise ApiError(400, f"contactGroup fields {sorted(extra)} cannot be set on create.", "invalidArgument")
    name = _check_group_name(fake, sent.get("name"))
    group = {
        "resourceName": fake.new_id("contactGroups/g"),
        "etag": "g-etag-1",
        "name": name,
        "formattedName": name,
        "groupType": "USER_CONTACT_GROUP",
        "memberResourceNames": [],
    }
    fake.state["contact_groups"].append(group)
    return _group_out(group)


@handles("people.contactGroups.update")
def _people_group_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    group = _user_group(fake, ctx.params["resourceName"], "update")
    sent = ctx.body.get("contactGroup") or {}
    if sent.get("resourceName") not in (None, group["resourceName"]):
        raise ApiError(400, "contactGroup.resourceName does not match the URL.", "invalidArgument")
    if sent.get("etag") != group["etag"]:
        raise ApiError(
            400,
            "Request contact group etag is different than the current etag. Clear local cache and get the latest.",
            "failedPrecondition",
            status_name="FAILED_PRECONDITION",
        )
    fields = (ctx.body.get("updateGroupFields") or "name").split(",")
    if set(fields) - {"name", "clientData"}:
        raise ApiError(400, f"updateGroupFields: invalid field mask {fields}", "invalidArgument")
    if "name" in fields:
        group["name"] = group["formattedName"] = _check_group_name(fake, sent.get("name"), group["resourceName"])
    _next_etag(group)
    return _group_out(group)


@handles("people.contactGroups.delete")
def _people_group_delete(fake: GoogleApiFake, ctx: Ctx) -> dict:
    group = _user_group(fake, ctx.params["resourceName"], "delete")
    fake.state["contact_groups"].remove(group)
    if ctx.params.get("deleteContacts") == "true":
        for member in group["memberResourceNames"]:
            fake.state["people"].pop(member, None)
            for other in fake.state["contact_groups"]:
                if member in other["memberResourceNames"]:
                    other["memberResourceNames"].remove(member)
    return {}


@handles("people.contactGroups.members.modify")
def _people_group_members(fake: GoogleApiFake, ctx: Ctx) -> dict:
    group = _group(fake, ctx.params["resourceName"])
    if group["groupType"] != "USER_CONTACT_GROUP" and group["resourceName"] not in MEMBER_EDITABLE_SYSTEM:
        raise ApiError(
            400,
            "Cannot modify members of this system contact group.",
            "failedPrecondition",
            status_name="FAILED_PRECONDITION",
        )
    add, remove = ctx.body.get("resourceNamesToAdd") or [], ctx.body.get("resourceNamesToRemove") or []
    if not add and not remove:
        raise ApiError(400, "resourceNamesToAdd or resourceNamesToRemove must be set.", "invalidArgument")
    if len(add) + len(remove) > 1000:
        raise ApiError(400, "At most 1000 resource names per request.", "invalidArgument")
    for name in add + remove:
        if not PERSON_NAME.fullmatch(str(name)):
            raise ApiError(400, f"Resource name is not a valid person resource name: {name}", "invalidArgument")
    missing = [n for n in add + remove if n not in fake.state["people"]]
    last = []
    members = group["memberResourceNames"]
    for name in add:
        if name not in missing and name not in members:
            members.append(name)
    for name in remove:
        if name in missing or name not in members:
            continue
        elsewhere = [g for g in fake.state["contact_groups"] if g is not group and name in g["memberResourceNames"]]
        if group["resourceName"] == "contactGroups/myContacts" and not elsewhere:
            last.append(name)  # a contact must stay in some group
            continue
        members.remove(name)
    _next_etag(group)
    out: dict[str, Any] = {}
    if missing:
        out["notFoundResourceNames"] = missing
    if last:
        out["canNotRemoveLastContactGroupResourceNames"] = last
    return out
