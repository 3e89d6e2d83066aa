"""The stand-in's Tasks: task lists and tasks."""

from __future__ import annotations

import re

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles, page, pop_or_404


def _seed_tasks(fake: GoogleApiFake) -> None:
    fake.state["tasklists"] = {"list1": {"id": "list1", "title": "My Tasks"}, "list2": {"id": "list2", "title": "Work"}}
    fake.state["tasks"] = {"list1": {}, "list2": {}}
    for index in range(1, 6):
        fake.state["tasks"]["list1"][f"task{index}"] = {
            "id": f"task{index}",
            "title": f"Task {index}",
            "status": "needsAction",
            "due": f"2025-03-{index:02d}T00:00:00.000Z",
            "position": f"{index:020d}",
        }
    fake.state["tasks"]["list1"]["task5"]["status"] = "completed"


SEEDERS.append(_seed_tasks)


def _tasklist(fake: GoogleApiFake, list_id: str) -> dict:
    return get_or_404(fake.state["tasks"], "list1" if list_id == "@default" else list_id, "task list")


@handles("tasks.tasklists.list")
def _tasklists(fake: GoogleApiFake, ctx: Ctx) -> dict:
    chunk, token = page(list(fake.state["tasklists"].values()), ctx.params, "maxResults", 20)
    return {"items": chunk, **({"nextPageToken": token} if token else {})}


@handles("tasks.tasklists.insert")
def _tasklist_insert(fake: GoogleApiFake, ctx: Ctx) -> dict:
    created = {"id": fake.new_id("list"), "title": ctx.body["title"]}
    fake.state["tasklists"][created["id"]] = created
    fake.state["tasks"][created["id"]] = {}
    return created


@handles("tasks.tasklists.delete")
def _tasklist_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(fake.state["tasklists"], ctx.params["tasklist"], "task list")
    del fake.state["tasks"][ctx.params["tasklist"]]


@handles("tasks.tasks.list")
def _tasks_list(fake: GoogleApiFake, ctx: Ctx) -> dict:
    items = sorted(_tasklist(fake, ctx.params["tasklist"]).values(), key=lambda t: (t.get("parent", ""), t["position"]))
    if ctx.params.get("showCompleted") == "false":
        items = [t for t in items if t["status"] != "completed"]
    if ctx.params.get("dueMin"):
        items = [t for t in items if t.get("due", "") >= ctx.params["dueMin"]]
    if ctx.params.get("dueMax"):
        items = [t for t in items if t.get("due", "9") < ctx.params["dueMax"]]
    chunk, token = page(items, ctx.params, "maxResults", 20)
    return {"items": chunk, **({"nextPageToken": token} if token else {})}


@handles("tasks.tasks.get")
def _task_get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return get_or_404(_tasklist(fake, ctx.params["tasklist"]), ctx.params["task"], "task")


def _check_due(task: dict) -> None:
    if "due" in task and not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", task["due"]):
        raise ApiError(400, f"Invalid value for due: {task['due']}", "invalid")


@handles("tasks.tasks.insert")
def _task_insert(fake: GoogleApiFake, ctx: Ctx) -> dict:
    tasks = _tasklist(fake, ctx.params["tasklist"])
    task = {"id": fake.new_id("task"), "status": "needsAction", "position": "0" * 20, **ctx.body}
    _check_due(task)
    if ctx.params.get("parent"):
        get_or_404(tasks, ctx.params["parent"], "task")
        task["parent"] = ctx.params["parent"]
    tasks[task["id"]] = task
    return task


@handles("tasks.tasks.patch")
def _task_patch(fake: GoogleApiFake, ctx: Ctx) -> dict:
    task = get_or_404(_tasklist(fake, ctx.params["tasklist"]), ctx.params["task"], "task")
    task.update(ctx.body)
    _check_due(task)
    if task.get("status") == "completed":
        task.setdefault("completed", "2025-03-15T12:00:00.000Z")
    else:
        task.pop("completed", None)
    return task


@handles("tasks.tasks.delete")
def _task_delete(fake: GoogleApiFake, ctx: Ctx) -> None:
    pop_or_404(_tasklist(fake, ctx.params["tasklist"]), ctx.params["task"], "task")


@handles("tasks.tasks.move")
def _task_move(fake: GoogleApiFake, ctx: Ctx) -> dict:
    tasks = _tasklist(fake, ctx.params["tasklist"])
    task = get_or_404(tasks, ctx.params["task"], "task")
    if ctx.params.get("destinationTasklist"):
        target = _tasklist(fake, ctx.params["destinationTasklist"])
        del tasks[task["id"]]
        target[task["id"]] = task
        tasks = target
    for key in ("parent", "previous"):
        if ctx.params.get(key):
            get_or_404(tasks, ctx.params[key], "task")
    task.pop("parent", None)
    if ctx.params.get("parent"):
        task["parent"] = ctx.params["parent"]
    previous = tasks.get(ctx.params.get("previous") or "", {})
    task["position"] = previous.get("position", "0" * 20) + "5"
    return task
