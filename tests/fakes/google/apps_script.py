"""The stand-in's Apps Script: projects (Drive files of the script type), content, versions, deployments,
runs of a few known functions, processes and metrics.

Strict where Google is: a project's content is exactly one JSON manifest named ``appsscript`` plus
SERVER_JS/HTML files with unique names; a run of a function the code does not define, or one that
throws, answers Google's Operation error (ExecutionError with the script's stack trace).
"""

from __future__ import annotations

import copy
import json
import re

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, get_or_404, handles, not_found, page
from .drive import add_file

SCRIPT_MIME = "application/vnd.google-apps.script"
TYPES = ("SERVER_JS", "HTML", "JSON")
CODE = """function addNumbers(a, b) {
  return a + b;
}

function greet(name) {
  return 'Hello, ' + name;
}

function fail() {
  helper();
}

function helper() {
  throw new Error('Boom');
}
"""
MANIFEST = {"timeZone": "Etc/UTC", "runtimeVersion": "V8", "executionApi": {"access": "MYSELF"}}
_FUNCTION = re.compile(r"^function\s+([A-Za-z_$][\w$]*)\s*\(", re.M)


def _file(name: str, kind: str, source: str) -> dict:
    return {"name": name, "type": kind, "source": source, "updateTime": "2025-03-01T10:00:00Z"}


def add_script(fake: GoogleApiFake, script_id: str, title: str, files: list[dict], parent: str | None = None) -> dict:
    project = {
        "scriptId": script_id,
        "title": title,
        "createTime": "2025-03-01T10:00:00Z",
        "updateTime": "2025-03-01T10:00:00Z",
        "creator": {"email": "me@example.com", "name": "Me"},
    }
    if parent:
        project["parentId"] = parent
    fake.state["scripts"][script_id] = {
        "project": project,
        "files": files,
        "versions": [],
        "deployments": {
            script_id + "-head": {"deploymentId": script_id + "-head", "deploymentConfig": {"scriptId": script_id}}
        },
        "processes": [],
    }
    add_file(fake, script_id, title, SCRIPT_MIME)
    return project


def _seed_scripts(fake: GoogleApiFake) -> None:
    fake.state["scripts"] = {}
    files = [_file("appsscript", "JSON", json.dumps(MANIFEST)), _file("Code", "SERVER_JS", CODE)]
    files.append(_file("Page", "HTML", "<p>Hi</p>"))
    add_script(fake, "script1", "Invoice automation", files)
    script = fake.state["scripts"]["script1"]
    for number in (1, 2):
        script["versions"].append(
            {
                "scriptId": "script1",
                "versionNumber": number,
                "description": f"release {number}",
                "createTime": f"2025-03-0{number}T10:00:00Z",
                "files": copy.deepcopy(files),
            }
        )
    _deploy(fake, "script1", {"scriptId": "script1", "versionNumber": 1, "description": "API"}, "dep-api")
    for index in range(3):
        script["processes"].append(_process("script1", "greet", "COMPLETED", index))
    add_script(
        fake, "script2", "Budget helpers", [_file("appsscript", "JSON", '{"timeZone": "Etc/UTC"}')], parent="sheet1"
    )


SEEDERS.append(_seed_scripts)


def _process(script_id: str, function: str, status: str, index: int) -> dict:
    return {
        "projectName": script_id,
        "functionName": function,
        "processType": "EXECUTION_API",
        "processStatus": status,
        "userAccessLevel": "OWNER",
        "startTime": f"2025-03-10T10:{index % 60:02d}:00Z",
        "duration": "0.4s",
    }


def _script(fake: GoogleApiFake, script_id: str) -> dict:
    return get_or_404(fake.state["scripts"], script_id, "script")


def _listing(items: list, params: dict, key: str) -> dict:
    chunk, token = page(items, params, "pageSize", 50)
    return {key: chunk, **({"nextPageToken": token} if token else {})}


