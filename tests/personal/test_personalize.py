"""The for-you models and blend: likes pull similar papers up, dislikes push them down, the slider moves trending."""

from __future__ import annotations

import numpy as np
import pytest

from dailypapers.domain.personalize import MODELS, LikedPaper, Profile, blend, model_scores, percentiles, rank


def unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32)
    return np.asarray(matrix / np.linalg.norm(matrix, axis=1)[:, None], dtype=np.float32)


GRAPH, SPEECH, ROBOT = [1.0, 0.1, 0.1], [0.1, 1.0, 0.1], [0.1, 0.1, 1.0]
CANDIDATES = unit([[0.9, 0.2, 0.1], SPEECH, ROBOT, [0.8, 0.1, 0.5]])


@pytest.mark.parametrize("kind", MODELS)
def test_each_model_ranks_papers_like_the_likes_first(kind: str) -> None:
    profile = Profile((LikedPaper("g", "Graphs", "upvoted"),), unit([GRAPH]), np.zeros((0, 3), dtype=np.float32))
    scores = model_scores(CANDIDATES, profile, kind)  # type: ignore[arg-type]
    assert scores is not None
    assert rank(scores, [0, 0, 0, 0])[:2] == [0, 3]


@pytest.mark.parametrize("kind", MODELS)
def test_a_dislike_lowers_papers_like_it(kind: str) -> None:
    liked = unit([GRAPH, ROBOT])
    before = Profile((LikedPaper("g", "G", "saved"), LikedPaper("r", "R", "saved")), liked, np.zeros((0, 3)))
    after = Profile(before.liked, liked, unit([[0.1, 0.1, 1.0]]))
    s_before = model_scores(CANDIDATES, before, kind)  # type: ignore[arg-type]
    s_after = model_scores(CANDIDATES, after, kind)  # type: ignore[arg-type]
    assert s_before is not None
    assert s_after is not None
    assert s_after[2] - s_after[0] < s_before[2] - s_before[0]  # robot papers fell relative to graph papers


def test_no_likes_means_no_model() -> None:
    assert model_scores(CANDIDATES, Profile(), "linear") is None


def test_percentiles_share_ties_and_the_slider_moves_from_taste_to_trending() -> None:
    assert percentiles([3.0, 1.0, 1.0, 2.0]).tolist() == pytest.approx([1.0, 1 / 6, 1 / 6, 2 / 3])
    personal = np.array([3.0, 2.0, 1.0])
    trending = [0.0, 5.0, 10.0]
    assert rank(blend(personal, trending, [0, 0, 0], 0.0), trending) == [0, 1, 2]
    assert rank(blend(personal, trending, [0, 0, 0], 1.0), trending) == [2, 1, 0]
    assert rank(blend(None, trending, [0, 0, 0.0], 0.3), trending) == [2, 1, 0]  # no model: trending
    assert rank(blend(None, trending, [0.5, 0, 0], 0.3), trending)[0] == 0  # a follow boost leads
