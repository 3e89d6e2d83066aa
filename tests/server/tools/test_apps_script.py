"""Apps Script tools through a real server over streamable HTTP against the Google API stand-in."""

from __future__ import annotations

import json

import pytest

from tests.server.tools.conftest import call, error, text

pytestmark = pytest.mark.anyio

MANIFEST = {"name": "appsscript", "type": "JSON", "source": json.dumps({"timeZone": "Etc/UTC"})}
API_MANIFEST = {"name": "appsscript", "type": "JSON", "source": json.dumps({"executionApi": {"access": "MYSELF"}})}


def code(source: str, name: str = "Code") -> dict:
    return {"name": name, "type": "SERVER_JS", "source": source}


async def new_project(mcp, title: str = "Scratch") -> str:
    return (await call(mcp, "create_script_project", title=title)).structured_content["scriptId"]


async def test_list_projects_through_drive(mcp, google_api):
    first = await call(mcp, "list_script_projects", page_size=1)
    assert len(first.structured_content["projects"]) == 1 and first.structured_content["nextPageToken"]
    sent = google_api.calls("drive.files.list")[-1].query
    assert sent["q"] == ["mimeType = 'application/vnd.google-apps.script' and trashed = false"]
    listing = await text(mcp, "list_script_projects")
    assert "Invoice automation (scriptId=script1" in listing and "Budget helpers (scriptId=script2" in listing
    assert "plan.txt" not in listing


async def test_get_project_and_content(mcp):
    assert "Budget helpers (scriptId=script2 bound to sheet1" in await text(
        mcp, "get_script_project", script_id="script2"
    )
    content = await call(mcp, "get_script_content", script_id="script1")
    assert "=== Code.gs (SERVER_JS) ===\nfunction addNumbers(a, b)" in content.content[0].text
    assert "=== appsscript.json (JSON) ===" in content.content[0].text
    assert [f["name"] for f in content.structured_content["files"]] == ["appsscript", "Code", "Page"]
    assert "function greet" in await text(mcp, "get_script_content", script_id="script1", version_number=1)
    assert "script project 'script1'" in await error(mcp, "get_script_content", script_id="script1", version_number=99)
    assert "Not found: script project 'nope'" in await error(mcp, "get_script_project", script_id="nope")


async def test_create_projects_standalone_and_bound(mcp, google_api):
    created = (await call(mcp, "create_script_project", title="Mailer ✉")).structured_content
    assert created["title"] == "Mailer ✉" and "parentId" not in created
    assert f"scriptId={created['scriptId']}" in await text(mcp, "list_script_projects")
    bound = (await call(mcp, "create_script_project", title="Doc macros", parent_id="doc1")).structured_content
    assert bound["parentId"] == "doc1"
    assert "parent file 'missing'" in await error(mcp, "create_script_project", title="x", parent_id="missing")
    assert "title: must not be empty" in await error(mcp, "create_script_project", title="  ")


async def test_update_content_replaces_or_keeps(mcp, google_api):
    script_id = await new_project(mcp)
    saved = await text(mcp, "update_script_content", script_id=script_id, files=[MANIFEST, code("var a = 1;")])
    assert saved.startswith(f"Saved 2 files to {script_id}: appsscript.json, Code.gs")
    page = {"name": "Page", "type": "HTML", "source": "<p>ü</p>"}
    await call(mcp, "update_script_content", script_id=script_id, files=[MANIFEST, page])
    names = [f["name"] for f in google_api.state["scripts"][script_id]["files"]]
    assert names == ["appsscript", "Page"], "a whole-content update drops files not listed"
    await call(mcp, "update_script_content", script_id=script_id, files=[code("var b;", "Util")], keep_unlisted=True)
    stored = google_api.state["scripts"][script_id]["files"]
    assert [f["name"] for f in stored] == ["appsscript", "Page", "Util"] and stored[1]["source"] == "<p>ü</p>"
    assert "script project 'nope'" in await error(mcp, "update_script_content", script_id="nope", files=[MANIFEST])


