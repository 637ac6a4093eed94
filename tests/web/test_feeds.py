"""Atom / RSS feeds: parsed back with feedparser (well-formed, entries, absolute links, dates), caching, errors."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.web import seed

BASE = "http://127.0.0.1:8000"  # Settings' default base_url, which the test settings keep
FORMATS = ["atom", "rss"]
CONTENT_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    """Three days of papers: 08-10 is outside the trending week, 08-20 and 08-21 inside it."""
    seed.store(
        hub,
        [
            seed.paper("2608.10001", title="Old but loved", imported_upvotes=99, categories=("cs.CL",)),
            seed.paper(
                "2608.20001",
                title="Sparse attention & 100% recall",
                imported_upvotes=5,
                categories=("cs.CV", "cs.LG"),
                authors=("Zoë Çelik", "Ada Lovelace"),
                updated=datetime(2026, 8, 20, 9, 0, tzinfo=UTC),
            ),
            seed.paper("2608.20002", title="Vision transformers again", imported_upvotes=30, categories=("cs.CV",)),
            seed.paper(
                "2608.21001",
                title="Language models count",
                imported_upvotes=1,
                categories=("cs.CL",),
                authors=("Ada Lovelace-Smith",),
            ),
        ],
        [
            seed.entry("2608.10001", date(2026, 8, 10)),
            seed.entry("2608.20001", date(2026, 8, 20), minute=1),
            seed.entry("2608.20002", date(2026, 8, 20), minute=2),
            seed.entry("2608.21001", date(2026, 8, 21)),
        ],
    )
    return hub


def fetch(client: TestClient, url: str, fmt: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(CONTENT_TYPES[fmt])
    assert response.headers["cache-control"] == "public, max-age=300"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version.startswith(fmt)
    return parsed


def utc(parsed_time: Any) -> datetime:
    """feedparser's UTC struct_time as an aware datetime."""
    return datetime.fromtimestamp(calendar.timegm(parsed_time), UTC)


