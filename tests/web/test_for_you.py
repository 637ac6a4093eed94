"""The private "for you" feed: ranked by likeness to the member's upvotes, reachable only by its secret URL."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

import feedparser
import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.web import seed
from tests.web.auth_helpers import make_user, sign_in

TOPICS = ("graph", "speech", "robot")


def topic_vectors(hub: Hub) -> Callable[[Sequence[str]], dict[str, list[float]]]:
    """Deterministic embeddings: one axis per topic word in the title."""

    def paper_vectors(arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        papers = hub.store.get_papers(list(arxiv_ids))
        return {i: [1.0 if t in p.title.lower() else 0.05 for t in TOPICS] for i, p in papers.items()}

    return paper_vectors


@pytest.fixture
def liked_graphs(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Hub:
    day = date(2026, 8, 20)
    titles = {
        "2608.50001": "Graph transformers at scale",  # upvoted by ada
        "2608.50002": "Robot hands that fold laundry",  # most upvoted overall
        "2608.50003": "Graph rewiring for long-range messages",  # like what ada upvoted
        "2608.50004": "Speech codecs, again",
    }
    upvotes = {"2608.50001": 5, "2608.50002": 90, "2608.50003": 3, "2608.50004": 10}
    seed.store(
        hub,
        [seed.paper(i, title=t, imported_upvotes=upvotes[i], authors=(f"Author {i}",)) for i, t in titles.items()],
        [seed.entry(i, day, minute=n) for n, i in enumerate(titles)],
    )
    monkeypatch.setattr(hub.search_engine, "paper_vectors", topic_vectors(hub))
    hub.set_upvote(make_user(hub), "2608.50001", True)
    return hub


def test_for_you_puts_papers_like_my_upvotes_first(liked_graphs: Hub) -> None:
    items = liked_graphs.for_you.rank(make_user(liked_graphs))
    ids = [item.view.paper.arxiv_id for item in items]
    assert ids[0] == "2608.50003"
    assert "Graph transformers at scale" in items[0].why
    assert "2608.50001" not in ids  # already upvoted
    assert sorted(ids[1:]) == ["2608.50002", "2608.50004"]  # then the rest
    stranger = make_user(liked_graphs, "new@example.org")  # no upvotes: plain trending
    assert liked_graphs.for_you.rank(stranger)[0].view.paper.arxiv_id == "2608.50002"


def test_private_feed_url_only_on_my_profile_and_unguessable(client: TestClient, liked_graphs: Hub) -> None:
    ada = sign_in(client, liked_graphs)
    page = client.get(f"/u/{ada.username}").text
    match = re.search(r'href="[^"]*(/feeds/for-you/[^"]+\.atom)"', page)
    assert match
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("private")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.entries[0].link.endswith("/papers/2608.50003")
    other = make_user(liked_graphs, "bob@example.org")
    assert "/feeds/for-you/" not in client.get(f"/u/{other.username}").text
    forged = f"/feeds/for-you/{other.id}-{'0' * 32}.atom"
    assert client.get(forged).status_code == 404
    assert client.get(f"/feeds/for-you/{ada.id}.atom").status_code == 404