@pytest.mark.parametrize(
    "files, message",
    [
        ([], "give at least the appsscript manifest"),
        ([code("x")], "exactly one JSON file, the manifest named 'appsscript' (got JSON files [])"),
        ([MANIFEST, dict(MANIFEST, name="other")], "got JSON files ['appsscript', 'other']"),
        ([dict(MANIFEST, name="manifest")], "got JSON files ['manifest']"),
        ([MANIFEST, code("a"), code("b")], "'Code' appears twice"),
        ([MANIFEST, code("a", "Code.gs")], "name 'Code.gs' must not include the extension"),
        ([MANIFEST, code("a", " ")], "must be non-empty"),
        ([dict(MANIFEST, source="{not json")], "the appsscript manifest is not valid JSON"),
        ([dict(MANIFEST, source="[1]")], "must be a JSON object"),
        ([MANIFEST, {"name": "x", "type": "PYTHON", "source": ""}], "type"),
        ([MANIFEST, {"name": "x", "type": "HTML"}], "source"),
    ],
)
async def test_update_content_refuses_what_google_refuses(mcp, google_api, files, message):
    before = len(google_api.calls("script.projects.updateContent"))
    assert message in await error(mcp, "update_script_content", script_id="script2", files=files)
    assert len(google_api.calls("script.projects.updateContent")) == before, "nothing sent, nothing lost"


async def test_run_functions_results_and_script_errors(mcp, google_api):
    assert await text(mcp, "run_script_function", script_id="script1", function="addNumbers", parameters=[2, 3.5]) == (
        "addNumbers returned:\n5.5"
    )
    run = await call(mcp, "run_script_function", script_id="script1", function="greet", parameters=["Zoë 東京"])
    assert run.structured_content == {"result": "Hello, Zoë 東京"}
    assert google_api.calls("script.scripts.run")[-1].json() == {
        "function": "greet",
        "devMode": False,
        "parameters": ["Zoë 東京"],
    }
    assert "(no return value)" in await text(mcp, "run_script_function", script_id="script1", function="helper")
    failure = await error(mcp, "run_script_function", script_id="script1", function="fail")
    assert "Script error in fail: Error: Boom (ScriptError)\n  at helper (line 14)\n  at fail (line 10)" in failure
    typed = await error(mcp, "run_script_function", script_id="script1", function="addNumbers", parameters=["a"])
    assert "TypeError: addNumbers needs two numbers (ScriptError)\n  at addNumbers (line 2)" in typed
    assert "Script function not found: nope" in await error(
        mcp, "run_script_function", script_id="script1", function="nope"
    )
    assert "Not found: script project 'script2'" in await error(
        mcp, "run_script_function", script_id="script2", function="x"
    )
    assert "function: must not be empty" in await error(mcp, "run_script_function", script_id="script1", function=" ")


async def test_dev_mode_runs_saved_code_deployments_run_versions(mcp):
    script_id = await new_project(mcp, "Dev")
    await call(mcp, "update_script_content", script_id=script_id, files=[API_MANIFEST, code("function one() {}")])
    deployed = (await call(mcp, "create_script_deployment", script_id=script_id, description="v1")).structured_content
    assert deployed["deploymentConfig"]["versionNumber"] == 1
    assert deployed["entryPoints"][0]["entryPointType"] == "EXECUTION_API"
    await call(mcp, "update_script_content", script_id=script_id, files=[code("function two() {}")], keep_unlisted=True)
    assert "Script function not found: two" in await error(
        mcp, "run_script_function", script_id=script_id, function="two"
    )
    assert "two returned" in await text(mcp, "run_script_function", script_id=script_id, function="two", dev_mode=True)


async def test_versions(mcp):
    script_id = await new_project(mcp, "Versions")
    assert "No versions." in await text(mcp, "list_script_versions", script_id=script_id)
    for index in (1, 2):
        assert f"Created version {index} of {script_id}." == await text(
            mcp, "create_script_version", script_id=script_id, description=f"release {index}"
        )
    first = await call(mcp, "list_script_versions", script_id=script_id, page_size=1)
    assert [v["versionNumber"] for v in first.structured_content["versions"]] == [1]
    token = first.structured_content["nextPageToken"]
    rest = await call(mcp, "list_script_versions", script_id=script_id, page_size=1, page_token=token)
    assert "version 2: 'release 2'" in rest.content[0].text
    assert "page_size: must be between 1 and 50" in await error(
        mcp, "list_script_versions", script_id=script_id, page_size=51
    )


