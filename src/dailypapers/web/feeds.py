"""Atom and RSS 2.0 feeds (daily, trending, search, category, author, one period, a public collection) built with
feedgen; no HTML.

Every feed exists in both formats at the same path with `.atom` or `.rss`. Output is deterministic for the same
data (no "generated now" timestamps), so weak ETags let readers poll cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from dailypapers.domain.errors import InvalidInput, NotFound
from dailypapers.domain.models import FeedEntry, FeedQuery, Paper, PaperView
from dailypapers.domain.periods import PeriodKind, parse_period
from dailypapers.hub import Hub
from dailypapers.web import present
from dailypapers.web.caching import cached_response

FeedFormat = Literal["atom", "rss"]
MEDIA_TYPES: dict[FeedFormat, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}

FEED_SIZE = 50
TRENDING_DAYS = 7
# No Hub method lists feed items by category yet, so the category feed filters the most recent submissions.
CATEGORY_WINDOW = 1000
AUTHOR_SEARCH_LIMIT = 500
_CATEGORY_RE = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$")  # cs.CV, math.AP, hep-th, astro-ph.GA
# A feed with no entries still needs a stable `updated`; the Unix epoch says "never" without changing per request.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

router = APIRouter(include_in_schema=False)


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What one feed is about: `path` without the extension, and the page it mirrors on the site."""

    path: str
    title: str
    subtitle: str
    page_path: str


# -- building ----------------------------------------------------------------------------------------------

ATOM_NS = "http://www.w3.org/2005/Atom"


class _RelatedLinks(BaseExtension):  # type: ignore[misc]  # feedgen ships no type hints
    """Feed half of the `related` extension: nothing at feed level."""


class _RelatedEntryLinks(BaseEntryExtension):  # type: ignore[misc]  # feedgen ships no type hints
    """`<atom:link rel="related">` on entries of both formats.

    feedgen 1.0.0 drops `rel` and `title` from entry links (a shadowed variable in `atom_entry`), so a second
    link would read as another alternate; and RSS items have room for one link only. This writes the arXiv link.
    """

    def __init__(self) -> None:
        self._links: list[tuple[str, str]] = []

    def add(self, href: str, title: str) -> None:
        self._links.append((href, title))

    def extend_atom(self, entry: Any) -> Any:
        for href, title in self._links:
            xml_elem(f"{{{ATOM_NS}}}link", entry, href=href, rel="related", title=title)
        return entry

    def extend_rss(self, item: Any) -> Any:
        return self.extend_atom(item)


# XML 1.0 has no place for C0 controls other than tab and newlines, nor for U+FFFE / U+FFFF: a search for "a\x1f"
# or an imported title carrying one must not make the feed unwritable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML cannot carry."""
    return _NOT_XML.sub("", text)


def absolute(hub: Hub, path: str) -> str:
    return hub.settings.base_url.rstrip("/") + path


def render_feed(
    hub: Hub,
    spec: FeedSpec,
    fmt: FeedFormat,
    items: Sequence[tuple[Paper, FeedEntry | None]],
    query: str = "",
    *,
    updated_at: Mapping[str, datetime] | None = None,
) -> bytes:
    """The feed document; `items` in the order readers should show them, `query` appended to self links.

    `updated_at`: when each paper joined the list, for lists whose news is the joining (a collection), not the
    paper or its feed entry changing."""
    fg = FeedGenerator()
    if fmt == "rss":
        # RSS <author> must be an email address; Dublin Core's dc:creator is how RSS feeds name people.
        fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("related", _RelatedLinks, _RelatedEntryLinks)
    self_url = absolute(hub, f"{spec.path}.{fmt}{query}")
    fg.id(self_url)
    fg.title(xml_text(f"{hub.settings.site_name}: {spec.title}"))
    fg.subtitle(xml_text(spec.subtitle))  # RSS requires a description; feedgen maps subtitle to it
    fg.link(href=self_url, rel="self")
    fg.link(href=absolute(hub, spec.page_path), rel="alternate")  # last: feedgen makes the last link RSS's <link>
    fg.language("en")
    stamps = [(updated_at or {}).get(p.arxiv_id) or _entry_updated(p, e) for p, e in items]
    updated = max(stamps, default=_EPOCH)
    fg.updated(updated)
    fg.lastBuildDate(updated)  # feedgen would put "now" here, changing the bytes (and the ETag) on every request
    for (paper, _entry), stamp in zip(items, stamps, strict=True):
        _add_entry(hub, fg, fmt, paper, stamp)
    text: bytes = fg.atom_str(pretty=True) if fmt == "atom" else fg.rss_str(pretty=True)
    return text


