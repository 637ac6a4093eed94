"""The for-you ranking: a per-member model over paper vectors, blended with trending, with one "why" per paper.

Pure numpy: the hub gathers the vectors, the trending scores and the member's rules; nothing here reads the
database, the clock or the search index. Vectors are rows of unit length (digest.unit_vectors).

Two models, both fit on the member's liked papers (upvoted and saved) and disliked ones ("not interested"):

- ``centroid`` (a Rocchio-style blend): on vectors centred on the candidate pool's mean, half the cosine to the
  liked papers' centroid, half the cosine to the nearest liked paper (so a member with two interests is not
  averaged into neither), minus half the cosine to the nearest disliked paper.
- ``linear``: a ridge-regularised linear scorer, liked papers +1 against disliked papers and the candidate pool
  itself (the "background": what the member did not pick) −1, weighted so the background counts as much as the
  likes in total; solved in closed form. It learns which directions separate this member's likes from the papers
  around them, where the centroid also rewards what every paper shares.

bench/personal_quality.py measures both on held-out likes against plain trending; DEFAULT_MODEL is its winner
(the centroid blend, by a small margin on both kinds of members).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

ModelKind = Literal["centroid", "linear"]
MODELS: tuple[ModelKind, ...] = ("centroid", "linear")
# Chosen by bench/personal_quality.py (30 members, 131 evaluation points, default slider 0.3): centroid MRR 0.294 /
# nDCG@10 0.260, linear 0.272 / 0.243, plain trending 0.213 / 0.213. The README's "Personal feed" has the table.
DEFAULT_MODEL: ModelKind = "centroid"
DEFAULT_TRENDING_WEIGHT = 0.3  # the schema's server default too
RIDGE_LAMBDA = 1.0
DISLIKE_WEIGHT = 0.5  # centroid model: how much the nearest "not interested" paper pulls a candidate down
# Added to the personal part (a score in 0..1) of papers the member's own rules point at: with no model yet, a
# followed category's paper (0.7 · 0.5) outranks the top trending paper (0.3) at the default slider.
FOLLOWED_AUTHOR_BOOST = 1.0
FOLLOWED_CATEGORY_BOOST = 0.5
KEYWORD_BOOST = 0.3
SIMILAR_PERCENTILE = 0.75  # "similar to X" is said only of papers in the top quarter of the personal scores

Source = Literal["saved", "upvoted"]


@dataclass(frozen=True, slots=True)
class Preferences:
    """A member's for-you settings: the slider (0 = only my taste, 1 = only trending) and the onboarding mark."""

    trending_weight: float = DEFAULT_TRENDING_WEIGHT
    onboarded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LikedPaper:
    """A positive example, with the title and the way it was liked for the "why" line."""

    arxiv_id: str
    title: str
    source: Source


@dataclass(frozen=True, slots=True)
class Profile:
    """A member's examples as unit vectors: rows of `liked_matrix` follow `liked`; disliked have no titles."""

    liked: tuple[LikedPaper, ...] = ()
    liked_matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32), repr=False)
    disliked_matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32), repr=False)

    @property
    def has_likes(self) -> bool:
        return len(self.liked) > 0


def centroid_scores(candidates: np.ndarray, profile: Profile, background: np.ndarray | None = None) -> np.ndarray:
    """The centroid blend's score of each candidate row (higher: more like the member's likes).

    Vectors are first centred on the background's mean: embeddings of papers from one field share a large common
    direction (cosines of 0.7+ between unrelated abstracts), which would otherwise drown what is personal.
    """
    mean = background.mean(axis=0) if background is not None and len(background) else 0.0
    candidates = _normalised(candidates - mean)
    liked = _normalised(profile.liked_matrix - mean)
    centroid = liked.mean(axis=0)
    norm = float(np.linalg.norm(centroid))
    to_centroid = candidates @ (centroid / norm) if norm > 0 else np.zeros(len(candidates), dtype=np.float32)
    nearest = (candidates @ liked.T).max(axis=1)
    scores = 0.5 * to_centroid + 0.5 * nearest
    if len(profile.disliked_matrix):
        disliked = _normalised(profile.disliked_matrix - mean)
        scores = scores - DISLIKE_WEIGHT * (candidates @ disliked.T).max(axis=1)
    return np.asarray(scores, dtype=np.float64)


def _normalised(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms > 0, norms, 1.0), dtype=np.float64)


