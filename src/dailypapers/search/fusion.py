"""Fusion of ranked candidate lists: pure functions over (id, score) lists, no index and no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Ranked = Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """How keyword and vector lists combine; the defaults were tuned on the SciFact train split."""

    method: str = "blend"  # "blend" (normalised scores) or "rrf"
    keyword_weight: float = 0.55  # blend: weight of the keyword score; the vector score gets 1 - this
    rrf_k: float = 60.0
    depth: int = 100  # candidates taken from each list


def rrf(lists: Sequence[Ranked], *, k: float = 60.0, weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: sum of weight / (k + rank) over the lists a document is in."""
    weights = weights or [1.0] * len(lists)
    scores: dict[str, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for rank, (doc, _) in enumerate(ranked, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def _min_max(ranked: Ranked) -> dict[str, float]:
    if not ranked:
        return {}
    values = [score for _, score in ranked]
    low, high = min(values), max(values)
    span = high - low
    return {doc: (score - low) / span if span > 0 else 1.0 for doc, score in ranked}


def blend(keyword: Ranked, vector: Ranked, *, keyword_weight: float = 0.5) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised scores; a document missing from a list scores 0 there."""
    kw, vec = _min_max(keyword), _min_max(vector)
    scores = {
        doc: keyword_weight * kw.get(doc, 0.0) + (1.0 - keyword_weight) * vec.get(doc, 0.0)
        for doc in kw.keys() | vec.keys()
    }
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse(keyword: Ranked, vector: Ranked, config: FusionConfig) -> list[tuple[str, float]]:
    if not vector:
        return list(keyword)
    if not keyword:
        return list(vector)
    if config.method == "rrf":
        return rrf([keyword, vector], k=config.rrf_k)
    return blend(keyword, vector, keyword_weight=config.keyword_weight)