def _entry_updated(paper: Paper, entry: FeedEntry | None) -> datetime:
    changed = paper.last_changed
    return max(changed, entry.submitted_at) if entry else changed


def _add_entry(hub: Hub, fg: FeedGenerator, fmt: FeedFormat, paper: Paper, updated: datetime) -> None:
    page = absolute(hub, present.paper_url(paper.arxiv_id))
    fe = fg.add_entry(order="append")
    fe.id(page)  # our paper page is the one stable address of the entry, whichever feed carries it
    fe.title(xml_text(paper.title))
    fe.link(href=page, rel="alternate")
    fe.related.add(paper.abs_url, "arXiv")
    fe.published(paper.published)
    fe.updated(updated)
    fe.summary(xml_text(paper.abstract))
    for category in paper.categories:
        fe.category(term=xml_text(category), scheme="https://arxiv.org/category_taxonomy", label=xml_text(category))
    for name in paper.authors:
        if fmt == "rss":
            fe.dc.dc_creator(xml_text(name))
        else:
            fe.author(name=xml_text(name))


def _feed_response(
    request: Request,
    hub: Hub,
    spec: FeedSpec,
    fmt: str,
    items: Sequence[tuple[Paper, FeedEntry | None]],
    query: str = "",
    *,
    private: bool = False,
    updated_at: Mapping[str, datetime] | None = None,
) -> Response:
    feed_format = _format(fmt)
    body = render_feed(hub, spec, feed_format, items, query, updated_at=updated_at)
    response = cached_response(request, body, MEDIA_TYPES[feed_format])
    if private:  # a member's own feed: readers may cache it, shared caches and proxies may not
        response.headers["Cache-Control"] = response.headers["Cache-Control"].replace("public", "private")
    return response


def _format(fmt: str) -> FeedFormat:
    if fmt == "atom":
        return "atom"
    if fmt == "rss":
        return "rss"
    raise NotFound(f"no feed format {fmt[:20]!r}; feeds end in .atom or .rss")


def _split_name(name_with_ext: str) -> tuple[str, str]:
    """`cs.CV.atom` → (`cs.CV`, `atom`): the format is whatever follows the last dot."""
    name, dot, fmt = name_with_ext.rpartition(".")
    if not dot or not name:
        raise NotFound("feeds end in .atom or .rss")
    return name, fmt


def _from_views(views: Sequence[PaperView]) -> list[tuple[Paper, FeedEntry | None]]:
    return [(v.paper, v.entry) for v in views]


# -- routes ------------------------------------------------------------------------------------------------


@router.get("/feeds/daily.{fmt}", name="feed_daily")
def daily_feed(request: Request, hub: HubDep, fmt: str) -> Response:
    """The latest submissions to the daily feed, most recent first."""
    items, _ = hub.daily_items(FeedQuery(order="recent"), limit=FEED_SIZE)
    spec = FeedSpec(
        "/feeds/daily", "daily papers", "The latest papers submitted to the daily feed, most recent first.", "/"
    )
    return _feed_response(request, hub, spec, fmt, [(i.paper, i.entry) for i in items])


