"""Topic trends in pure terms: the topics a request names, the weeks of a window, weekly counts and their shares.

No index and no I/O: the counts come in from the search engines (keyword matches per week) and the store (papers on
the feed); this module only checks requests, lays out weeks and summarises series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.query import ParsedQuery, parse_query

MAX_TOPICS = 4  # more lines than this on one chart stop being readable
DEFAULT_MONTHS = 12
MAX_MONTHS = 36  # 157 weekly points: still a readable line, and a bounded amount of counting
TOP_PAPERS = 5


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic of a trends request: the query as written and as parsed."""

    q: str
    query: ParsedQuery


@dataclass(frozen=True, slots=True)
class Week:
    """Monday to Sunday, both days included."""

    start: date

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


@dataclass(frozen=True, slots=True)
class WeekCount:
    """One week of one topic: papers published that week matching it, and how many of those are on the feed."""

    start: date
    end: date  # inclusive
    count: int
    feed_count: int


def split_topics(raw: str) -> list[str]:
    """The topics of `q`: comma-separated (a comma inside double quotes belongs to a phrase), trimmed, blanks and
    repeats dropped, in the order written."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in raw:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    topics: list[str] = []
    for part in (" ".join(p.split()) for p in parts):
        if part and part.lower() not in (t.lower() for t in topics):
            topics.append(part)
    return topics


def parse_topics(raw: str) -> list[Topic]:
    """Check a trends request's `q`; InvalidInput says what is wrong (no topic, too many, a query that cannot run)."""
    texts = split_topics(raw)
    if not texts:
        raise InvalidInput("name at least one topic, e.g. q=agents, diffusion (a comma between topics)")
    if len(texts) > MAX_TOPICS:
        raise InvalidInput(f"at most {MAX_TOPICS} topics at a time; this request names {len(texts)}")
    topics = []
    for text in texts:
        try:
            topics.append(Topic(text, parse_query(text)))
        except InvalidInput as exc:
            raise InvalidInput(f"topic {text[:60]!r}: {exc}") from None
    return topics


def parse_months(raw: str) -> int:
    """`months=` of a trends request: a whole number from 1 to MAX_MONTHS; empty means the default."""
    if raw == "":
        return DEFAULT_MONTHS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_MONTHS:
        raise InvalidInput(f"months must be a whole number from 1 to {MAX_MONTHS}, not {raw[:20]!r}")
    return int(raw)


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` months earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_month - timedelta(days=1)).day))


def window_weeks(last_day: date, months: int) -> list[Week]:
    """The Monday-to-Sunday weeks covering the `months` months that end on `last_day`, oldest first: from the week
    holding the day after the date `months` months earlier, through the week holding `last_day`."""
    first = months_before(last_day, months) + timedelta(days=1)
    monday = first - timedelta(days=first.weekday())
    last_monday = last_day - timedelta(days=last_day.weekday())
    count = (last_monday - monday).days // 7 + 1
    return [Week(monday + timedelta(weeks=i)) for i in range(count)]


def week_index(weeks: Sequence[Week], day: date) -> int | None:
    """Which of these consecutive weeks holds `day` (None when outside them)."""
    if not weeks:
        return None
    index = (day - weeks[0].start).days // 7
    return index if 0 <= index < len(weeks) else None


def feed_counts(weeks: Sequence[Week], published_days: Sequence[date]) -> list[int]:
    """How many of these papers (their published days) fall in each week."""
    counts = [0] * len(weeks)
    for day in published_days:
        index = week_index(weeks, day)
        if index is not None:
            counts[index] += 1
    return counts


def share(count: int, total: int) -> float:
    """`count` as a percentage of `total` (0 when there were no papers at all)."""
    return 100.0 * count / total if total else 0.0


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """What a chart's text description says about one series."""

    total: int
    feed_total: int
    peak: WeekCount | None  # the first week with the most papers; None when every week is 0
    first_half: int  # papers in the older half of the weeks
    second_half: int  # papers in the newer half

    @property
    def change(self) -> float | None:
        """Growth of the newer half over the older, in percent; None when the older half had none."""
        return 100.0 * (self.second_half - self.first_half) / self.first_half if self.first_half else None


def summarise(weeks: Sequence[WeekCount]) -> SeriesSummary:
    """Totals, the peak week and the two halves of a series (an odd middle week counts in neither)."""
    counts = [w.count for w in weeks]
    peak = max(weeks, key=lambda w: w.count) if any(counts) else None
    half = len(counts) // 2
    return SeriesSummary(
        total=sum(counts),
        feed_total=sum(w.feed_count for w in weeks),
        peak=peak,
        first_half=sum(counts[:half]),
        second_half=sum(counts[len(counts) - half :]),
    )
