"""The personal pages over HTTP: sign-in and CSRF guards, onboarding, the slider, "not interested" with and without
JavaScript, follows with hints, keyword rules, saved searches and both private feeds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.hub import Hub
from tests.web import seed
from tests.web.auth_helpers import csrf_headers, csrf_token, sign_in

DAY = date(2026, 8, 20)
AUTHORS = ("Zoë Müller", "Bo Wu")
TITLES = {
    "2608.50001": "Graph transformers at scale",
    "2608.50002": "Graph rewiring for long-range messages",
    "2608.50003": "Robot hands that fold laundry",
    "2608.50004": "Speech codecs, again",
}


@pytest.fixture
def feed(topical: Hub) -> Hub:
    upvotes = {"2608.50001": 5, "2608.50002": 3, "2608.50003": 90, "2608.50004": 10}
    seed.store(
        topical,
        [
            seed.paper(i, title=t, imported_upvotes=upvotes[i], authors=("Zoë Müller", "Bo Wu"))
            for i, t in TITLES.items()
        ],
        [seed.entry(i, DAY, minute=n) for n, i in enumerate(TITLES)],
    )
    return topical


def onboarded(client: TestClient, hub: Hub) -> None:
    user = sign_in(client, hub)
    hub.store.mark_onboarded(user.id, hub.clock.now())


def card_ids(html: str) -> list[str]:
    return re.findall(r'<li class="card" id="p-([^"]+)"', html)


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient, feed: Hub) -> None:
    response = client.get("/for-you")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/for-you"
    assert client.post("/for-you/weight", data={"trending_weight": "50"}).status_code == 403  # no CSRF token
    assert client.post("/settings/rules", data={"csrf_token": csrf_token(client), "phrase": "x"}).status_code == 401


def test_first_visit_goes_through_onboarding(client: TestClient, feed: Hub) -> None:
    user = sign_in(client, feed)
    first = client.get("/for-you")
    assert first.status_code == 303
    assert first.headers["location"] == "/for-you/start"
    page = client.get("/for-you/start").text
    assert 'value="cs.LG"' in page
    assert 'value="2608.50003"' in page
    token = csrf_token(client)
    done = client.post("/for-you/start", data={"csrf_token": token, "category": ["cs.LG"], "paper": ["2608.50002"]})
    assert done.status_code == 303
    assert [f.value for f in feed.follows(user)] == ["cs.LG"]
    assert feed.liked_and_disliked_ids(user.id)[0] == ["2608.50002"]
    assert client.get("/for-you").status_code == 200
    bad = client.post("/for-you/start", data={"csrf_token": token, "category": ["no such"]})
    assert bad.status_code == 400


def test_the_page_explains_each_card_and_the_nav_links_it(client: TestClient, feed: Hub) -> None:
    onboarded(client, feed)
    feed.set_upvote(feed.store.get_user_by_email("ada@example.org"), "2608.50001", True)  # type: ignore[arg-type]
    page = client.get("/for-you")
    assert page.status_code == 200
    assert page.headers["cache-control"].startswith("private")
    html = page.text
    assert card_ids(html)[0] == "2608.50002"
    assert "Similar to “Graph transformers at scale”, which you upvoted" in html
    assert "Trending in the last 14 days" in html
    assert '<a href="/for-you" aria-current="page">For you</a>' in html
    assert html.count("/not-interested") == 3


def test_not_interested_without_and_with_javascript(client: TestClient, feed: Hub) -> None:
    onboarded(client, feed)
    token = csrf_token(client)
    assert client.post("/papers/2608.50003/not-interested", data={"next": "/for-you"}).status_code == 403
    plain = client.post("/papers/2608.50003/not-interested", data={"csrf_token": token, "next": "/for-you"})
    assert plain.status_code == 303
    assert plain.headers["location"] == "/for-you"
    assert "2608.50003" not in card_ids(client.get("/for-you").text)
    fetched = client.post(
        "/papers/2608.50004v2/not-interested", headers={**csrf_headers(client), "Accept": "application/json"}
    )
    assert fetched.json() == {"arxiv_id": "2608.50004", "not_interested": True}
    undo = client.post("/papers/2608.50003/not-interested", data={"csrf_token": token, "undo": "1"})
    assert undo.status_code == 303
    assert card_ids(client.get("/for-you").text) == ["2608.50003", "2608.50001", "2608.50002"]
    assert client.post("/papers/2608.99999/not-interested", data={"csrf_token": token}).status_code == 404


def test_the_slider_is_a_form_and_get_changes_nothing(client: TestClient, feed: Hub) -> None:
    onboarded(client, feed)
    user = feed.store.get_user_by_email("ada@example.org")
    assert user is not None
    feed.set_upvote(user, "2608.50001", True)
    assert card_ids(client.get("/for-you").text)[0] == "2608.50002"
    assert client.get("/for-you/weight?trending_weight=100").status_code in (404, 405)
    assert feed.for_you_preferences(user).trending_weight == pytest.approx(0.3)
    token = csrf_token(client)
    assert client.post("/for-you/weight", data={"csrf_token": token, "trending_weight": "100"}).status_code == 303
    html = client.get("/for-you").text
    assert card_ids(html)[0] == "2608.50003"
    assert 'value="100"' in html
    assert client.post("/for-you/weight", data={"csrf_token": token, "trending_weight": "150"}).status_code == 400
    assert client.post("/for-you/weight", data={"csrf_token": token, "trending_weight": "0.5"}).status_code == 400


def test_follow_authors_from_a_paper_page_with_a_hint(client: TestClient, feed: Hub) -> None:
    onboarded(client, feed)
    paper_page = client.get("/papers/2608.50001").text
    assert "Follow Zoë Müller" in paper_page
    hint = client.get("/settings/follows", params={"author": "zoe muller"}).text
    assert "4 papers in this hub" in hint
    assert "Often with Bo Wu (4)" in hint
    assert "Mostly in cs.LG" in hint
    token = csrf_token(client)
    followed = client.post(
        "/settings/follows/author", data={"csrf_token": token, "name": "Zoë Müller", "next": "/papers/2608.50001"}
    )
    assert followed.status_code == 303
    assert followed.headers["location"] == "/papers/2608.50001"
    assert "Following Zoë Müller" in client.get("/papers/2608.50001").text
    assert "By Zoë Müller, an author you follow" in client.get("/for-you").text
    listing = client.get("/settings/follows").text
    assert "Zoë Müller" in listing
    client.post("/settings/follows/author", data={"csrf_token": token, "name": "ZOE MULLER", "remove": "1"})
    assert "an author you follow" not in client.get("/for-you").text
    assert client.post("/settings/follows/category", data={"csrf_token": token, "category": "cs.ro"}).status_code == 303
    assert "cs.RO" in client.get("/settings/follows").text
    bad = client.post("/settings/follows/category", data={"csrf_token": token, "category": "<b>"})
    assert bad.status_code == 400
    assert "is not an arXiv category" in bad.text


def test_keyword_rules_filter_the_page_and_the_private_feed(client: TestClient, feed: Hub) -> None:
    onboarded(client, feed)
    token = csrf_token(client)
    assert (
        client.post("/settings/rules", data={"csrf_token": token, "kind": "exclude", "phrase": "Robot"}).status_code
        == 303
    )
    page = client.get("/settings/rules").text
    assert "“robot”" in page
    assert "2608.50003" not in card_ids(client.get("/for-you").text)
    profile = client.get("/u/ada").text
    feed_path = re.search(r'href="[^"]*(/feeds/for-you/[^"]+\.atom)"', profile)
    assert feed_path
    parsed = feedparser.parse(client.get(feed_path.group(1)).content)
    assert parsed.entries
    assert not any(e.link.endswith("/papers/2608.50003") for e in parsed.entries)
    rule_id = re.search(r'action="/settings/rules/(\d+)/delete"', page)
    assert rule_id
    assert client.post(f"/settings/rules/{rule_id.group(1)}/delete", data={"csrf_token": token}).status_code == 303
    assert "2608.50003" in card_ids(client.get("/for-you").text)
    empty = client.post("/settings/rules", data={"csrf_token": token, "kind": "include", "phrase": '  "" '})
    assert empty.status_code == 400


def test_save_a_search_from_the_search_page_and_read_its_feed(client: TestClient, feed: Hub) -> None:
    clock = feed.clock
    assert isinstance(clock, FixedClock)
    clock.at = datetime.now(UTC)  # the store stamps papers with the wall clock; sign in at the same time
    onboarded(client, feed)
    search = client.get("/search", params={"q": "codecs", "cat": "cs.LG", "mode": "keyword"}).text
    assert 'action="/settings/searches"' in search
    assert 'name="q" value="codecs cat:cs.LG"' in search
    token = csrf_token(client)
    saved = client.post("/settings/searches", data={"csrf_token": token, "q": "codecs cat:cs.LG", "name": "Codecs"})
    assert saved.status_code == 303
    seed.store(feed, [seed.paper("2611.00001", title="Neural codecs", published=clock.at - timedelta(hours=2))])
    page = client.get("/settings/searches").text
    assert "Codecs" in page
    assert "Neural codecs" in page
    assert "Speech codecs, again" not in page  # it was here before the search was saved
    feed_path = re.search(r'href="(/feeds/saved/[^"]+\.atom)"', page)
    assert feed_path
    response = client.get(feed_path.group(1))
    assert response.headers["cache-control"].startswith("private")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == ["2611.00001"]
    assert client.get(feed_path.group(1).replace(".atom", ".rss")).status_code == 200
    forged = re.sub(r"-[0-9a-f]+\.atom$", "-" + "0" * 32 + ".atom", feed_path.group(1))
    assert client.get(forged).status_code == 404
    for_you_key = feed.for_you_feed_key(feed.store.get_user_by_email("ada@example.org"))  # type: ignore[arg-type]
    assert client.get(f"/feeds/saved/{for_you_key}.atom").status_code == 404  # each feed has its own secret
    taken = client.post("/settings/searches", data={"csrf_token": token, "q": "other", "name": "Codecs"})
    assert taken.status_code == 409
    bad = client.post("/settings/searches", data={"csrf_token": token, "q": "year:abc", "name": "x"})
    assert bad.status_code == 400
    search_id = re.search(r'action="/settings/searches/(\d+)/delete"', page)
    assert search_id
    assert client.post(f"/settings/searches/{search_id.group(1)}/delete", data={"csrf_token": token}).status_code == 303
    assert "You have no saved searches" in client.get("/settings/searches").text


def test_saving_from_the_page_makes_it_a_like(client: TestClient, feed: Hub) -> None:
    onboarded(client, feed)
    html = client.get("/for-you").text
    assert 'action="/papers/2608.50001/save"' in html
    saved = client.post("/papers/2608.50001/save", data={"csrf_token": csrf_token(client), "save": "1"})
    assert saved.status_code == 303
    html = client.get("/for-you").text
    assert "2608.50001" not in card_ids(html)
    assert card_ids(html)[0] == "2608.50002"
    assert "Similar to “Graph transformers at scale”, which you saved" in html
