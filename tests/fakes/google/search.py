"""The stand-in's Programmable Search (Custom Search JSON API): a fixed corpus behind one engine.

Authenticated by API key (core's ``_check_key``); like Google it serves at most the first 100 results
(start + num <= 100, num 1..10) and answers an unknown engine id with 400.
"""

from __future__ import annotations

import re

from .core import SEEDERS, ApiError, Ctx, GoogleApiFake, handles

SEARCH_API_KEY = "AIzaSyStandInSearchKey-0123456789abcd"
ENGINE_ID = "0123456789abcdef0:stand-in"
_DATE_RESTRICT = re.compile(r"([dwmy])([1-9]\d{0,3})")
_DAYS = {"d": 1, "w": 7, "m": 31, "y": 366}


def _seed_search(fake: GoogleApiFake) -> None:
    fake.api_keys.add(SEARCH_API_KEY)
    fake.state["search_engines"] = {
        ENGINE_ID: {
            "title": "Stand-in engine",
            "facets": [
                [{"anchor": "Guides", "label": "guides", "label_with_op": "more:guides"}],
                [{"anchor": "News", "label": "news", "label_with_op": "more:news"}],
            ],
        }
    }
    docs = []
    for index in range(1, 121):  # more than Google ever serves for one query
        host = ("docs.example.com", "blog.example.org", "news.example.net")[index % 3]
        docs.append(
            {
                "title": f"Widget guide part {index}",
                "link": f"https://{host}/widgets/{index}",
                "snippet": f"How to build widget number {index}.",
                "age_days": index * 5,
                "labels": ["guides"] if host.startswith("docs") else ["news"] if host.startswith("news") else [],
            }
        )
    docs.append(
        {
            "title": "Ünïcode café — naïve résumé",
            "link": "https://blog.example.org/unicode",
            "snippet": "Ürlaub: 東京 café guide",
            "age_days": 2,
            "labels": [],
        }
    )
    docs.append(
        {
            "title": "Explicit widget party",
            "link": "https://adult.example.com/party",
            "snippet": "Not for safe search.",
            "age_days": 3,
            "labels": [],
            "adult": True,
        }
    )
    fake.state["search_docs"] = docs


SEEDERS.append(_seed_search)


def _int(params: dict, name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: {params[name]!r}", "invalid") from None


@handles("search.cse.list")
def _search(fake: GoogleApiFake, ctx: Ctx) -> dict:
    params = ctx.params
    for name in ("q", "cx"):
        if not params.get(name):
            raise fake.refuse(ctx.method_id, f"{name} is required")
    engine = fake.state["search_engines"].get(params["cx"])
    if engine is None:
        raise ApiError(400, "Request contains an invalid argument.", "badRequest")
    num, start = _int(params, "num", 10), _int(params, "start", 1)
    if not 1 <= num <= 10 or start < 1 or start + num > 100:
        raise ApiError(400, "Request contains an invalid argument.", "badRequest")
    if "siteSearchFilter" in params and "siteSearch" not in params:
        raise fake.refuse(ctx.method_id, "siteSearchFilter without siteSearch")
    words = params["q"].lower().split()
    refinements = [w.removeprefix("more:") for w in words if w.startswith("more:")]
    terms = [w for w in words if not w.startswith("more:")]
    docs = [
        d
        for d in fake.state["search_docs"]
        if all(t in (d["title"] + " " + d["snippet"]).lower() for t in terms)
        and all(r in d["labels"] for r in refinements)
    ]
    if params.get("siteSearch"):
        site = params["siteSearch"].lower()
        include = params.get("siteSearchFilter", "i") != "e"
        docs = [d for d in docs if (d["link"].split("/")[2].endswith(site) or site in d["link"]) == include]
    if params.get("dateRestrict"):
        found = _DATE_RESTRICT.fullmatch(params["dateRestrict"])
        if not found:
            raise ApiError(400, f"Invalid value for dateRestrict: {params['dateRestrict']!r}", "invalid")
        days = _DAYS[found[1]] * int(found[2])
        docs = [d for d in docs if d["age_days"] <= days]
    if params.get("safe") in ("active", "high", "medium"):
        docs = [d for d in docs if not d.get("adult")]
    chunk = docs[start - 1 : start - 1 + num]
    total = str(len(docs))
    request = {"title": f"Google Custom Search - {params['q']}", "totalResults": total, "searchTerms": params["q"]}
    request |= {"count": len(chunk), "startIndex": start, "safe": params.get("safe", "off"), "cx": params["cx"]}
    out: dict = {
        "kind": "customsearch#search",
        "queries": {"request": [request]},
        "context": {"title": engine["title"], "facets": engine["facets"]},
        "searchInformation": {"searchTime": 0.12, "totalResults": total, "formattedTotalResults": total},
    }
    if start - 1 + num < len(docs):
        out["queries"]["nextPage"] = [dict(request, startIndex=start + num, count=num)]
    if chunk:
        out["items"] = [
            {
                "kind": "customsearch#result",
                "title": d["title"],
                "htmlTitle": d["title"],
                "link": d["link"],
                "displayLink": d["link"].split("/")[2],
                "snippet": d["snippet"],
                "htmlSnippet": d["snippet"],
                "formattedUrl": d["link"],
            }
            for d in chunk
        ]
    return out
