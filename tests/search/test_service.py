"""SearchService over a real SQLite hub: modes, filters before the cut, pagination, snippets, persistence, similar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dailypapers.domain.errors import InvalidInput, PaperNotFound
from dailypapers.hub import Hub
from dailypapers.search import SearchFilters, SearchService
from dailypapers.search.fusion import FusionConfig
from tests.search.conftest import PAPERS, WordsEmbedder, paper


@pytest.fixture
def service(stored_hub: Hub, tmp_path: Path) -> SearchService:
    svc = SearchService(stored_hub.store, tmp_path / "search", WordsEmbedder(), embed_on_index=True)
    svc.index_ids([p.arxiv_id for p in PAPERS])
    return svc


def ids(results: object) -> list[str]:
    return [hit.arxiv_id for hit in results.hits]  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_each_mode_finds_the_obvious_paper_first(service: SearchService, mode: str) -> None:
    results = service.search("robot grasping policies", mode=mode)
    assert results.mode == mode
    assert ids(results)[0] == "2401.00003"


def test_stemming_and_title_abstract_authors_are_searched(service: SearchService) -> None:
    assert ids(service.search("grasps", mode="keyword")) == ["2401.00003"]
    assert ids(service.search("vaswani", mode="keyword")) == ["2401.00001"]


ALL = {p.arxiv_id for p in PAPERS}


@pytest.mark.parametrize(
    ("query", "keyword", "allowed"),
    [
        ("author:vaswani attention", {"2401.00001"}, {"2401.00001"}),
        ('author:"Noam Shazeer"', {"2401.00001"}, {"2401.00001"}),
        ("cat:cs.cv diffusion", {"2401.00002", "2401.00005"}, {"2401.00002", "2401.00005"}),
        ("cat:cs attention", {"2401.00001", "2401.00004", "2401.00005"}, ALL),
        ("has:code", {"2401.00001", "2401.00003"}, {"2401.00001", "2401.00003"}),
        ("year:2025", {"2401.00003", "2401.00005"}, {"2401.00003", "2401.00005"}),
        ("after:2024-06-01 before:2024-12-31", {"2401.00004"}, {"2401.00004"}),
        ("diffusion -video", {"2401.00002"}, ALL - {"2401.00005"}),
        ('"video generation"', {"2401.00005"}, {"2401.00005"}),
        ('attention -"language models"', {"2401.00001", "2401.00005"}, ALL - {"2401.00004"}),
    ],
)
@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_filters_apply_in_every_mode(
    service: SearchService, query: str, keyword: set[str], allowed: set[str], mode: str
) -> None:
    found = set(ids(service.search(query, mode=mode)))
    assert found == keyword if mode == "keyword" else keyword <= found <= allowed


@pytest.mark.parametrize("query", ["cat:cs.cv diffusion", "diffusion -video", "year:2025 attention"])
def test_large_filtered_sets_post_filter_ann_candidates_by_key(
    service: SearchService, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Above EXACT_LIMIT passing papers, ANN candidates are checked against the filter through the key fast field.
    exact = set(ids(service.search(query, mode="semantic")))
    monkeypatch.setattr("dailypapers.search.service.EXACT_LIMIT", 1)
    assert set(ids(service.search(query, mode="semantic"))) == exact


def test_part_vectors_are_stored_and_can_be_turned_off(stored_hub: Hub, tmp_path: Path) -> None:
    with_parts = SearchService(stored_hub.store, tmp_path / "a", WordsEmbedder(), embed_on_index=True)
    with_parts.index_ids([p.arxiv_id for p in PAPERS])
    assert with_parts.vectors is not None
    assert with_parts.vectors.parts_rows >= len(PAPERS) * 2  # title + at least one sentence each
    plain = SearchService(
        stored_hub.store, tmp_path / "b", WordsEmbedder(), fusion=FusionConfig(part_weight=0), embed_on_index=True
    )
    plain.index_ids([p.arxiv_id for p in PAPERS])
    assert plain.vectors is not None
    assert plain.vectors.parts_rows == 0
    assert ids(plain.search("robot grasping policies", mode="hybrid"))[0] == "2401.00003"


def test_filters_from_the_form_apply_before_the_cut(service: SearchService) -> None:
    # Semantic search ranks every paper; the filter must remove others before the page is cut, so page 1 is
    # full of matching papers even though unfiltered neighbours rank higher.
    results = service.search("attention", mode="semantic", page_size=2, filters=SearchFilters(start=date(2025, 1, 1)))
    assert set(ids(results)) == {"2401.00003", "2401.00005"}


def test_filter_only_query_lists_newest_first(service: SearchService) -> None:
    assert ids(service.search("cat:cs.cv", mode="hybrid")) == ["2401.00005", "2401.00002"]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_pagination_walks_all_results_without_repeats(service: SearchService, mode: str) -> None:
    first = service.search("attention diffusion models", mode=mode, page=1, page_size=2)
    second = service.search("attention diffusion models", mode=mode, page=2, page_size=2)
    assert len(first.hits) == 2
    assert first.has_more
    assert not set(ids(first)) & set(ids(second))
    everything = service.search("attention diffusion models", mode=mode, page_size=50)
    assert ids(everything)[:4] == ids(first) + ids(second)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"mode": "fuzzy"}, "mode"), ({"page": 0}, "page"), ({"page_size": 1000}, "page_size")],
)
def test_bad_search_arguments(service: SearchService, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        service.search("robots", **kwargs)  # type: ignore[arg-type]


def test_snippets_escape_text_and_mark_matches(service: SearchService) -> None:
    hit = service.search("temporal attention", mode="keyword").hits[0]
    assert hit.arxiv_id == "2401.00005"
    assert "<mark>attention</mark>" in hit.snippet_html
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html


def test_semantic_hit_without_term_match_gets_the_opening_as_snippet(service: SearchService) -> None:
    hits = service.search("zzzz robot", mode="semantic").hits
    assert all(hit.snippet_html for hit in hits)


def test_indexes_persist_across_reopen(stored_hub: Hub, service: SearchService, tmp_path: Path) -> None:
    embedder = WordsEmbedder()
    reopened = SearchService(stored_hub.store, tmp_path / "search", embedder)
    assert reopened.keyword.count() == len(PAPERS)
    assert ids(reopened.search("robot grasping", mode="semantic"))[0] == "2401.00003"
    report = reopened.backfill()
    assert report.embedded == 0
    assert report.unchanged == len(PAPERS)


def test_changed_papers_are_reindexed_and_reembedded(stored_hub: Hub, service: SearchService) -> None:
    stored_hub.store.upsert_papers([paper("2401.00006", "Quantum annealing", "Annealing on qubits.", version=1)])
    service.index_ids(["2401.00006"])
    assert ids(service.search("qubits", mode="keyword")) == ["2401.00006"]
    changed = paper("2401.00006", "Quantum annealing", "Annealing on superconducting hardware.", version=2)
    stored_hub.store.upsert_papers([changed])
    service.index_ids(["2401.00006"])
    assert ids(service.search("qubits", mode="keyword")) == []
    assert service.keyword.count() == len(PAPERS) + 1  # replaced, not duplicated


def test_queued_embedding_is_done_by_embed_pending(stored_hub: Hub, tmp_path: Path) -> None:
    svc = SearchService(stored_hub.store, tmp_path / "queued", WordsEmbedder())
    svc.index_ids([p.arxiv_id for p in PAPERS])
    assert svc.search("robot", mode="hybrid").mode == "keyword"  # no vectors yet: falls back, says so
    assert svc.search("robot", mode="hybrid").notice
    assert svc.embed_pending().embedded == len(PAPERS)
    assert svc.search("robot", mode="hybrid").mode == "hybrid"


def test_reader_in_another_service_sees_saved_vectors(stored_hub: Hub, tmp_path: Path) -> None:
    writer = SearchService(stored_hub.store, tmp_path / "shared", WordsEmbedder())
    reader = SearchService(stored_hub.store, tmp_path / "shared", WordsEmbedder())
    writer.index_ids([p.arxiv_id for p in PAPERS])
    writer.backfill()
    assert reader.semantic_ready
    assert reader.keyword.count() == len(PAPERS)


def test_reader_sees_each_commit_of_another_writer_at_once(stored_hub: Hub, tmp_path: Path) -> None:
    # The reader reloads only when meta.json changed; back-to-back commits must each be seen by the next search.
    writer = SearchService(stored_hub.store, tmp_path / "shared", None)
    reader = SearchService(stored_hub.store, tmp_path / "shared", None)
    assert reader.search("robot", mode="keyword").total == 0
    for count, item in enumerate(PAPERS, start=1):
        writer.index_ids([item.arxiv_id])
        assert reader.keyword.count() == count
    assert reader.search("robot", mode="keyword").total > 0


def test_similar_papers_exclude_the_paper_itself(service: SearchService) -> None:
    similar = service.similar("2401.00002", k=3)
    assert "2401.00002" not in [doc for doc, _ in similar]
    assert similar[0][0] == "2401.00005"  # the other diffusion paper
    assert len(similar) == 3


def test_similar_without_vectors_uses_title_words(stored_hub: Hub, tmp_path: Path) -> None:
    svc = SearchService(stored_hub.store, tmp_path / "kw-only", None)
    svc.index_ids([p.arxiv_id for p in PAPERS])
    assert svc.similar("2401.00005", k=2)[0][0] == "2401.00002"
    with pytest.raises(PaperNotFound):
        svc.similar("2499.99999")


def test_keyword_only_service_answers_every_mode(stored_hub: Hub, tmp_path: Path) -> None:
    svc = SearchService(stored_hub.store, tmp_path / "kw", None)
    svc.index_ids([p.arxiv_id for p in PAPERS])
    assert svc.search("robot", mode="semantic").mode == "keyword"


def test_reindex_rebuilds_from_the_store(stored_hub: Hub, tmp_path: Path) -> None:
    svc = SearchService(stored_hub.store, tmp_path / "rebuild", WordsEmbedder())
    assert svc.reindex(vectors=True) == len(PAPERS)
    assert svc.keyword.count() == len(PAPERS)
    assert svc.semantic_ready