def ids(parsed: Any) -> list[str]:
    return [e.link.rsplit("/", 1)[-1] for e in parsed.entries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_daily_feed_lists_latest_submissions_with_full_entries(client: TestClient, seeded: Hub, fmt: str) -> None:
    parsed = fetch(client, f"/feeds/daily.{fmt}", fmt)
    assert ids(parsed) == ["2608.21001", "2608.20002", "2608.20001", "2608.10001"]  # latest submitted first
    assert parsed.feed.title == "dailypapers: daily papers"
    assert parsed.feed.link == BASE + "/"

    entry = parsed.entries[2]
    assert entry.title == "Sparse attention & 100% recall"
    assert entry.link == f"{BASE}/papers/2608.20001"
    assert entry.id == f"{BASE}/papers/2608.20001"
    assert "https://arxiv.org/abs/2608.20001" in [link.href for link in entry.links]
    assert entry.summary == "We study problem 2608.20001 and solve it."
    assert [tag.term for tag in entry.tags] == ["cs.CV", "cs.LG"]
    assert utc(entry.published_parsed) == datetime(2026, 8, 19, 18, 0, tzinfo=UTC)
    assert [a.name for a in entry.authors] == ["Zoë Çelik", "Ada Lovelace"]  # atom:author / dc:creator
    if fmt == "atom":  # RSS items have no updated date
        # the later of the paper's last change (09:00) and its submission (08:01 on 08-20)
        assert utc(entry.updated_parsed) == datetime(2026, 8, 20, 9, 0, tzinfo=UTC)
    for e in parsed.entries:
        assert e.link.startswith(BASE + "/papers/")


@pytest.mark.parametrize("fmt", FORMATS)
def test_trending_feed_follows_the_trending_page(client: TestClient, seeded: Hub, fmt: str) -> None:
    parsed = fetch(client, f"/feeds/trending.{fmt}", fmt)
    assert ids(parsed) == [item.paper.arxiv_id for item in seeded.trending(days=7).items]
    assert "2608.10001" not in ids(parsed)  # submitted 08-10: outside the last 7 days
    assert ids(parsed).index("2608.20002") < ids(parsed).index("2608.20001")  # same day, 30 votes beat 5
    assert "trending score" in parsed.feed.subtitle


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_feed(client: TestClient, seeded: Hub, fmt: str) -> None:
    parsed = fetch(client, f"/search.{fmt}?q=vision", fmt)
    assert ids(parsed) == ["2608.20002"]
    assert parsed.entries[0].title == "Vision transformers again"
    self_links = [link.href for link in parsed.feed.get("links", []) if link.rel == "self"]
    if fmt == "atom":
        assert self_links == [f"{BASE}/search.atom?q=vision"]


@pytest.mark.parametrize("url", ["/search.atom", "/search.rss?q=", "/search.atom?q=" + "x" * 251])
def test_search_feed_rejects_bad_queries(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
def test_category_feed_keeps_papers_in_that_category(client: TestClient, seeded: Hub, fmt: str) -> None:
    parsed = fetch(client, f"/feeds/category/cs.CV.{fmt}", fmt)
    assert ids(parsed) == ["2608.20002", "2608.20001"]
    assert "cs.CV" in parsed.feed.title
    assert fetch(client, f"/feeds/category/cs.LG.{fmt}", fmt).entries[0].title.startswith("Sparse")
    assert fetch(client, f"/feeds/category/math.AP.{fmt}", fmt).entries == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_author_feed_matches_whole_names_ignoring_case(client: TestClient, seeded: Hub, fmt: str) -> None:
    parsed = fetch(client, f"/feeds/author/ada lovelace.{fmt}", fmt)
    # "Ada Lovelace-Smith" contains the name but is someone else; newest publication first
    assert ids(parsed) == sorted(["2608.10001", "2608.20001", "2608.20002"], reverse=True)
    assert fetch(client, f"/feeds/author/Ada Lovelace-Smith.{fmt}", fmt).entries[0].title == "Language models count"


def test_author_feed_finds_unicode_names(client: TestClient, seeded: Hub) -> None:
    parsed = fetch(client, "/feeds/author/Zoë Çelik.atom", "atom")
    assert ids(parsed) == ["2608.20001"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/feeds/daily.json", 404),
        ("/feeds/category/cs.CV", 404),
        ("/feeds/category/not a category!.atom", 400),
        ("/feeds/author/.atom", 404),
    ],
)
def test_feed_errors(client: TestClient, url: str, status: int) -> None:
    assert client.get(url).status_code == status


def test_empty_hub_serves_valid_empty_feeds(client: TestClient) -> None:
    for fmt in FORMATS:
        assert fetch(client, f"/feeds/daily.{fmt}", fmt).entries == []


def test_etag_answers_304_until_the_feed_changes(client: TestClient, seeded: Hub) -> None:
    first = client.get("/feeds/daily.atom")
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    assert client.get("/feeds/daily.atom").content == first.content  # deterministic: no "generated now" stamp

    cached = client.get("/feeds/daily.atom", headers={"If-None-Match": f'"other", {etag}'})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag

    seed.store(seeded, [seed.paper("2608.21002")], [seed.entry("2608.21002", date(2026, 8, 21), minute=5)])
    changed = client.get("/feeds/daily.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alternates: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "alternate":
            self.alternates.append(values)


def alternates(html: str) -> list[dict[str, str | None]]:
    collector = _LinkCollector()
    collector.feed(html)
    return collector.alternates


@pytest.mark.parametrize(
    ("url", "own"),
    [
        ("/", "/date/2026-08-21"),  # the latest day
        ("/date/2026-08-20", "/date/2026-08-20"),
        ("/week/2026-W34", "/week/2026-W34"),
        ("/month/2026-08", "/month/2026-08"),
    ],
)
def test_feed_pages_advertise_the_daily_feed_and_their_own(client: TestClient, seeded: Hub, url: str, own: str) -> None:
    links = alternates(client.get(url).text)
    assert {(link["type"], link["href"]) for link in links} == {
        ("application/atom+xml", "/feeds/daily.atom"),
        ("application/rss+xml", "/feeds/daily.rss"),
        ("application/atom+xml", f"{own}.atom"),
        ("application/rss+xml", f"{own}.rss"),
    }
    assert all(link["title"] for link in links)


def test_paper_page_advertises_no_feed(client: TestClient, seeded: Hub) -> None:
    assert alternates(client.get("/papers/2608.20001").text) == []
