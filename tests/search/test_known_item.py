"""Known-item ranking: query-word coverage, adjacent word pairs, and the short query the keyword list decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from dailypapers.domain.query import parse_query
from dailypapers.hub import Hub
from dailypapers.search import SearchService
from dailypapers.search.fusion import FusionConfig
from dailypapers.search.keyword import KeywordConfig
from tests.search.conftest import WordsEmbedder, paper

# The paper a reader remembers by "lattice", "sparse" and "graphene" holds each once; another holds the rarest of
# them, "graphene", many times, which bm25 alone rewards over holding all three; the other words are common.
TARGET = paper(
    "2402.00001",
    "Electron transport",
    "We study how electrons move through graphene, described with a sparse lattice model, and compare the model "
    "with measurements of the conductance taken at low temperature in a magnetic field.",
)
OTHERS = [
    paper("2402.00002", "Graphene graphene graphene", "Graphene sheets, graphene oxide and graphene growth."),
    *(paper(f"2402.0001{n}", f"Sparse lattice sums {n}", f"Sums over a sparse lattice, case {n}.") for n in range(5)),
]
# "segment anything": one paper holds the words side by side, the other (shorter, so bm25 prefers it) apart.
SIDE_BY_SIDE = paper("2402.00005", "Tracking video", "We segment anything that moves in a video stream.")
APART = paper("2402.00006", "Tracking objects", "Segment objects, track anything.")


@pytest.fixture
def known_hub(hub: Hub) -> Hub:
    hub.store.upsert_papers([TARGET, *OTHERS, SIDE_BY_SIDE, APART])
    return hub


def keyword_ids(hub: Hub, tmp_path: Path, config: KeywordConfig, text: str) -> list[str]:
    service = SearchService(hub.store, tmp_path / "search", None, keyword=config)
    service.reindex()
    return [doc for doc, _ in service.rank(parse_query(text), "keyword", depth=10)]


def test_a_paper_holding_every_word_outranks_one_repeating_a_word(known_hub: Hub, tmp_path: Path) -> None:
    query = "lattice sparse graphene"
    bm25_alone = keyword_ids(known_hub, tmp_path / "a", KeywordConfig(coverage_weight=0, pair_boost=0), query)
    assert bm25_alone[0] != TARGET.arxiv_id  # the case coverage is for: repetition wins on bm25 alone
    assert keyword_ids(known_hub, tmp_path / "b", KeywordConfig(), query)[0] == TARGET.arxiv_id


def test_words_typed_side_by_side_favour_papers_holding_them_side_by_side(known_hub: Hub, tmp_path: Path) -> None:
    query = "segment anything"
    apart = keyword_ids(known_hub, tmp_path / "a", KeywordConfig(pair_boost=0), query)
    assert apart[0] == APART.arxiv_id
    assert keyword_ids(known_hub, tmp_path / "b", KeywordConfig(), query)[0] == SIDE_BY_SIDE.arxiv_id


def test_coverage_keeps_filters_and_the_match_set(known_hub: Hub, tmp_path: Path) -> None:
    service = SearchService(known_hub.store, tmp_path / "search", None)
    service.reindex()
    bm25 = SearchService(known_hub.store, tmp_path / "search", None, keyword=KeywordConfig(coverage_weight=0))
    for text in ("lattice sparse graphene", "lattice sparse -graphene", 'lattice "graphene oxide" sparse'):
        shipped = service.search(text, mode="keyword", snippets=False)
        plain = bm25.search(text, mode="keyword", snippets=False)
        assert {h.arxiv_id for h in shipped.hits} == {h.arxiv_id for h in plain.hits}
        assert shipped.total == plain.total
    assert service.keyword.sole_holder(parse_query("lattice sparse -graphene")) is None


def test_sole_holder_names_the_one_paper_holding_every_word(known_hub: Hub, tmp_path: Path) -> None:
    service = SearchService(known_hub.store, tmp_path / "search", None)
    service.reindex()
    assert service.keyword.sole_holder(parse_query("graphene lattice sparse")) == TARGET.arxiv_id
    assert service.keyword.sole_holder(parse_query("segment anything")) is None  # two papers hold both
    assert service.keyword.sole_holder(parse_query("graphene unheardofword")) is None  # nobody holds every word
    assert service.keyword.sole_holder(parse_query("graphene lattice cat:cs.CV")) is None  # the filter excludes it


def test_hybrid_skips_the_embedder_when_one_paper_holds_every_word_of_a_short_query(
    known_hub: Hub, tmp_path: Path
) -> None:
    embedder = WordsEmbedder()
    service = SearchService(known_hub.store, tmp_path / "search", embedder)
    service.reindex()
    service.backfill()
    embedder.calls = 0
    known = service.search("graphene lattice sparse", mode="hybrid", snippets=False)
    assert known.hits[0].arxiv_id == TARGET.arxiv_id
    assert embedder.calls == 0
    assert [h.arxiv_id for h in known.hits] == [
        h.arxiv_id for h in service.search("graphene lattice sparse", mode="keyword", snippets=False).hits
    ]
    service.search("segment anything", mode="hybrid", snippets=False)  # two holders: the vectors are asked
    assert embedder.calls == 1
    off = SearchService(
        known_hub.store, tmp_path / "search", embedder, fusion=FusionConfig(skip_embedder_when_sole=False)
    )
    off.search("graphene lattice model", mode="hybrid", snippets=False)
    assert embedder.calls == 2


def test_short_queries_lean_on_the_keyword_list() -> None:
    config = FusionConfig()
    assert config.keyword_weight_for(3) == config.short_keyword_weight > config.keyword_weight
    assert config.keyword_weight_for(config.short_query_words + 1) == config.keyword_weight
    assert FusionConfig(short_query_words=0).keyword_weight_for(2) == config.keyword_weight
