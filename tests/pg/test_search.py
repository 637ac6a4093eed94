"""PgSearch (tsvector + pgvector) answers like the SQLite engine: modes, query syntax, filters, snippets, similar."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import sqlalchemy as sa

from dailypapers.domain.errors import InvalidInput, PaperNotFound
from dailypapers.domain.query import parse_query
from dailypapers.hub import Hub
from dailypapers.pgsearch import PgSearch
from dailypapers.pgsearch.keyword import (
    PgKeywordConfig,
    all_of_lexemes,
    idf,
    match_lexemes,
    match_query,
    ranked_sql,
    tsquery_literal,
)
from dailypapers.search import SearchFilters
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.conftest import NOW
from tests.search.conftest import PAPERS, WordsEmbedder, paper

ALL = {p.arxiv_id for p in PAPERS}


def ids(results: object) -> list[str]:
    return [hit.arxiv_id for hit in results.hits]  # type: ignore[attr-defined]


def test_wiring_picks_pgsearch_on_postgresql(pg_hub: Hub) -> None:
    assert isinstance(pg_hub.search_engine, PgSearch)


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_each_mode_finds_the_obvious_paper_first(pg_search: PgSearch, mode: str) -> None:
    results = pg_search.search("robot grasping policies", mode=mode)
    assert results.mode == mode
    assert ids(results)[0] == "2401.00003"


def test_stemming_and_title_abstract_authors_are_searched(pg_search: PgSearch) -> None:
    assert ids(pg_search.search("grasps", mode="keyword")) == ["2401.00003"]
    assert ids(pg_search.search("vaswani", mode="keyword")) == ["2401.00001"]


def test_title_outranks_a_passing_mention(pg_search: PgSearch) -> None:
    # "diffusion" is in the titles of 00002 and 00005 (and their abstracts): both above nothing else.
    assert set(ids(pg_search.search("diffusion", mode="keyword"))) == {"2401.00002", "2401.00005"}


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
    pg_search: PgSearch, query: str, keyword: set[str], allowed: set[str], mode: str
) -> None:
    found = set(ids(pg_search.search(query, mode=mode)))
    assert found == keyword if mode == "keyword" else keyword <= found <= allowed


def test_author_filter_does_not_match_words_in_the_abstract(pg_search: PgSearch) -> None:
    assert ids(pg_search.search("author:diffusion", mode="keyword")) == []


def test_filters_from_the_form_apply_before_the_cut(pg_search: PgSearch) -> None:
    results = pg_search.search("attention", mode="semantic", page_size=2, filters=SearchFilters(start=date(2025, 1, 1)))
    assert set(ids(results)) == {"2401.00003", "2401.00005"}


def test_filter_only_query_lists_newest_first(pg_search: PgSearch) -> None:
    assert ids(pg_search.search("cat:cs.cv", mode="hybrid")) == ["2401.00005", "2401.00002"]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_pagination_walks_all_results_without_repeats(pg_search: PgSearch, mode: str) -> None:
    first = pg_search.search("attention diffusion models", mode=mode, page=1, page_size=2)
    second = pg_search.search("attention diffusion models", mode=mode, page=2, page_size=2)
    assert len(first.hits) == 2
    assert first.has_more
    assert not set(ids(first)) & set(ids(second))
    everything = pg_search.search("attention diffusion models", mode=mode, page_size=50)
    assert ids(everything)[:4] == ids(first) + ids(second)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"mode": "fuzzy"}, "mode"), ({"page": 0}, "page"), ({"page_size": 1000}, "page_size")],
)
def test_bad_search_arguments(pg_search: PgSearch, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        pg_search.search("robots", **kwargs)  # type: ignore[arg-type]


def test_bad_query_syntax_is_invalid_input(pg_search: PgSearch) -> None:
    with pytest.raises(InvalidInput, match="year"):
        pg_search.search("year:soon")


def test_quotes_and_operators_in_words_are_searched_as_text(pg_search: PgSearch) -> None:
    assert pg_search.search("robot's & | ! <-> :* 'grasp", mode="keyword").hits[0].arxiv_id == "2401.00003"
    assert pg_search.search("the of and", mode="keyword").hits == []  # only stopwords


def test_snippets_escape_text_and_mark_matches(pg_search: PgSearch) -> None:
    hit = pg_search.search("temporal attention", mode="keyword").hits[0]
    assert hit.arxiv_id == "2401.00005"
    assert "<mark>attention</mark>" in hit.snippet_html
    # PostgreSQL's parser drops markup-like tokens from headlines; whatever is left is escaped.
    assert "<script>" not in hit.snippet_html
    assert hit.snippet_html.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_semantic_hit_without_term_match_gets_the_opening_as_snippet(pg_search: PgSearch) -> None:
    hits = pg_search.search("zzzz robot", mode="semantic").hits
    assert all(hit.snippet_html for hit in hits)


def test_changed_papers_are_reindexed_and_reembedded(pg_hub: Hub, pg_search: PgSearch) -> None:
    pg_hub.store.upsert_papers([paper("2401.00006", "Quantum annealing", "Annealing on qubits.", version=1)])
    pg_search.index_ids(["2401.00006"])
    assert ids(pg_search.search("qubits", mode="keyword")) == ["2401.00006"]
    changed = paper("2401.00006", "Quantum annealing", "Annealing on superconducting hardware.", version=2)
    pg_hub.store.upsert_papers([changed])
    pg_search.index_ids(["2401.00006"])
    assert ids(pg_search.search("qubits", mode="keyword")) == []
    assert pg_search.embed_papers([changed]).unchanged == 1  # re-embedded on index_ids already


def test_queued_embedding_is_done_by_embed_pending(pg_hub: Hub) -> None:
    pg_hub.store.upsert_papers(PAPERS)
    search = PgSearch(pg_hub.store, pg_hub.store.engine, WordsEmbedder())  # type: ignore[attr-defined]
    search.index_ids([p.arxiv_id for p in PAPERS])
    assert search.search("robot", mode="hybrid").mode == "keyword"
    assert search.search("robot", mode="hybrid").notice
    assert search.embed_pending().embedded == len(PAPERS)
    assert search.embed_pending().embedded == 0  # the queue is empty
    assert search.search("robot", mode="hybrid").mode == "hybrid"
    other = PgSearch(pg_hub.store, pg_hub.store.engine, WordsEmbedder())  # type: ignore[attr-defined]
    assert other.semantic_ready  # another process sees the vectors at once: they are in the database
    assert other.backfill().unchanged == len(PAPERS)


def test_similar_papers_exclude_the_paper_itself(pg_search: PgSearch) -> None:
    similar = pg_search.similar("2401.00002", k=3)
    assert "2401.00002" not in [doc for doc, _ in similar]
    assert len(similar) == 3


def test_similar_without_vectors_uses_title_words(pg_hub: Hub) -> None:
    pg_hub.store.upsert_papers(PAPERS)
    search = PgSearch(pg_hub.store, pg_hub.store.engine, None)  # type: ignore[attr-defined]
    assert [doc for doc, _ in search.similar("2401.00005")] == ["2401.00002"]
    with pytest.raises(PaperNotFound):
        search.similar("2401.99999")


def _index_rows(pg_search: PgSearch, table: str, arxiv_id: str) -> int:
    query = {
        "documents": "SELECT count(*) FROM search.documents WHERE arxiv_id = :id",
        "vectors": "SELECT count(*) FROM search.vectors WHERE arxiv_id = :id",
        "queue": "SELECT count(*) FROM search.queue WHERE arxiv_id = :id",
    }[table]
    with pg_search.engine.connect() as conn:
        return int(conn.scalar(sa.text(query), {"id": arxiv_id}) or 0)


def test_hiding_takes_a_paper_out_of_the_index_and_unhiding_brings_it_back(pg_hub: Hub, pg_search: PgSearch) -> None:
    admin = pg_hub.store.set_admin(pg_hub.store.get_or_create_user("root@example.org", "root", NOW).id, True)
    grasping = "2401.00003"  # first for "robot grasping policies" in every mode
    assert pg_hub.hide_paper(admin, grasping, "spam")
    # In the hiding transaction (migration 0010's trigger): no document, no vector, nothing queued.
    assert [_index_rows(pg_search, t, grasping) for t in ("documents", "vectors", "queue")] == [0, 0, 0]
    for mode in ("keyword", "semantic", "hybrid"):
        assert grasping not in ids(pg_search.search("robot grasping policies", mode=mode)), mode
    assert grasping not in [doc for doc, _ in pg_search.similar("2401.00002", k=10)]
    pg_hub.store.upsert_papers([paper(grasping, "Robot grasping, revised", "Grasps again.", version=9)])
    pg_search.index_ids([grasping])  # a re-harvested hidden paper stays out of the index
    assert _index_rows(pg_search, "documents", grasping) == 0
    assert pg_search.reindex() == len(PAPERS) - 1
    assert pg_search.embed_pending().embedded == 0

    assert pg_hub.unhide_paper(admin, grasping)
    assert ids(pg_search.search("robot grasping", mode="keyword")) == [grasping]
    assert _index_rows(pg_search, "queue", grasping) == 1  # its vector went with the hide: embedded again
    assert pg_search.embed_pending().embedded == 1
    assert ids(pg_search.search("robot grasping revised", mode="semantic"))[0] == grasping


def test_a_vector_written_for_a_hidden_paper_is_never_a_result(pg_hub: Hub, pg_search: PgSearch) -> None:
    """An embedding transaction that committed while the hide did (its vector survives the trigger)."""
    admin = pg_hub.store.set_admin(pg_hub.store.get_or_create_user("root@example.org", "root", NOW).id, True)
    assert pg_hub.hide_paper(admin, "2401.00003")
    assert pg_search.vectors is not None
    with pg_search.engine.begin() as conn:
        vector = WordsEmbedder().embed(["robot grasping policies"])[0]
        pg_search.vectors.upsert(conn, ["2401.00003"], vector.reshape(1, -1), [1])
    assert "2401.00003" not in ids(pg_search.search("robot grasping policies", mode="semantic"))


def test_reindex_rebuilds_documents(pg_search: PgSearch) -> None:
    assert pg_search.reindex() == len(PAPERS)
    assert ids(pg_search.search("grasps", mode="keyword")) == ["2401.00003"]


def test_hub_search_goes_through_pgsearch(pg_settings: Settings) -> None:
    hub = make_hub(pg_settings)
    hub.store.upsert_papers(PAPERS)
    results, views = hub.search("robot grasping", mode="keyword")
    assert ids(results)[0] == "2401.00003"
    assert set(views) == set(ids(results))
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def test_ranking_helpers() -> None:
    assert tsquery_literal(["it's", "a\\b"]) == "'it''s' | 'a\\\\b'"
    assert idf(1, 1000) > idf(500, 1000) > 0
    assert match_lexemes({"rare": 5, "common": 900, "mid": 60}, budget=100) == ["rare", "mid"]
    assert match_lexemes({"common": 900}, budget=100) == ["common"]
    assert match_lexemes({"common": 900, "rare": 5}, budget=0) == ["rare", "common"]  # 0: no bound


def test_common_lexemes_are_matched_together() -> None:
    frequencies = {"model": 400_000, "learn": 300_000, "languag": 60_000}
    # 1M papers: languag alone ~60k, with learn ~18k (independence estimate), with model too ~7k.
    assert all_of_lexemes(frequencies, 1_000_000, budget=20_000) == ["languag", "learn"]
    assert all_of_lexemes(frequencies, 1_000_000, budget=1_000) == ["languag", "learn", "model"]
    config = PgKeywordConfig(match_budget=20_000)
    assert match_query(frequencies, 1_000_000, config) == ("'languag' & 'learn'", ["languag", "learn"])
    assert match_query({"rare": 10, **frequencies}, 1_000_000, config) == ("'rare'", ["rare"])
    unbounded = PgKeywordConfig(match_budget=0)
    assert match_query(frequencies, 1_000_000, unbounded)[1] == ["languag", "learn", "model"]


@pytest.mark.parametrize(("budget", "candidates"), [(1, 1), (1, 2), (3, 1), (0, 0)])
def test_bounded_keyword_work_keeps_the_best_papers(pg_search: PgSearch, budget: int, candidates: int) -> None:
    unbounded = ids(pg_search.search("attention diffusion video", mode="keyword"))
    pg_search.keyword = dataclasses.replace(pg_search.keyword, match_budget=budget, candidates=candidates)
    bounded = pg_search.search("attention diffusion video", mode="keyword")
    assert ids(bounded)[0] == unbounded[0] == "2401.00005"  # the only paper with all three words
    assert set(ids(bounded)) <= set(unbounded)
    assert bounded.total >= len(bounded.hits)
    every = [ids(pg_search.search("attention diffusion video", mode="keyword", page=p, page_size=1)) for p in (1, 2)]
    assert every[0] != every[1]
    if bounded.total >= 2:
        assert every[1]  # pages past the candidate limit still fill


def test_bounded_keyword_sql_scores_only_candidates_fully() -> None:
    frequencies = {"rare": 10, "model": 400_000}
    config = PgKeywordConfig(match_budget=1000, candidates=50)
    text, params = ranked_sql(parse_query("rare model"), frequencies, 1_000_000, config, limit=10, offset=0)
    assert "LIMIT 50" in text
    assert text.count("ts_rank") == 3
    assert "'rare'" in params.values()
    text, _ = ranked_sql(parse_query("rare model"), frequencies, 1_000_000, config, limit=20, offset=40)
    assert "LIMIT 60" in text  # a deep page widens the candidates
    assert "LIMIT 2000" in text  # at most 2 x match_budget matching rows are read
    unbounded, _ = ranked_sql(
        parse_query("rare model"), frequencies, 1_000_000, PgKeywordConfig(match_budget=0), limit=10, offset=0
    )
    assert "LIMIT 2000" not in unbounded
