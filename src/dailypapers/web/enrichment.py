"""What pages show of the enrichment (built here, formatted by the templates) and the thumbnail images' route."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dailypapers.domain.enrichment import HubLinks, HubRepo, Thumbnail, keyword_search_url
from dailypapers.domain.errors import NotFound
from dailypapers.domain.models import Paper
from dailypapers.hub import Hub
from dailypapers.web.caching import etag_matches, weak_etag
from dailypapers.web.security import CONTENT_SECURITY_POLICY

THUMBNAIL_MAX_AGE = 365 * 24 * 3600  # the URL carries the version: a new rendering is a new URL
CARD_KEYWORDS = 3
PAGE_REPOS = 8  # per Hub section on the paper page (the API gives all that are kept); the rest is one link away
_VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".m4v", ".ogv")
HUB_URL_PATHS = {"models": "", "datasets": "datasets/", "spaces": "spaces/"}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class PaperExtras:
    """What a card or paper page shows beside the paper row: its thumbnail and its repository's stars."""

    thumbnail: Thumbnail | None = None
    stars: int | None = None


@dataclass(frozen=True, slots=True)
class Chip:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Media:
    url: str
    is_video: bool


@dataclass(frozen=True, slots=True)
class HubSection:
    """One of "Models / Datasets / Spaces citing this paper": the listed repositories and the total count."""

    title: str
    total: int
    repos: tuple[tuple[HubRepo, str], ...]  # (repository, its page on the Hub)
    more_url: str  # the Hub's full listing


def keyword_chips(paper: Paper, limit: int | None = None) -> list[Chip]:
    keywords = paper.shown_keywords[:limit] if limit else paper.shown_keywords
    return [Chip(k, keyword_search_url(k)) for k in keywords]


def extras(hub: Hub, papers: Sequence[Paper]) -> dict[str, PaperExtras]:
    """Thumbnails and star counts of a page's papers, in two queries; papers with neither are absent."""
    thumbnails = hub.enrichment.thumbnails([p.arxiv_id for p in papers])
    stars = hub.github_stars(papers)
    return {
        p.arxiv_id: PaperExtras(thumbnails.get(p.arxiv_id), stars.get(p.arxiv_id))
        for p in papers
        if p.arxiv_id in thumbnails or p.arxiv_id in stars
    }


def card_extras(hub: Hub, papers: Sequence[Paper]) -> dict[str, Any]:
    """What feed and trending cards show beyond the paper row: thumbnails, stars, keyword chips."""
    return {
        "extras": extras(hub, papers),
        "card_keywords": {p.arxiv_id: keyword_chips(p, CARD_KEYWORDS) for p in papers if p.shown_keywords},
    }


def paper_extras(hub: Hub, paper: Paper) -> dict[str, Any]:
    """The enrichment part of a paper page's context."""
    extra = extras(hub, [paper]).get(paper.arxiv_id, PaperExtras())
    media = [Media(url, urlsplit(url).path.lower().endswith(_VIDEO_SUFFIXES)) for url in paper.media_urls]
    return {
        "thumbnail": extra.thumbnail,
        "stars": extra.stars,
        "keyword_chips": keyword_chips(paper),
        "media": media,
        "hub_sections": hub_sections(hub.settings.hf_hub_url, paper.arxiv_id, hub.enrichment.hub_links(paper.arxiv_id)),
    }


def hub_sections(hub_url: str, arxiv_id: str, links: HubLinks | None) -> list[HubSection]:
    """Non-empty sections only; none at all before the Hub was asked, or when nothing cites the paper."""
    if links is None:
        return []
    base = hub_url.rstrip("/")
    sections = []
    for kind, title, repos, total in (
        ("models", "Models citing this paper", links.models, links.num_models),
        ("datasets", "Datasets citing this paper", links.datasets, links.num_datasets),
        ("spaces", "Spaces citing this paper", links.spaces, links.num_spaces),
    ):
        if total or repos:
            listed = tuple((repo, f"{base}/{HUB_URL_PATHS[kind]}{repo.id}") for repo in repos[:PAGE_REPOS])
            more = f"{base}/{kind}?other=arxiv:{arxiv_id}"
            sections.append(HubSection(title, max(total, len(repos)), listed, more))
    return sections


def media_policy(media: Sequence[Media]) -> str | None:
    """The page's CSP allowing exactly the https hosts of its media (the site-wide one allows only our own)."""
    hosts = sorted({f"https://{u.netloc}" for m in media if (u := urlsplit(m.url)).scheme == "https" and u.netloc})
    if not hosts:
        return None
    allowed = " ".join(hosts)
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {allowed}") + (
        f"; media-src {allowed}"
    )


@router.get("/thumbnails/{arxiv_id:path}.webp", name="thumbnail")
def thumbnail(request: Request, arxiv_id: str, v: str | None = None) -> Response:
    """A paper's first-page thumbnail; cached for a year when asked by its versioned URL (as pages link it)."""
    hub: Hub = request.app.state.hub
    found = hub.enrichment.thumbnail_image(arxiv_id)
    if found is None:
        raise NotFound(f"no thumbnail of {arxiv_id[:40]} yet")
    image, meta = found
    etag = weak_etag(image)
    current = v == str(meta.version)
    cache = f"public, max-age={THUMBNAIL_MAX_AGE}, immutable" if current else "public, max-age=3600"
    headers = {"ETag": etag, "Cache-Control": cache}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(image, media_type="image/webp", headers=headers)