async def test_deployment_lifecycle(mcp, google_api):
    listing = await call(mcp, "list_script_deployments", script_id="script1")
    assert "dep-api: version 1 'API' [EXECUTION_API]" in listing.content[0].text
    assert any("versionNumber" not in d["deploymentConfig"] for d in listing.structured_content["deployments"])
    created = (
        await call(mcp, "create_script_deployment", script_id="script1", version_number=2, description="beta")
    ).structured_content
    deployment_id = created["deploymentId"]
    assert created["deploymentConfig"] == {
        "scriptId": "script1",
        "manifestFileName": "appsscript",
        "versionNumber": 2,
        "description": "beta",
    }
    updated = await call(
        mcp, "update_script_deployment", script_id="script1", deployment_id=deployment_id, version_number=1
    )
    assert updated.structured_content["deploymentConfig"]["versionNumber"] == 1
    assert "version 99 does not exist" in await error(
        mcp, "update_script_deployment", script_id="script1", deployment_id=deployment_id, version_number=99
    )
    assert "head deployment cannot be changed" in await error(
        mcp, "update_script_deployment", script_id="script1", deployment_id="script1-head", version_number=1
    )
    assert "version_number: must be 1 or more" in await error(
        mcp, "create_script_deployment", script_id="script1", version_number=0
    )
    await call(mcp, "delete_script_deployment", script_id="script1", deployment_id=deployment_id)
    assert deployment_id not in google_api.state["scripts"]["script1"]["deployments"]
    assert f"deployment '{deployment_id}' of script project 'script1'" in await error(
        mcp, "delete_script_deployment", script_id="script1", deployment_id=deployment_id
    )


async def test_processes_and_metrics(mcp, google_api):
    await call(mcp, "run_script_function", script_id="script1", function="greet", parameters=["x"])
    await error(mcp, "run_script_function", script_id="script1", function="fail")
    failed = await call(mcp, "list_script_processes", script_id="script1", function="fail")
    assert {p["functionName"] for p in failed.structured_content["processes"]} == {"fail"}
    assert "EXECUTION_API FAILED" in failed.content[0].text
    assert google_api.calls("script.processes.listScriptProcesses")[-1].query["scriptProcessFilter.functionName"] == [
        "fail"
    ]
    first = await call(mcp, "list_script_processes", script_id="script1", page_size=2)
    assert len(first.structured_content["processes"]) == 2 and first.structured_content["nextPageToken"]
    daily = await call(mcp, "get_script_metrics", script_id="script1")
    assert len(daily.structured_content["activeUsers"]) == 7 and "executions: 2025-03-10:" in daily.content[0].text
    weekly = await call(mcp, "get_script_metrics", script_id="script1", granularity="WEEKLY", deployment_id="dep-api")
    assert len(weekly.structured_content["totalExecutions"]) == 1
    assert google_api.calls("script.projects.getMetrics")[-1].query["metricsFilter.deploymentId"] == ["dep-api"]
    assert "granularity" in await error(mcp, "get_script_metrics", script_id="script1", granularity="HOURLY")


async def test_google_failures(mcp, google_api):
    google_api.fail(
        "script.projects.get", 403, reason="insufficientPermissions", message="Request had insufficient scopes."
    )
    assert "script.projects.get needs the https://www.googleapis.com/auth/script.projects.readonly scope" in (
        await error(mcp, "get_script_project", script_id="script1")
    )
    google_api.fail("script.projects.getContent", 429, reason="rateLimitExceeded")
    assert "function greet" in await text(mcp, "get_script_content", script_id="script1")
    google_api.fail("script.scripts.run", 403, reason="forbidden", message="The caller does not have permission")
    assert "The caller does not have permission" in await error(
        mcp, "run_script_function", script_id="script1", function="greet"
    )
