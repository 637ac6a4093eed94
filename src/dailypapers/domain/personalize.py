"""The for-you ranking: a member's taste as per-candidate signals, blended with trending by weights fitted on the
bench, and one true "why" per paper.

Pure numpy: the hub gathers the papers, vectors, text-model scores, trending scores and rules; nothing here reads the
database, the clock or the search index. Vectors are rows of unit length (digest.unit_vectors).

The signals, one value per candidate (Signals):

- ``text``: the text model's score (ports/taste.py: TF-IDF and a linear SVM of the member's liked papers against
  the papers around them, arxiv-sanity's per-tag SVM), scaled to 0..1;
- ``similar``: the centroid blend over paper vectors, on vectors centred on the candidates' mean: half the cosine
  to the liked papers' centroid, half to the nearest liked paper, minus half the nearest "not interested" one; scaled;
- ``authors``: log(1 + n), n the number of liked papers that list one of the candidate's authors (the most for any
  one author): "more by the people whose papers you liked";
- ``trending``: the percentile of the community trending score among the candidates;
- boosts for explicit follows and keyword rules (hand-set: the bench's members follow nothing, so they cannot be fit).

score = (1 − w) · (Σ weight · signal + boosts) + w · trending, w the member's slider (0.3 unless moved). The weights
(FITTED) come from `bench/personal_quality.py --fit`, fitted at the default slider on half of the bench's members,
so the default page is the fitted blend; the README's "Personal feed" has the figures of every variant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from dailypapers.domain.models import Paper
from dailypapers.domain.rules import normalise_author

DEFAULT_TRENDING_WEIGHT = 0.3  # the schema's server default too
DISLIKE_WEIGHT = 0.5  # centroid signal: how much the nearest "not interested" paper pulls a candidate down
# Added to the personal part of papers the member's own rules point at: with nothing learnt yet, a followed
# category's paper (0.7 · 0.5) outranks the top trending paper (0.3) at the default slider.
FOLLOWED_AUTHOR_BOOST = 1.0
FOLLOWED_CATEGORY_BOOST = 0.5
KEYWORD_BOOST = 0.3
SIMILAR_PERCENTILE = 0.75  # "similar to X" is said only of papers in the top quarter of the text (or vector) scores


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts in the personal part of the score (trending's share is the member's slider)."""

    text: float
    similar: float
    authors: float


FITTED = Weights(text=1.0, similar=0.0, authors=2.0)


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


@dataclass(frozen=True, slots=True)
class Signals:
    """What is known of each candidate (one entry per candidate, in the candidates' order), before weighting."""

    text: np.ndarray | None  # the text model's raw scores; None without a model (no likes yet)
    similar: np.ndarray | None  # the centroid blend's raw scores; None without likes or vectors
    authors: np.ndarray  # liked papers sharing the candidate's most shared author (a count)
    trending: np.ndarray  # raw trending scores, 0 off the feed's window
    boosts: np.ndarray  # follow and keyword boosts

    def parts(self, weights: Weights) -> dict[str, np.ndarray]:
        """Each signal on its blend scale, times its weight: what it adds to the personal part of the score."""
        n = len(self.trending)
        zero = np.zeros(n)
        return {
            "text": weights.text * scaled(self.text) if self.text is not None else zero,
            "similar": weights.similar * scaled(self.similar) if self.similar is not None else zero,
            "authors": weights.authors * np.log1p(self.authors),
            "boosts": np.asarray(self.boosts, dtype=np.float64),
        }


def blend(signals: Signals, weights: Weights, trending_weight: float) -> np.ndarray:
    """The final score: (1 − w) · (weighted signals + rule boosts) + w · trending percentile.

    Trending scores are heavy-tailed (a few papers take most votes), so they enter as percentiles; without likes
    the personal part is the boosts alone, so follows and keywords still lead a new member's page.
    """
    weight = min(1.0, max(0.0, trending_weight))
    own = sum(signals.parts(weights).values(), np.zeros(len(signals.trending)))
    return np.asarray((1.0 - weight) * own + weight * percentiles(signals.trending), dtype=np.float64)


def author_affinity(candidates: Sequence[Paper], liked: Sequence[Paper]) -> list[tuple[str, int]]:
    """For each candidate, its author listed on the most liked papers, as the candidate spells the name, and how
    many liked papers list them (names matched as rules.normalise_author does); ("", 0) when none is shared."""
    counts: Counter[str] = Counter()
    for paper in liked:
        counts.update({normalise_author(a) for a in paper.authors})
    found: list[tuple[str, int]] = []
    for paper in candidates:
        best = max(((counts.get(normalise_author(a), 0), -i, a) for i, a in enumerate(paper.authors)), default=None)
        found.append((best[2], best[0]) if best is not None and best[0] > 0 else ("", 0))
    return found


def rank(scores: np.ndarray, tie_break: Sequence[float] | np.ndarray) -> list[int]:
    """Indexes by score, best first; ties by `tie_break` (e.g. trending), then input order."""
    return sorted(range(len(scores)), key=lambda i: (-float(scores[i]), -float(tie_break[i]), i))


def similar_line(liked: LikedPaper) -> str:
    return f"Similar to “{short_title(liked.title)}”, which you {liked.source}"


def short_title(title: str, limit: int = 80) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def author_line(author: str, sources: Sequence[Source]) -> str:
    """ "By A, an author of 3 papers you upvoted": `sources` says how each liked paper listing A was liked."""
    count = len(sources)
    what = "a paper" if count == 1 else f"{count} papers"
    how = " or ".join(s for s in ("upvoted", "saved") if s in sources)
    return f"By {author}, an author of {what} you {how}"
