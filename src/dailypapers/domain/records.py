"""Import formats: turn one decoded JSON object into an ImportRecord, or say why not; pure.

Three formats are understood:
- `snapshot`: the public arXiv metadata snapshot (Kaggle / arXiv bulk: `id`, `versions`, `authors_parsed`, ...);
- `papers`: the hub's paper list format (`arxiv_id`, `title`, `abstract`, `authors` list, `published`, `github`);
- `hf-daily`: Hugging Face daily-papers records (`daily_date`, `submitted_on_daily_at`, `upvotes`, ...), which
  also put the paper on that day's feed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import InvalidArxivId, InvalidRecord
from dailypapers.domain.models import FeedEntry, ImportRecord, Organization, Paper

FormatName = Literal["snapshot", "papers", "hf-daily"]
FORMATS: tuple[FormatName, ...] = ("snapshot", "papers", "hf-daily")

_GITHUB_RE = re.compile(r"^https?://(?:www\.)?github\.com/[\w.-]+/[\w.-]+", re.IGNORECASE)


def detect_format(obj: Mapping[str, Any]) -> FormatName:
    """Guess the format from the keys of a record (the first good line of a file)."""
    if "daily_date" in obj or "submitted_on_daily_at" in obj:
        return "hf-daily"
    if "versions" in obj or "authors_parsed" in obj or ("id" in obj and "arxiv_id" not in obj):
        return "snapshot"
    if "arxiv_id" in obj:
        return "papers"
    raise InvalidRecord("unknown record format: expected an arXiv snapshot, papers or hf-daily record")


def parse_record(fmt: FormatName, obj: Mapping[str, Any]) -> ImportRecord:
    """Convert one record; raises InvalidRecord (or InvalidArxivId) with a message naming the field."""
    if not isinstance(obj, Mapping):
        raise InvalidRecord(f"expected a JSON object, got {type(obj).__name__}")
    return _PARSERS[fmt](obj)


def clean_text(value: object) -> str:
    """Collapse the hard line breaks and runs of spaces arXiv metadata is full of."""
    # str.split() is several times faster than a regex here, and imports call this for every field of every line.
    return " ".join(value.split()) if isinstance(value, str) else ""


def _optional_text(value: object) -> str | None:
    text = clean_text(value)
    return text or None


def _required_text(obj: Mapping[str, Any], key: str) -> str:
    text = clean_text(obj.get(key))
    if not text:
        raise InvalidRecord(f"missing or empty {key!r}")
    return text


def _arxiv_id(obj: Mapping[str, Any], key: str) -> str:
    return upstream_id(obj.get(key), key)


def upstream_id(raw: object, key: str = "id") -> str:
    """The canonical arXiv id of a record's id field; InvalidRecord when it is missing or not an arXiv id."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidRecord(f"missing {key!r}")
    try:
        return parse_arxiv_ref(raw).arxiv_id
    except InvalidArxivId as exc:
        raise InvalidRecord(str(exc)) from None


