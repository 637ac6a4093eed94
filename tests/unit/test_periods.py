from datetime import date

import pytest

from dailypapers.domain.errors import InvalidPeriod
from dailypapers.domain.periods import (
    FIRST_DAY,
    LAST_DAY,
    parse_day,
    parse_day_or_year,
    parse_period,
    period_containing,
)


def test_day_week_month_ranges() -> None:
    assert parse_period("date", "2026-08-20").start == date(2026, 8, 20)
    week = parse_period("week", "2026-W34")
    assert (week.start, week.end) == (date(2026, 8, 17), date(2026, 8, 23))
    month = parse_period("month", "2024-02")
    assert (month.start, month.end) == (date(2024, 2, 1), date(2024, 2, 29))


def test_slugs_round_trip_and_neighbours() -> None:
    week = parse_period("week", "2026-W01")
    assert week.slug == "2026-W01"
    assert week.previous().slug == "2025-W52"
    assert parse_period("month", "2025-12").next().slug == "2026-01"
    assert parse_period("date", "2024-03-01").previous().slug == "2024-02-29"


def test_iso_week_of_year_boundary_uses_iso_year() -> None:
    assert period_containing("week", date(2027, 1, 1)).slug == "2026-W53"


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("date", "2026-13-45", "not a real date"),
        ("date", "2026-02-30", "not a real date"),
        ("date", "yesterday", "YYYY-MM-DD"),
        ("week", "2026-W60", "not a real ISO week"),
        ("week", "2026-34", "YYYY-Www"),
        ("month", "2026-13", "not a real month"),
        ("month", "2026-8", "YYYY-MM"),
    ],
)
def test_invalid_periods_say_what_is_wrong(kind: str, text: str, message: str) -> None:
    with pytest.raises(InvalidPeriod, match=message):
        parse_period(kind, text)  # type: ignore[arg-type]


def test_parse_day_rejects_datetimes() -> None:
    with pytest.raises(InvalidPeriod):
        parse_day("2026-08-20T00:00:00")


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("date", "9999-12-31"),
        ("date", "0001-01-01"),
        ("date", "1899-12-31"),
        ("date", "3000-01-01"),
        ("week", "9999-W52"),
        ("week", "0001-W01"),
        ("week", "0000-W01"),
        ("month", "9999-12"),
        ("month", "0000-01"),
        ("month", "1899-12"),
    ],
)
def test_periods_outside_the_calendar_are_refused(kind: str, text: str) -> None:
    with pytest.raises(InvalidPeriod, match=rf"'{text}' is outside this hub's calendar"):
        parse_period(kind, text)  # type: ignore[arg-type]


def test_the_calendar_edges_themselves_are_periods() -> None:
    assert parse_period("date", FIRST_DAY.isoformat()).start == FIRST_DAY
    assert parse_period("date", LAST_DAY.isoformat()).next().start == date(3000, 1, 1)
    assert parse_period("month", "2999-12").end == LAST_DAY
    assert parse_period("week", "1900-W01").previous().slug == "1899-W52"


@pytest.mark.parametrize("day", [date.min, date.max, date(9999, 12, 27)])
@pytest.mark.parametrize("kind", ["date", "week", "month"])
def test_period_arithmetic_is_total(kind: str, day: date) -> None:
    """A date stored at the end of Python's calendar (an import can carry one) never raises OverflowError."""
    period = period_containing(kind, day)  # type: ignore[arg-type]
    assert period.start <= day <= period.end
    assert period.previous().end <= period.end
    assert period.next().start >= period.start


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2024", False, date(2024, 1, 1)),
        ("2024", True, date(2024, 12, 31)),
        ("2024-02-29", False, date(2024, 2, 29)),
        ("2024-02-29", True, date(2024, 2, 29)),
    ],
)
def test_date_filters_take_a_day_or_a_bare_year(text: str, end: bool, expected: date) -> None:
    assert parse_day_or_year(text, end=end) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "is not a date; write a day"),
        ("24", "is not a date"),
        ("0000", "outside this hub's calendar"),
        ("9999", "outside this hub's calendar"),
        ("2023-02-29", "not a real date"),
        ("2024-1-5", "is not a date"),
        ("１２３４", "is not a date"),  # fullwidth digits, which int() would read
        ("x" * 10_000, "is not a date"),
    ],
)
def test_date_filters_refuse_what_is_no_day(text: str, message: str) -> None:
    with pytest.raises(InvalidPeriod, match=message):
        parse_day_or_year(text)
