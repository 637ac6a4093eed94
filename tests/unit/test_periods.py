from datetime import date

import pytest

from dailypapers.domain.errors import InvalidPeriod
from dailypapers.domain.periods import parse_day, parse_period, period_containing


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
