"""A hybrid query with a broad filter counts and checks its filter once, though the feedback pass searches twice."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dailypapers.hub import Hub
from dailypapers.search import SearchService
from dailypapers.search.query import parse_query
from tests.search.conftest import PAPERS, WordsEmbedder


@pytest.mark.parametrize("query", ["cat:cs.cv diffusion", "cat:cs attention models", "year:2024-2025 attention"])
def test_the_feedback_pass_reuses_the_filter_work_and_ranks_the_same(
    stored_hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    service = SearchService(stored_hub.store, tmp_path / "search", WordsEmbedder(), embed_on_index=True)
    service.index_ids([p.arxiv_id for p in PAPERS])
    monkeypatch.setattr("dailypapers.search.service.EXACT_LIMIT", 1)  # every filter is "broad": ANN + key checks
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
