"""Filtered semantic search: through the vector index's own facts, or the keyword index once per query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dailypapers.domain.query import parse_query
from dailypapers.hub import Hub
from dailypapers.ports.search import SearchMode
from dailypapers.search import SearchService
from tests.search.conftest import PAPERS, WordsEmbedder


@pytest.mark.parametrize("query", ["cat:cs.cv diffusion", "cat:cs attention models", "year:2024-2025 attention"])
def test_the_feedback_pass_reuses_the_filter_work_and_ranks_the_same(
    stored_hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    service = SearchService(stored_hub.store, tmp_path / "search", WordsEmbedder(), embed_on_index=True)
    service.index_ids([p.arxiv_id for p in PAPERS])
    monkeypatch.setattr("dailypapers.search.service.EXACT_LIMIT", 1)  # every filter is "broad": ANN + key checks
    assert service.vectors is not None
    service.vectors.days[:] = 0  # facts unknown (an index saved before them): filters go to the keyword index
    parsed = parse_query(query)
    counts: list[int] = []
    checked: list[int] = []
    filtered_keys, passing_keys = service.keyword.filtered_keys, service.keyword.passing_keys

    def count(*args: Any, **kwargs: Any) -> tuple[list[int], int]:
        counts.append(1)
        return filtered_keys(*args, **kwargs)

    def check(query: Any, keys: Sequence[int]) -> set[int]:
        checked.extend(keys)
        return passing_keys(query, keys)

    monkeypatch.setattr(service.keyword, "filtered_keys", count)
    monkeypatch.setattr(service.keyword, "passing_keys", check)
    ranked = service.rank(parsed, "hybrid", depth=10)
    assert service.fusion.feedback_docs > 0
    assert ranked
    assert len(counts) == 1  # counted once for both passes
    assert len(checked) == len(set(checked))  # no key checked twice
    # The same answer as when each pass counts and checks for itself.
    monkeypatch.setattr(service.keyword, "filtered_keys", filtered_keys)
    monkeypatch.setattr(service.keyword, "passing_keys", passing_keys)
    semantic = service._semantic
    monkeypatch.setattr(service, "_semantic", lambda parsed, vector, depth, _=None: semantic(parsed, vector, depth))
    assert service.rank(parsed, "hybrid", depth=10) == ranked


QUERIES = [
    "cat:cs.cv diffusion",
    "cat:cs attention models",
    "year:2024-2025 attention",
    "has:code attention",
    "after:2024-06-01 before:2025-12-31 models",
    "cat:cs.ro cat:cs.cl transformers",
    "cat:nope attention",
]


@pytest.mark.parametrize("exact_limit", [20_000, 1])  # exact scoring of the passing rows / the graph with a selector
@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_the_vector_index_facts_filter_like_the_keyword_index(
    stored_hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact_limit: int, mode: SearchMode
) -> None:
    service = SearchService(stored_hub.store, tmp_path / "search", WordsEmbedder(), embed_on_index=True)
    service.index_ids([p.arxiv_id for p in PAPERS])
    monkeypatch.setattr("dailypapers.search.service.EXACT_LIMIT", exact_limit)
    assert service.vectors is not None
    asked: list[int] = []
    filtered_keys = service.keyword.filtered_keys

    def spy(*args: Any, **kwargs: Any) -> tuple[list[int], int]:
        asked.append(1)
        return filtered_keys(*args, **kwargs)

    monkeypatch.setattr(service.keyword, "filtered_keys", spy)
    by_facts = {q: service.rank(parse_query(q), mode, depth=10) for q in QUERIES}
    assert not asked  # every live row has its facts: the keyword index was not asked
    saved = service.vectors.days.copy()
    service.vectors.days[:] = 0
    by_keyword_index = {q: service.rank(parse_query(q), mode, depth=10) for q in QUERIES}
    assert asked
    assert {q: docs(r) for q, r in by_facts.items()} == {q: docs(r) for q, r in by_keyword_index.items()}
    assert by_facts["cat:nope attention"] == []
    assert len(by_facts["cat:cs attention models"]) > len(by_facts["cat:cs.cv diffusion"]) > 0
    service.vectors.days[:] = saved


def docs(ranked: list[tuple[str, float]]) -> list[str]:
    return [doc for doc, _ in ranked]


def test_facts_follow_metadata_changes_and_survive_a_restart(stored_hub: Hub, tmp_path: Path) -> None:
    service = SearchService(stored_hub.store, tmp_path / "search", WordsEmbedder(), embed_on_index=True)
    service.index_ids([p.arxiv_id for p in PAPERS])
    without_code = next(p for p in PAPERS if not p.github_repo)
    with_code = parse_query("has:code attention")
    assert without_code.arxiv_id not in docs(service.rank(with_code, "semantic", depth=10))
    stored_hub.store.upsert_papers([replace(without_code, github_repo="someone/code")])  # same text, now with code
    service.index_ids([without_code.arxiv_id])
    assert without_code.arxiv_id in docs(service.rank(with_code, "semantic", depth=10))
    reopened = SearchService(stored_hub.store, tmp_path / "search", WordsEmbedder())
    assert reopened.vectors is not None
    mask = reopened.vectors.filter_mask(parse_query("has:code").filters)
    assert mask is not None
    row = reopened.vectors.row_of(without_code.arxiv_id)
    assert row is not None
    assert mask[row]
