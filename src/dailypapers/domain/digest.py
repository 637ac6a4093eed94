"""Digest selection and schedule: which papers a subscriber gets and when digests are due. Pure: `now` is passed
in, nothing here reads the clock, the database, the network or the mail server.

A digest is a frozen ranking (the snapshot of trending at the cutoff); each subscriber's mail is that ranking
filtered by their topics, minus what they were already sent, plus — for subscribers with an account — papers
"picked for you" by cosine similarity to the papers they upvoted.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

import numpy as np

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import Paper

Frequency = Literal["daily", "weekly"]
FREQUENCIES: tuple[Frequency, ...] = ("daily", "weekly")
FREQUENCY_LABELS: dict[Frequency, str] = {"daily": "Daily, on weekdays", "weekly": "Weekly"}  # forms, pages
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_TOPICS = 20  # categories or keywords per list
MAX_KEYWORD_LENGTH = 64
_CATEGORY_RE = re.compile(r"^[a-z-]+(\.[A-Za-z-]+)?$")


def parse_frequency(raw: str) -> Frequency:
    """`daily` (also the form's `daily-weekdays`) or `weekly`; InvalidInput otherwise."""
    value = raw.strip().lower()
    if value in ("daily", "daily-weekdays"):
        return "daily"
    if value == "weekly":
        return "weekly"
    raise InvalidInput("choose a frequency: daily (on weekdays) or weekly")


# -- topics ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topics:
    """A subscriber's filter: any of `categories` (none: all), any `include` keyword (none: all), no `exclude`."""

    categories: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def matches(self, paper: Paper) -> bool:
        if self.categories and not set(self.categories).intersection(paper.categories):
            return False
        if not (self.include or self.exclude):
            return True  # most subscribers: no keywords, so no lower-casing of every abstract for every one
        text = f"{paper.title}\n{paper.abstract}".lower()
        if self.include and not any(word in text for word in self.include):
            return False
        return not any(word in text for word in self.exclude)

    @property
    def is_empty(self) -> bool:
        return not (self.categories or self.include or self.exclude)


def parse_topics(categories: str | Sequence[str], include: str, exclude: str) -> Topics:
    """Topics from form text (comma-separated); InvalidInput names what is wrong."""
    cats = _split(categories)
    for cat in cats:
        if not _CATEGORY_RE.match(cat):
            raise InvalidInput(f"{cat[:40]!r} is not an arXiv category such as cs.CL or math.PR")
    return Topics(
        tuple(dict.fromkeys(cats)),
        tuple(dict.fromkeys(w.lower() for w in _keywords(include, "include"))),
        tuple(dict.fromkeys(w.lower() for w in _keywords(exclude, "exclude"))),
    )


def _split(value: str | Sequence[str]) -> list[str]:
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    items = [p.strip() for p in parts if p.strip()]
    if len(items) > MAX_TOPICS:
        raise InvalidInput(f"at most {MAX_TOPICS} entries per list")
    return items


def _keywords(value: str, what: str) -> list[str]:
    words = _split(value)
    for word in words:
        if len(word) > MAX_KEYWORD_LENGTH or any(ord(c) < 32 for c in word):
            raise InvalidInput(f"{what} keywords are up to {MAX_KEYWORD_LENGTH} printable characters each")
    return words


# -- selection ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pick:
    """A paper picked for one subscriber, and the one line saying why."""

    arxiv_id: str
    why: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Selection:
    """What one subscriber's mail of one digest holds: trending ids in rank order, then personal picks."""

    trending: tuple[str, ...] = ()
    picks: tuple[Pick, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.trending and not self.picks

    @property
    def paper_ids(self) -> tuple[str, ...]:
        return self.trending + tuple(p.arxiv_id for p in self.picks)


def select_trending(
    snapshot: Sequence[Paper], topics: Topics, already_sent: set[str] | frozenset[str], limit: int
) -> list[str]:
    """The first `limit` papers of the ranked snapshot that match the topics and were not sent before."""
    chosen: list[str] = []
    for paper in snapshot:
        if len(chosen) >= limit:
            break
        if paper.arxiv_id not in already_sent and topics.matches(paper):
            chosen.append(paper.arxiv_id)
    return chosen


@dataclass(frozen=True, slots=True)
class LikedPapers:
    """The papers a subscriber upvoted, as unit vectors (rows of `matrix`, in the order of `papers`)."""

    papers: tuple[Paper, ...]
    matrix: np.ndarray = field(repr=False)


def unit_vectors(
    papers: Sequence[Paper], vectors: Mapping[str, Sequence[float]]
) -> tuple[tuple[Paper, ...], np.ndarray]:
    """The papers that have a vector, and their L2-normalised vectors as rows (zero vectors dropped)."""
    kept = [p for p in papers if p.arxiv_id in vectors]
    if not kept:
        return (), np.zeros((0, 0), dtype=np.float32)
    matrix = np.asarray([vectors[p.arxiv_id] for p in kept], dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1)
    ok = norms > 0
    return tuple(p for p, good in zip(kept, ok, strict=True) if good), matrix[ok] / norms[ok, None]


def personal_picks(
    candidates: Sequence[Paper],
    candidate_matrix: np.ndarray,
    liked: LikedPapers,
    exclude: set[str] | frozenset[str],
    limit: int,
    min_similarity: float = 0.0,
) -> list[Pick]:
    """Candidates ranked by their highest cosine similarity to any liked paper, best first.

    `candidate_matrix` holds the candidates' unit vectors as rows (see unit_vectors); excluded ids (already in
    the mail, already sent, upvoted by the subscriber) never come back. Ties keep the candidates' order (trending).
    """
    if limit <= 0 or not liked.papers or not candidates:
        return []
    return picks_from_similarity(
        candidates, candidate_matrix @ liked.matrix.T, liked.papers, exclude, limit, min_similarity
    )


def picks_from_similarity(
    candidates: Sequence[Paper],
    similarity: np.ndarray,
    liked: Sequence[Paper],
    exclude: set[str] | frozenset[str],
    limit: int,
    min_similarity: float = 0.0,
    saved: Collection[str] = (),
) -> list[Pick]:
    """personal_picks from the cosine similarities already computed: `similarity[c, l]` between candidate `c`
    and liked paper `l`. A digest run computes one matrix for the liked papers of many subscribers at once
    and hands each subscriber its columns. Liked papers in `saved` were saved, not upvoted; the why says so."""
    if limit <= 0 or not liked or not candidates:
        return []
    best = similarity.argmax(axis=1)  # the first (most recent) liked paper among equals gives the reason
    scores = similarity[np.arange(len(candidates)), best]
    picks: list[Pick] = []
    for i in np.argsort(-scores, kind="stable"):  # stable: ties keep the candidates' (trending) order
        paper, score = candidates[i], float(scores[i])
        if score < min_similarity or len(picks) >= limit:
            break
        if paper.arxiv_id in exclude:
            continue
        reason = liked[int(best[i])]
        how = "saved" if reason.arxiv_id in saved else "upvoted"
        picks.append(Pick(paper.arxiv_id, f"Similar to “{_short(reason.title)}”, which you {how}", score))
    return picks


def _short(title: str, limit: int = 80) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


# -- schedule ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """One scheduled digest: its `period` key ("2026-08-21" or "2026-W34"), the cutoff (UTC) and the feed
    dates its papers come from (inclusive)."""

    frequency: Frequency
    period: str
    cutoff: datetime
    start: date
    end: date


def latest_slot(frequency: Frequency, now: datetime, *, hour: int, zone: tzinfo, weekly_day: int) -> Slot:
    """The most recent scheduled digest at or before `now`.

    Daily digests go out on weekdays at `hour` local time, weekly ones on `weekly_day` (0 = Monday). Only the
    latest slot is ever returned, so a machine that was off for days sends one digest, not a backlog.
    """
    local_now = now.astimezone(zone)
    day = local_now.date()
    for _ in range(15):
        cutoff_local = datetime.combine(day, time(hour), tzinfo=zone)
        due = cutoff_local <= local_now
        wanted = day.weekday() < 5 if frequency == "daily" else day.weekday() == weekly_day
        if due and wanted:
            return _slot(frequency, day, cutoff_local.astimezone(UTC))
        day -= timedelta(days=1)
    raise AssertionError("a weekday or the weekly day is always found within two weeks")


def _slot(frequency: Frequency, day: date, cutoff: datetime) -> Slot:
    if frequency == "daily":
        # The day before the digest (the last full feed day) and the morning of the digest's own day; a
        # Monday digest reaches back over the weekend.
        back = 3 if day.weekday() == 0 else 1
        return Slot(frequency, day.isoformat(), cutoff, day - timedelta(days=back), day)
    year, week, _ = day.isocalendar()
    return Slot(frequency, f"{year}-W{week:02d}", cutoff, day - timedelta(days=7), day)


def parse_weekday(name: str) -> int:
    try:
        return WEEKDAYS.index(name.strip().lower())
    except ValueError:
        raise InvalidInput(f"{name!r} is not a weekday name such as monday") from None
