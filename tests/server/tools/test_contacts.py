"""Contacts (People API) tools through a real server over streamable HTTP against the stand-in."""

from __future__ import annotations

import pytest

from tests.server.tools.conftest import call, error, text

pytestmark = pytest.mark.anyio


async def test_search_and_get(mcp, google_api):
    found = await call(mcp, "search_contacts", query="lee")
    assert [p["resourceName"] for p in found.structured_content["contacts"]] == ["people/c1", "people/c4"]
    assert google_api.calls("people.people.searchContacts")[-1].query["readMask"][0].startswith("names,")
    person = await text(mcp, "get_contact", resource_name="people/c1")
    assert "Ann Lee (people/c1)" in person and "ann@example.com" in person
    assert "contact 'people/c404'" in await error(mcp, "get_contact", resource_name="people/c404")
    assert "resource_name: expected people/<id>" in await error(mcp, "get_contact", resource_name="c1")


async def test_list_paging(mcp):
    first = await call(mcp, "list_contacts", page_size=2)
    assert [p["resourceName"] for p in first.structured_content["contacts"]] == ["people/c1", "people/c2"]
    rest = await call(mcp, "list_contacts", page_size=2, page_token=first.structured_content["nextPageToken"])
    assert not {p["resourceName"] for p in first.structured_content["contacts"]} & {
        p["resourceName"] for p in rest.structured_content["contacts"]
    }


async def test_create_update_delete(mcp, google_api):
    created = (
        await call(
            mcp,
            "create_contact",
            given_name="Eve",
            family_name="Moss",
            emails=["eve@example.com"],
            phones=["+1 555 0100"],
            organization="ACME",
            notes="met at conf",
        )
    ).structured_content
    name = created["resourceName"]
    assert google_api.state["people"][name]["organizations"] == [{"name": "ACME"}]
    updated = (
        await call(mcp, "update_contact", resource_name=name, family_name="Stone", emails=["eve@stone.example"])
    ).structured_content
    assert updated["names"][0]["displayName"] == "Eve Stone"
    sent = google_api.calls("people.people.updateContact")[-1]
    assert sent.query["updatePersonFields"] == ["names,emailAddresses"] and sent.json()["etag"] == "etag-1"
    await call(mcp, "delete_contact", resource_name=name)
    assert f"contact '{name}'" in await error(mcp, "delete_contact", resource_name=name)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"emails": ["eve@"]}, "emails: 'eve@' is not a valid email address"),
        ({"phones": ["call me"]}, "phones: 'call me' is not a phone number"),
    ],
)
async def test_create_bad_arguments(mcp, arguments, message):
    assert message in await error(mcp, "create_contact", given_name="Eve", **arguments)


async def test_contact_groups(mcp):
    groups = (await call(mcp, "list_contact_groups")).structured_content["contactGroups"]
    assert [g["resourceName"] for g in groups] == ["contactGroups/myContacts", "contactGroups/friends"]
    paged = await call(mcp, "list_contact_groups", page_size=1)
    assert paged.structured_content["nextPageToken"]


async def test_update_keeps_the_parts_of_a_name_and_entry_types(mcp, google_api):
    updated = (
        await call(
            mcp,
            "update_contact",
            resource_name="people/c9",
            family_name="García López",
            emails=["MARIA@example.es", "Maria <maria@new.example>"],
            organization="ACME Corp",
        )
    ).structured_content
    stored = google_api.state["people"]["people/c9"]
    assert {k: v for k, v in stored["names"][0].items() if k not in ("displayName", "unstructuredName")} == {
        "givenName": "María",
        "middleName": "José",
        "familyName": "García López",
        "honorificPrefix": "Dr.",
        "honorificSuffix": "PhD",
        "phoneticGivenName": "Maria",
    }
    assert updated["names"][0]["displayName"] == "Dr. María José García López PhD"
    assert [(e["value"], e.get("type")) for e in stored["emailAddresses"]] == [
        ("MARIA@example.es", "work"),
        ("maria@new.example", None),
    ]
    assert stored["organizations"] == [{"name": "ACME Corp", "title": "CTO", "department": "R&D"}]
    assert stored["phoneNumbers"] == [{"value": "+34 91 000 0000", "type": "mobile"}]  # not in the mask: untouched


async def test_create_with_display_name_addresses_stores_bare_ones(mcp, google_api):
    created = (
        await call(mcp, "create_contact", given_name="Zoë", emails=["Zoë Ng <zoe@example.com>"])
    ).structured_content
    assert google_api.state["people"][created["resourceName"]]["emailAddresses"] == [{"value": "zoe@example.com"}]
