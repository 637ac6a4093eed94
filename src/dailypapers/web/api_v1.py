"""The native JSON API under /api/v1: typed with pydantic (see api_models), versioned, read-only routes here."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from dailypapers.domain.models import FeedItem, FeedOrder, FeedQuery, PaperView
from dailypapers.domain.query import MAX_QUERY_LENGTH
from dailypapers.ports.search import SearchMode
from dailypapers.web.api_models import ERROR_RESPONSES, PaperOut, PaperPage, SearchHitOut, SearchPage, SimilarPapers
from dailypapers.web.auth import ApiCredentials
from dailypapers.web.caching import cached_response
from dailypapers.web.hf_api import API_MAX_AGE, feed_period
from dailypapers.web.pages import HubDep
from dailypapers.web.search_pages import MAX_RESULTS, check_depth, form_date, form_filters

_ORDERS: dict[str, FeedOrder] = {"upvotes": "upvotes", "recent": "recent"}

router = APIRouter(prefix="/api/v1", tags=["dailypapers API v1"], dependencies=[ApiCredentials])


def json_page(request: Request, model: BaseModel, next_url: str | None = None) -> Response:
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return cached_response(
        request, model.model_dump_json().encode(), "application/json", headers, max_age=API_MAX_AGE, cors=True
    )


def _view(item: FeedItem) -> PaperView:
    return PaperView(item.paper, item.entry, item.upvotes, item.organization)


# Registered before get_paper: its `{arxiv_id:path}` would otherwise swallow `…/similar`.
@router.get("/papers/{arxiv_id:path}/similar", response_model=SimilarPapers, responses=ERROR_RESPONSES)
def similar_papers(
    request: Request,
    hub: HubDep,
    arxiv_id: Annotated[str, Path(description="arXiv id, any version suffix accepted", max_length=64)],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> Response:
    """The papers nearest to this one by meaning (vector neighbours), the paper itself excluded."""
    paper = hub.paper(arxiv_id)  # InvalidArxivId → 400, PaperNotFound → 404
    body = SimilarPapers(items=[PaperOut.of(v) for v in hub.similar_papers(paper.arxiv_id, limit)])
    return json_page(request, body)


@router.get("/papers/{arxiv_id:path}", response_model=PaperOut, responses=ERROR_RESPONSES)
def get_paper(
    request: Request,
    hub: HubDep,
    arxiv_id: Annotated[str, Path(description="arXiv id, any version suffix accepted", max_length=64)],
) -> Response:
    """One paper with its upvotes and feed entry."""
    return json_page(request, PaperOut.of(hub.paper_view(arxiv_id)))


@router.get("/feed", response_model=PaperPage, responses=ERROR_RESPONSES)
def feed(
    request: Request,
    hub: HubDep,
    date: Annotated[str | None, Query(description="A day, YYYY-MM-DD")] = None,
    week: Annotated[str | None, Query(description="An ISO week, YYYY-Www")] = None,
    month: Annotated[str | None, Query(description="A month, YYYY-MM")] = None,
    submitter: Annotated[str | None, Query(max_length=64)] = None,
    sort: Annotated[Literal["upvotes", "recent"], Query(description="Most upvoted or latest submitted first")] = (
        "upvotes"
    ),
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response:
    """Papers on the daily feed: one day, week or month (or all), optionally one submitter's."""
    period = feed_period(date, week, month)
    query = FeedQuery(period.start if period else None, period.end if period else None, submitter, _ORDERS[sort])
    items, total = hub.daily_items(query, limit=limit, offset=(page - 1) * limit)
    more = page * limit < total
    next_url = str(request.url.include_query_params(page=page + 1)) if more else None
    body = PaperPage(items=[PaperOut.of(_view(i)) for i in items], total=total, page=page, limit=limit, next=next_url)
    return json_page(request, body, next_url)


@router.get("/search", response_model=SearchPage, responses=ERROR_RESPONSES)
def search(
    request: Request,
    hub: HubDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY_LENGTH,
            description='Words, `"phrases"`, `-exclusions`, `author:`, `cat:`, `year:`, `after:`, `before:`, '
            "`has:code` (see the README)",
        ),
    ],
    mode: Annotated[SearchMode, Query(description="keyword, semantic (by meaning) or hybrid (both)")] = "hybrid",
    cat: Annotated[str | None, Query(max_length=40, description="arXiv category or archive, e.g. cs.CL or cs")] = None,
    start: Annotated[
        str | None,
        Query(alias="from", description="Published on or after this day (YYYY-MM-DD) or year (YYYY)"),
    ] = None,
    end: Annotated[
        str | None,
        Query(alias="to", description="Published on or before this day (YYYY-MM-DD) or year (YYYY)"),
    ] = None,
    code: Annotated[bool, Query(description="Only papers with a linked code repository")] = False,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Papers matching a query, best first, with highlighted snippets; the first 1,000 results can be paged."""
    check_depth(page, limit)
    filters = form_filters(cat, form_date("from", start, end=False), form_date("to", end, end=True), code)
    results, views = hub.search(q, mode=mode, page=page, page_size=limit, filters=filters)
    items = [
        SearchHitOut.of_hit(views[h.arxiv_id], h.score, h.snippet_html) for h in results.hits if h.arxiv_id in views
    ]
    next_url = str(request.url.include_query_params(page=page + 1)) if results.has_more else None
    if next_url and page * limit >= MAX_RESULTS:
        next_url = None
    body = SearchPage(
        items=items,
        total=results.total,
        page=page,
        limit=limit,
        next=next_url,
        mode=results.mode,
        notice=results.notice,
    )
    return json_page(request, body, next_url)
