"""Anonymous pages are rendered once per data change and served from memory until then; any write (in any
process), a new day or new vectors bring a fresh render; signed-in pages are never served from it; ETag / 304;
HEAD on every GET route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.models import PaperView
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.wiring import make_hub
from tests.web import seed
from tests.web.auth_helpers import sign_in
from tests.web.conftest import sql_statements

DAY = date(2026, 8, 20)
DAY_URL = "/date/2026-08-20"


@pytest.fixture
def day_ids(hub: Hub) -> list[str]:
    return seed.day_of_papers(hub, DAY, [3, 1])


def _upvotes(html: str, arxiv_id: str) -> int:
    card = html[html.index(f'href="/papers/{arxiv_id}"') - 800 :]
    return int(re.findall(r'<span class="count">(\d+)</span>', card)[0])


def test_a_page_is_rendered_once_until_the_data_changes(
    client: TestClient, hub: Hub, day_ids: list[str], renders: list[str]
) -> None:
    first = client.get(DAY_URL)
    again = client.get(DAY_URL + "?utm_source=x")  # another query string: rendered for itself
    third = client.get(DAY_URL)
    assert first.status_code == again.status_code == third.status_code == 200
    assert renders == ["2026-08-20", "2026-08-20"]
    assert third.text == first.text
    assert third.headers["etag"] == first.headers["etag"]
    assert third.headers["cache-control"] == "no-cache"

    voter = hub.store.get_or_create_user("v@example.org", "v", hub.clock.now())
    hub.store.set_vote(voter.id, day_ids[1], True, hub.clock.now())  # a vote: the trigger moves the version on
    fresh = client.get(DAY_URL)
    assert len(renders) == 3
    assert _upvotes(fresh.text, day_ids[1]) == 2
    assert fresh.headers["etag"] != first.headers["etag"]


def test_etag_answers_304_until_the_page_changes(client: TestClient, hub: Hub, day_ids: list[str]) -> None:
    etag = client.get(DAY_URL).headers["etag"]
    unchanged = client.get(DAY_URL, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    hub.store.upsert_papers([seed.paper(day_ids[0], title="A corrected title", version=2)])
    changed = client.get(DAY_URL, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "A corrected title" in changed.text


def test_a_write_from_another_process_reaches_every_cache(
    client: TestClient, settings: Settings, clock: FixedClock, day_ids: list[str]
) -> None:
    """Two web processes on one database: a vote through the other one's hub is seen here at once."""
    other = make_hub(settings, clock=clock)
    with TestClient(create_app(other)) as other_client:
        assert _upvotes(other_client.get(DAY_URL).text, day_ids[0]) == 3
        assert _upvotes(client.get(DAY_URL).text, day_ids[0]) == 3
        voter = other.store.get_or_create_user("w@example.org", "w", other.clock.now())
        other.set_upvote(voter, day_ids[0], True)
        assert _upvotes(client.get(DAY_URL).text, day_ids[0]) == 4
        assert _upvotes(other_client.get(DAY_URL).text, day_ids[0]) == 4
    other.store.engine.dispose()  # type: ignore[attr-defined]


def test_a_new_day_renders_again(
    client: TestClient, hub: Hub, clock: FixedClock, day_ids: list[str], renders: list[str]
) -> None:
    client.get("/")
    client.get("/")
    assert len(renders) == 1
    clock.at += timedelta(days=1)  # "today" is on feed pages (the current day says so): a new day, a new render
    client.get("/")
    assert len(renders) == 2


