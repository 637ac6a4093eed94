"""Presentation helpers for pages: URLs of periods and papers, author lists, submission lines; pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode, urlsplit

from dailypapers.domain.models import FeedEntry
from dailypapers.domain.periods import Period, PeriodKind, period_containing
from dailypapers.domain.upstream_records import upstream_label, upstream_paper_url, upstream_user_url

AUTHORS_SHOWN = 3

_KIND_NAMES: dict[PeriodKind, str] = {"date": "day", "week": "week", "month": "month"}
_KIND_TITLES: dict[PeriodKind, str] = {"date": "Daily", "week": "Weekly", "month": "Monthly"}


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link; `current` marks the one describing the page being shown."""

    label: str
    url: str
    current: bool = False


def kind_name(kind: PeriodKind) -> str:
    """`day`, `week` or `month`: the word used in sentences ("No papers this week")."""
    return _KIND_NAMES[kind]


def kind_title(kind: PeriodKind) -> str:
    """`Daily`, `Weekly` or `Monthly`."""
    return _KIND_TITLES[kind]


def period_url(period: Period, page: int = 1, org: str | None = None) -> str:
    """A feed page's address; `org` keeps the page to one organization's papers (`?org=`)."""
    query = {name: value for name, value in (("org", org), ("p", str(page) if page > 1 else None)) if value}
    url = f"/{period.kind}/{period.slug}"
    return f"{url}?{urlencode(query)}" if query else url


def paper_url(arxiv_id: str) -> str:
    # Old-style ids contain a slash that is part of the id, so it stays unescaped in the path.
    return "/papers/" + quote(arxiv_id, safe="/")


def author_url(name: str) -> str:
    """The author page of a name as a paper lists it (white space tidied, everything else kept)."""
    return "/authors/" + quote(" ".join(name.split()), safe="")


def org_url(name: str) -> str:
    return "/orgs/" + quote(name, safe="")


def user_url(username: str) -> str:
    return "/u/" + quote(username, safe="")


def avatar_url(label: str) -> str:
    """The locally generated avatar (web/avatars.py) of a person or organization named `label`."""
    return "/avatar.svg?" + urlencode({"name": " ".join(label.split())[:100]})


def anchor_day(period: Period, today: date) -> date:
    """The day that stands for a period when switching views: today if inside it, else its nearest end."""
    return min(period.end, max(period.start, today))


def view_switch(period: Period, today: date, org: str | None = None) -> list[Link]:
    """Day / week / month views of the same span (of one organization's papers, if given), the current one marked."""
    day = anchor_day(period, today)
    links = []
    for kind in ("date", "week", "month"):
        target = period if kind == period.kind else period_containing(kind, day)
        links.append(Link(_KIND_TITLES[kind], period_url(target, org=org), current=kind == period.kind))
    return links


def short_authors(authors: tuple[str, ...] | list[str], shown: int = AUTHORS_SHOWN) -> str:
    """`A`, `A and B`, `A, B and C`, or `A, B, C et al. (12 authors)`."""
    names = list(authors)
    if not names:
        return "Unknown authors"
    if len(names) > shown:
        return f"{', '.join(names[:shown])} et al. ({len(names)} authors)"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where a feed entry also lives: the upstream's paper page, and its submitter as an upstream user (never a
    local account)."""

    paper: Link  # "Hugging Face" → https://huggingface.co/papers/ID
    submitter: Link | None  # "Full Name" → https://huggingface.co/user
    mirrored: bool  # the upstream put it on the feed here ("via …"); otherwise a member did ("also on …")


def attribution(entry: FeedEntry | None) -> Attribution | None:
    if entry is None or not entry.upstream:
        return None
    submitter = None
    if entry.submitted_by and entry.is_mirrored:
        label = entry.submitter_fullname or entry.submitted_by
        submitter = Link(label, upstream_user_url(entry.upstream, entry.submitted_by))
    paper = Link(upstream_label(entry.upstream), upstream_paper_url(entry.upstream, entry.arxiv_id))
    return Attribution(paper, submitter, entry.is_mirrored)


def submission_line(entry: FeedEntry) -> str:
    """Who put a paper on the feed, in words: a user, a category rule, or an import from another hub."""
    if entry.source == "upstream":
        name = entry.submitter_fullname or entry.submitted_by
        return f"submitted by {name}" if name else "from the upstream feed"
    if entry.source == "auto":
        return "added automatically (category rule)"
    if entry.source == "import":
        return f"imported · submitted by {entry.submitted_by}" if entry.submitted_by else "imported"
    return f"submitted by {entry.submitted_by}" if entry.submitted_by else "submitted"


def repo_label(url: str) -> str:
    """`owner/name` of a GitHub URL (the path, for any other host)."""
    path = urlsplit(url).path.strip("/")
    return path or url


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def thousands(count: int) -> str:
    """`987`, `1,234`, `12.3k`, `1.2M`: counts as the Hub and GitHub show them."""
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k".replace(".0k", "k")
    return f"{count / 1_000_000:.1f}M".replace(".0M", "M")
