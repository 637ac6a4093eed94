"""The `/search` results page (works without JavaScript) and the form filters it shares with `/api/v1/search`.

Views only translate the request into Hub.search arguments and the results into a plain context; ranking and
snippets belong to dailypapers.search, the query language to dailypapers.domain.query. A bad query is answered by
the same page, with the form still filled in and the message shown, under status 400.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from dailypapers.domain.errors import InvalidInput, InvalidPeriod, NotFound
from dailypapers.domain.models import PaperView
from dailypapers.domain.periods import parse_day_or_year
from dailypapers.domain.query import MAX_QUERY_LENGTH, SearchFilters
from dailypapers.hub import Hub
from dailypapers.ports.search import MODES, SearchResults
from dailypapers.web import auth, present
from dailypapers.web.page_cache import CachedSearchPage
from dailypapers.web.pages import HubDep, parse_page
from dailypapers.web.templating import render

PAGE_SIZE = 20
# Semantic and hybrid ranking work on a candidate list as deep as the page asked for, so the depth is bounded.
MAX_RESULTS = 1000
DEFAULT_MODE = "hybrid"
MODE_LABELS = {"hybrid": "Hybrid", "keyword": "Keyword", "semantic": "Semantic"}

_CATEGORY = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)?$", re.IGNORECASE)
_TRUE, _FALSE = ("1", "on", "true", "yes"), ("", "0", "off", "false", "no")

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


# -- the form's filters (shared with the JSON API) -----------------------------------------------------------


def form_filters(category: str | None, start: date | None, end: date | None, has_code: bool) -> SearchFilters | None:
    """The filters of the form fields, added to the query's own; None when none is set."""
    categories: tuple[str, ...] = ()
    if category:
        if not _CATEGORY.match(category):
            raise InvalidInput(f"cat={category[:40]!r} is not an arXiv category; write e.g. cs.CL or cs")
        categories = (category.lower(),)
    if start and end and start > end:
        raise InvalidInput(f"the date range is empty: {start.isoformat()} is after {end.isoformat()}")
    filters = SearchFilters(categories=categories, start=start, end=end, has_code=has_code)
    return filters if filters.active else None


def check_depth(page: int, page_size: int) -> None:
    if (page - 1) * page_size >= MAX_RESULTS:
        raise InvalidInput(f"search shows the first {MAX_RESULTS} results only; refine the query instead of paging")


def form_date(name: str, raw: str | None, *, end: bool) -> date | None:
    """The `from` / `to` fields of the form and of /api/v1/search: a day or a bare year (its first or last day),
    read by the hub's one date-filter parser; empty means no bound."""
    if raw is None or not raw.strip():
        return None
    try:
        return parse_day_or_year(raw.strip(), end=end)
    except InvalidPeriod as exc:
        raise InvalidPeriod(f"{name}: {exc}") from None


def _form_flag(name: str, raw: str) -> bool:
    value = raw.lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidInput(f"{name}={raw[:20]!r} is not a yes/no value; write {name}=1 or leave it out")


# -- the page ------------------------------------------------------------------------------------------------


# Anonymous result pages are kept in the page cache per URL and data version, within their share of it
# (web/page_cache.py); bench/load.py measures search both with repeated queries and with none repeated.
@router.get("/search", name="search", dependencies=[CachedSearchPage])
def search_page(
    request: Request,
    hub: HubDep,
    q: str = "",
    mode: str = DEFAULT_MODE,
    cat: str = "",
    start: str = Query("", alias="from"),
    end: str = Query("", alias="to"),
    code: str = "",
    p: str | None = None,
) -> Response:
    """Results for `q` with highlighted snippets, filters and paging; an empty `q` shows the syntax help."""
    form = {"q": q, "mode": mode, "cat": cat, "from": start, "to": end, "code": code}
    context: dict[str, Any] = {
        "title": f"Search: {q[:80]}" if q.strip() else "Search",
        "search_q": q,
        "form": form,
        "modes": [present.Link(MODE_LABELS[m], m, current=m == mode) for m in MODES],
        "max_query_length": MAX_QUERY_LENGTH,
        "results": None,
        "error": None,
    }
    try:
        if mode not in MODES:
            raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode[:20]!r}")
        page = parse_page(p)
        check_depth(page, PAGE_SIZE)
        filters = form_filters(
            cat.strip() or None,
            form_date("from", start, end=False),
            form_date("to", end, end=True),
            _form_flag("code", code),
        )
        if not q.strip():
            return render(request, "search.html", context)
        results, views = hub.search(q, mode=mode, page=page, page_size=PAGE_SIZE, filters=filters)
    except InvalidInput as exc:
        context.update(title="Bad search query", error=str(exc))
        return render(request, "search.html", context, 400)
    context.update(results_context(request, hub, results, views, form))
    return render(request, "search.html", context)


