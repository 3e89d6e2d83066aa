"""Tasks tools: task lists and tasks (list, create, update, complete, move, delete)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastmcp.tools import ToolResult

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import TASKS_READ, TASKS_WRITE
from .common import check_page_size, paged, parse_when, respond
from .registry import read, write

DEFAULT_LIST = "@default"


def _tasks(service: Any) -> Any:
    return service.tasks()


def _due(value: str) -> str:
    """Tasks keep only the date of ``due``; Google wants it as RFC 3339 midnight UTC."""
    when = parse_when("due", value)
    day = when.date() if isinstance(when, datetime) else when
    return f"{day.isoformat()}T00:00:00.000Z"


def _render(task: dict) -> str:
    mark = "x" if task.get("status") == "completed" else " "
    due = f" (due {task['due'][:10]})" if task.get("due") else ""
    parent = f" [subtask of {task['parent']}]" if task.get("parent") else ""
    notes = f"\n    {task['notes']}" if task.get("notes") else ""
    return f"[{mark}] {task.get('title', '')}{due} id={task.get('id')}{parent}{notes}"


def _what(task_list_id: str, task_id: str | None = None) -> str:
    return f"task '{task_id}' in list '{task_list_id}'" if task_id else f"task list '{task_list_id}'"


@read("core", TASKS_READ)
async def list_task_lists(page_size: int = 100, page_token: str | None = None) -> ToolResult:
    """List your task lists."""
    check_page_size(page_size, 100)
    listing = await call("tasks", lambda s: s.tasklists().list(maxResults=page_size, pageToken=page_token))
    return paged(listing, "items", lambda t: f"{t['title']} (id={t['id']})", "No task lists.", name="taskLists")


@read("core", TASKS_READ)
async def list_tasks(
    task_list_id: str = DEFAULT_LIST,
    show_completed: bool = True,
    due_min: str | None = None,
    due_max: str | None = None,
    page_size: int = 100,
    page_token: str | None = None,
) -> ToolResult:
    """List tasks in a list, optionally by due date range (ISO dates)."""
    check_page_size(page_size, 100)
    low, high = (_due(due_min) if due_min else None), (_due(due_max) if due_max else None)
    listing = await call(
        "tasks",
        lambda s: _tasks(s).list(
            tasklist=task_list_id,
            showCompleted=show_completed,
            showHidden=show_completed,
            dueMin=low,
            dueMax=high,
            maxResults=page_size,
            pageToken=page_token,
        ),
        what=_what(task_list_id),
    )
    return paged(listing, "items", _render, "No tasks.", name="tasks")


@read("extended", TASKS_READ)
async def get_task(task_id: str, task_list_id: str = DEFAULT_LIST) -> ToolResult:
    """Get one task."""
    task = await call(
        "tasks", lambda s: _tasks(s).get(tasklist=task_list_id, task=task_id), what=_what(task_list_id, task_id)
    )
    return respond(_render(task), task)


@write("core", TASKS_WRITE)
async def create_task(
    title: str,
    task_list_id: str = DEFAULT_LIST,
    notes: str | None = None,
    due: str | None = None,
    parent: str | None = None,
) -> ToolResult:
    """Create a task (a subtask when parent is given).

    Args:
        due: ISO date, e.g. 2025-03-01.
    """
    body = {k: v for k, v in {"title": title, "notes": notes, "due": _due(due) if due else None}.items() if v}
    task = await call(
        "tasks", lambda s: _tasks(s).insert(tasklist=task_list_id, body=body, parent=parent), what=_what(task_list_id)
    )
    return respond("Created " + _render(task), task)


@write("core", TASKS_WRITE)
async def update_task(
    task_id: str,
    task_list_id: str = DEFAULT_LIST,
    title: str | None = None,
    notes: str | None = None,
    due: str | None = None,
    status: Literal["needsAction", "completed"] | None = None,
) -> ToolResult:
    """Change a task's title, notes, due date or status; other fields stay."""
    body: dict[str, Any] = {
        k: v for k, v in {"title": title, "notes": notes, "status": status}.items() if v is not None
    }
    if due:
        body["due"] = _due(due)
    if not body:
        raise UserError("Nothing to change: give title, notes, due or status")
    task = await call(
        "tasks",
        lambda s: _tasks(s).patch(tasklist=task_list_id, task=task_id, body=body),
        what=_what(task_list_id, task_id),
    )
    return respond("Updated " + _render(task), task)


@write("extended", TASKS_WRITE)
async def complete_task(task_id: str, task_list_id: str = DEFAULT_LIST) -> ToolResult:
    """Mark a task completed."""
    task = await call(
        "tasks",
        lambda s: _tasks(s).patch(tasklist=task_list_id, task=task_id, body={"status": "completed"}),
        what=_what(task_list_id, task_id),
    )
    return respond("Completed " + _render(task), task)


@write("extended", TASKS_WRITE, destructive=True)
async def delete_task(task_id: str, task_list_id: str = DEFAULT_LIST) -> ToolResult:
    """Delete a task."""
    await call(
        "tasks", lambda s: _tasks(s).delete(tasklist=task_list_id, task=task_id), what=_what(task_list_id, task_id)
    )
    return respond(f"Deleted task {task_id}.")


@write("complete", TASKS_WRITE)
async def move_task(
    task_id: str,
    task_list_id: str = DEFAULT_LIST,
    parent: str | None = None,
    previous: str | None = None,
    destination_task_list_id: str | None = None,
) -> ToolResult:
    """Reorder a task: under parent, after previous (none: first), or into another list."""
    task = await call(
        "tasks",
        lambda s: _tasks(s).move(
            tasklist=task_list_id,
            task=task_id,
            parent=parent,
            previous=previous,
            destinationTasklist=destination_task_list_id,
        ),
        what=_what(task_list_id, task_id),
    )
    return respond("Moved " + _render(task), task)


@write("extended", TASKS_WRITE)
async def create_task_list(title: str) -> ToolResult:
    """Create a task list."""
    created = await call("tasks", lambda s: s.tasklists().insert(body={"title": title}))
    return respond(f"Created task list {created['title']} (id={created['id']}).", created)


@write("complete", TASKS_WRITE, destructive=True)
async def delete_task_list(task_list_id: str) -> ToolResult:
    """Delete a task list and all its tasks."""
    await call("tasks", lambda s: s.tasklists().delete(tasklist=task_list_id), what=_what(task_list_id))
    return respond(f"Deleted task list {task_list_id}.")
