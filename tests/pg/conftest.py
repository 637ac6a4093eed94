"""PostgreSQL fixtures for the pg tests: a hub on a fresh pgserver database, with the search test papers stored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.hub import Hub
from dailypapers.pgsearch import PgSearch
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.search.conftest import PAPERS, WordsEmbedder


@pytest.fixture
def pg_settings(postgres_url: str) -> Settings:
    return Settings(database_url=postgres_url, arxiv_min_interval_seconds=0.0, embedder="none")


@pytest.fixture
def pg_hub(pg_settings: Settings, clock: FixedClock) -> Iterator[Hub]:
    hub = make_hub(pg_settings, clock=clock)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def pg_search(pg_hub: Hub) -> PgSearch:
    hub = pg_hub
    hub.store.upsert_papers(PAPERS)
    search = PgSearch(hub.store, hub.store.engine, WordsEmbedder(), embed_on_index=True)  # type: ignore[attr-defined]
    search.index_ids([p.arxiv_id for p in PAPERS])
    return search
