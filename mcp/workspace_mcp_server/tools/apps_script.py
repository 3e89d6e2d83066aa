"""Apps Script tools: projects and their files, running functions, versions, deployments, metrics, processes.

The Apps Script API has no way to list projects: they are Drive files of the script type, so listing
goes through Drive.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastmcp.tools import ToolResult
from pydantic import BaseModel

from ..google.client import call
from ..google.errors import UserError
from ..google.scopes import (
    DRIVE_READ,
    SCRIPT_DEPLOYMENTS,
    SCRIPT_DEPLOYMENTS_READ,
    SCRIPT_METRICS,
    SCRIPT_PROCESSES,
    SCRIPT_PROJECTS,
    SCRIPT_PROJECTS_READ,
)
from .common import check_page_size, page_note, paged, respond
from .registry import read, write

SCRIPT_MIME = "application/vnd.google-apps.script"
MANIFEST = "appsscript"
EXTENSIONS = {"SERVER_JS": ".gs", "HTML": ".html", "JSON": ".json"}
MAX_FILES = 1000


class ScriptFile(BaseModel):
    name: str
    type: Literal["SERVER_JS", "HTML", "JSON"]
    source: str


def _what(script_id: str) -> str:
    return f"script project '{script_id}'"


def _project_line(project: dict) -> str:
    parent = f" bound to {project['parentId']}" if project.get("parentId") else ""
    updated = f", updated {project['updateTime']}" if project.get("updateTime") else ""
    return f"{project.get('title', '')} (scriptId={project.get('scriptId')}{parent}{updated})"


def _file_block(file: dict) -> str:
    name = file.get("name", "") + EXTENSIONS.get(file.get("type", ""), "")
    return f"=== {name} ({file.get('type')}) ===\n{file.get('source', '')}"


@read("core", DRIVE_READ)
async def list_script_projects(page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List the Apps Script projects you can see (standalone and bound), newest first."""
    check_page_size(page_size, 1000)
    listing = await call(
        "drive",
        lambda s: s.files().list(
            q=f"mimeType = '{SCRIPT_MIME}' and trashed = false",
            pageSize=page_size,
            pageToken=page_token,
            orderBy="modifiedTime desc",
            fields="nextPageToken, files(id, name, modifiedTime, webViewLink)",
        ),
    )
    return paged(
        listing,
        "files",
        lambda f: f"{f['name']} (scriptId={f['id']}, modified {f.get('modifiedTime', '?')})",
        "No Apps Script projects.",
        name="projects",
    )


@read("core", SCRIPT_PROJECTS_READ)
async def get_script_project(script_id: str) -> ToolResult:
    """Get a project's metadata: title, container it is bound to, creator, times."""
    project = await call("script", lambda s: s.projects().get(scriptId=script_id), what=_what(script_id))
    return respond(_project_line(project), project)


@read("core", SCRIPT_PROJECTS_READ)
async def get_script_content(script_id: str, version_number: int | None = None) -> ToolResult:
    """Read a project's files with their source (the latest saved code, or a version)."""
    content = await call(
        "script",
        lambda s: s.projects().getContent(scriptId=script_id, versionNumber=version_number),
        what=_what(script_id),
    )
    files = content.get("files", [])
    text = "\n\n".join(_file_block(f) for f in files) or "The project has no files."
    return respond(text, {"scriptId": script_id, "files": files})


