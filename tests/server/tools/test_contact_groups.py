"""Contact groups (People API contactGroups) through a real server against the stand-in: read with members,
create, rename with etags, member changes, delete (contacts kept unless asked), system groups protected."""

from __future__ import annotations

import copy

import pytest

from tests.server.tools.conftest import call, error, text

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def restored(google_api):
    """Groups and contacts as seeded after each test (the stand-in is shared with the other contact tests)."""
    saved = copy.deepcopy({key: google_api.state[key] for key in ("contact_groups", "people")})
    yield
    google_api.state.update(saved)


async def test_get_a_group_with_its_members(mcp, google_api):
    friends = await call(mcp, "get_contact_group", resource_name="contactGroups/friends")
    assert friends.structured_content["memberResourceNames"] == ["people/c1", "people/c2"]
    assert "Members: people/c1, people/c2" in friends.content[0].text
    assert google_api.calls("people.contactGroups.get")[-1].query["maxMembers"] == ["100"]
    few = await text(mcp, "get_contact_group", resource_name="contactGroups/myContacts", max_members=2)
    assert "system group, 4 members" in few and "people/c3" not in few and "more members than max_members" in few
    assert "Not found: contact group 'contactGroups/nope'" in await error(
        mcp, "get_contact_group", resource_name="contactGroups/nope"
    )
    assert "expected contactGroups/<id>" in await error(mcp, "get_contact_group", resource_name="people/c1")
    assert "max_members" in await error(mcp, "get_contact_group", resource_name="contactGroups/friends", max_members=0)


async def test_create_rename_modify_delete(mcp, google_api):
    created = (await call(mcp, "create_contact_group", name="  Climbing ✓ ")).structured_content
    group = created["resourceName"]
    assert created["name"] == "Climbing ✓" and created["memberCount"] == 0
    assert google_api.calls("people.contactGroups.create")[-1].json() == {"contactGroup": {"name": "Climbing ✓"}}
    assert "409" in await error(mcp, "create_contact_group", name="Friends")  # names are unique

    changed = await call(
        mcp, "modify_contact_group_members", resource_name=group, add=["people/c1", "people/c3", "people/c404"]
    )
    assert changed.structured_content["added"] == ["people/c1", "people/c3"]
    assert (
        changed.structured_content["notFound"] == ["people/c404"] and "Not found (skipped)" in changed.content[0].text
    )
    stored = next(g for g in google_api.state["contact_groups"] if g["resourceName"] == group)
    assert stored["memberResourceNames"] == ["people/c1", "people/c3"]

    renamed = await call(mcp, "rename_contact_group", resource_name=group, name="Bouldering")
    sent = google_api.calls("people.contactGroups.update")[-1].json()
    assert sent == {  # the etag read just before (create and the member change made it g-etag-2)
        "contactGroup": {"resourceName": group, "etag": "g-etag-2", "name": "Bouldering"},
        "updateGroupFields": "name",
    }
    assert renamed.structured_content["name"] == "Bouldering"
    stale = await error(mcp, "rename_contact_group", resource_name=group, name="Again", etag="g-etag-1")
    assert f"etag: {group} changed since" in stale
    assert stored["name"] == "Bouldering"

    await call(mcp, "modify_contact_group_members", resource_name=group, remove=["people/c3"])
    assert stored["memberResourceNames"] == ["people/c1"]
    deleted = await text(mcp, "delete_contact_group", resource_name=group)
    assert "contacts kept" in deleted and "people/c1" in google_api.state["people"]
    assert google_api.calls("people.contactGroups.delete")[-1].query["deleteContacts"] == ["false"]
    assert "Not found" in await error(mcp, "delete_contact_group", resource_name=group)


async def test_delete_with_contacts_removes_them(mcp, google_api):
    group = (await call(mcp, "create_contact_group", name="Temp")).structured_content["resourceName"]
    contact = (await call(mcp, "create_contact", given_name="Zed")).structured_content["resourceName"]
    await call(mcp, "modify_contact_group_members", resource_name=group, add=[contact])
    await call(mcp, "delete_contact_group", resource_name=group, delete_contacts=True)
    assert contact not in google_api.state["people"] and "people/c1" in google_api.state["people"]


async def test_system_groups_are_protected(mcp, google_api):
    renamed = await error(mcp, "rename_contact_group", resource_name="contactGroups/myContacts", name="Mine")
    assert "system contact group" in renamed
    assert "system contact group" in await error(mcp, "delete_contact_group", resource_name="contactGroups/myContacts")
    kept = await call(
        mcp, "modify_contact_group_members", resource_name="contactGroups/myContacts", remove=["people/c3"]
    )
    assert kept.structured_content["notRemoved"] == ["people/c3"] and "must stay" in kept.content[0].text
    names = [g["resourceName"] for g in google_api.state["contact_groups"]]
    assert names == ["contactGroups/myContacts", "contactGroups/friends"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({}, "give at least one contact"),
        ({"add": ["c1"]}, "add: expected people/<id>"),
        ({"remove": ["people/c1/../x"]}, "remove: expected people/<id>"),
        ({"add": ["people/c1"], "remove": ["people/c1"]}, "people/c1 is in both"),
        ({"add": [f"people/c{i}" for i in range(1001)]}, "at most 1000"),
    ],
)
async def test_member_changes_bad_arguments(mcp, google_api, arguments, message):
    before = len(google_api.requests)
    assert message in await error(
        mcp, "modify_contact_group_members", resource_name="contactGroups/friends", **arguments
    )
    assert len(google_api.requests) == before


@pytest.mark.parametrize("name", ["", "   ", "tab\there", "x" * 201])
async def test_bad_group_names(mcp, name):
    assert "name: a group name" in await error(mcp, "create_contact_group", name=name)


async def test_google_errors_and_missing_scope(mcp, google_api):
    google_api.fail("people.contactGroups.create", 400, message="Contact group name is invalid.")
    assert "Contact group name is invalid" in await error(mcp, "create_contact_group", name="Ok")
    google_api.fail(
        "people.contactGroups.members.modify",
        403,
        reason="insufficientPermissions",
        message="Request had insufficient authentication scopes.",
    )
    denied = await error(mcp, "modify_contact_group_members", resource_name="contactGroups/friends", add=["people/c4"])
    assert "Missing OAuth scope" in denied and "contacts" in denied
