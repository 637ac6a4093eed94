"""digest.py: topics, trending selection, personal picks with their "why" line, and the schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from dailypapers.domain.digest import (
    LikedPapers,
    Topics,
    latest_slot,
    parse_frequency,
    parse_topics,
    personal_picks,
    picks_from_similarity,
    select_trending,
    unit_vectors,
)
from dailypapers.domain.errors import InvalidInput
from tests.web.seed import paper

P = [
    paper("2608.00001", title="Vision transformers", categories=("cs.CV",)),
    paper("2608.00002", title="Language models", categories=("cs.CL", "cs.LG")),
    paper("2608.00003", title="Robot language grounding", categories=("cs.RO",)),
    paper("2608.00004", title="Vision-language models", categories=("cs.CV", "cs.CL")),
]


def test_topics_parse_and_match() -> None:
    topics = parse_topics("cs.CL, cs.CV", "Language", "vision")
    assert topics == Topics(("cs.CL", "cs.CV"), ("language",), ("vision",))
    assert [p.arxiv_id for p in P if topics.matches(p)] == ["2608.00002"]
    assert all(Topics().matches(p) for p in P)
    with pytest.raises(InvalidInput):
        parse_topics("not a category!", "", "")
    with pytest.raises(InvalidInput):
        parse_topics(",".join(f"cs.A{i}" for i in range(21)), "", "")


def test_frequency_names() -> None:
    assert parse_frequency("daily-weekdays") == parse_frequency("Daily") == "daily"
    assert parse_frequency("weekly") == "weekly"
    with pytest.raises(InvalidInput):
        parse_frequency("hourly")


def test_select_trending_keeps_rank_filters_and_skips_sent() -> None:
    assert select_trending(P, Topics(), set(), 2) == ["2608.00001", "2608.00002"]
    assert select_trending(P, Topics(), {"2608.00001"}, 2) == ["2608.00002", "2608.00003"]
    assert select_trending(P, Topics(categories=("cs.CV",)), set(), 10) == ["2608.00001", "2608.00004"]
    assert select_trending(P, Topics(categories=("math.PR",)), set(), 10) == []


def test_personal_picks_rank_by_similarity_and_say_why() -> None:
    vectors = {
        "2608.00001": [1.0, 0.0, 0.0],
        "2608.00002": [0.0, 1.0, 0.0],
        "2608.00003": [0.1, 0.9, 0.3],
        "2608.00004": [0.7, 0.7, 0.0],
    }
    liked_paper = paper("2607.99999", title="A   language model we loved")
    liked_papers, liked_matrix = unit_vectors([liked_paper], {"2607.99999": [0.0, 1.0, 0.0]})
    candidates, matrix = unit_vectors(P, vectors)
    picks = personal_picks(candidates, matrix, LikedPapers(liked_papers, liked_matrix), {"2608.00002"}, 2, 0.2)
    assert [p.arxiv_id for p in picks] == ["2608.00003", "2608.00004"]
    assert picks[0].why == "Similar to “A language model we loved”, which you upvoted"
    assert picks[0].score == pytest.approx(0.9 / np.sqrt(0.91), rel=1e-5)
    assert personal_picks(candidates, matrix, LikedPapers((), np.zeros((0, 0))), set(), 3) == []
    # a high threshold keeps only the near-identical paper
    assert personal_picks(candidates, matrix, LikedPapers(liked_papers, liked_matrix), set(), 5, 0.99)[0].arxiv_id == (
        "2608.00002"
    )


def test_picks_from_one_shared_matrix_equal_picks_per_subscriber() -> None:
    # A digest run multiplies the candidates by the liked papers of a whole batch of subscribers once, then
    # hands each subscriber its columns: the picks must be those of the one-subscriber computation.
    rng = np.random.default_rng(5)
    candidates = [paper(f"2608.1{n:04d}", title=f"Candidate {n}") for n in range(40)]
    liked_pool = [paper(f"2607.1{n:04d}", title=f"Liked {n}") for n in range(60)]
    vectors = {p.arxiv_id: rng.normal(size=16).round(1).tolist() for p in candidates + liked_pool}
    vectors["2608.10003"] = vectors["2608.10004"]  # a tie: the earlier candidate (trending order) comes first
    cand_papers, cand_matrix = unit_vectors(candidates, vectors)
    pool_papers, pool_matrix = unit_vectors(liked_pool, vectors)
    shared = cand_matrix @ pool_matrix.T
    for _ in range(50):
        columns = [int(c) for c in rng.choice(len(pool_papers), size=int(rng.integers(1, 12)), replace=False)]
        liked = [pool_papers[c] for c in columns]
        exclude = {candidates[int(i)].arxiv_id for i in rng.choice(40, size=5, replace=False)}
        alone = personal_picks(cand_papers, cand_matrix, LikedPapers(*unit_vectors(liked, vectors)), exclude, 5, 0.1)
        batched = picks_from_similarity(cand_papers, shared[:, columns], liked, exclude, 5, 0.1)
        # the same picks, reasons and order; scores up to float32 rounding (matrix products of other shapes)
        assert [(p.arxiv_id, p.why) for p in batched] == [(p.arxiv_id, p.why) for p in alone]
        assert [p.score for p in batched] == pytest.approx([p.score for p in alone], abs=1e-6)


def test_unit_vectors_drop_missing_and_zero_vectors() -> None:
    papers, matrix = unit_vectors(P, {"2608.00001": [3.0, 4.0], "2608.00002": [0.0, 0.0]})
    assert [p.arxiv_id for p in papers] == ["2608.00001"]
    assert matrix.tolist() == [[pytest.approx(0.6), pytest.approx(0.8)]]


PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("now", "frequency", "period", "cutoff", "start"),
    [
        # Friday 12:00 UTC = 14:00 Paris: today's 08:00 Paris digest (06:00 UTC) is the latest
        (
            datetime(2026, 8, 21, 12, tzinfo=UTC),
            "daily",
            "2026-08-21",
            datetime(2026, 8, 21, 6, tzinfo=UTC),
            "2026-08-20",
        ),
        # Friday 05:00 UTC = 07:00 Paris: still Thursday's
        (
            datetime(2026, 8, 21, 5, tzinfo=UTC),
            "daily",
            "2026-08-20",
            datetime(2026, 8, 20, 6, tzinfo=UTC),
            "2026-08-19",
        ),
        # Sunday: no daily digest at weekends, Friday's is the latest
        (
            datetime(2026, 8, 23, 12, tzinfo=UTC),
            "daily",
            "2026-08-21",
            datetime(2026, 8, 21, 6, tzinfo=UTC),
            "2026-08-20",
        ),
        # Monday's reaches back to Friday
        (
            datetime(2026, 8, 24, 12, tzinfo=UTC),
            "daily",
            "2026-08-24",
            datetime(2026, 8, 24, 6, tzinfo=UTC),
            "2026-08-21",
        ),
        # weekly on Mondays: the latest Monday at 08:00 Paris
        (
            datetime(2026, 8, 21, 12, tzinfo=UTC),
            "weekly",
            "2026-W34",
            datetime(2026, 8, 17, 6, tzinfo=UTC),
            "2026-08-10",
        ),
    ],
)
def test_latest_slot(now: datetime, frequency: str, period: str, cutoff: datetime, start: str) -> None:
    slot = latest_slot(frequency, now, hour=8, zone=PARIS, weekly_day=0)  # type: ignore[arg-type]
    assert (slot.period, slot.cutoff, slot.start.isoformat()) == (period, cutoff, start)


def test_a_stale_schedule_gives_one_slot_not_a_backlog() -> None:
    # the machine was off for two weeks: the slot is the latest one only
    slot = latest_slot("daily", datetime(2026, 9, 4, 12, tzinfo=UTC), hour=8, zone=UTC, weekly_day=0)
    assert slot.period == "2026-09-04"
