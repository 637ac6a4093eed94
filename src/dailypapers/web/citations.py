"""BibTeX for papers and lists (`/papers/{id}.bib`, `/date|week|month/{slug}.bib`, `/search.bib`); no HTML.

The entries are built by dailypapers.references.bibtex (shared with the library's exports); these are the routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.models import FeedQuery, Paper
from dailypapers.domain.periods import PeriodKind, parse_period
from dailypapers.hub import Hub
from dailypapers.references.bibtex import BIBTEX_MEDIA_TYPE, bibtex, bibtex_entry, cite_key, latex_escape, unique_keys
from dailypapers.web.caching import cached_response

# Re-exported: tests and other modules have always imported the builders from here.
__all__ = ["BIBTEX_MEDIA_TYPE", "bibtex", "bibtex_entry", "cite_key", "latex_escape", "router", "unique_keys"]
# A month of a busy hub stays well under this; the bound keeps one request from reading the whole table.
LIST_EXPORT_LIMIT = 2000
SEARCH_EXPORT_LIMIT = 120  # the same ceiling as the HF-compatible search API

router = APIRouter(include_in_schema=False)


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


# -- routes ------------------------------------------------------------------------------------------------


def _bib_response(request: Request, papers: Sequence[Paper], filename: str) -> Response:
    # inline: browsers show the text (handy to copy); the filename still applies when the user saves it.
    headers = {"Content-Disposition": f'inline; filename="{filename}"'}
    return cached_response(request, bibtex(papers).encode("utf-8"), BIBTEX_MEDIA_TYPE, headers)


@router.get("/papers/{arxiv_id:path}.bib", name="paper_bibtex")
def paper_bibtex(request: Request, hub: HubDep, arxiv_id: str) -> Response:
    """One paper; any id form works (the entry is always for the canonical id)."""
    paper = hub.paper(parse_arxiv_ref(arxiv_id).arxiv_id)
    # Old-style ids contain a slash, which a file name cannot.
    return _bib_response(request, [paper], paper.arxiv_id.replace("/", "_") + ".bib")


def _period_bibtex(request: Request, hub: Hub, kind: PeriodKind, slug: str) -> Response:
    period = parse_period(kind, slug)  # InvalidPeriod → 400 in app.py
    items, _ = hub.daily_items(FeedQuery(period.start, period.end, order="upvotes"), limit=LIST_EXPORT_LIMIT)
    return _bib_response(request, [item.paper for item in items], f"{period.slug}.bib")


@router.get("/date/{slug}.bib", name="day_bibtex")
def day_bibtex(request: Request, hub: HubDep, slug: str) -> Response:
    return _period_bibtex(request, hub, "date", slug)


@router.get("/week/{slug}.bib", name="week_bibtex")
def week_bibtex(request: Request, hub: HubDep, slug: str) -> Response:
    return _period_bibtex(request, hub, "week", slug)


@router.get("/month/{slug}.bib", name="month_bibtex")
def month_bibtex(request: Request, hub: HubDep, slug: str) -> Response:
    return _period_bibtex(request, hub, "month", slug)


@router.get("/search.bib", name="search_bibtex")
def search_bibtex(request: Request, hub: HubDep, q: Annotated[str, Query()] = "") -> Response:
    views = hub.search_papers(q, limit=SEARCH_EXPORT_LIMIT)  # empty / over-long q → InvalidInput → 400
    return _bib_response(request, [v.paper for v in views], "search.bib")
