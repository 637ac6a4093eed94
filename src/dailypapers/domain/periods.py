"""Feed periods (a day, an ISO week, a month): parsing, date ranges and neighbours; pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from dailypapers.domain.errors import InvalidPeriod

PeriodKind = Literal["date", "week", "month"]

_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A span of feed days, inclusive of both ends."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def slug(self) -> str:
        if self.kind == "date":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "date":
            return self.start.strftime("%A, %B %-d, %Y")
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"Week {week}, {year} ({self.start:%b %-d} – {self.end:%b %-d})"
        return self.start.strftime("%B %Y")

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return period_containing(self.kind, self.end + timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_containing(kind: PeriodKind, day: date) -> Period:
    if kind == "date":
        return Period("date", day, day)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period("week", start, start + timedelta(days=6))
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period("month", start, following - timedelta(days=1))


def parse_day(text: str) -> date:
    """`YYYY-MM-DD`, with a message that says what is wrong."""
    match = _DAY_RE.match(text)
    if not match:
        raise InvalidPeriod(f"{text[:40]!r} is not a date; use YYYY-MM-DD, e.g. 2026-08-20")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise InvalidPeriod(f"{text!r} is not a real date ({exc})") from None


def parse_period(kind: PeriodKind, text: str) -> Period:
    """Parse `YYYY-MM-DD`, `YYYY-Www` or `YYYY-MM` for the given kind."""
    if kind == "date":
        return period_containing("date", parse_day(text))
    if kind == "week":
        match = _WEEK_RE.match(text)
        if not match:
            raise InvalidPeriod(f"{text[:40]!r} is not an ISO week; use YYYY-Www, e.g. 2026-W34")
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise InvalidPeriod(f"{text!r} is not a real ISO week (weeks run 01 to 52 or 53)") from None
        return period_containing("week", monday)
    match = _MONTH_RE.match(text)
    if not match:
        raise InvalidPeriod(f"{text[:40]!r} is not a month; use YYYY-MM, e.g. 2026-08")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1:
        raise InvalidPeriod(f"{text!r} is not a real month (months run 01 to 12)")
    return period_containing("month", date(year, month, 1))