@handles("script.projects.get")
def _get(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return _script(fake, ctx.params["scriptId"])["project"]


@handles("script.projects.create")
def _create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    title = ctx.body.get("title")
    if not title:
        raise ApiError(400, "Invalid argument: title", "badRequest")
    parent = ctx.body.get("parentId")
    if parent and parent not in fake.state["files"]:
        raise not_found("file", parent)
    manifest = _file("appsscript", "JSON", json.dumps({"timeZone": "Etc/UTC", "runtimeVersion": "V8"}))
    return add_script(fake, fake.new_id("script"), title, [manifest], parent)


@handles("script.projects.getContent")
def _content(fake: GoogleApiFake, ctx: Ctx) -> dict:
    script = _script(fake, ctx.params["scriptId"])
    files = script["files"]
    if ctx.params.get("versionNumber"):
        number = int(ctx.params["versionNumber"])
        version = next((v for v in script["versions"] if v["versionNumber"] == number), None)
        if version is None:
            raise not_found("version", str(number))
        files = version["files"]
    return {"scriptId": ctx.params["scriptId"], "files": files}


@handles("script.projects.updateContent")
def _update_content(fake: GoogleApiFake, ctx: Ctx) -> dict:
    script = _script(fake, ctx.params["scriptId"])
    body = ctx.body
    if body.get("scriptId") not in (None, ctx.params["scriptId"]):
        raise fake.refuse(ctx.method_id, f"body scriptId {body['scriptId']!r} differs from the path's")
    files = body.get("files") or []
    names = [f.get("name") for f in files]
    problems = [f"file {f.get('name')!r} has type {f.get('type')!r}" for f in files if f.get("type") not in TYPES]
    problems += [f"file {f.get('name')!r} has no source" for f in files if not isinstance(f.get("source"), str)]
    problems += [f"file name {n!r} is empty or repeated" for n in names if not n or names.count(n) > 1]
    manifests = [f for f in files if f.get("type") == "JSON"]
    if [f.get("name") for f in manifests] != ["appsscript"]:
        problems.append(
            f"exactly one JSON file named appsscript is required (got {[f.get('name') for f in manifests]})"
        )
    if problems:
        raise fake.refuse(ctx.method_id, "; ".join(problems))
    try:
        json.loads(manifests[0]["source"])
    except ValueError:
        raise fake.refuse(ctx.method_id, "Syntax error in the appsscript manifest") from None
    script["files"] = [_file(f["name"], f["type"], f["source"]) for f in files]
    script["project"]["updateTime"] = "2025-03-20T10:00:00Z"
    return {"scriptId": ctx.params["scriptId"], "files": script["files"]}


@handles("script.projects.versions.list")
def _versions(fake: GoogleApiFake, ctx: Ctx) -> dict:
    versions = [
        {k: v for k, v in version.items() if k != "files"}
        for version in _script(fake, ctx.params["scriptId"])["versions"]
    ]
    return _listing(versions, ctx.params, "versions")


@handles("script.projects.versions.create")
def _version_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    script = _script(fake, ctx.params["scriptId"])
    version = {
        "scriptId": ctx.params["scriptId"],
        "versionNumber": len(script["versions"]) + 1,
        "description": ctx.body.get("description", ""),
        "createTime": "2025-03-20T10:00:00Z",
        "files": copy.deepcopy(script["files"]),
    }
    script["versions"].append(version)
    return {k: v for k, v in version.items() if k != "files"}


def _checked_config(fake: GoogleApiFake, script: dict, script_id: str, config: dict) -> dict:
    if config.get("scriptId") not in (None, script_id):
        raise ApiError(400, "Invalid argument: deploymentConfig.scriptId", "badRequest")
    number = config.get("versionNumber")
    if not any(v["versionNumber"] == number for v in script["versions"]):
        raise ApiError(400, f"Invalid argument: version {number} does not exist", "badRequest")
    if config.get("manifestFileName", "appsscript") != "appsscript":
        raise ApiError(400, "Invalid argument: manifestFileName", "badRequest")
    return config


def _deploy(fake: GoogleApiFake, script_id: str, config: dict, deployment_id: str) -> dict:
    script = fake.state["scripts"][script_id]
    version = next(v for v in script["versions"] if v["versionNumber"] == config["versionNumber"])
    manifest = json.loads(next(f["source"] for f in version["files"] if f["name"] == "appsscript"))
    entry_points = []
    if "executionApi" in manifest:
        entry_points.append(
            {"entryPointType": "EXECUTION_API", "executionApi": {"entryPointConfig": {"access": "MYSELF"}}}
        )
    if "webapp" in manifest:
        url = f"https://script.google.com/macros/s/{deployment_id}/exec"
        entry_points.append({"entryPointType": "WEB_APP", "webApp": {"url": url}})
    deployment = {
        "deploymentId": deployment_id,
        "deploymentConfig": {"scriptId": script_id, "manifestFileName": "appsscript", **config},
        "updateTime": "2025-03-20T10:00:00Z",
        "entryPoints": entry_points,
    }
    script["deployments"][deployment_id] = deployment
    return deployment


@handles("script.projects.deployments.list")
def _deployments(fake: GoogleApiFake, ctx: Ctx) -> dict:
    return _listing(list(_script(fake, ctx.params["scriptId"])["deployments"].values()), ctx.params, "deployments")


@handles("script.projects.deployments.create")
def _deployment_create(fake: GoogleApiFake, ctx: Ctx) -> dict:
    script_id = ctx.params["scriptId"]
    config = _checked_config(fake, _script(fake, script_id), script_id, ctx.body)
    return _deploy(fake, script_id, config, fake.new_id("AKfycb"))


def _deployment(fake: GoogleApiFake, ctx: Ctx) -> dict:
    deployment = get_or_404(
        _script(fake, ctx.params["scriptId"])["deployments"], ctx.params["deploymentId"], "deployment"
    )
    if "versionNumber" not in deployment["deploymentConfig"]:
        raise ApiError(400, "The head deployment cannot be changed or deleted.", "failedPrecondition")
    return deployment


@handles("script.projects.deployments.update")
def _deployment_update(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _deployment(fake, ctx)
    if "deploymentConfig" not in ctx.body:
        raise fake.refuse(ctx.method_id, "deploymentConfig is required")
    script_id = ctx.params["scriptId"]
    config = _checked_config(fake, _script(fake, script_id), script_id, ctx.body["deploymentConfig"])
    return _deploy(fake, script_id, config, ctx.params["deploymentId"])


@handles("script.projects.deployments.delete")
def _deployment_delete(fake: GoogleApiFake, ctx: Ctx) -> dict:
    _deployment(fake, ctx)
    del _script(fake, ctx.params["scriptId"])["deployments"][ctx.params["deploymentId"]]
    return {}


def _script_error(message: str, kind: str, frames: list[tuple[str, int]]) -> dict:
    detail = {
        "@type": "type.googleapis.com/google.apps.script.v1.ExecutionError",
        "errorMessage": message,
        "errorType": kind,
        "scriptStackTraceElements": [{"function": name, "lineNumber": line} for name, line in frames],
    }
    return {"done": True, "error": {"code": 3, "message": "ScriptError", "details": [detail]}}


@handles("script.scripts.run")
def _run(fake: GoogleApiFake, ctx: Ctx) -> dict:
    script = _script(fake, ctx.params["scriptId"])
    api_deployed = any(
        e["entryPointType"] == "EXECUTION_API" for d in script["deployments"].values() for e in d.get("entryPoints", [])
    )
    if not api_deployed:
        raise not_found("API executable deployment of", ctx.params["scriptId"])
    function, parameters = ctx.body.get("function"), ctx.body.get("parameters", [])
    if not function:
        raise fake.refuse(ctx.method_id, "function is required")
    if ctx.body.get("devMode"):
        files = script["files"]
    else:
        deployed = max(
            d["deploymentConfig"]["versionNumber"] for d in script["deployments"].values() if d.get("entryPoints")
        )
        files = next(v["files"] for v in script["versions"] if v["versionNumber"] == deployed)
    defined = {name for f in files if f["type"] == "SERVER_JS" for name in _FUNCTION.findall(f["source"])}
    status = "COMPLETED"
    if function not in defined:
        result = _script_error(f"Script function not found: {function}", "ScriptError", [])
        status = "FAILED"
    elif function == "fail":
        result = _script_error("Error: Boom", "ScriptError", [("helper", 14), ("fail", 10)])
        status = "FAILED"
    elif function == "addNumbers":
        if len(parameters) != 2 or not all(isinstance(p, (int, float)) for p in parameters):
            result = _script_error("TypeError: addNumbers needs two numbers", "ScriptError", [("addNumbers", 2)])
            status = "FAILED"
        else:
            result = {
                "done": True,
                "response": {"@type": "type.googleapis.com/google.apps.script.v1.ExecutionResponse"},
            }
            result["response"]["result"] = parameters[0] + parameters[1]
    else:
        value = f"Hello, {parameters[0]}" if function == "greet" and parameters else None
        result = {"done": True, "response": {"@type": "type.googleapis.com/google.apps.script.v1.ExecutionResponse"}}
        if value is not None:
            result["response"]["result"] = value
    script["processes"].append(_process(ctx.params["scriptId"], function, status, len(script["processes"])))
    return result


@handles("script.processes.listScriptProcesses")
def _processes(fake: GoogleApiFake, ctx: Ctx) -> dict:
    processes = list(reversed(_script(fake, ctx.params["scriptId"])["processes"]))
    function = ctx.params.get("scriptProcessFilter.functionName")
    if function:
        processes = [p for p in processes if p["functionName"] == function]
    return _listing(processes, ctx.params, "processes")


@handles("script.projects.getMetrics")
def _metrics(fake: GoogleApiFake, ctx: Ctx) -> dict:
    script = _script(fake, ctx.params["scriptId"])
    granularity = ctx.params.get("metricsGranularity")
    if granularity not in ("DAILY", "WEEKLY"):
        raise ApiError(400, "Invalid argument: metricsGranularity is required", "badRequest")
    deployment = ctx.params.get("metricsFilter.deploymentId")
    if deployment:
        get_or_404(script["deployments"], deployment, "deployment")
    days = 7 if granularity == "DAILY" else 1
    runs = len(script["processes"])

    def series(value: int) -> list[dict]:
        return [
            {
                "value": str(value),
                "startTime": f"2025-03-{10 + i:02d}T00:00:00Z",
                "endTime": f"2025-03-{11 + i:02d}T00:00:00Z",
            }
            for i in range(days)
        ]

    failed = sum(p["processStatus"] == "FAILED" for p in script["processes"])
    return {"activeUsers": series(1), "totalExecutions": series(runs), "failedExecutions": series(failed)}
