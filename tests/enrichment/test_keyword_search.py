"""Keywords are a field of the keyword index on both engines: `keyword:"…"` filters by them, free text matches them
without scoring, and a later change of keywords (local, then the upstream's) is what the index holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.web import seed


@pytest.fixture
def any_hub(store_url: str, tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> Iterator[Hub]:
    settings = Settings(
        database_url=store_url, embedder="none", upstreams="", search_dir=str(tmp_path_factory.mktemp("search"))
    )
    hub = make_hub(settings, clock=clock)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def found(hub: Hub, text: str) -> list[str]:
    results, _ = hub.search(text, mode="keyword")
    return [hit.arxiv_id for hit in results.hits]


def test_keywords_are_a_filter_and_match_free_text_without_scoring(any_hub: Hub) -> None:
    hub = any_hub
    seed.store(
        hub,
        [
            seed.paper("2608.00001"),
            seed.paper("2608.00002", title="Expert gating, studied", abstract="We study expert gating at scale."),
        ],
    )
    assert found(hub, 'keyword:"expert gating"') == []
    hub.store.save_keywords("2608.00001", ["expert gating", "activation sparsity"])
    hub.search_engine.index_ids(["2608.00001"])
    assert found(hub, 'keyword:"expert gating"') == ["2608.00001"]
    assert found(hub, 'keyword:"gating expert"') == []  # a phrase, in order
    assert found(hub, "kw:sparsity") == ["2608.00001"]
    # Free text finds the keywords too, after every paper whose own text matches (keywords add no score).
    assert found(hub, "expert gating") == ["2608.00002", "2608.00001"]
    upstream = dataclasses.replace(seed.paper("2608.00001"), ai_keywords=("conditional computation",))
    hub.search_engine.index_ids(hub.store.upsert_papers([upstream]).changed_ids)
    assert found(hub, 'keyword:"expert gating"') == []  # the upstream's keywords are the shown ones now
    assert found(hub, 'keyword:"conditional computation"') == ["2608.00001"]
