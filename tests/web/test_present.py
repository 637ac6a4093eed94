"""Presentation helpers: author lists, submission lines, period URLs and the day/week/month switch."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dailypapers.domain.models import FeedEntry
from dailypapers.domain.periods import period_containing
from dailypapers.web import present


@pytest.mark.parametrize(
    ("authors", "shown"),
    [
        ((), "Unknown authors"),
        (("A",), "A"),
        (("A", "B"), "A and B"),
        (("A", "B", "C"), "A, B and C"),
        (("A", "B", "C", "D"), "A, B, C et al. (4 authors)"),
    ],
)
def test_short_authors(authors: tuple[str, ...], shown: str) -> None:
    assert present.short_authors(authors) == shown


def _entry(source: str, by: str | None) -> FeedEntry:
    return FeedEntry("2608.00001", date(2026, 8, 20), datetime(2026, 8, 20, tzinfo=UTC), by, source)


@pytest.mark.parametrize(
    ("source", "by", "line"),
    [
        ("user", "ada", "submitted by ada"),
        ("user", None, "submitted"),
        ("auto", None, "added automatically (category rule)"),
        ("import", None, "imported"),
        ("import", "ada", "imported · submitted by ada"),
    ],
)
def test_submission_line(source: str, by: str | None, line: str) -> None:
    assert present.submission_line(_entry(source, by)) == line


def test_urls() -> None:
    week = period_containing("week", date(2026, 8, 20))
    assert present.period_url(week) == "/week/2026-W34"
    assert present.period_url(week, page=3) == "/week/2026-W34?p=3"
    assert present.paper_url("hep-th/9901001") == "/papers/hep-th/9901001"
    assert present.repo_label("https://github.com/org/repo") == "org/repo"


def test_view_switch_anchors_on_today_inside_the_period_else_its_end() -> None:
    today = date(2026, 8, 21)
    month = period_containing("month", date(2026, 8, 1))
    assert [link.url for link in present.view_switch(month, today)] == [
        "/date/2026-08-21",
        "/week/2026-W34",
        "/month/2026-08",
    ]
    july = period_containing("month", date(2026, 7, 1))
    assert present.view_switch(july, today)[0].url == "/date/2026-07-31"
    assert [link.current for link in present.view_switch(july, today)] == [False, False, True]
