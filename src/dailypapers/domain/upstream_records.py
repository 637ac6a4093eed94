"""One item of an HF-compatible `GET /api/daily_papers` answer turned into an ImportRecord, or why not; pure.

The shapes are Hugging Face's (../shared/reference/hf-papers-api.md §2): a `paper` object (id, authors,
arXiv `publishedAt`, upvotes, links, AI summary…) inside a daily item (submission time, submitter, comment count,
thumbnail, media, organization). Hugging Face nests some fields in `paper` that this hub repeats at the top level
(for the Python client), so each field is read from `paper` first and from the item second.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from dailypapers.domain.errors import InvalidRecord
from dailypapers.domain.models import FeedEntry, ImportRecord, Organization, Paper
from dailypapers.domain.records import clean_text, github_repo_url, parse_timestamp, upstream_id

MAX_LIST = 50  # keywords or media URLs kept per paper: enough for any real record, bounded for a hostile one
_MAX_TEXT = 255


def upstream_label(base_url: str) -> str:
    """How pages name an upstream: "Hugging Face" for huggingface.co, otherwise its host."""
    host = (urlsplit(base_url).hostname or base_url).lower()
    return "Hugging Face" if host in ("huggingface.co", "hf.co", "www.huggingface.co") else host


def upstream_paper_url(base_url: str, arxiv_id: str) -> str:
    """The paper's page on the upstream (Hugging Face and dailypapers hubs both serve `/papers/{id}`)."""
    return f"{base_url}/papers/{quote(arxiv_id, safe='/')}"


def upstream_user_url(base_url: str, username: str) -> str:
    """A submitter's page on the upstream: `/{user}` on Hugging Face, `/u/{user}` on a dailypapers hub."""
    name = quote(username, safe="")
    return f"{base_url}/{name}" if upstream_label(base_url) == "Hugging Face" else f"{base_url}/u/{name}"


def parse_daily_item(obj: object, *, day: date, base_url: str, synced_at: datetime) -> ImportRecord:
    """The record of one daily item fetched for `day` from the upstream at `base_url`; raises InvalidRecord.

    The entry is filed under `day` (the upstream's own day, whatever its timestamps say) and stamped with
    `synced_at`, the time of the answer, so a later answer replaces it and an older one never does.
    """
    if not isinstance(obj, Mapping):
        raise InvalidRecord(f"expected a JSON object, got {type(obj).__name__}")
    inner = obj.get("paper")
    paper_obj: Mapping[str, Any] = inner if isinstance(inner, Mapping) else {}

    def field(key: str) -> Any:
        value = paper_obj.get(key)
        return value if value is not None else obj.get(key)

    arxiv_id = upstream_id(paper_obj.get("id") or obj.get("id"))
    title = clean_text(field("title"))
    abstract = clean_text(field("summary"))
    if not title or not abstract:
        raise InvalidRecord(f"{arxiv_id}: missing {'title' if not title else 'summary'}")
    summary = _text(field("ai_summary"), limit=None)
    paper = Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=_authors(paper_obj.get("authors", obj.get("authors")), arxiv_id),
        published=parse_timestamp(paper_obj.get("publishedAt"), "paper.publishedAt"),
        github_repo=github_repo_url(field("githubRepo")),
        project_page=_url(field("projectPage"), base_url),
        imported_upvotes=_count(field("upvotes")),
        ai_summary=summary,
        ai_summary_model=_text(field("ai_summary_model")) if summary else None,
        ai_keywords=_strings(field("ai_keywords")),
        thumbnail_url=_url(obj.get("thumbnail"), base_url),
        media_urls=tuple(u for u in (_url(m, base_url) for m in _strings(field("mediaUrls"))) if u),
        withdrawn_at=_optional_time(field("withdrawnAt"), "withdrawnAt"),
    )
    submitter = obj.get("submittedBy") or paper_obj.get("submittedOnDailyBy")
    submitter = submitter if isinstance(submitter, Mapping) else {}
    submitted_at = _optional_time(obj.get("publishedAt"), "publishedAt") or _optional_time(
        paper_obj.get("submittedOnDailyAt"), "paper.submittedOnDailyAt"
    )
    organization = _organization(field("organization"), base_url)
    entry = FeedEntry(
        arxiv_id=arxiv_id,
        feed_date=day,
        submitted_at=submitted_at or datetime.combine(day, datetime.min.time(), UTC),
        submitted_by=_text(submitter.get("user") or submitter.get("name")),
        source="upstream",
        imported_comments=_count(obj.get("numComments", paper_obj.get("numComments"))),
        organization=organization.name if organization else None,
        upstream=base_url,
        submitter_fullname=_text(submitter.get("fullname")),
        submitter_avatar_url=_url(submitter.get("avatarUrl"), base_url),
        upstream_synced_at=synced_at,
    )
    stars = field("githubStars")
    return ImportRecord(paper, entry, organization, github_stars=_count(stars) if stars is not None else None)


def _authors(value: object, arxiv_id: str) -> tuple[str, ...]:
    """Names of `[{name, hidden…}]` (strings accepted too); hidden authors are still the paper's authors."""
    names: list[str] = []
    for author in value if isinstance(value, list) else []:
        name = author.get("name") if isinstance(author, Mapping) else author
        if text := clean_text(name):
            names.append(text)
    if not names:
        raise InvalidRecord(f"{arxiv_id}: missing authors")
    return tuple(names)


def _organization(value: object, base_url: str) -> Organization | None:
    if isinstance(value, str):  # older exports name it only
        return Organization(name) if (name := _text(value)) else None
    if not isinstance(value, Mapping):
        return None
    name = _text(value.get("name")) or _text(value.get("fullname"))
    if name is None:
        return None
    avatar = value.get("avatar") or value.get("avatarUrl")  # HF's papers API says `avatar`, users `avatarUrl`
    return Organization(name, _text(value.get("fullname")), _url(avatar, base_url))


def _text(value: object, limit: int | None = _MAX_TEXT) -> str | None:
    text = clean_text(value)
    if not text:
        return None
    return text[:limit] if limit else text


def _url(value: object, base_url: str) -> str | None:
    """An absolute http(s) URL; Hugging Face gives some avatars as paths of its own site."""
    if not isinstance(value, str) or not value.strip() or len(value) > 2048:
        return None
    url = urljoin(base_url + "/", value.strip())
    return url if url.lower().startswith(("http://", "https://")) else None


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    found = (clean_text(item) for item in value if isinstance(item, str))
    return tuple(dict.fromkeys(text[:_MAX_TEXT] for text in found if text))[:MAX_LIST]


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, int(value))


def _optional_time(value: object, key: str) -> datetime | None:
    return parse_timestamp(value, key) if value else None
