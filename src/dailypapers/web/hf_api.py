"""Hugging Face–compatible papers API (`/api/daily_papers`, `/api/papers…`, `/papers/{id}.md`): routes only.

Parameters are taken as strings and validated here, so a bad value is our 400 `{"error":…}` body, never FastAPI's
422; JSON shapes live in hf_shapes. Every answer is cacheable (ETag, Cache-Control) and readable cross-origin.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dailypapers.domain.authors import organization_lookup
from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import FeedOrder, FeedQuery, Paper, PaperView
from dailypapers.domain.periods import Period, PeriodKind, parse_period
from dailypapers.domain.query import MAX_QUERY_LENGTH
from dailypapers.hub import Hub
from dailypapers.web.api_models import ERROR_RESPONSES
from dailypapers.web.auth import ApiCredentials
from dailypapers.web.caching import cached_response
from dailypapers.web.hf_models import HfDailyItem, HfPaper, HfPaperInfo
from dailypapers.web.hf_shapes import daily_item_json, linked_json, paper_json, paper_markdown
from dailypapers.web.pages import MAX_PAGE, HubDep

DAILY_LIMIT, DAILY_MAX = 50, 100
SEARCH_LIMIT, SEARCH_MAX = 50, 120
LIST_LIMIT, LIST_MAX = 50, 100
API_MAX_AGE = 60
_INT_RE = re.compile(r"^\d{1,7}$")

# publishedAt: newest submissions first (HF's default). trending: the trending score of ranking.py (docs/trending.md).
_SORTS: dict[str, FeedOrder] = {"publishedAt": "recent", "trending": "trending"}

router = APIRouter(tags=["Hugging Face compatible"], dependencies=[ApiCredentials])


# -- parameters --------------------------------------------------------------------------------------------


def bounded_int(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    """A query integer in low…high; absent or empty means `default`; anything else is InvalidInput."""
    if raw is None or raw == "":
        return default
    if not _INT_RE.match(raw) or not low <= int(raw) <= high:
        raise InvalidInput(f"{name} must be an integer from {low} to {high}, not {raw[:20]!r}")
    return int(raw)


def feed_period(date: str | None, week: str | None, month: str | None) -> Period | None:
    candidates: tuple[tuple[PeriodKind, str | None], ...] = (("date", date), ("week", week), ("month", month))
    given = [(kind, value) for kind, value in candidates if value]
    if len(given) > 1:
        raise InvalidInput("give at most one of date, week and month")
    return parse_period(*given[0]) if given else None


def encode_cursor(published: datetime, arxiv_id: str) -> str:
    return base64.urlsafe_b64encode(f"{published.isoformat()}|{arxiv_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position an `encode_cursor` value stands for; a cursor we did not make is InvalidInput."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        published, arxiv_id = text.split("|", 1)
        moment = datetime.fromisoformat(published)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor is not one this API gave out; take it from the Link header") from None
    if moment.tzinfo is None or not arxiv_id:
        raise InvalidInput("cursor is not one this API gave out; take it from the Link header")
    return moment, arxiv_id


# -- responses ---------------------------------------------------------------------------------------------


def cached(request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None) -> Response:
    """`body` with a weak ETag, Cache-Control and open CORS; 304 when the client's If-None-Match matches."""
    return cached_response(request, body, media_type, headers, max_age=API_MAX_AGE, cors=True)


def json_response(request: Request, data: Any, next_url: str | None = None) -> Response:
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return cached(request, orjson.dumps(data), "application/json", headers)


def _paper_view(hub: Hub, view: PaperView, stars: dict[str, int]) -> dict[str, Any]:
    verified = hub.authorship.verified_authors([view.paper.arxiv_id]).get(view.paper.arxiv_id)
    arxiv_id = view.paper.arxiv_id
    return paper_json(view.paper, view.entry, view.upvotes, view.organization, stars.get(arxiv_id), verified=verified)


def _thumbnails(hub: Hub, papers: list[Paper]) -> dict[str, str]:
    """Absolute URLs of the papers' first-page thumbnails (API clients need the whole address)."""
    base = hub.settings.base_url.rstrip("/")
    return {i: base + t.url for i, t in hub.enrichment.thumbnails([p.arxiv_id for p in papers]).items()}


def items_json(hub: Hub, views: list[PaperView]) -> list[dict[str, Any]]:
    """Daily / search items with GitHub stars, thumbnails, verified authors and whether one of them commented (four
    queries for the whole page)."""
    ids = [v.paper.arxiv_id for v in views]
    stars = hub.github_stars(v.paper for v in views)
    thumbs = _thumbnails(hub, [v.paper for v in views])
    verified = hub.authorship.verified_authors(ids)
    participating = hub.authorship.author_comments(ids)
    return [
        daily_item_json(
            v.paper,
            v.entry,
            v.upvotes,
            v.organization,
            stars.get(v.paper.arxiv_id),
            thumbs.get(v.paper.arxiv_id),
            verified=verified.get(v.paper.arxiv_id),
            author_participating=v.paper.arxiv_id in participating,
        )
        for v in views
    ]


# -- routes ------------------------------------------------------------------------------------------------