def results_context(
    request: Request, hub: Hub, results: SearchResults, views: dict[str, PaperView], form: dict[str, str]
) -> dict[str, Any]:
    """What search.html shows for one page of results: the hits with their papers, counts, filters, paging."""
    pages = max(1, -(-results.total // results.page_size))
    if results.page > 1 and not results.hits:
        raise NotFound(
            f"page {results.page} is past the last page of results "
            f"({present.plural(results.total, 'result')} on {present.plural(pages, 'page')})"
        )
    last_reachable = results.page * results.page_size >= MAX_RESULTS
    hits = [(hit, views[hit.arxiv_id]) for hit in results.hits if hit.arxiv_id in views]
    user = auth.current_user(request)
    return {
        "results": results,
        "hits": hits,
        "marks": hub.viewer.marks(user, [hit.arxiv_id for hit, _ in hits]),
        "first_rank": (results.page - 1) * results.page_size + 1,
        "active_filters": filter_labels(results.query.filters),
        "excluded": results.query.excluded,
        "mode_used": MODE_LABELS[results.mode],
        "mode_links": [
            present.Link(MODE_LABELS[m], search_url(form, mode=m), current=m == results.mode) for m in MODES
        ],
        "hybrid_url": search_url(form, mode="hybrid"),
        "previous_url": search_url(form, p=results.page - 1) if results.page > 1 else None,
        "next_url": search_url(form, p=results.page + 1) if results.has_more and not last_reachable else None,
        "feed_url": "/search.atom?" + urlencode({"q": feed_query(form)}),
        "bib_url": "/search.bib?" + urlencode({"q": feed_query(form)}),
    }


def filter_labels(filters: SearchFilters) -> list[str]:
    """The restrictions in force, in words, whether they came from the query syntax or the form."""
    labels = [f"author: {name}" for name in filters.authors]
    labels += [f"category: {category}" for category in filters.categories]
    if filters.start and filters.end:
        labels.append(f"published {filters.start.isoformat()} – {filters.end.isoformat()}")
    elif filters.start:
        labels.append(f"published on or after {filters.start.isoformat()}")
    elif filters.end:
        labels.append(f"published on or before {filters.end.isoformat()}")
    if filters.has_code:
        labels.append("has code")
    return labels


def feed_query(form: dict[str, str]) -> str:
    """The query with the form's filters written in the query language, for the feeds that take only `q`."""
    parts = [form["q"].strip()]
    if form["cat"].strip():
        parts.append(f"cat:{form['cat'].strip()}")
    if form["from"].strip():
        parts.append(f"after:{form['from'].strip()}")
    if form["to"].strip():
        parts.append(f"before:{form['to'].strip()}")
    if form["code"].lower() in _TRUE:
        parts.append("has:code")
    query = " ".join(parts)
    return query if len(query) <= MAX_QUERY_LENGTH else form["q"]


def search_url(form: dict[str, str], **changes: Any) -> str:
    """The /search URL of the form's values with some changed; defaults and empty fields are left out."""
    values = {**form, "p": "", **{k: str(v) for k, v in changes.items()}}
    if values.get("mode") == DEFAULT_MODE:
        values["mode"] = ""
    if values.get("p") == "1":
        values["p"] = ""
    return "/search?" + urlencode({k: v for k, v in values.items() if v})