@router.get("/feeds/trending.{fmt}", name="feed_trending")
def trending_feed(request: Request, hub: HubDep, fmt: str) -> Response:
    # The same ranking as /trending: votes with age decay and GitHub-star velocity (docs/trending.md).
    items = hub.trending(days=TRENDING_DAYS).items[:FEED_SIZE]
    spec = FeedSpec(
        "/feeds/trending",
        "trending papers",
        f"Papers submitted in the last {TRENDING_DAYS} days, ranked by the hub's trending score.",
        "/trending",
    )
    return _feed_response(request, hub, spec, fmt, [(i.paper, i.entry) for i in items])


# Two fixed paths rather than `/search.{fmt}`, which would also swallow `/search.bib`.
@router.get("/search.atom", name="feed_search_atom")
def search_feed_atom(request: Request, hub: HubDep, q: Annotated[str, Query()] = "") -> Response:
    return _search_feed(request, hub, "atom", q)


@router.get("/search.rss", name="feed_search_rss")
def search_feed_rss(request: Request, hub: HubDep, q: Annotated[str, Query()] = "") -> Response:
    return _search_feed(request, hub, "rss", q)


def _search_feed(request: Request, hub: Hub, fmt: FeedFormat, q: str) -> Response:
    views = hub.search_papers(q, limit=FEED_SIZE)  # empty / over-long q → InvalidInput → 400
    page = "/search?" + urlencode({"q": q})  # the same search as a page
    spec = FeedSpec("/search", f"search “{q}”", f"Papers matching “{q}”, best matches first.", page)
    return _feed_response(request, hub, spec, fmt, _from_views(views), "?" + urlencode({"q": q}))


@router.get("/feeds/for-you/{key_with_ext}", name="feed_for_you")
def for_you_feed(request: Request, hub: HubDep, key_with_ext: str) -> Response:
    """A member's private "for you" feed; the URL is the secret (shown on their profile), so no sign-in needed."""
    key, fmt = _split_name(key_with_ext)
    user = hub.user_for_feed_key(key)
    items = hub.for_you.rank(user, limit=FEED_SIZE)
    spec = FeedSpec(
        f"/feeds/for-you/{key}",
        f"for {user.display_name}",
        "Recent papers most like the ones you upvoted, then what is trending.",
        f"/u/{user.username}",
    )
    return _feed_response(request, hub, spec, fmt, [(i.view.paper, i.view.entry) for i in items], private=True)


@router.get("/feeds/saved/{key_with_ext}", name="feed_saved_searches")
def saved_searches_feed(request: Request, hub: HubDep, key_with_ext: str) -> Response:
    """New matches of a member's saved searches, newest first; private like the for-you feed (its own key)."""
    key, fmt = _split_name(key_with_ext)
    user = hub.user_for_saved_searches_key(key)
    matches = hub.saved_search_matches(user.id, limit=FEED_SIZE)
    spec = FeedSpec(
        f"/feeds/saved/{key}",
        f"saved searches of {user.display_name}",
        "Papers new to the hub since each search was saved that match it, newest first.",
        "/settings/searches",
    )
    return _feed_response(request, hub, spec, fmt, [(m.view.paper, m.view.entry) for m in matches], private=True)


@router.get("/feeds/category/{name_with_ext}", name="feed_category")
def category_feed(request: Request, hub: HubDep, name_with_ext: str) -> Response:
    category, fmt = _split_name(name_with_ext)
    if not _CATEGORY_RE.match(category):
        raise InvalidInput(f"{category[:40]!r} is not an arXiv category; use e.g. cs.CV or hep-th")
    recent, _ = hub.daily_items(FeedQuery(order="recent"), limit=CATEGORY_WINDOW)
    items = [(i.paper, i.entry) for i in recent if category in i.paper.categories][:FEED_SIZE]
    spec = FeedSpec(
        f"/feeds/category/{category}",
        f"{category} papers",
        f"The latest papers in {category} submitted to the daily feed, most recent first.",
        "/",
    )
    return _feed_response(request, hub, spec, fmt, items)