def test_new_vectors_render_paper_pages_again(
    client: TestClient, hub: Hub, day_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real = hub.similar_papers

    def similar(arxiv_id: str, k: int = 5) -> list[PaperView]:
        asked.append(arxiv_id)
        return real(arxiv_id, k)

    monkeypatch.setattr(hub, "similar_papers", similar)
    url = f"/papers/{day_ids[0]}"
    client.get(url)
    client.get(url)
    assert asked == [day_ids[0]]
    hub.freshness.changed()  # what the worker says after embedding: similar papers come from the vectors
    client.get(url)
    assert asked == [day_ids[0], day_ids[0]]


def test_signed_in_pages_are_never_served_from_the_cache(
    client: TestClient, hub: Hub, day_ids: list[str], renders: list[str]
) -> None:
    anonymous = client.get(DAY_URL)
    assert "csrf_token" not in anonymous.text
    user = sign_in(client, hub)
    hub.set_upvote(user, day_ids[0], True)
    personal = client.get(DAY_URL)
    assert personal.headers["cache-control"] == "private, no-cache"
    assert "etag" not in personal.headers
    assert 'aria-pressed="true"' in personal.text  # their own vote, pressed
    assert 'name="csrf_token"' in personal.text
    client.get(DAY_URL)
    client.get(DAY_URL)
    # anonymous once; the member's first request in full, then one shared render spliced per member
    # (web/member_pages.py, tests/web/test_member_pages.py)
    assert len(renders) == 3


def test_the_members_marks_cost_one_query_per_page(
    client: TestClient, hub: Hub, day_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = sign_in(client, hub)
    hub.set_upvote(user, day_ids[1], True)
    hub.set_saved(user, day_ids[0], True)
    asked: list[list[str]] = []
    real = hub.viewer.store.viewer_marks

    def counted(user_id: int, arxiv_ids: list[str], *args: Any) -> Any:
        asked.append(list(arxiv_ids))
        return real(user_id, arxiv_ids, *args)

    monkeypatch.setattr(hub.viewer.store, "viewer_marks", counted)
    with sql_statements(hub) as statements:
        page = client.get(DAY_URL)
    assert asked == [day_ids[:2]]  # one marks query (one statement, tests/integration) for the page's papers
    per_card = [s for s in statements if "FROM votes" in s or "FROM collection_items" in s or "FROM follows" in s]
    assert per_card == []  # and no card asks again
    assert page.text.count('aria-pressed="true"') == 2  # the upvote of one paper, the save of the other


@pytest.mark.parametrize(
    "path",
    ["/", DAY_URL, "/week/2026-W34", "/papers/2608.20000", "/api/v1/feed", "/feeds/daily.atom", "/static/style.css"],
)
def test_head_answers_like_get_without_a_body(client: TestClient, day_ids: list[str], path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers.get("content-length") == got.headers.get("content-length")


def test_head_of_an_unknown_page_is_404_and_of_a_post_route_405(client: TestClient) -> None:
    assert client.head("/papers/2608.99999").status_code == 404
    assert client.head("/signout").status_code == 405


@pytest.fixture
def uncached_client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    hub = make_hub(settings.with_overrides(page_cache_mb=0), clock=clock)
    with TestClient(create_app(hub)) as test_client:
        yield test_client
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def test_page_cache_mb_zero_renders_every_request(uncached_client: TestClient, hub: Hub, day_ids: list[str]) -> None:
    first = uncached_client.get(DAY_URL)
    assert first.status_code == 200
    assert "etag" not in first.headers
    assert uncached_client.head(DAY_URL).content == b""


def test_warm_up_renders_the_hot_pages_before_the_first_visitor(
    client: TestClient, hub: Hub, day_ids: list[str], renders: list[str]
) -> None:
    """What `serve` runs in each web process before it binds its socket (web/serving.py)."""
    import asyncio

    from dailypapers.web.warmup import warm_up

    asyncio.run(warm_up(client.app))  # type: ignore[arg-type]
    warmed = len(renders)
    assert warmed == 4  # home, the latest day, its week and month
    for url in ("/", DAY_URL, "/week/2026-W34", "/month/2026-08"):
        assert client.get(url).status_code == 200
    assert len(renders) == warmed  # the first visitors were served from memory
