"""The native JSON API under /api/v1: typed with pydantic (see api_models), versioned, read-only routes here."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from dailypapers.models import FeedItem, FeedOrder, FeedQuery, PaperView
from dailypapers.web.api_models import ERROR_RESPONSES, PaperOut, PaperPage
from dailypapers.web.caching import cached_response
from dailypapers.web.hf_api import API_MAX_AGE, feed_period
from dailypapers.web.pages import HubDep

_ORDERS: dict[str, FeedOrder] = {"upvotes": "upvotes", "recent": "recent"}

router = APIRouter(prefix="/api/v1", tags=["dailypapers API v1"])


def json_page(request: Request, model: PaperPage | PaperOut, next_url: str | None = None) -> Response:
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return cached_response(
        request, model.model_dump_json().encode(), "application/json", headers, max_age=API_MAX_AGE, cors=True
    )


def _view(item: FeedItem) -> PaperView:
    return PaperView(item.paper, item.entry, item.upvotes)


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
