"""A paper's activity by day: upvotes cast, stars gained, and why a paper is on the trending list. Pure, no I/O.

The store hands in vote times and star snapshots; `now` and the window are arguments, as in ranking.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dailypapers.domain.ranking import hours_between, star_velocity

MIN_CHART_DAYS = 7  # a trending card's chart shows at least a week, even for the one-day window


def days_between(start: date, end: date) -> list[date]:
    """Every day from `start` to `end`, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass(frozen=True, slots=True)
class VoteDay:
    """One day of a paper's upvote history: votes cast that day and the running total at its end."""

    day: date
    votes: int
    total: int


def vote_history(cast_days: Iterable[date], *, imported: int = 0, imported_day: date | None = None) -> list[VoteDay]:
    """Every day from the first vote to the last, with the day's votes and the running total.

    Imported upvotes (mirrored from another hub, times unknown) count on the day the paper joined the feed, as the
    trending score counts them.
    """
    per_day = Counter(cast_days)
    if imported and imported_day is not None:
        per_day[imported_day] += imported
    if not per_day:
        return []
    total = 0
    history = []
    for day in days_between(min(per_day), max(per_day)):
        total += per_day[day]
        history.append(VoteDay(day, per_day[day], total))
    return history


def voted_on_several_days(history: Sequence[VoteDay]) -> bool:
    """Whether a history is worth a chart: votes on two days or more."""
    return sum(1 for d in history if d.votes) >= 2


@dataclass(frozen=True, slots=True)
class TrendingReason:
    """Why a paper is on the trending list, in the score's own terms, with the days behind a small chart."""

    votes_in_window: int  # votes cast in the window, imported ones included
    imported_votes: int  # of which mirrored from another hub (counted when the paper joined the feed)
    stars_per_day: float  # the star velocity the score uses
    age_hours: float  # since the paper joined the feed
    days: tuple[date, ...]
    votes_per_day: tuple[int, ...]
    stars_gained: tuple[int | None, ...]  # stars gained since the previous snapshot; None: no snapshot that day

    @property
    def has_chart(self) -> bool:
        """Whether the days have anything to draw: some votes with known times, or stars gained."""
        return any(self.votes_per_day) or any(s for s in self.stars_gained if s)


def stars_gained(snapshots: Sequence[tuple[date, int]], days: Sequence[date]) -> list[int | None]:
    """Stars gained on each day: the difference to the previous snapshot (losses count 0, as in the score)."""
    ordered = sorted(snapshots)
    by_day = dict(ordered)
    gained: list[int | None] = []
    for day in days:
        if day not in by_day:
            gained.append(None)
            continue
        before = [stars for snap_day, stars in ordered if snap_day < day]
        gained.append(max(0, by_day[day] - before[-1]) if before else None)
    return gained


def trending_reason(
    *,
    vote_times: Sequence[datetime],
    imported_votes: int,
    submitted_at: datetime,
    snapshots: Sequence[tuple[date, int]],
    window_start: date,
    window_end: date,
    now: datetime,
    star_window_days: int,
) -> TrendingReason:
    """A card's explanation: votes in the window (every vote, as the card's count shows them), the star velocity
    the score uses, the feed age, and per-day votes and stars over the window (a week at least)."""
    chart_start = min(window_start, window_end - timedelta(days=MIN_CHART_DAYS - 1))
    days = days_between(chart_start, window_end)
    cast = Counter(t.date() for t in vote_times)
    in_window = sum(n for day, n in cast.items() if window_start <= day <= window_end)
    imported_here = imported_votes if window_start <= submitted_at.date() <= window_end else 0
    return TrendingReason(
        votes_in_window=in_window + imported_here,
        imported_votes=imported_here,
        stars_per_day=star_velocity(snapshots, today=window_end, window_days=star_window_days),
        age_hours=hours_between(submitted_at, now),
        days=tuple(days),
        votes_per_day=tuple(cast[day] for day in days),
        stars_gained=tuple(stars_gained(snapshots, days)),
    )
