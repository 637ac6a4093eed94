"""Server-rendered HTML pages: each view asks the Hub, builds a plain context dict, and renders a template.

Views raise the domain's errors (InvalidInput, NotFound); app.py turns them into 400 / 404 pages.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.authors import organization_lookup
from dailypapers.domain.errors import InvalidInput, NotFound
from dailypapers.domain.models import PaperView, User
from dailypapers.domain.periods import Period, PeriodKind, period_containing
from dailypapers.hub import FeedPage, Hub
from dailypapers.usecases.accounts import safe_next_path
from dailypapers.web import activity_charts, author_views, discussion, page_slots, present
from dailypapers.web.auth import CurrentUser, current_user
from dailypapers.web.enrichment import card_extras, media_policy, paper_extras
from dailypapers.web.page_cache import CachedPage
from dailypapers.web.templating import render

MAX_PAGE = 100_000  # far past any real feed; bounds the OFFSET a crafted URL can ask the database for
_PAGE_RE = re.compile(r"^\d{1,6}$")

# HTML pages stay out of the OpenAPI schema, which documents the JSON API.
router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def wants_json(request: Request) -> bool:
    """Whether the in-place buttons' script (static/post_form.js) asked: it answers JSON instead of a redirect."""
    return "application/json" in request.headers.get("accept", "")


def back_to(request: Request, next_path: str, fallback: str) -> str:
    """Where a button's POST goes back to without JavaScript: the form's `next` field when it has one, else the page
    the button was pressed on — the path and query of a Referer from this site (browsers send it for same-origin
    POSTs under our Referrer-Policy) — else `fallback`, a page that shows the result. The buttons on cards carry no
    `next` field (one per button made a member's week page ~12 KB bigger); any path goes through safe_next_path."""
    if next_path:
        return safe_next_path(next_path)
    parts = urlsplit(request.headers.get("referer", ""))
    ours = {request.headers.get("host", ""), urlsplit(get_hub(request).settings.base_url).netloc} - {""}
    if parts.netloc not in ours or not parts.path:
        return fallback
    return safe_next_path(f"{parts.path}?{parts.query}" if parts.query else parts.path)


# -- feeds -------------------------------------------------------------------------------------------------


@router.get("/", name="home", dependencies=[CachedPage])
def home(request: Request, hub: HubDep, p: str | None = None, org: str | None = None) -> Response:
    """The latest day with papers, rendered like its /date/ page."""
    feed = hub.feed_for(hub.latest_day(), parse_page(p), organization_lookup(org))
    return render(request, "feed.html", feed_context(feed, hub, is_home=True) | _marks(request, hub, feed))


# `?org=NAME` keeps a page to one organization's papers (links on the page keep it).
@router.get("/date/{slug}", name="day", dependencies=[CachedPage])
def day(request: Request, hub: HubDep, slug: str, p: str | None = None, org: str | None = None) -> Response:
    return _feed_response(request, hub, "date", slug, p, org)


@router.get("/week/{slug}", name="week", dependencies=[CachedPage])
def week(request: Request, hub: HubDep, slug: str, p: str | None = None, org: str | None = None) -> Response:
    return _feed_response(request, hub, "week", slug, p, org)


@router.get("/month/{slug}", name="month", dependencies=[CachedPage])
def month(request: Request, hub: HubDep, slug: str, p: str | None = None, org: str | None = None) -> Response:
    return _feed_response(request, hub, "month", slug, p, org)


@router.get("/week", name="latest_week")
def latest_week(hub: HubDep) -> Response:
    """The week of the latest day with papers: the nav's "Weekly" link, as a shareable URL."""
    return RedirectResponse(present.period_url(period_containing("week", hub.latest_day().start)))


@router.get("/month", name="latest_month")
def latest_month(hub: HubDep) -> Response:
    return RedirectResponse(present.period_url(period_containing("month", hub.latest_day().start)))


def _feed_response(request: Request, hub: Hub, kind: PeriodKind, slug: str, p: str | None, org: str | None) -> Response:
    feed = hub.feed(kind, slug, parse_page(p), organization_lookup(org))
    return render(request, "feed.html", feed_context(feed, hub) | _marks(request, hub, feed))


def _marks(request: Request, hub: Hub, feed: FeedPage) -> dict[str, Any]:
    """The member's upvotes and saves among the page's papers, one query for the page (none for visitors)."""
    return {"marks": hub.viewer.marks(current_user(request), [item.paper.arxiv_id for item in feed.items])}


