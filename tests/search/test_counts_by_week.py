"""count_by_week and matching_ids on both engines (tantivy files, PostgreSQL): a week's count is the keyword search's
`total` for that week, and the matched papers are the ones that search returns."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.models import Paper
from dailypapers.domain.query import ParsedQuery, SearchFilters, parse_query
from dailypapers.pgsearch import PgSearch
from dailypapers.pgsearch.keyword import PgKeywordConfig
from dailypapers.ports import SearchEngine
from dailypapers.search import SearchService
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.search.conftest import paper

START = date(2026, 1, 5)  # a Monday
WEEKS = 8
WORDS = ("agents", "diffusion", "robot", "language", "graph", "video", "the", "policy")
QUERIES = (
    "agents",
    "diffusion video",
    '"language agents"',
    "agents -diffusion",
    "author:Grace robot",
    "cat:cs.RO",
    "cat:cs graph",
    "has:code diffusion",
    "year:2026 policy",
    "after:2026-01-20 agents",
    "the",  # a stopword alone
    "nonexistentword",
)


def corpus() -> list[Paper]:
    """90 papers over 9 weeks (one before the window) with random words, authors, categories and code links."""
    rng = random.Random(7)
    papers = []
    for i in range(90):
        words = rng.sample(WORDS, 3)
        day = START - timedelta(days=7) + timedelta(days=rng.randrange(0, 63))
        moment = datetime.combine(day, time(rng.randrange(0, 24), rng.randrange(0, 60)), tzinfo=UTC)
        title = " ".join(words) + (" language agents" if i % 5 == 0 else "")
        papers.append(
            paper(
                f"2601.{i:05d}",
                title,
                f"We study {words[0]} and {words[1]}.",
                authors=(rng.choice(("Grace Hopper", "Ada Lovelace", "Alan Turing")),),
                categories=(rng.choice(("cs.RO", "cs.CL", "cs.CV", "math.OC")),),
                published=moment,
                github_repo="https://github.com/a/b" if i % 3 == 0 else None,
            )
        )
    return papers


@pytest.fixture(params=["tantivy", "postgresql", "postgresql-bounded"])
def engine(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[SearchEngine]:
    """Each engine over the same papers; "bounded" makes PgSearch's match budget and scan cap bite on them."""
    url = request.getfixturevalue("database_url" if request.param == "tantivy" else "postgres_url")
    hub = make_hub(Settings(database_url=url, embedder="none", search_dir=str(tmp_path / "search")), clock=clock)
    papers = corpus()
    hub.store.upsert_papers(papers)
    if request.param == "tantivy":
        search: SearchEngine = SearchService(hub.store, tmp_path / "search", None)
    else:
        config = PgKeywordConfig(match_budget=4) if request.param == "postgresql-bounded" else None
        search = PgSearch(hub.store, hub.store.engine, None, keyword=config)  # type: ignore[attr-defined]
    search.index_ids([p.arxiv_id for p in papers])
    yield search
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def week_total(engine: SearchEngine, text: str, week: int) -> int:
    first = START + timedelta(weeks=week)
    filters = SearchFilters(start=first, end=first + timedelta(days=6))
    return engine.search(text, mode="keyword", filters=filters, page_size=1).total


@pytest.mark.parametrize("text", QUERIES)
def test_each_week_counts_what_a_keyword_search_of_that_week_totals(engine: SearchEngine, text: str) -> None:
    counts = engine.count_by_week(parse_query(text), start=START, weeks=WEEKS)
    assert counts == [week_total(engine, text, week) for week in range(WEEKS)]


def test_counts_are_not_all_empty_and_cover_only_the_window(engine: SearchEngine) -> None:
    counts = engine.count_by_week(parse_query("agents"), start=START, weeks=WEEKS)
    everything = engine.count_by_week(ParsedQuery(), start=START, weeks=WEEKS)
    in_window = [p for p in corpus() if START <= p.published.date() < START + timedelta(weeks=WEEKS)]
    assert sum(everything) == len(in_window) < len(corpus())  # the week before the window is left out
    assert 0 < sum(counts) < sum(everything)
    assert engine.count_by_week(parse_query("agents"), start=START, weeks=0) == []


def test_a_reindexed_paper_is_counted_once_in_its_new_week(engine: SearchEngine) -> None:
    before = engine.count_by_week(ParsedQuery(), start=START, weeks=WEEKS)
    moved = corpus()[0]
    target = START + timedelta(weeks=WEEKS - 1, days=2)
    store = engine.store  # type: ignore[attr-defined]
    store.upsert_papers([dataclasses.replace(moved, published=datetime.combine(target, time(9), tzinfo=UTC))])
    engine.index_ids([moved.arxiv_id])
    after = engine.count_by_week(ParsedQuery(), start=START, weeks=WEEKS)
    assert sum(after) == sum(before) + (0 if moved.published.date() >= START else 1)
    assert after[-1] == before[-1] + 1


@pytest.mark.parametrize("text", ["agents", "agents -diffusion", "cat:cs.RO", '"language agents"', "the"])
def test_matching_ids_are_the_papers_the_search_returns(engine: SearchEngine, text: str) -> None:
    among = [p.arxiv_id for p in corpus()[::2]]
    results = engine.search(text, mode="keyword", page_size=100)
    returned = {hit.arxiv_id for hit in results.hits}
    matched = engine.matching_ids(parse_query(text), among)
    assert results.total < 100
    if isinstance(engine, PgSearch) and engine.keyword.match_budget < 100:
        # The bounded engine's search stops reading after its scan cap; the papers it did return all match.
        assert returned & set(among) <= matched
    else:
        assert matched == returned & set(among)
    assert engine.matching_ids(parse_query(text), []) == set()