def parse_timestamp(value: object, key: str) -> datetime:
    """ISO dates and datetimes (`Z` or offsets) and RFC 2822 dates, always returned in UTC."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord(f"missing {key!r}")
    text = value.strip()
    try:
        if "," in text or "GMT" in text:
            parsed = parsedate_to_datetime(text)
        elif len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, TypeError, IndexError):
        raise InvalidRecord(f"{key!r} is not a date: {text[:40]!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _optional_timestamp(value: object, key: str) -> datetime | None:
    return parse_timestamp(value, key) if value else None


def _authors(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        # The snapshot's free-text author line: "A. One, B. Two and C. Three".
        parts = re.split(r",\s*|\s+and\s+", clean_text(value))
        names = tuple(p for p in parts if p)
    elif isinstance(value, list):
        names = tuple(clean_text(a) for a in value if isinstance(a, str) and clean_text(a))
    else:
        names = ()
    if not names:
        raise InvalidRecord("missing 'authors'")
    return names


def github_repo_url(value: object) -> str | None:
    """The github.com repository URL in a value (a URL or a list of words / URLs), trimmed; None without one."""
    return _github_repo(value)


def _github_repo(value: object) -> str | None:
    candidates = value if isinstance(value, list) else [value]
    for candidate in candidates:
        if isinstance(candidate, str) and (match := _GITHUB_RE.match(candidate.strip())):
            return match.group(0).rstrip(".").removesuffix(".git")
    return None


def _http_url(value: object) -> str | None:
    if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _snapshot(obj: Mapping[str, Any]) -> ImportRecord:
    arxiv_id = _arxiv_id(obj, "id")
    versions = obj.get("versions") or []
    if not isinstance(versions, list):
        raise InvalidRecord("'versions' must be a list")
    numbers, created = [], []
    for entry in versions:
        if not isinstance(entry, Mapping):
            raise InvalidRecord("'versions' entries must be objects")
        label = str(entry.get("version", ""))
        if not re.fullmatch(r"v\d+", label):
            raise InvalidRecord(f"bad version label {label[:20]!r}")
        numbers.append(int(label[1:]))
        created.append(parse_timestamp(entry.get("created"), "versions.created"))
    if not created:
        raise InvalidRecord("no 'versions': cannot tell when the paper was published")
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors = tuple(
            clean_text(" ".join(p for p in (row[1], row[0], *row[2:]) if p))
            for row in parsed
            if isinstance(row, list) and len(row) >= 2
        )
    else:
        authors = _authors(obj.get("authors"))
    categories = tuple(clean_text(obj.get("categories")).split())
    paper = Paper(
        arxiv_id=arxiv_id,
        title=_required_text(obj, "title"),
        abstract=_required_text(obj, "abstract"),
        authors=authors or _authors(obj.get("authors")),
        published=min(created),
        version=max(numbers),
        updated=max(created) if len(created) > 1 else None,
        categories=categories,
        comment=_optional_text(obj.get("comments")),
        journal_ref=_optional_text(obj.get("journal-ref")),
        doi=_optional_text(obj.get("doi")),
        license=_optional_text(obj.get("license")),
        github_repo=_github_repo(obj.get("abstract", "").split() if isinstance(obj.get("abstract"), str) else None),
    )
    return ImportRecord(paper)


def _papers(obj: Mapping[str, Any]) -> ImportRecord:
    categories = obj.get("categories") or []
    paper = Paper(
        arxiv_id=_arxiv_id(obj, "arxiv_id"),
        title=_required_text(obj, "title"),
        abstract=_required_text(obj, "abstract"),
        authors=_authors(obj.get("authors")),
        published=parse_timestamp(obj.get("published"), "published"),
        categories=tuple(clean_text(c) for c in categories if isinstance(c, str) and c.strip()),
        github_repo=_github_repo(obj.get("github")),
        project_page=_http_url(obj.get("project_page")),
        imported_upvotes=_count(obj.get("upvotes")),
    )
    return ImportRecord(paper)


def _hf_daily(obj: Mapping[str, Any]) -> ImportRecord:
    arxiv_id = _arxiv_id(obj, "arxiv_id")
    published = obj.get("published_at") or obj.get("published")
    paper = Paper(
        arxiv_id=arxiv_id,
        title=_required_text(obj, "title"),
        abstract=_required_text(obj, "abstract"),
        authors=_authors(obj.get("authors")),
        published=parse_timestamp(published, "published"),
        github_repo=_github_repo(obj.get("github")),
        project_page=_http_url(obj.get("project_page")),
        imported_upvotes=_count(obj.get("upvotes")),
    )
    feed_day = parse_timestamp(obj.get("daily_date"), "daily_date").date()
    submitted_at = _optional_timestamp(obj.get("submitted_on_daily_at"), "submitted_on_daily_at")
    organization = _organization(obj.get("organization"))
    stars = obj.get("github_stars")
    entry = FeedEntry(
        arxiv_id=arxiv_id,
        feed_date=feed_day,
        submitted_at=submitted_at or datetime.combine(feed_day, datetime.min.time(), UTC),
        submitted_by=_optional_text(obj.get("submitted_by")),
        source="import",
        imported_comments=_count(obj.get("num_comments")),
        organization=organization.name if organization else None,
        # The snapshot's time orders the answers: a file holding several snapshots of a paper ends with the
        # latest one's day and counts whatever the line order (the line order decides where no time is given).
        upstream_synced_at=_optional_timestamp(obj.get("snapshot_time"), "snapshot_time"),
    )
    return ImportRecord(paper, entry, organization, github_stars=_count(stars) if stars is not None else None)


def _organization(value: object) -> Organization | None:
    """An exported organization: its name, or HF's object (`name`, `fullname`, `avatar`)."""
    if isinstance(value, Mapping):
        name = _optional_text(value.get("name")) or _optional_text(value.get("fullname"))
        avatar = _http_url(value.get("avatar") or value.get("avatarUrl"))
        return Organization(name, _optional_text(value.get("fullname")), avatar) if name else None
    name = _optional_text(value)
    return Organization(name) if name else None


_PARSERS: dict[FormatName, Callable[[Mapping[str, Any]], ImportRecord]] = {
    "snapshot": _snapshot,
    "papers": _papers,
    "hf-daily": _hf_daily,
}
