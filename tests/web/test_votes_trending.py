"""Trending end to end: /trending and sort=trending rank by the formula; vote rings of fresh accounts and the
submitter's own vote leave the order unchanged while the page counts show every vote."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dailypapers.domain.models import FeedEntry, User
from dailypapers.hub import Hub
from dailypapers.ports.votes import RepoStars
from dailypapers.web.app import create_app
from tests.web import seed
from tests.web.auth_helpers import csrf_token, sign_in

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
_CARD_RE = re.compile(r'class="card-title"><a href="/papers/([^"]+)"')


def veteran(hub: Hub, name: str) -> User:
    return hub.store.get_or_create_user(f"{name}@example.org", name, NOW - timedelta(days=200))


@pytest.fixture
def world(hub: Hub) -> Hub:
    """Five papers over four days; votes from established accounts; one paper's code gaining stars fast."""
    submitter = veteran(hub, "sub")
    specs = [  # id, hours since submission, votes (hours ago each), imported
        ("2608.00001", 2, [1, 1], 0),
        ("2608.00002", 20, [19, 18, 10, 5, 2], 0),
        ("2608.00003", 50, [48] * 8, 0),
        ("2608.00004", 80, [], 30),
        ("2608.00005", 10, [9], 0),
    ]
    voters = [veteran(hub, f"v{n}") for n in range(8)]
    for arxiv_id, age, vote_ages, imported in specs:
        submitted = NOW - timedelta(hours=age)
        repo = "https://github.com/acme/rocket" if arxiv_id == "2608.00005" else None
        hub.store.upsert_papers([seed.paper(arxiv_id, imported_upvotes=imported, github_repo=repo)])
        hub.store.add_feed_entries(
            [FeedEntry(arxiv_id, submitted.date(), submitted, "sub", "user", submitter_id=submitter.id)]
        )
        for voter, hours in zip(voters, vote_ages, strict=False):
            hub.store.set_vote(voter.id, arxiv_id, True, NOW - timedelta(hours=hours))
    hub.store.record_stars(RepoStars("acme/rocket", 100, None), NOW - timedelta(days=2))
    hub.store.record_stars(RepoStars("acme/rocket", 900, None), NOW)  # 400 stars a day: √400 = 20 points
    return hub


@pytest.fixture
def web(world: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(world), follow_redirects=False) as client:
        yield client


def trending_ids(client: TestClient, query: str = "") -> list[str]:
    response = client.get("/trending" + query)
    assert response.status_code == 200, response.text
    return _CARD_RE.findall(response.text)


def test_the_trending_page_ranks_by_the_formula(web: TestClient, world: Hub) -> None:
    ids = trending_ids(web)
    assert ids == [i.paper.arxiv_id for i in world.trending().items]
    assert ids[0] == "2608.00005"  # one vote, but its code gains 400 stars a day
    assert ids.index("2608.00002") < ids.index("2608.00003")  # fresher votes beat more, older ones
    page = web.get("/trending").text
    assert 'href="/trending" aria-current="page"' in page  # the nav entry
    assert "Trending papers" in page
    assert "half as much every 48 hours" in page
    assert trending_ids(web, "?days=1") == [i for i in ids if i in ("2608.00001", "2608.00005")]  # today only
    scores = world.trending().scores
    assert [scores[i] for i in ids] == sorted(scores.values(), reverse=True)


def test_paging_and_bad_parameters(web: TestClient, world: Hub) -> None:
    world.settings = world.settings.with_overrides(page_size=2)
    first, second, third = trending_ids(web), trending_ids(web, "?p=2"), trending_ids(web, "?p=3")
    assert len(first) == len(second) == 2
    assert len(third) == 1
    assert first + second + third == [i.paper.arxiv_id for i in world.trending(page=1).items] + [
        i.paper.arxiv_id for p in (2, 3) for i in world.trending(page=p).items
    ]
    assert 'href="/trending?p=2"' in web.get("/trending").text
    assert 'href="/trending?days=3&amp;p=2"' in web.get("/trending?days=3").text
    assert web.get("/trending?days=0").status_code == 400
    assert web.get("/trending?days=31").status_code == 400
    assert web.get("/trending?days=x").status_code == 400
    assert web.get("/trending?p=0").status_code == 400
    assert "past the end" in web.get("/trending?p=9").text


def test_twenty_fresh_accounts_upvoting_one_paper_leave_trending_unchanged(web: TestClient, world: Hub) -> None:
    before = trending_ids(web)
    scores_before = world.trending().scores
    target = before[-1]
    for n in range(20):  # a ring of accounts made just now, each voting through the real form
        sign_in(web, world, f"ring{n}@example.org")
        response = web.post(f"/papers/{target}/upvote", data={"csrf_token": csrf_token(web), "upvote": "1"})
        assert response.status_code == 303
    counted = len(world.store.cast_votes(target)) + world.paper(target).imported_upvotes
    assert world.paper_view(target).upvotes == counted  # the page counts every vote…
    assert trending_ids(web) == before  # …trending counts none of them
    assert world.trending().scores == pytest.approx(scores_before)
    world.clock.at += timedelta(hours=world.settings.trending_min_account_age_hours)  # type: ignore[attr-defined]
    assert world.trending().scores[target] < scores_before[target]  # they never start counting later either


def test_the_submitters_own_vote_does_not_count(web: TestClient, world: Hub) -> None:
    before = world.trending().scores
    submitter = veteran(world, "sub")
    for arxiv_id in before:
        world.set_upvote(submitter, arxiv_id, True)
    assert world.trending().scores == pytest.approx(before)
    assert world.paper_view("2608.00004").upvotes == 31  # but the page shows it


def test_hf_api_sort_trending_uses_the_same_order(web: TestClient, world: Hub) -> None:
    response = web.get("/api/daily_papers", params={"sort": "trending", "month": "2026-08"})
    assert [item["paper"]["id"] for item in response.json()] == trending_ids(web, "?days=30")
