"""Activity charts: a paper's upvotes over time, why each trending card is there (with its votes and stars chart),
and an empty trending window that offers the latest one with papers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from fastapi.testclient import TestClient

from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.ports.votes import RepoStars
from tests.conftest import NOW
from tests.web.seed import entry, paper, store


def voter(hub: Hub, name: str) -> User:
    return hub.store.get_or_create_user(f"{name}@example.org", name, NOW - timedelta(days=200))


def svg_of(html: str, marker: str) -> str:
    section = html[html.index(marker) :]
    found = re.search(r"<svg[^>]*>.*?</svg>", section, re.S)
    assert found is not None
    return found.group(0)


def test_paper_page_charts_upvotes_cast_on_several_days(client: TestClient, hub: Hub) -> None:
    store(hub, [paper("2608.00001", imported_upvotes=3)], [entry("2608.00001", date(2026, 8, 17))])
    for n, days_ago in enumerate((3, 3, 1)):
        hub.store.set_vote(voter(hub, f"v{n}").id, "2608.00001", True, NOW - timedelta(days=days_ago))
    page = client.get("/papers/2608.00001").text
    assert "Upvotes over time" in page
    chart = svg_of(page, "Upvotes over time")
    assert 'role="img"' in chart
    assert "<script" not in chart
    assert "6 upvotes from August 17, 2026 to August 20, 2026, 3 of them imported" in page
    assert "Aug 17 +3, Aug 18 +2, Aug 20 +1" in page


def test_paper_page_has_no_chart_for_votes_of_one_day(client: TestClient, hub: Hub) -> None:
    store(hub, [paper("2608.00001")], [entry("2608.00001", date(2026, 8, 20))])
    for n in range(3):
        hub.store.set_vote(voter(hub, f"v{n}").id, "2608.00001", True, NOW - timedelta(hours=n))
    assert "Upvotes over time" not in client.get("/papers/2608.00001").text


def test_trending_cards_say_why_with_a_votes_and_stars_chart(client: TestClient, hub: Hub) -> None:
    repo = "https://github.com/acme/rocket"
    store(
        hub,
        [paper("2608.00001", github_repo=repo, imported_upvotes=2), paper("2608.00002")],
        [entry("2608.00001", date(2026, 8, 20)), entry("2608.00002", date(2026, 8, 18))],
    )
    for n, hours in enumerate((30, 20, 2)):
        hub.store.set_vote(voter(hub, f"v{n}").id, "2608.00001", True, NOW - timedelta(hours=hours))
    for day, stars in ((14, 100), (19, 150), (21, 300)):
        hub.store.record_stars(RepoStars("acme/rocket", stars, None), datetime(2026, 8, day, 6, tzinfo=NOW.tzinfo))
    page = client.get("/trending").text
    card = page[page.index("2608.00001") : page.index("2608.00002")]
    assert "5 upvotes in these 7 days (2 imported) · +28.6 GitHub stars a day · submitted 28 hours ago" in card
    chart = svg_of(card, 'class="why"')
    assert "upvotes" in chart
    assert "new stars" in chart
    caption = re.search(r'<figcaption class="visually-hidden">([^<]*)</figcaption>', card)
    assert caption is not None
    assert "Aug 19 0, Aug 20 2, Aug 21 1" in caption.group(1)
    assert "new stars: Aug 19 50, Aug 21 150" in caption.group(1)
    quiet = page[page.index("2608.00002") :]
    assert "0 upvotes in these 7 days · submitted 3 days ago" in quiet
    assert '<figure class="chart small">' not in quiet[: quiet.find('class="card"')]


def test_an_empty_window_offers_the_latest_one_with_papers(client: TestClient, hub: Hub) -> None:
    store(hub, [paper("2607.00001", imported_upvotes=9)], [entry("2607.00001", date(2026, 7, 30))])
    empty = client.get("/trending").text
    assert "No papers were submitted in the last 7 days" in empty
    assert 'The latest papers on the feed are from July 30, 2026: <a href="/trending?end=2026-07-30">' in empty
    past = client.get("/trending?end=2026-07-30")
    assert past.status_code == 200
    assert "2607.00001" in past.text
    assert "A past window, ranked as it stood at the end of July 30, 2026" in past.text
    assert "9 upvotes in these 7 days (all imported) · submitted 16 hours before the window&#39;s end" in past.text
    assert 'href="/trending?days=30&amp;end=2026-07-30"' in past.text  # the window links keep the end


def test_bad_trending_ends_are_400(client: TestClient, hub: Hub) -> None:
    future = client.get("/trending?end=2026-08-22")
    assert future.status_code == 400
    assert "cannot end in the future" in future.text
    malformed = client.get("/trending?end=yesterday")
    assert malformed.status_code == 400
    assert "end: &#39;yesterday&#39; is not a date; use YYYY-MM-DD" in malformed.text
    assert "outside this hub&#39;s calendar" in client.get("/trending?end=0001-01-01").text  # the one day parser
