"""Tasks tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import pytest

from tests.server.tools.conftest import call, error, text

pytestmark = pytest.mark.anyio


async def test_task_lists_paging(mcp):
    first = await call(mcp, "list_task_lists", page_size=1)
    assert [t["id"] for t in first.structured_content["taskLists"]] == ["list1"]
    rest = await call(mcp, "list_task_lists", page_size=1, page_token=first.structured_content["nextPageToken"])
    assert rest.structured_content["taskLists"][0]["id"] != "list1"


async def test_list_tasks_paging_and_due_range(mcp, google_api):
    first = await call(mcp, "list_tasks", page_size=2)
    assert [t["id"] for t in first.structured_content["tasks"]] == ["task1", "task2"]
    rest = await call(mcp, "list_tasks", page_size=2, page_token=first.structured_content["nextPageToken"])
    assert [t["id"] for t in rest.structured_content["tasks"]][0] == "task3"
    ranged = await call(
        mcp, "list_tasks", due_min="2025-03-02", due_max="2025-03-04T18:00:00+02:00", show_completed=False
    )
    sent = google_api.calls("tasks.tasks.list")[-1].query
    assert sent["dueMin"] == ["2025-03-02T00:00:00.000Z"] and sent["dueMax"] == ["2025-03-04T00:00:00.000Z"]
    assert [t["id"] for t in ranged.structured_content["tasks"]] == ["task2", "task3"]
    assert "due: 'tomorrow' is not an ISO 8601" in await error(mcp, "list_tasks", due_min="tomorrow")


async def test_create_update_complete_move_delete(mcp, google_api):
    created = (await call(mcp, "create_task", title="Write report", notes="draft", due="2025-04-01")).structured_content
    assert created["due"] == "2025-04-01T00:00:00.000Z"
    sub = (await call(mcp, "create_task", title="Outline", parent=created["id"])).structured_content
    assert sub["parent"] == created["id"]
    updated = (await call(mcp, "update_task", task_id=created["id"], title="Write the report")).structured_content
    assert updated["title"] == "Write the report" and updated["notes"] == "draft"
    assert "[x]" in await text(mcp, "complete_task", task_id=created["id"])
    assert google_api.state["tasks"]["list1"][created["id"]]["status"] == "completed"
    await call(mcp, "move_task", task_id=sub["id"], previous="task1")
    assert "parent" not in google_api.state["tasks"]["list1"][sub["id"]]
    await call(mcp, "move_task", task_id=sub["id"], destination_task_list_id="list2")
    assert sub["id"] in google_api.state["tasks"]["list2"]
    fetched = await call(mcp, "get_task", task_id=sub["id"], task_list_id="list2")
    assert fetched.structured_content["title"] == "Outline"
    await call(mcp, "delete_task", task_id=sub["id"], task_list_id="list2")
    assert f"task '{sub['id']}' in list 'list2'" in await error(
        mcp, "get_task", task_id=sub["id"], task_list_id="list2"
    )
    assert "Nothing to change" in await error(mcp, "update_task", task_id=created["id"])
    assert "due: '04/01/2025' is not an ISO 8601" in await error(mcp, "create_task", title="x", due="04/01/2025")


async def test_task_list_lifecycle(mcp, google_api):
    created = (await call(mcp, "create_task_list", title="Groceries")).structured_content
    await call(mcp, "create_task", title="Milk", task_list_id=created["id"])
    await call(mcp, "delete_task_list", task_list_id=created["id"])
    assert created["id"] not in google_api.state["tasklists"]
    assert f"task list '{created['id']}'" in await error(mcp, "list_tasks", task_list_id=created["id"])
