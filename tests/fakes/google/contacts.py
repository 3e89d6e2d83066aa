"""The stand-in's People API: contacts and contact groups."""

from __future__ import annotations

import re

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
            "name": "myContacts",
            "formattedName": "My Contacts",
            "groupType": "SYSTEM_CONTACT_GROUP",
            "memberCount": 4,
        },
        {
            "resourceName": "contactGroups/friends",
            "name": "Friends",
            "formattedName": "Friends",
            "groupType": "USER_CONTACT_GROUP",
            "memberCount": 2,
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


@handles("people.contactGroups.list")
def _people_groups(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(fake.state["contact_groups"], ctx.params, "pageSize", 30)
    return {
        "contactGroups": chunk,
        "totalItems": len(fake.state["contact_groups"]),
        **({"nextPageToken": token} if token else {}),
    }