def _checked_files(files: list[ScriptFile]) -> list[dict]:
    """What Google requires of a whole project: unique names, known types, exactly one JSON manifest."""
    if not files:
        raise UserError("files: give at least the appsscript manifest (name 'appsscript', type JSON)")
    if len(files) > MAX_FILES:
        raise UserError(f"files: at most {MAX_FILES} files (got {len(files)})")
    seen: set[str] = set()
    for file in files:
        name, kind = file.name, file.type
        if not name.strip() or name != name.strip():
            raise UserError(f"files: name {name!r} must be non-empty without surrounding spaces")
        if name.lower().endswith(EXTENSIONS[kind]):
            raise UserError(f"files: name {name!r} must not include the extension; the type {kind} implies it")
        if name in seen:
            raise UserError(f"files: {name!r} appears twice; file names must be unique")
        seen.add(name)
    manifests = [f for f in files if f.type == "JSON"]
    if [f.name for f in manifests] != [MANIFEST]:
        raise UserError(
            "files: a project has exactly one JSON file, the manifest named 'appsscript' "
            f"(got JSON files {[f.name for f in manifests]})"
        )
    try:
        manifest = json.loads(manifests[0].source)
    except ValueError as exc:
        raise UserError(f"files: the appsscript manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise UserError('files: the appsscript manifest must be a JSON object, e.g. {"timeZone": "Etc/UTC"}')
    return [f.model_dump() for f in files]


@write("extended", SCRIPT_PROJECTS, destructive=True)
async def update_script_content(script_id: str, files: list[ScriptFile], keep_unlisted: bool = False) -> ToolResult:
    """Replace a project's files. Overwrites: files not listed are deleted unless keep_unlisted.

    Args:
        files: name without extension; exactly one JSON file, the manifest 'appsscript'.
        keep_unlisted: keep the project's current files whose names are not in files.
    """
    if keep_unlisted:
        current = await call("script", lambda s: s.projects().getContent(scriptId=script_id), what=_what(script_id))
        named = {f.name for f in files}
        kept = [f for f in current.get("files", []) if f.get("name") not in named]
        files = [*(ScriptFile(name=f["name"], type=f["type"], source=f.get("source", "")) for f in kept), *files]
    body = {"scriptId": script_id, "files": _checked_files(files)}
    content = await call(
        "script", lambda s: s.projects().updateContent(scriptId=script_id, body=body), what=_what(script_id)
    )
    names = ", ".join(f["name"] + EXTENSIONS.get(f["type"], "") for f in content.get("files", []))
    return respond(f"Saved {len(content.get('files', []))} files to {script_id}: {names}", content)


@write("extended", SCRIPT_PROJECTS)
async def create_script_project(title: str, parent_id: str | None = None) -> ToolResult:
    """Create a project, standalone or bound to a Doc, Sheet, Form or Slides file (parent_id)."""
    if not title.strip():
        raise UserError("title: must not be empty")
    body = {"title": title, **({"parentId": parent_id} if parent_id else {})}
    project = await call(
        "script",
        lambda s: s.projects().create(body=body),
        what=f"parent file '{parent_id}'" if parent_id else None,
    )
    return respond("Created " + _project_line(project), project)


def _execution_error(function: str, error: dict) -> UserError:
    """Google's Operation.error for a failed run: the script's message, type and stack trace."""
    details = [d for d in error.get("details", []) if isinstance(d, dict)]
    execution = next((d for d in details if "errorMessage" in d or "scriptStackTraceElements" in d), None)
    if execution is None:
        return UserError(f"Running {function} failed: {error.get('message', 'unknown error')}")
    lines = [f"Script error in {function}: {execution.get('errorMessage', '')} ({execution.get('errorType', 'error')})"]
    for frame in execution.get("scriptStackTraceElements", []):
        lines.append(f"  at {frame.get('function', '?')} (line {frame.get('lineNumber', '?')})")
    return UserError("\n".join(lines))


@write("core")
async def run_script_function(
    script_id: str, function: str, parameters: list[Any] | None = None, dev_mode: bool = False
) -> ToolResult:
    """Run a function of a project deployed as an API executable; returns its result.

    Your sign-in must include every scope the script uses, and the project must share the server's
    Google Cloud project.

    Args:
        parameters: JSON values passed as the function's arguments.
        dev_mode: run the latest saved code instead of the deployed version (owners only).
    """
    if not function.strip():
        raise UserError("function: must not be empty")
    body: dict[str, Any] = {"function": function, "devMode": dev_mode}
    if parameters:
        body["parameters"] = parameters
    operation = await call("script", lambda s: s.scripts().run(scriptId=script_id, body=body), what=_what(script_id))
    if operation.get("error"):
        raise _execution_error(function, operation["error"])
    result = (operation.get("response") or {}).get("result")
    shown = json.dumps(result, ensure_ascii=False, indent=1) if result is not None else "(no return value)"
    return respond(f"{function} returned:\n{shown}", {"result": result})


def _deployment_line(deployment: dict) -> str:
    config = deployment.get("deploymentConfig", {})
    version = config.get("versionNumber", "HEAD")
    urls = [e["webApp"]["url"] for e in deployment.get("entryPoints", []) if e.get("webApp", {}).get("url")]
    kinds = ",".join(e.get("entryPointType", "") for e in deployment.get("entryPoints", []))
    extra = f" [{kinds}]" if kinds else ""
    extra += f" {urls[0]}" if urls else ""
    return f"{deployment.get('deploymentId')}: version {version} {config.get('description', '')!r}{extra}"


@read("extended", SCRIPT_DEPLOYMENTS_READ)
async def list_script_deployments(script_id: str, page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List a project's deployments (the head deployment has no version)."""
    check_page_size(page_size, 50)
    listing = await call(
        "script",
        lambda s: s.projects().deployments().list(scriptId=script_id, pageSize=page_size, pageToken=page_token),
        what=_what(script_id),
    )
    return paged(listing, "deployments", _deployment_line, "No deployments.")


@write("extended", SCRIPT_DEPLOYMENTS, SCRIPT_PROJECTS)
async def create_script_deployment(
    script_id: str, description: str = "", version_number: int | None = None
) -> ToolResult:
    """Deploy a version of a project; without version_number a new version of the current code is made."""
    if version_number is None:
        version = await call(
            "script",
            lambda s: s.projects().versions().create(scriptId=script_id, body={"description": description}),
            what=_what(script_id),
        )
        version_number = version["versionNumber"]
    elif version_number < 1:
        raise UserError(f"version_number: must be 1 or more (got {version_number})")
    config = {"scriptId": script_id, "versionNumber": version_number, "manifestFileName": MANIFEST}
    if description:
        config["description"] = description
    deployment = await call(
        "script", lambda s: s.projects().deployments().create(scriptId=script_id, body=config), what=_what(script_id)
    )
    return respond("Deployed " + _deployment_line(deployment), deployment)


@write("complete", SCRIPT_DEPLOYMENTS)
async def update_script_deployment(
    script_id: str, deployment_id: str, version_number: int, description: str | None = None
) -> ToolResult:
    """Point a deployment at another version (and change its description)."""
    if version_number < 1:
        raise UserError(f"version_number: must be 1 or more (got {version_number})")
    config: dict[str, Any] = {"scriptId": script_id, "versionNumber": version_number, "manifestFileName": MANIFEST}
    if description is not None:
        config["description"] = description
    deployment = await call(
        "script",
        lambda s: (
            s.projects()
            .deployments()
            .update(scriptId=script_id, deploymentId=deployment_id, body={"deploymentConfig": config})
        ),
        what=f"deployment '{deployment_id}' of {_what(script_id)}",
    )
    return respond("Updated " + _deployment_line(deployment), deployment)


@write("complete", SCRIPT_DEPLOYMENTS, destructive=True)
async def delete_script_deployment(script_id: str, deployment_id: str) -> ToolResult:
    """Delete a deployment (its web app URL or API endpoint stops working)."""
    await call(
        "script",
        lambda s: s.projects().deployments().delete(scriptId=script_id, deploymentId=deployment_id),
        what=f"deployment '{deployment_id}' of {_what(script_id)}",
    )
    return respond(f"Deleted deployment {deployment_id}.")


@read("extended", SCRIPT_PROJECTS_READ)
async def list_script_versions(script_id: str, page_size: int = 50, page_token: str | None = None) -> ToolResult:
    """List a project's versions (immutable snapshots that deployments point at)."""
    check_page_size(page_size, 50)
    listing = await call(
        "script",
        lambda s: s.projects().versions().list(scriptId=script_id, pageSize=page_size, pageToken=page_token),
        what=_what(script_id),
    )
    return paged(
        listing,
        "versions",
        lambda v: f"version {v.get('versionNumber')}: {v.get('description', '')!r} ({v.get('createTime', '')})",
        "No versions.",
    )


@write("extended", SCRIPT_PROJECTS)
async def create_script_version(script_id: str, description: str = "") -> ToolResult:
    """Snapshot the project's current code as a new version."""
    version = await call(
        "script",
        lambda s: s.projects().versions().create(scriptId=script_id, body={"description": description}),
        what=_what(script_id),
    )
    return respond(f"Created version {version.get('versionNumber')} of {script_id}.", version)


@read("complete", SCRIPT_METRICS)
async def get_script_metrics(
    script_id: str, granularity: Literal["DAILY", "WEEKLY"] = "DAILY", deployment_id: str | None = None
) -> ToolResult:
    """Active users, total and failed executions of a project per day (last 7) or week."""
    metrics = await call(
        "script",
        lambda s: s.projects().getMetrics(
            scriptId=script_id, metricsGranularity=granularity, metricsFilter_deploymentId=deployment_id
        ),
        what=_what(script_id),
    )
    lines = []
    for key, label in (
        ("activeUsers", "active users"),
        ("totalExecutions", "executions"),
        ("failedExecutions", "failed"),
    ):
        values = [f"{v.get('startTime', '')[:10]}: {v.get('value', '0')}" for v in metrics.get(key, [])]
        lines.append(f"{label}: {'; '.join(values) or 'none'}")
    return respond("\n".join(lines), metrics)


@read("extended", SCRIPT_PROCESSES)
async def list_script_processes(
    script_id: str, function: str | None = None, page_size: int = 50, page_token: str | None = None
) -> ToolResult:
    """List a project's recent executions (function, type, status, start, duration), optionally of one function."""
    check_page_size(page_size, 200)
    listing = await call(
        "script",
        lambda s: s.processes().listScriptProcesses(
            scriptId=script_id,
            scriptProcessFilter_functionName=function,
            pageSize=page_size,
            pageToken=page_token,
        ),
        what=_what(script_id),
    )
    processes = listing.get("processes", [])
    text = "\n".join(
        f"{p.get('startTime', '')} {p.get('functionName', '')} {p.get('processType', '')} "
        f"{p.get('processStatus', '')} {p.get('duration', '')}"
        for p in processes
    )
    return respond((text or "No executions.") + page_note(listing.get("nextPageToken")), listing)