@router.get("/feeds/author/{name_with_ext}", name="feed_author")
def author_feed(request: Request, hub: HubDep, name_with_ext: str) -> Response:
    name, fmt = _split_name(name_with_ext)
    name = " ".join(name.split())
    # Substring search finds candidates; only papers listing exactly this author (ignoring case) are kept.
    wanted = name.casefold()
    views = [
        v
        for v in hub.search_papers(name, limit=AUTHOR_SEARCH_LIMIT)
        if any(" ".join(a.split()).casefold() == wanted for a in v.paper.authors)
    ]
    views.sort(key=lambda v: (v.paper.published, v.paper.arxiv_id), reverse=True)
    spec = FeedSpec(
        "/feeds/author/" + quote(name),
        f"papers by {name}",
        f"Papers by {name} in this hub, newest first.",
        "/",
    )
    return _feed_response(request, hub, spec, fmt, _from_views(views[:FEED_SIZE]))


# -- one period, one collection ----------------------------------------------------------------------------


def _period_feed(request: Request, hub: Hub, kind: PeriodKind, slug: str, fmt: FeedFormat) -> Response:
    """A day's (week's, month's) papers, most upvoted first, as on its page: the feed of one period."""
    period = parse_period(kind, slug)  # InvalidPeriod → 400, the same answer as the page's
    items, _ = hub.daily_items(FeedQuery(period.start, period.end, order="upvotes"), limit=FEED_SIZE)
    heading = f"{present.kind_title(kind).lower()} papers"
    spec = FeedSpec(
        present.period_url(period),
        f"{heading}, {period.label}",
        f"Papers submitted to the feed in {period.label}, most upvoted first.",
        present.period_url(period),
    )
    return _feed_response(request, hub, spec, fmt, [(i.paper, i.entry) for i in items])


def _period_route(kind: PeriodKind, fmt: FeedFormat) -> Callable[[Request, Hub, str], Response]:
    def route(request: Request, hub: HubDep, slug: str) -> Response:
        return _period_feed(request, hub, kind, slug, fmt)

    return route


# Fixed suffixes, like /search.atom: a `{slug}.{fmt}` pattern would also take the periods' `.bib` exports.
for _kind in get_args(PeriodKind):
    for _fmt in get_args(FeedFormat):
        router.add_api_route(f"/{_kind}/{{slug}}.{_fmt}", _period_route(_kind, _fmt), name=f"{_kind}_feed_{_fmt}")


def _collection_feed(request: Request, hub: Hub, username: str, slug: str, fmt: FeedFormat) -> Response:
    """A public collection, most recently added first; a private one is not found (feed readers have no session)."""
    page = hub.collection_page(None, username, slug)
    collection, owner = page.collection, page.owner
    path = f"/u/{quote(owner.username)}/c/{quote(collection.slug)}"
    spec = FeedSpec(
        path,
        f"{collection.name} (a collection by {owner.display_name})",
        collection.description or f"Papers {owner.display_name} added to the collection {collection.name}.",
        path,
    )
    entries = page.entries[:FEED_SIZE]
    items = [(e.view.paper, e.view.entry) for e in entries]
    added = {e.view.paper.arxiv_id: e.item.added_at for e in entries}
    return _feed_response(request, hub, spec, fmt, items, updated_at=added)


@router.get("/u/{username}/c/{slug}.atom", name="collection_feed_atom")
def collection_feed_atom(request: Request, hub: HubDep, username: str, slug: str) -> Response:
    return _collection_feed(request, hub, username, slug, "atom")


@router.get("/u/{username}/c/{slug}.rss", name="collection_feed_rss")
def collection_feed_rss(request: Request, hub: HubDep, username: str, slug: str) -> Response:
    return _collection_feed(request, hub, username, slug, "rss")
