"""Programmable Search tools: web search with the configured engine (Custom Search JSON API).

The API authenticates with the server's API key (GOOGLE_SEARCH_API_KEY), not with the caller's Google
token; the engine (GOOGLE_SEARCH_ENGINE_ID) decides which sites are searched.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastmcp.tools import ToolResult

from ..google.client import call, client
from ..google.errors import UserError
from .common import respond
from .registry import read

MAX_RESULTS = 100  # Google serves a query only while start + num <= 100
MAX_QUERY_CHARS = 2048
_DATE_RESTRICT = re.compile(r"[dwmy][1-9]\d{0,3}")
_SITE = re.compile(r"[^\s\"'<>]{1,253}")


async def _search(**params: Any) -> dict:
    settings = client().settings
    missing = settings.missing_search_variables()
    if missing:  # the server refuses to start with search enabled by name; this guards any other path
        raise UserError(f"Search is not configured: set {' and '.join(missing)} on the server.")
    engine = settings.search_engine_id
    return await call(
        "customsearch",
        lambda s: s.cse().list(cx=engine, **params),
        what=f"search engine '{engine}'",
        api_key=settings.search_api_key,
    )


def _line(index: int, item: dict) -> str:
    snippet = " ".join((item.get("snippet") or "").split())
    return f"{index}. {item.get('title', '')}\n   {item.get('link', '')}" + (f"\n   {snippet}" if snippet else "")


@read("core")
async def search_custom(
    query: str,
    num: int = 10,
    start: int = 1,
    site: str | None = None,
    site_filter: Literal["include", "exclude"] = "include",
    date_restrict: str | None = None,
    safe: Literal["off", "active"] = "off",
) -> ToolResult:
    """Search the web with the server's Programmable Search engine.

    Args:
        num: results per page, 1-10.
        start: 1-based index of the first result; start + num <= 100.
        site: only (or, with site_filter=exclude, never) results from this site, e.g. example.com.
        date_restrict: recent results only: d7 (days), w2 (weeks), m6 (months), y1 (years).
    """
    query = query.strip()
    if not query:
        raise UserError("query: must not be empty")
    if len(query) > MAX_QUERY_CHARS:
        raise UserError(f"query: at most {MAX_QUERY_CHARS} characters (got {len(query)})")
    if not 1 <= num <= 10:
        raise UserError(f"num: must be between 1 and 10 (got {num})")
    if start < 1 or start + num > MAX_RESULTS:
        raise UserError(f"start: must be at least 1 with start + num <= {MAX_RESULTS} (got start={start}, num={num})")
    if date_restrict is not None and not _DATE_RESTRICT.fullmatch(date_restrict):
        raise UserError(f"date_restrict: {date_restrict!r} is not d<n>, w<n>, m<n> or y<n> (e.g. w2)")
    if site is not None and not _SITE.fullmatch(site):
        raise UserError(f"site: {site!r} is not a site (a host or URL prefix, e.g. example.com, no spaces)")
    params: dict[str, Any] = {"q": query, "num": num, "start": start, "safe": safe}
    if site:
        params.update(siteSearch=site, siteSearchFilter="e" if site_filter == "exclude" else "i")
    if date_restrict:
        params["dateRestrict"] = date_restrict
    found = await _search(**params)
    items = [
        {key: item.get(key) for key in ("title", "link", "displayLink", "snippet") if item.get(key) is not None}
        for item in found.get("items", [])
    ]
    total = int(found.get("searchInformation", {}).get("totalResults") or 0)
    following = (found.get("queries", {}).get("nextPage") or [{}])[0].get("startIndex")
    if following and following + num > MAX_RESULTS:
        following = None  # Google lists a next page it will refuse to serve
    lines = [_line(start + index, item) for index, item in enumerate(items)]
    text = f"About {total} results for {query!r}:\n" + "\n".join(lines) if lines else f"No results for {query!r}."
    if following:
        text += f"\nMore results: start={following}"
    return respond(text, {"items": items, "totalResults": total, "nextStart": following})


@read("extended")
async def get_search_engine_info() -> ToolResult:
    """The configured search engine: id, title and refinement labels (use as more:<label> in a query).

    Costs one search query of the engine's quota.
    """
    found = await _search(q="a", num=1)
    context = found.get("context", {})
    facets = [
        {"label": facet.get("label"), "anchor": facet.get("anchor")}
        for group in context.get("facets", [])
        for facet in group
    ]
    engine = client().settings.search_engine_id
    refinements = ", ".join(f"more:{f['label']} ({f['anchor']})" for f in facets) or "none"
    text = f"Search engine {engine}: {context.get('title', '(untitled)')}\nRefinements: {refinements}"
    return respond(text, {"engineId": engine, "title": context.get("title"), "refinements": facets})
