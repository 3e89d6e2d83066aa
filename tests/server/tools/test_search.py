"""Programmable Search tools through a real server against the stand-in, and the API key's handling:
sent as the key parameter without the user's token, never shown in tool output or the server log."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from fastmcp import Client, FastMCP

from tests.fakes.google.search import ENGINE_ID, SEARCH_API_KEY
from tests.server.conftest import single_user_env
from tests.server.tools.conftest import ACCESS_TOKEN, call, error, text
from workspace_mcp_server.config import ConfigError, Settings
from workspace_mcp_server.google.settings import GoogleApiSettings
from workspace_mcp_server.tools import register_tools
from workspace_mcp_server.tools.selection import ToolSelection

pytestmark = pytest.mark.anyio


async def test_search_sends_the_key_and_engine_never_the_users_token(mcp, google_api):
    result = await call(mcp, "search_custom", query="widget guide", num=3)
    data = result.structured_content
    assert [item["link"].rsplit("/", 1)[1] for item in data["items"]] == ["1", "2", "3"]
    assert data["totalResults"] == 120 and data["nextStart"] == 4
    assert "1. Widget guide part 1\n   https://blog.example.org/widgets/1" in result.content[0].text
    sent = google_api.calls("search.cse.list")[-1]
    assert sent.token is None, "the user's Google token must not reach the search API"
    assert sent.query["key"] == [SEARCH_API_KEY] and sent.query["cx"] == [ENGINE_ID]
    assert sent.query["num"] == ["3"] and sent.query["safe"] == ["off"]
    assert SEARCH_API_KEY not in result.content[0].text and SEARCH_API_KEY not in json.dumps(data)


async def test_paging_up_to_googles_limit(mcp, google_api):
    second = (await call(mcp, "search_custom", query="widget", num=5, start=6)).structured_content
    assert [item["link"].rsplit("/", 1)[1] for item in second["items"]] == ["6", "7", "8", "9", "10"]
    last = await call(mcp, "search_custom", query="widget", num=10, start=90)
    assert last.structured_content["nextStart"] is None and "More results" not in last.content[0].text
    before = len(google_api.calls("search.cse.list"))
    assert "start + num <= 100" in await error(mcp, "search_custom", query="widget", num=10, start=91)
    assert len(google_api.calls("search.cse.list")) == before, "refused before asking Google"


async def test_site_date_safe_and_unicode(mcp, google_api):
    docs = (await call(mcp, "search_custom", query="widget", site="docs.example.com", num=10)).structured_content
    assert docs["items"] and all(i["displayLink"] == "docs.example.com" for i in docs["items"])
    assert google_api.calls("search.cse.list")[-1].query["siteSearchFilter"] == ["i"]
    others = await call(mcp, "search_custom", query="widget", site="docs.example.com", site_filter="exclude")
    assert all(i["displayLink"] != "docs.example.com" for i in others.structured_content["items"])
    recent = (await call(mcp, "search_custom", query="widget", date_restrict="d10")).structured_content
    assert {i["title"] for i in recent["items"]} == {
        "Widget guide part 1",
        "Widget guide part 2",
        "Explicit widget party",
    }
    safe = (await call(mcp, "search_custom", query="widget", date_restrict="d10", safe="active")).structured_content
    assert "Explicit widget party" not in {i["title"] for i in safe["items"]}
    found = await text(mcp, "search_custom", query="東京 café")
    assert "Ünïcode café — naïve résumé" in found
    assert "No results for 'zebra'" in await text(mcp, "search_custom", query="zebra")
    refined = (await call(mcp, "search_custom", query="widget more:news", num=10)).structured_content
    assert refined["items"] and all(i["displayLink"] == "news.example.net" for i in refined["items"])


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"query": "   "}, "query: must not be empty"),
        ({"query": "x" * 2049}, "query: at most 2048 characters"),
        ({"query": "x", "num": 11}, "num: must be between 1 and 10 (got 11)"),
        ({"query": "x", "num": 0}, "num: must be between 1 and 10 (got 0)"),
        ({"query": "x", "start": 0}, "start: must be at least 1"),
        ({"query": "x", "date_restrict": "7d"}, "date_restrict: '7d' is not d<n>"),
        ({"query": "x", "date_restrict": "w0"}, "date_restrict: 'w0' is not d<n>"),
        ({"query": "x", "site": "a b.com"}, "site: 'a b.com' is not a site"),
        ({"query": "x", "safe": "strict"}, "safe"),
    ],
)
async def test_bad_arguments(mcp, google_api, arguments, message):
    before = len(google_api.calls("search.cse.list"))
    assert message in await error(mcp, "search_custom", **arguments)
    assert len(google_api.calls("search.cse.list")) == before


async def test_engine_info(mcp):
    result = await call(mcp, "get_search_engine_info")
    assert f"Search engine {ENGINE_ID}: Stand-in engine" in result.content[0].text
    assert "more:guides (Guides), more:news (News)" in result.content[0].text
    assert result.structured_content["refinements"][1] == {"label": "news", "anchor": "News"}


async def test_google_errors_never_show_the_key(mcp, google_api, server):
    # A hostile or careless error body that echoes the key: the tool's text and the log must not carry it.
    google_api.fail("search.cse.list", 400, reason="keyInvalid", message=f"API key not valid: {SEARCH_API_KEY}")
    message = await error(mcp, "search_custom", query="widget")
    assert "API key not valid: [API key]" in message and SEARCH_API_KEY not in message
    google_api.fail("search.cse.list", 403, reason="accessNotConfigured", message="Custom Search API is disabled")
    assert "Custom Search API is disabled" in await error(mcp, "search_custom", query="widget")
    google_api.fail("search.cse.list", 429, reason="rateLimitExceeded")
    assert (await call(mcp, "search_custom", query="widget", num=1)).structured_content["items"]
    google_api.fail("search.cse.list", 503, times=4)
    assert "Google is unavailable" in await error(mcp, "search_custom", query="widget")
    assert SEARCH_API_KEY not in server.log_text()


def _raw(google_api, query: str, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(google_api.root_url + "customsearch/v1?" + query)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)


def test_standin_judges_search_by_its_key(google_api):
    """As Google: a bearer token alone is refused 403, a wrong key 400; a right key answers."""
    status, body = _raw(google_api, f"q=widget&cx={ENGINE_ID}", ACCESS_TOKEN)
    assert status == 403 and "unregistered callers" in body["error"]["message"]
    status, body = _raw(google_api, f"q=widget&cx={ENGINE_ID}&key=AIzaWrongWrongWrongWrong", None)
    assert (status, body["error"]["errors"][0]["reason"]) == (400, "keyInvalid")
    status, body = _raw(google_api, f"q=widget&cx=unknown-engine&key={SEARCH_API_KEY}", None)
    assert status == 400
    status, body = _raw(google_api, f"q=widget&cx={ENGINE_ID}&key={SEARCH_API_KEY}&num=10&start=91", None)
    assert status == 400
    status, body = _raw(google_api, f"q=widget&cx={ENGINE_ID}&key={SEARCH_API_KEY}&num=2", None)
    assert status == 200 and len(body["items"]) == 2


def _settings(tmp_path, **extra: str) -> Settings:
    return Settings.from_env({**single_user_env(tmp_path), "WORKSPACE_MCP_SERVICES": "", **extra})


def test_search_off_without_its_variables_unless_named(tmp_path):
    """Every service by default: search is left out quietly when unconfigured; named explicitly: refuse to start."""
    assert "search" not in _settings(tmp_path).tool_selection.services
    assert "gmail" in _settings(tmp_path).tool_selection.services
    configured = _settings(tmp_path, GOOGLE_SEARCH_API_KEY=SEARCH_API_KEY, GOOGLE_SEARCH_ENGINE_ID=ENGINE_ID)
    assert "search_custom" in configured.tool_selection.tool_names()
    with pytest.raises(ConfigError) as failure:
        _settings(tmp_path, WORKSPACE_MCP_SERVICES="gmail,search", GOOGLE_SEARCH_ENGINE_ID=ENGINE_ID)
    assert str(failure.value).startswith("GOOGLE_SEARCH_API_KEY: required when WORKSPACE_MCP_SERVICES includes search")
    with pytest.raises(ConfigError) as failure:
        _settings(tmp_path, WORKSPACE_MCP_SERVICES="search", GOOGLE_SEARCH_API_KEY=SEARCH_API_KEY)
    assert str(failure.value).startswith("GOOGLE_SEARCH_ENGINE_ID: required")


def test_settings_validate_without_echoing_the_key():
    with pytest.raises(ValueError) as failure:
        GoogleApiSettings.from_env({"GOOGLE_SEARCH_API_KEY": "secret value with spaces!!"})
    assert str(failure.value).startswith("GOOGLE_SEARCH_API_KEY: not a Google API key")
    assert "secret value" not in str(failure.value)
    with pytest.raises(ValueError, match="^GOOGLE_SEARCH_ENGINE_ID: not a Programmable Search engine id"):
        GoogleApiSettings.from_env({"GOOGLE_SEARCH_ENGINE_ID": "cx with spaces"})
    settings = GoogleApiSettings.from_env({"GOOGLE_SEARCH_API_KEY": f" {SEARCH_API_KEY} "})
    assert settings.search_api_key == SEARCH_API_KEY and SEARCH_API_KEY not in repr(settings)
    assert settings.missing_search_variables() == ["GOOGLE_SEARCH_ENGINE_ID"]


async def test_unconfigured_search_tool_explains_itself():
    """Registered without its variables (only possible in-process): a clear error, no request."""
    mcp = FastMCP("unconfigured")
    register_tools(mcp, ToolSelection(services=("search",)), GoogleApiSettings(search_engine_id=ENGINE_ID))
    async with Client(mcp) as client:
        result = await client.call_tool("search_custom", {"query": "widget"}, raise_on_error=False)
    assert result.is_error
    assert result.content[0].text == "Search is not configured: set GOOGLE_SEARCH_API_KEY on the server."