def parse_page(raw: str | None) -> int:
    """The `?p=` page number; anything but 1…MAX_PAGE is InvalidInput with a message saying so."""
    if raw is None or raw == "":
        return 1
    if not _PAGE_RE.match(raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidInput(f"page {raw[:20]!r} is not a page number; use ?p=1, ?p=2, … up to {MAX_PAGE}")
    return int(raw)


def feed_context(feed: FeedPage, hub: Hub, *, is_home: bool = False) -> dict[str, Any]:
    period, today = feed.period, hub.today()
    pages = max(1, -(-feed.total // feed.page_size))
    if feed.page > pages:
        raise NotFound(
            f"page {feed.page} is past the end of {period.label}: "
            f"it has {present.plural(feed.total, 'paper')} on {present.plural(pages, 'page')}"
        )
    heading = f"{present.kind_title(period.kind)} papers"
    org = feed.organization
    if org:
        heading += f" of {org}"
    return {
        "title": f"{heading} · {period.label}",
        "heading": heading,
        "org_filter": present.Link(org, present.org_url(org)) if org else None,
        "unfiltered_url": present.period_url(period) if org else None,
        "period": period,
        "feed": feed,
        "is_home": is_home,
        "nav_current": "/" if period.kind == "date" else f"/{period.kind}",
        "kind_word": present.kind_name(period.kind),
        "first_rank": (feed.page - 1) * feed.page_size + 1,
        "authors_of": author_views.card_authors(hub, [item.paper for item in feed.items]),  # verified badges
        "pages": pages,
        "views": present.view_switch(period, today, org),
        "previous": _neighbour(feed.previous, org),
        "next": _neighbour(feed.next, org),
        "newer_page_url": present.period_url(period, feed.page - 1, org) if feed.page > 1 else None,
        "older_page_url": present.period_url(period, feed.page + 1, org) if feed.has_more else None,
        "period_feed_url": present.period_url(period),  # + .atom / .rss: this period's papers as a feed
        "in_future": period.start > today,
        "is_current": period.contains(today),
        # Only an empty page says how the upstreams are doing (offline, or not synced yet): one small read.
        "upstreams": [] if feed.items else hub.upstream.status(),
        **card_extras(hub, [item.paper for item in feed.items]),
    }


def _neighbour(period: Period | None, org: str | None = None) -> present.Link | None:
    return present.Link(period.label, present.period_url(period, org=org)) if period else None


# -- papers ------------------------------------------------------------------------------------------------


@router.get("/papers/{arxiv_id:path}", name="paper", dependencies=[CachedPage])
def paper_page(request: Request, hub: HubDep, user: CurrentUser, arxiv_id: str) -> Response:
    """Any id form is accepted; anything but the bare canonical id redirects there, so each paper has one URL."""
    canonical = parse_arxiv_ref(arxiv_id).arxiv_id
    if arxiv_id != canonical:
        return RedirectResponse(present.paper_url(canonical), status_code=301)
    view = hub.paper_view(canonical)
    context = paper_context(view, hub, user) | author_views.paper_authorship(hub, view, user)
    if (recorder := page_slots.recorder_of(request)) is not None:  # a shared render for members
        recorder.render_apart(_members_seeing_their_own(hub, view, context))
    response = render(request, "paper.html", context)
    if policy := media_policy(context["media"]):  # upstream media load from their own hosts, and only those
        response.headers["Content-Security-Policy"] = policy
    return response


def _members_seeing_their_own(hub: Hub, view: PaperView, context: dict[str, Any]) -> set[int]:
    """Members for whom this paper page differs beyond its slots: commenters (edit and delete buttons), claimants
    (their claim's state), verified authors and the submitter (the links form)."""
    ids = {claim.user.id for claim in hub.authorship.paper_claims(view.paper.arxiv_id)}
    ids.update(link.member.id for link in context["author_links"] if link.member)
    if view.entry is not None and view.entry.submitter_id is not None:
        ids.add(view.entry.submitter_id)
    comments = list(context["discussion"]["thread"])
    while comments:
        comment = comments.pop()
        comments.extend(comment.replies)
        if comment.author is not None:
            ids.add(comment.author.id)
    return ids


def paper_context(view: PaperView, hub: Hub, viewer: User | None) -> dict[str, Any]:
    """Everything paper.html shows apart from authorship (web/author_views.py adds that), the viewer's votes, save
    and followed authors included (one query)."""
    paper, entry, organization = view.paper, view.entry, view.organization
    return {
        "title": paper.title,
        "paper": paper,
        "entry": entry,
        "via": present.attribution(entry),
        "organization_name": (organization.fullname if organization else None) or (entry and entry.organization),
        "vote_count": view.upvotes,
        "marks": hub.viewer.marks(viewer, [paper.arxiv_id], paper.authors),
        "feed_day": _neighbour(period_containing("date", entry.feed_date)) if entry else None,
        "doi_url": f"https://doi.org/{paper.doi}" if paper.doi else None,
        "license_url": paper.license if paper.license and paper.license.startswith(("http://", "https://")) else None,
        "discussion": discussion.thread_context(hub, paper.arxiv_id),  # read by _comments.html
        "similar": hub.similar_papers(paper.arxiv_id, 5),  # vector neighbours; [] hides the block
        "vote_chart": activity_charts.paper_votes(hub, paper, entry),  # None unless votes came on several days
        **paper_extras(hub, paper),
    }


# -- placeholders ------------------------------------------------------------------------------------------
