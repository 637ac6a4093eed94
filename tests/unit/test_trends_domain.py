"""domain.trends and domain.activity: topic lists, week windows, summaries, vote histories and trending reasons."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from dailypapers.domain.activity import (
    VoteDay,
    stars_gained,
    trending_reason,
    vote_history,
    voted_on_several_days,
)
from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.trends import (
    Week,
    WeekCount,
    feed_counts,
    months_before,
    parse_months,
    parse_topics,
    share,
    split_topics,
    summarise,
    window_weeks,
)


@pytest.mark.parametrize(
    ("raw", "topics"),
    [
        ("agents, diffusion", ["agents", "diffusion"]),
        ("agents,diffusion,", ["agents", "diffusion"]),
        ('"graph, neural" networks, agents', ['"graph, neural" networks', "agents"]),
        ("Agents, agents,  AGENTS ", ["Agents"]),
        ("  robot   grasping ,, ", ["robot grasping"]),
        (" , ", []),
    ],
)
def test_split_topics(raw: str, topics: list[str]) -> None:
    assert split_topics(raw) == topics


def test_parse_topics_checks_each_query() -> None:
    topics = parse_topics("agents cat:cs.AI, diffusion has:code")
    assert [t.q for t in topics] == ["agents cat:cs.AI", "diffusion has:code"]
    assert topics[0].query.filters.categories == ("cs.ai",)
    assert topics[1].query.filters.has_code
    with pytest.raises(InvalidInput, match="at most 4 topics at a time; this request names 5"):
        parse_topics("a, b, c, d, e")
    with pytest.raises(InvalidInput, match="name at least one topic"):
        parse_topics(",")
    with pytest.raises(InvalidInput, match="topic 'year:20x': `year:20x` is not a year"):
        parse_topics("agents, year:20x")


@pytest.mark.parametrize(("raw", "months"), [("", 12), ("1", 1), ("36", 36)])
def test_parse_months(raw: str, months: int) -> None:
    assert parse_months(raw) == months


@pytest.mark.parametrize("raw", ["0", "37", "-1", "1.5", "twelve"])
def test_parse_months_refuses(raw: str) -> None:
    with pytest.raises(InvalidInput, match="months must be a whole number from 1 to 36"):
        parse_months(raw)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 8, 20), 12, date(2025, 8, 20)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 12, 31), 36, date(2023, 12, 31)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


@pytest.mark.parametrize("last_day", [date(2026, 8, 17), date(2026, 8, 20), date(2026, 8, 23), date(2024, 2, 29)])
@pytest.mark.parametrize("months", [1, 6, 12, 36])
def test_window_weeks_are_consecutive_mondays_covering_the_months(last_day: date, months: int) -> None:
    weeks = window_weeks(last_day, months)
    assert all(w.start.weekday() == 0 and w.end == w.start + timedelta(days=6) for w in weeks)
    assert all(b.start - a.start == timedelta(weeks=1) for a, b in itertools.pairwise(weeks))
    assert weeks[-1].start <= last_day <= weeks[-1].end
    first = months_before(last_day, months) + timedelta(days=1)
    assert weeks[0].start <= first <= weeks[0].end


def test_feed_counts_bucket_days_into_weeks() -> None:
    weeks = [Week(date(2026, 8, 3)), Week(date(2026, 8, 10))]
    days = [date(2026, 8, 3), date(2026, 8, 9), date(2026, 8, 10), date(2026, 8, 2), date(2026, 8, 17)]
    assert feed_counts(weeks, days) == [2, 1]
    assert feed_counts([], days) == []


def test_share_and_summary() -> None:
    assert share(2, 8) == 25.0
    assert share(3, 0) == 0.0
    start = date(2026, 1, 5)
    counts = [1, 3, 0, 2, 5]
    weeks = [
        WeekCount(start + timedelta(weeks=i), start + timedelta(weeks=i, days=6), n, n // 2)
        for i, n in enumerate(counts)
    ]
    summary = summarise(weeks)
    assert (summary.total, summary.feed_total) == (11, 4)
    assert summary.peak == weeks[4]
    assert (summary.first_half, summary.second_half) == (4, 7)  # the middle week counts in neither half
    assert summary.change == 75.0
    empty = summarise([WeekCount(start, start, 0, 0)] * 4)
    assert empty.peak is None
    assert empty.change is None


def test_vote_history_counts_imported_votes_on_the_feed_day() -> None:
    days = [date(2026, 8, 3), date(2026, 8, 3), date(2026, 8, 5)]
    history = vote_history(days, imported=10, imported_day=date(2026, 8, 2))
    assert history == [
        VoteDay(date(2026, 8, 2), 10, 10),
        VoteDay(date(2026, 8, 3), 2, 12),
        VoteDay(date(2026, 8, 4), 0, 12),
        VoteDay(date(2026, 8, 5), 1, 13),
    ]
    assert voted_on_several_days(history)
    single = vote_history([date(2026, 8, 3)] * 4)
    assert single == [VoteDay(date(2026, 8, 3), 4, 4)]
    assert not voted_on_several_days(single)
    assert vote_history([], imported=5, imported_day=None) == []


def test_stars_gained_is_the_difference_to_the_previous_snapshot() -> None:
    snapshots = [(date(2026, 8, 1), 100), (date(2026, 8, 3), 130), (date(2026, 8, 4), 125), (date(2026, 8, 5), 140)]
    days = [date(2026, 8, 1) + timedelta(days=i) for i in range(5)]
    assert stars_gained(snapshots, days) == [None, None, 30, 0, 15]


def test_trending_reason_explains_a_card_in_the_scores_terms() -> None:
    now = datetime(2026, 8, 21, 12, tzinfo=UTC)
    votes = [datetime(2026, 8, 20, 9, tzinfo=UTC)] * 3 + [datetime(2026, 8, 14, 9, tzinfo=UTC)]
    snapshots = [(date(2026, 8, 14), 1000), (date(2026, 8, 21), 1700)]
    reason = trending_reason(
        vote_times=votes,
        imported_votes=5,
        submitted_at=datetime(2026, 8, 19, 12, tzinfo=UTC),
        snapshots=snapshots,
        window_start=date(2026, 8, 19),
        window_end=date(2026, 8, 21),
        now=now,
        star_window_days=7,
    )
    assert reason.votes_in_window == 3 + 5
    assert reason.imported_votes == 5
    assert reason.stars_per_day == 100.0
    assert reason.age_hours == 48.0
    assert reason.days[0] == date(2026, 8, 15)
    assert reason.days[-1] == date(2026, 8, 21)
    assert reason.votes_per_day == (0, 0, 0, 0, 0, 3, 0)
    assert reason.stars_gained == (None, None, None, None, None, None, 700)
    assert reason.has_chart
    quiet = trending_reason(
        vote_times=[],
        imported_votes=5,
        submitted_at=datetime(2026, 8, 1, tzinfo=UTC),
        snapshots=[],
        window_start=date(2026, 8, 19),
        window_end=date(2026, 8, 21),
        now=now,
        star_window_days=7,
    )
    assert quiet.votes_in_window == 0
    assert not quiet.has_chart
