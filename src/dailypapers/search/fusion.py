"""Fusion of ranked candidate lists: pure functions over (id, score) lists, no index and no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Ranked = Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """How keyword and vector lists combine; the defaults were tuned on the SciFact train split."""

    method: str = "blend"  # "blend" (keyword score / best keyword score, plus cosine) or "rrf"
    keyword_weight: float = 0.3  # blend: weight of the keyword score; the vector score gets 1 - this
    rrf_k: float = 60.0
    depth: int = 100  # candidates taken from each list
    part_weight: float = 0.6  # semantic score: this * best part (title or sentence) + the rest * whole-paper cosine
    # Vector pseudo-relevance feedback (Rocchio): after a first hybrid pass the query vector moves towards the mean
    # of the top `feedback_docs` fused papers' vectors (by `feedback_weight`) and the semantic side runs again.
    # SciFact train: hybrid 0.733 -> 0.738 nDCG@10 for +3-6 ms a query (docs/search.md); 0 turns it off.
    feedback_docs: int = 3
    feedback_weight: float = 0.3
    # Short queries (a few remembered words, not a sentence) lean on the keyword list: on known-item queries over
    # 83.6k arXiv papers the 0.3 blend lost to keyword search alone (README, Search quality); 0 turns the shape off.
    short_query_words: int = 4
    short_keyword_weight: float = 0.8
    # A short query whose words are all held by one paper only, and that paper is the keyword list's first: the
    # reader is after that paper, so the keyword list serves and the embedder is not run (a query's time / ~5).
    skip_embedder_when_sole: bool = True

    def keyword_weight_for(self, words: int) -> float:
        """The blend's keyword weight for a query of `words` words."""
        short = 0 < words <= self.short_query_words
        return self.short_keyword_weight if short else self.keyword_weight


def rrf(lists: Sequence[Ranked], *, k: float = 60.0, weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: sum of weight / (k + rank) over the lists a document is in."""
    weights = weights or [1.0] * len(lists)
    scores: dict[str, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for rank, (doc, _) in enumerate(ranked, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def blend(
    keyword: Ranked, vector: Ranked, *, keyword_weight: float = 0.3, semantic: dict[str, float] | None = None
) -> list[tuple[str, float]]:
    """keyword_weight × bm25 / best bm25 + (1 - keyword_weight) × cosine, over both lists' documents.

    `semantic` holds cosine scores of keyword candidates outside the vector list (0 when unknown); a document
    missing from the keyword list scores 0 there. Measured on SciFact train, dividing by the best bm25 score and
    keeping the cosine as it is beats min-max normalising both lists (0.746 vs 0.744 nDCG@10).
    """
    best = max((score for _, score in keyword), default=0.0)
    kw = {doc: score / best for doc, score in keyword} if best > 0 else {}
    cosine = dict(semantic or {})
    cosine.update(vector)
    scores = {
        doc: keyword_weight * kw.get(doc, 0.0) + (1.0 - keyword_weight) * cosine.get(doc, 0.0)
        for doc in kw.keys() | dict(vector).keys()
    }
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse(
    keyword: Ranked, vector: Ranked, config: FusionConfig, semantic: dict[str, float] | None = None, *, words: int = 0
) -> list[tuple[str, float]]:
    if not vector:
        return list(keyword)
    if not keyword:
        return list(vector)
    if config.method == "rrf":
        return rrf([keyword, vector], k=config.rrf_k)
    return blend(keyword, vector, keyword_weight=config.keyword_weight_for(words), semantic=semantic)
