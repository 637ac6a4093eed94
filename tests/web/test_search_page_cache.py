"""Anonymous search result pages are kept in the page cache until the data changes, never for members, and within
their share of the cache, so a stream of distinct queries cannot push the day pages out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.wiring import make_hub
from tests.web import seed
from tests.web.auth_helpers import sign_in
from tests.web.conftest import count_renders
from tests.web.search_support import store_topical, use_search

DAY_URL = "/date/2026-08-20"


def _count_searches(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queries the route really ran (a page served from memory never gets here)."""
    asked: list[str] = []
    real = hub.search

    def counted(text: str, **kwargs: object):  # type: ignore[no-untyped-def]
        asked.append(text)
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hub, "search", counted)
    return asked


@pytest.fixture
def searches(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    use_search(hub, tmp_path / "index", None)
    store_topical(hub)
    return _count_searches(hub, monkeypatch)


def test_a_search_page_is_run_once_until_the_data_changes(client: TestClient, hub: Hub, searches: list[str]) -> None:
    first = client.get("/search?q=diffusion&mode=keyword")
    again = client.get("/search?q=diffusion&mode=keyword")
    assert first.status_code == again.status_code == 200
    assert searches == ["diffusion"]
    assert again.text == first.text
    assert again.headers["etag"] == first.headers["etag"]
    assert "2401.60001" not in first.text

    hub.store.upsert_papers([seed.paper("2401.60001", title="Diffusion for weather forecasts")])
    hub.search_engine.index_ids(["2401.60001"])
    fresh = client.get("/search?q=diffusion&mode=keyword")
    assert searches == ["diffusion", "diffusion"]
    assert "2401.60001" in fresh.text


def test_members_and_bad_queries_are_never_served_from_the_cache(
    client: TestClient, hub: Hub, searches: list[str]
) -> None:
    assert client.get("/search?q=%22unclosed&mode=nope").status_code == 400
    assert client.get("/search?q=%22unclosed&mode=nope").status_code == 400
    client.get("/search?q=robot&mode=keyword")
    sign_in(client, hub)
    personal = client.get("/search?q=robot&mode=keyword")
    assert searches == ["robot", "robot"]
    assert personal.headers["cache-control"] == "private, no-cache"
    assert 'name="csrf_token"' in personal.text  # the "save this search" form


@pytest.fixture
def small_cache_client(settings: Settings, clock: FixedClock, tmp_path: Path) -> Iterator[tuple[TestClient, Hub]]:
    hub = make_hub(settings.with_overrides(page_cache_mb=1), clock=clock)
    use_search(hub, tmp_path / "small", None)
    store_topical(hub)
    seed.day_of_papers(hub, date(2026, 8, 20), [3, 1])
    with TestClient(create_app(hub)) as test_client:
        yield test_client, hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def test_distinct_queries_cannot_push_the_day_pages_out(
    small_cache_client: tuple[TestClient, Hub], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, hub = small_cache_client
    renders = count_renders(hub, monkeypatch)
    assert client.get(DAY_URL).status_code == 200
    asked = _count_searches(hub, monkeypatch)
    pages = 0
    while pages < 1_200_000:  # more than the whole 1 MB cache in distinct search pages
        found = client.get(f"/search?q=diffusion+{len(asked)}&mode=keyword")
        assert found.status_code == 200
        pages += len(found.content)
    assert client.get(DAY_URL).status_code == 200
    assert renders == ["2026-08-20"]  # still kept: the search pages evicted only each other
    newest = len(asked) - 1
    client.get(f"/search?q=diffusion+{newest}&mode=keyword")  # the newest search page is kept
    client.get("/search?q=diffusion+0&mode=keyword")  # the oldest was evicted: it runs again
    assert asked.count(f"diffusion {newest}") == 1
    assert asked.count("diffusion 0") == 2
