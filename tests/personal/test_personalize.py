"""The for-you maths: the vector signal, shared authors, the weighted blend under the slider, and the "why" lines."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from dailypapers.domain.models import Paper
from dailypapers.domain.personalize import (
    LikedPaper,
    Profile,
    Signals,
    Weights,
    author_affinity,
    author_line,
    blend,
    centroid_scores,
    percentiles,
    rank,
)


def unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32)
    return np.asarray(matrix / np.linalg.norm(matrix, axis=1)[:, None], dtype=np.float32)


GRAPH, SPEECH, ROBOT = [1.0, 0.1, 0.1], [0.1, 1.0, 0.1], [0.1, 0.1, 1.0]
CANDIDATES = unit([[0.9, 0.2, 0.1], SPEECH, ROBOT, [0.8, 0.1, 0.5]])


def paper(arxiv_id: str, *authors: str) -> Paper:
    return Paper(arxiv_id, "T", "A", authors, datetime(2026, 8, 1, tzinfo=UTC))


def signals(**values: list[float]) -> Signals:
    n = len(next(iter(values.values())))
    return Signals(
        text=np.asarray(values["text"]) if "text" in values else None,
        similar=np.asarray(values["similar"]) if "similar" in values else None,
        authors=np.asarray(values.get("authors", [0.0] * n)),
        trending=np.asarray(values.get("trending", [0.0] * n)),
        boosts=np.asarray(values.get("boosts", [0.0] * n)),
    )


def test_the_vector_signal_ranks_papers_like_the_likes_first() -> None:
    profile = Profile((LikedPaper("g", "Graphs", "upvoted"),), unit([GRAPH]), np.zeros((0, 3), dtype=np.float32))
    scores = centroid_scores(CANDIDATES, profile, CANDIDATES)
    assert rank(scores, [0, 0, 0, 0])[:2] == [0, 3]


def test_a_dislike_lowers_papers_like_it() -> None:
    liked = unit([GRAPH, ROBOT])
    before = Profile((LikedPaper("g", "G", "saved"), LikedPaper("r", "R", "saved")), liked, np.zeros((0, 3)))
    after = Profile(before.liked, liked, unit([[0.1, 0.1, 1.0]]))
    s_before = centroid_scores(CANDIDATES, before, CANDIDATES)
    s_after = centroid_scores(CANDIDATES, after, CANDIDATES)
    assert s_after[2] - s_after[0] < s_before[2] - s_before[0]  # robot papers fell relative to graph papers


def test_percentiles_share_ties() -> None:
    assert percentiles([3.0, 1.0, 1.0, 2.0]).tolist() == pytest.approx([1.0, 1 / 6, 1 / 6, 2 / 3])
    assert percentiles([7.0]).tolist() == [0.5]


def test_the_slider_moves_from_taste_to_trending() -> None:
    weights = Weights(text=1.0, similar=0.5, authors=1.0)
    s = signals(text=[3.0, 2.0, 1.0], similar=[1.0, 0.5, 0.0], trending=[0.0, 5.0, 10.0])
    assert rank(blend(s, weights, 0.0), s.trending) == [0, 1, 2]
    assert rank(blend(s, weights, 1.0), s.trending) == [2, 1, 0]


def test_without_likes_trending_and_rule_boosts_decide() -> None:
    weights = Weights(text=1.0, similar=1.0, authors=1.0)
    plain = signals(trending=[0.0, 5.0, 10.0])
    assert rank(blend(plain, weights, 0.3), plain.trending) == [2, 1, 0]
    boosted = signals(trending=[0.0, 5.0, 10.0], boosts=[0.5, 0.0, 0.0])
    assert rank(blend(boosted, weights, 0.3), boosted.trending)[0] == 0  # a followed category leads


def test_shared_authors_count_liked_papers_and_outweigh_a_weak_text_match() -> None:
    liked = [paper("l1", "Ada Lovelace", "Bo Wu"), paper("l2", "ADA  LOVELACE"), paper("l3", "Cy Twombly")]
    candidates = [paper("c1", "Zed", "Ada Lovelace"), paper("c2", "Cy Twombly"), paper("c3", "Nobody")]
    assert author_affinity(candidates, liked) == [("Ada Lovelace", 2), ("Cy Twombly", 1), ("", 0)]
    s = signals(text=[0.1, 0.0, 1.0], authors=[3.0, 0.0, 0.0])
    assert rank(blend(s, Weights(text=1.0, similar=0.0, authors=1.0), 0.0), s.trending) == [0, 2, 1]
    assert rank(blend(s, Weights(text=1.0, similar=0.0, authors=0.0), 0.0), s.trending) == [2, 0, 1]


def test_each_signal_adds_its_weighted_part() -> None:
    s = signals(text=[0.0, 1.0], similar=[1.0, 0.0], authors=[0.0, 3.0], boosts=[0.5, 0.0])
    parts = s.parts(Weights(text=2.0, similar=0.5, authors=1.0))
    assert parts["text"].tolist() == [0.0, 2.0]
    assert parts["similar"].tolist() == [0.5, 0.0]
    assert parts["authors"].tolist() == pytest.approx([0.0, np.log(4.0)])
    assert parts["boosts"].tolist() == [0.5, 0.0]


def test_author_lines_say_how_many_papers_and_how_they_were_liked() -> None:
    assert author_line("Ada Lovelace", ["upvoted"]) == "By Ada Lovelace, an author of a paper you upvoted"
    assert author_line("Ada Lovelace", ["saved", "saved"]) == "By Ada Lovelace, an author of 2 papers you saved"
    assert author_line("A", ["saved", "upvoted", "upvoted"]) == "By A, an author of 3 papers you upvoted or saved"
