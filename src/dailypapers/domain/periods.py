"""Feed periods (a day, an ISO week, a month) and the hub's calendar: parsing with bounds, ranges, neighbours; pure.

Every day a URL or a filter names goes through `parse_day` / `parse_day_or_year`, so one rule says which dates
exist here: real calendar days from FIRST_DAY to LAST_DAY (arXiv began in 1991; a hub has no use for the year 9999,
whose last week would end past what `datetime.date` can hold). The arithmetic is total as well: a period or a
neighbour of a date stored at the edge of Python's calendar is clamped, never an OverflowError.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from dailypapers.domain.errors import InvalidPeriod

PeriodKind = Literal["date", "week", "month"]

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

# re.ASCII: `\d` would also take the digits of other scripts (fullwidth, Arabic-Indic), which int() reads too.
_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$", re.ASCII)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_YEAR_RE = re.compile(r"^\d{4}$", re.ASCII)
_SHOWN = 40  # characters of a bad value quoted back in a message


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
        return period_containing(self.kind, _shift(self.start, -1))

    def next(self) -> Period:
        return period_containing(self.kind, _shift(self.end, 1))

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _shift(day: date, days: int) -> date:
    """`day` moved by `days`, stopping at the ends of what `date` can hold."""
    ordinal = min(max(day.toordinal() + days, date.min.toordinal()), date.max.toordinal())
    return date.fromordinal(ordinal)


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The day, ISO week (Monday to Sunday) or month around `day`; total for every `date`."""
    if kind == "date":
        return Period("date", day, day)
    if kind == "week":
        start = _shift(day, -day.weekday())
        return Period("week", start, _shift(start, 6))
    start = day.replace(day=1)
    return Period("month", start, day.replace(day=calendar.monthrange(day.year, day.month)[1]))


def _in_calendar(day: date, text: str) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidPeriod(
            f"{text[:_SHOWN]!r} is outside this hub's calendar, which runs from {FIRST_DAY.isoformat()} "
            f"to {LAST_DAY.isoformat()}"
        )
    return day


def parse_day(text: str) -> date:
    """`YYYY-MM-DD`, a real day of the hub's calendar, with a message that says what is wrong."""
    match = _DAY_RE.match(text)
    if not match:
        raise InvalidPeriod(f"{text[:_SHOWN]!r} is not a date; use YYYY-MM-DD, e.g. 2026-08-20")
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise InvalidPeriod(f"{text!r} is not a real date ({exc})") from None
    return _in_calendar(day, text)


def parse_year(text: str, *, within: str | None = None) -> int:
    """A bare four-digit year of the hub's calendar (`within`: the whole value it came from, for the message)."""
    if not _YEAR_RE.match(text):
        raise InvalidPeriod(f"{text[:_SHOWN]!r} is not a year; write four digits, e.g. 2024")
    year = int(text)
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        shown = (within or text)[:_SHOWN]
        raise InvalidPeriod(
            f"{shown!r} is outside this hub's calendar, which runs from {FIRST_DAY.year} to {LAST_DAY.year}"
        )
    return year


def parse_day_or_year(text: str, *, end: bool = False) -> date:
    """A date filter: `YYYY-MM-DD`, or a bare year `YYYY` standing for its first day (its last with `end`).

    The one parser of the search box's `after:` / `before:` / `year:`, the form's `from` / `to` and the API's.
    """
    if _YEAR_RE.match(text):
        year = parse_year(text)
        return date(year, 12, 31) if end else date(year, 1, 1)
    if not _DAY_RE.match(text):
        raise InvalidPeriod(f"{text[:_SHOWN]!r} is not a date; write a day (2024-01-31) or a year (2024)")
    return parse_day(text)


def parse_period(kind: PeriodKind, text: str) -> Period:
    """Parse `YYYY-MM-DD`, `YYYY-Www` or `YYYY-MM` for the given kind; InvalidPeriod says what is wrong."""
    if kind == "date":
        return period_containing("date", parse_day(text))
    if kind == "week":
        match = _WEEK_RE.match(text)
        if not match:
            raise InvalidPeriod(f"{text[:_SHOWN]!r} is not an ISO week; use YYYY-Www, e.g. 2026-W34")
        parse_year(match[1], within=text)
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise InvalidPeriod(f"{text!r} is not a real ISO week (weeks run 01 to 52 or 53)") from None
        return period_containing("week", _in_calendar(monday, text))
    match = _MONTH_RE.match(text)
    if not match:
        raise InvalidPeriod(f"{text[:_SHOWN]!r} is not a month; use YYYY-MM, e.g. 2026-08")
    year, month = parse_year(match[1], within=text), int(match[2])
    if not 1 <= month <= 12:
        raise InvalidPeriod(f"{text!r} is not a real month (months run 01 to 12)")
    return period_containing("month", date(year, month, 1))