@router.get("/api/daily_papers", name="hf_daily_papers", response_model=list[HfDailyItem], responses=ERROR_RESPONSES)
def daily_papers(
    request: Request,
    hub: HubDep,
    date: Annotated[str | None, Query(description="A feed day, YYYY-MM-DD")] = None,
    week: Annotated[str | None, Query(description="An ISO week, YYYY-Www")] = None,
    month: Annotated[str | None, Query(description="A month, YYYY-MM")] = None,
    submitter: Annotated[
        str | None, Query(description="Only this user's submissions (a member here, or an upstream's user)")
    ] = None,
    org: Annotated[str | None, Query(description="Only papers of this organization, e.g. google")] = None,
    sort: Annotated[str | None, Query(description="publishedAt (default) or trending")] = None,
    p: Annotated[str | None, Query(description="Page number, from 0")] = None,
    limit: Annotated[str | None, Query(description=f"Items per page, 1–{DAILY_MAX} (default {DAILY_LIMIT})")] = None,
) -> Response:
    """Daily-feed items, HF's `list_daily_papers`; without date, week or month, every day's."""
    period = feed_period(date, week, month)
    if sort and sort not in _SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(_SORTS)}, not {sort[:40]!r}")
    page = bounded_int("p", p, 0, 0, MAX_PAGE)
    size = bounded_int("limit", limit, DAILY_LIMIT, 1, DAILY_MAX)
    query = FeedQuery(
        start=period.start if period else None,
        end=period.end if period else None,
        submitter=submitter or None,
        order=_SORTS[sort or "publishedAt"],
        organization=organization_lookup(org),
    )
    if query.order == "trending":  # the score is taken at the hub's clock under its settings
        trending = hub.trending_query(query.start, query.end, query.submitter)
        query = dataclasses.replace(trending, organization=query.organization)
    items, total = hub.daily_items(query, limit=size, offset=page * size)
    more = (page + 1) * size < total
    next_url = str(request.url.include_query_params(p=page + 1, limit=size)) if more else None
    views = [PaperView(i.paper, i.entry, i.upvotes, i.organization) for i in items]
    return json_response(request, items_json(hub, views), next_url)


@router.get("/api/papers/search", name="hf_search_papers", response_model=list[HfDailyItem], responses=ERROR_RESPONSES)
def search_papers(
    request: Request,
    hub: HubDep,
    q: Annotated[str | None, Query(description=f"Words to find, at most {MAX_QUERY_LENGTH} characters")] = None,
    limit: Annotated[
        str | None, Query(description=f"At most this many, 1–{SEARCH_MAX} (default {SEARCH_LIMIT})")
    ] = None,
) -> Response:
    """Papers matching `q`, HF's `list_papers(query=…)`: items shaped like daily-papers items."""
    size = bounded_int("limit", limit, SEARCH_LIMIT, 1, SEARCH_MAX)
    if not q or not q.strip():
        raise InvalidInput("q is required: the words to search for")
    views = hub.search_papers(q, limit=size)
    return json_response(request, items_json(hub, views))


@router.get("/api/papers", name="hf_list_papers", response_model=list[HfPaper], responses=ERROR_RESPONSES)
def list_papers(
    request: Request,
    hub: HubDep,
    cursor: Annotated[str | None, Query(description="Where to continue; from the previous page's Link header")] = None,
    limit: Annotated[str | None, Query(description=f"Papers per page, 1–{LIST_MAX} (default {LIST_LIMIT})")] = None,
) -> Response:
    """Every paper, newest published first, cursor-paged (a cursor stays valid while papers are added)."""
    size = bounded_int("limit", limit, LIST_LIMIT, 1, LIST_MAX)
    after = decode_cursor(cursor) if cursor else None
    papers = hub.list_papers(limit=size + 1, after=after)  # one extra tells whether a next page exists
    page = papers[:size]
    found = hub.paper_views([paper.arxiv_id for paper in page])  # upvotes and feed entries, one query
    views = [found[paper.arxiv_id] for paper in page if paper.arxiv_id in found]
    next_url = None
    if len(papers) > size:
        last = page[-1]
        next_url = str(request.url.include_query_params(cursor=encode_cursor(last.published, last.arxiv_id)))
    stars = hub.github_stars(v.paper for v in views)
    return json_response(request, [_paper_view(hub, v, stars) for v in views], next_url)


@router.get("/api/papers/{arxiv_id:path}", name="hf_paper", response_model=HfPaperInfo, responses=ERROR_RESPONSES)
def paper(request: Request, hub: HubDep, arxiv_id: str) -> Response:
    """One paper, HF's `paper_info`, with the models, datasets and Spaces citing it (as the Hub listed them at the
    last refresh); any id form (a version suffix too) answers with the canonical id."""
    view = hub.paper_view(arxiv_id)
    body = _paper_view(hub, view, hub.github_stars([view.paper]))
    body.update(linked_json(hub.enrichment.hub_links(view.paper.arxiv_id)))
    return json_response(request, body)


class MarkdownResponse(Response):
    media_type = "text/markdown"


# Outside /api/ errors are the site's HTML error pages, like any other page.
_HTML_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": spec["description"], "content": {"text/html": {}}}
    for status, spec in ERROR_RESPONSES.items()
}


@router.get(
    "/papers/{arxiv_id:path}.md", name="hf_paper_markdown", response_class=MarkdownResponse, responses=_HTML_ERRORS
)
def paper_markdown_page(request: Request, hub: HubDep, arxiv_id: str) -> Response:
    """The paper page as markdown, HF's `read_paper`."""
    view = hub.paper_view(arxiv_id)
    body = paper_markdown(view.paper, view.entry, view.upvotes).encode()
    return cached(request, body, "text/markdown; charset=utf-8")
