"""Atom / RSS for one day, week or month (`/date/2026-08-20.atom`) and for a public collection (`/u/ada/c/x.rss`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.conftest import NOW
from tests.web import test_feeds
from tests.web.discussion_support import make_user
from tests.web.test_feeds import BASE, FORMATS, fetch, ids, utc

seeded = test_feeds.seeded  # the fixture: three days of papers


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("path", "expected", "label"),
    [
        ("/date/2026-08-20", ["2608.20002", "2608.20001"], "Thursday, August 20, 2026"),  # most upvoted first
        ("/week/2026-W34", ["2608.20002", "2608.20001", "2608.21001"], "Week 34, 2026"),
        ("/month/2026-08", ["2608.10001", "2608.20002", "2608.20001", "2608.21001"], "August 2026"),
    ],
)
def test_a_period_as_a_feed(
    client: TestClient, seeded: Hub, fmt: str, path: str, expected: list[str], label: str
) -> None:
    parsed = fetch(client, f"{path}.{fmt}", fmt)
    assert ids(parsed) == expected  # the papers of its page, in the page's order
    assert label in parsed.feed.title
    assert parsed.feed.link == BASE + path  # the page it mirrors
    self_links = [link.href for link in parsed.feed.get("links", []) if link.get("rel") == "self"]
    assert self_links in ([f"{BASE}{path}.{fmt}"], [])  # RSS 2.0 carries no self link


def test_a_period_feed_takes_the_page_slug_rules(client: TestClient, seeded: Hub) -> None:
    assert client.get("/date/2026-08-19.atom").status_code == 200  # a day without papers: an empty feed
    for bad, message in (
        ("/date/2026-02-30.atom", "not a real date"),
        ("/date/9999-12-31.rss", "outside this hub"),
        ("/week/2026-W60.atom", "not a real ISO week"),
        ("/month/20-08.rss", "is not a month"),
    ):
        answer = client.get(bad)
        assert answer.status_code == 400, bad
        assert message in answer.text.replace("&#39;", "'"), bad
    assert client.get("/date/2026-08-20.bib").headers["content-type"].startswith("text/x-bibtex")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_public_collection_as_a_feed(client: TestClient, seeded: Hub, fmt: str) -> None:
    ada = make_user(seeded, "ada")
    seeded.create_collection(ada, "Vision reading", "Papers on seeing.", is_public=True)
    seeded.add_to_collection(ada, "vision-reading", "2608.20001")
    seeded.clock.at = NOW + timedelta(hours=2)  # type: ignore[attr-defined]  # FixedClock
    seeded.add_to_collection(ada, "vision-reading", "2608.10001")
    parsed = fetch(client, f"/u/ada/c/vision-reading.{fmt}", fmt)
    assert ids(parsed) == ["2608.10001", "2608.20001"]  # most recently added first
    assert parsed.feed.title == "dailypapers: Vision reading (a collection by ada)"
    assert parsed.feed.link == f"{BASE}/u/ada/c/vision-reading"
    if fmt == "atom":  # news in a collection is a paper joining it: its entry is dated when it was added
        assert utc(parsed.entries[0].updated_parsed) == NOW + timedelta(hours=2)
        assert utc(parsed.feed.updated_parsed) == NOW + timedelta(hours=2)
    page = client.get("/u/ada/c/vision-reading").text
    assert 'href="/u/ada/c/vision-reading.atom"' in page


def test_a_private_collection_has_no_feed(client: TestClient, seeded: Hub) -> None:
    ada = make_user(seeded, "ada")
    seeded.create_collection(ada, "Secret", is_public=False)
    seeded.add_to_collection(ada, "secret", "2608.20001")
    for fmt in FORMATS:
        assert client.get(f"/u/ada/c/secret.{fmt}").status_code == 404  # like a collection that does not exist
    assert client.get("/u/nobody/c/secret.atom").status_code == 404