def linear_scores(candidates: np.ndarray, profile: Profile, background: np.ndarray) -> np.ndarray:
    """The ridge model's score of each candidate row, fit on likes (+1) vs dislikes and background (−1)."""
    liked, disliked = profile.liked_matrix, profile.disliked_matrix
    parts = [liked] + ([disliked] if len(disliked) else []) + ([background] if len(background) else [])
    x = np.vstack(parts).astype(np.float64)
    x = np.hstack([x, np.ones((len(x), 1))])  # a bias column: the background need not be centred
    y = np.concatenate([np.ones(len(liked)), -np.ones(len(x) - len(liked))])
    weights = np.concatenate(
        [
            np.ones(len(liked)),
            np.ones(len(disliked)),
            np.full(len(background), len(liked) / len(background) if len(background) else 0.0),
        ]
    )
    xw = x * weights[:, None]
    coef = np.linalg.solve(x.T @ xw + RIDGE_LAMBDA * np.eye(x.shape[1]), xw.T @ y)
    return np.asarray(candidates.astype(np.float64) @ coef[:-1] + coef[-1], dtype=np.float64)


def model_scores(candidates: np.ndarray, profile: Profile, kind: ModelKind = DEFAULT_MODEL) -> np.ndarray | None:
    """Personal scores of the candidate rows, or None when there is nothing to learn from (no likes, no vectors)."""
    if not profile.has_likes or not len(candidates):
        return None
    if kind == "centroid":
        return centroid_scores(candidates, profile, candidates)
    return linear_scores(candidates, profile, candidates)


def nearest_liked(candidates: np.ndarray, profile: Profile) -> list[tuple[LikedPaper, float]]:
    """For each candidate row, the liked paper it is closest to and the cosine (for the "similar to X" line)."""
    if not profile.has_likes or not len(candidates):
        return []
    similarity = candidates @ profile.liked_matrix.T
    best = similarity.argmax(axis=1)
    return [(profile.liked[int(j)], float(similarity[i, j])) for i, j in enumerate(best)]


def percentiles(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Each value's rank among all as a fraction in [0, 1] (ties share their mean rank); one value gives 0.5."""
    # Rounded first: scores equal but for float noise (a linear solve is not exactly symmetric) are ties.
    array = np.round(np.asarray(values, dtype=np.float64), 6)
    n = len(array)
    if n == 0:
        return array
    if n == 1:
        return np.array([0.5])
    order = np.argsort(array, kind="stable")
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.arange(n, dtype=np.float64)
    # Average the ranks of equal values so ties never order papers by accident.
    _, inverse, counts = np.unique(array, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return np.asarray((sums / counts)[inverse] / (n - 1), dtype=np.float64)


def scaled(values: np.ndarray) -> np.ndarray:
    """Personal scores onto [0, 1]: the best candidate 1, the 5th percentile and below 0.

    Linear, not by rank, so a near-copy of a liked paper stays far ahead of the merely related; the low cut keeps
    a few outliers (papers without a vector) from squeezing everyone else together.
    """
    if len(values) == 0:
        return np.asarray(values, dtype=np.float64)
    low, high = float(np.quantile(values, 0.05)), float(values.max())
    if high - low < 1e-9:
        return np.full(len(values), 0.5)
    return np.asarray(np.clip((values - low) / (high - low), 0.0, 1.0), dtype=np.float64)


def blend(
    personal: np.ndarray | None, trending: Sequence[float], boosts: Sequence[float], trending_weight: float
) -> np.ndarray:
    """The final score: (1 − w) · (scaled personal score + rule boosts) + w · trending percentile.

    Trending scores are heavy-tailed (a few papers take most votes), so they enter as percentiles; without a
    personal model the personal part is the boosts alone, so follows and keywords still lead a new member's page.
    """
    weight = min(1.0, max(0.0, trending_weight))
    boost = np.asarray(boosts, dtype=np.float64)
    own = (scaled(personal) if personal is not None else np.zeros(len(boost))) + boost
    return np.asarray((1.0 - weight) * own + weight * percentiles(trending), dtype=np.float64)


def rank(scores: np.ndarray, tie_break: Sequence[float]) -> list[int]:
    """Indexes by score, best first; ties by `tie_break` (e.g. trending), then input order."""
    return sorted(range(len(scores)), key=lambda i: (-float(scores[i]), -float(tie_break[i]), i))


def similar_line(liked: LikedPaper) -> str:
    return f"Similar to “{short_title(liked.title)}”, which you {liked.source}"


def short_title(title: str, limit: int = 80) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
