"""/trends, /trends.csv and /api/v1/trends over a real SQLite hub and tantivy index: the numbers equal keyword
search totals, the chart is inline SVG with a description and a table, and bad requests are 400s that say why."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.web.seed import entry, paper, store

MONDAY = date(2026, 8, 17)  # the week of the tests' clock (Friday, August 21, 2026)


def seed(hub: Hub) -> None:
    """Agents and diffusion papers over six weeks; some of them on the feed, one hidden."""
    papers, entries = [], []
    for week in range(6):
        for n in range(week + 1):  # agents grow: 1, 2, … 6 papers a week
            arxiv_id = f"2608.{week}{n:03d}"
            day = MONDAY - timedelta(weeks=5 - week) + timedelta(days=n % 5)
            published = datetime.combine(day, datetime.min.time(), UTC)
            papers.append(paper(arxiv_id, title=f"Language agents {n}", published=published))
            if n % 2 == 0:
                entries.append(entry(arxiv_id, day))
        for n in range(2):  # diffusion: 2 a week
            arxiv_id = f"2608.{week}{n + 500:03d}"
            published = datetime.combine(MONDAY - timedelta(weeks=5 - week), datetime.min.time(), UTC)
            papers.append(paper(arxiv_id, title=f"Video diffusion {n}", published=published))
    store(hub, papers, entries)


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed(hub)
    return hub


def week_total(client: TestClient, q: str, start: str, end: str) -> int:
    response = client.get("/api/v1/search", params={"q": q, "mode": "keyword", "from": start, "to": end})
    assert response.status_code == 200
    return int(response.json()["total"])


def test_api_gives_exactly_the_documented_shape_and_search_totals(client: TestClient, seeded: Hub) -> None:
    response = client.get("/api/v1/trends", params={"q": "agents, diffusion"})
    assert response.status_code == 200
    assert response.headers["etag"]
    body = response.json()
    assert list(body) == ["series"]
    assert [s["q"] for s in body["series"]] == ["agents", "diffusion"]
    for series in body["series"]:
        assert list(series) == ["q", "weeks"]
        weeks = series["weeks"]
        assert len(weeks) in (52, 53)
        for week in weeks:
            assert list(week) == ["start", "end", "count", "feed_count"]
            start, end = date.fromisoformat(week["start"]), date.fromisoformat(week["end"])
            assert start.weekday() == 0
            assert end == start + timedelta(days=6)
            assert 0 <= week["feed_count"] <= week["count"]
        assert weeks[-1]["start"] == MONDAY.isoformat()
        for week in weeks[-7:]:  # every week that has papers, and the empty one before them
            assert week["count"] == week_total(client, series["q"], week["start"], week["end"])
    agents = [w["count"] for w in body["series"][0]["weeks"][-6:]]
    assert agents == [1, 2, 3, 4, 5, 6]
    assert [w["feed_count"] for w in body["series"][0]["weeks"][-6:]] == [1, 1, 2, 2, 3, 3]
    assert [w["count"] for w in body["series"][1]["weeks"][-6:]] == [2] * 6
    assert sum(w["feed_count"] for w in body["series"][1]["weeks"]) == 0


def test_topics_take_filters_and_months_narrow_the_window(client: TestClient, seeded: Hub) -> None:
    body = client.get("/api/v1/trends", params={"q": "agents after:2026-08-10", "months": "1"}).json()
    weeks = body["series"][0]["weeks"]
    assert weeks[0]["start"] == "2026-07-20"  # the week holding July 22, a month before August 21 plus a day
    assert [w["count"] for w in weeks] == [0, 0, 0, week_total(client, "agents", "2026-08-10", "2026-08-16"), 6]


def test_page_draws_an_svg_chart_with_description_table_and_top_papers(client: TestClient, seeded: Hub) -> None:
    champion = paper(
        "2608.7000", title="Language agents champion", imported_upvotes=40, published=datetime(2026, 8, 19, tzinfo=UTC)
    )
    store(seeded, [champion], [entry("2608.7000", date(2026, 8, 19))])
    response = client.get("/trends", params={"q": "agents,diffusion"})
    assert response.status_code == 200
    page = response.text
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert svg is not None
    chart = svg.group(0)
    assert 'role="img"' in chart
    assert "aria-label=" in chart
    assert "<script" not in chart
    assert "<style" not in chart
    assert " style=" not in chart
    assert " id=" not in chart
    assert "Papers per week" in chart
    assert "agents (on the feed)" in chart
    assert "agents: 22 papers in 53 weeks (13 on the feed)" in page  # 1 + 2 + … + 6, and the champion
    assert "the busiest week was Aug 17, 2026 with 7" in page
    rows = re.findall(
        r'<th scope="row">(Aug 17, 2026 – Aug 23)(?: \(so far\))?</th>\s*<td><a href="([^"]+)">(\d+)', page
    )
    assert rows
    assert rows[0][2] == "7"
    assert "mode=keyword" in rows[0][1]
    assert "from=2026-08-17" in rows[0][1]
    top = page[page.index("Top papers: agents") :]
    assert top.index("Language agents champion") < top.index("Language agents 0")  # the most upvoted first
    assert 'href="/trends.csv?q=agents%2C+diffusion"' in page


def test_share_view_divides_by_all_papers_of_the_week(client: TestClient, seeded: Hub) -> None:
    page = client.get("/trends", params={"q": "diffusion", "view": "share"}).text
    assert "Share of all papers" in page
    # The last week: 2 diffusion papers of 8 published (6 agents + 2 diffusion).
    assert re.search(
        r"Aug 17, 2026 – Aug 23(?: \(so far\))?</th>\s*<td><a [^>]+>2</a></td>\s*<td>0</td>\s*<td>25.0 %", page
    )


def test_csv_has_the_api_numbers(client: TestClient, seeded: Hub) -> None:
    response = client.get("/trends.csv", params={"q": "agents, diffusion", "months": "2"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["q", "start", "end", "count", "feed_count"]
    api = client.get("/api/v1/trends", params={"q": "agents, diffusion", "months": "2"}).json()
    expected = [
        [s["q"], w["start"], w["end"], str(w["count"]), str(w["feed_count"])] for s in api["series"] for w in s["weeks"]
    ]
    assert rows[1:] == expected


def test_counts_follow_new_papers(client: TestClient, seeded: Hub) -> None:
    before = client.get("/api/v1/trends", params={"q": "diffusion"}).json()["series"][0]["weeks"][-1]["count"]
    store(seeded, [paper("2608.9999", title="Diffusion again", published=datetime(2026, 8, 20, tzinfo=UTC))])
    after = client.get("/api/v1/trends", params={"q": "diffusion"}).json()["series"][0]["weeks"][-1]["count"]
    assert after == before + 1


def test_window_ends_at_the_newest_paper_when_nothing_is_newer(client: TestClient, hub: Hub) -> None:
    store(hub, [paper("2401.00001", title="Old agents", published=datetime(2024, 1, 10, tzinfo=UTC))])
    body = client.get("/api/v1/trends", params={"q": "agents"}).json()
    assert body["series"][0]["weeks"][-1]["start"] == "2024-01-08"
    assert body["series"][0]["weeks"][-1]["count"] == 1
    page = client.get("/trends", params={"q": "agents"}).text
    assert "newest paper was published on January 10, 2024" in page


def test_empty_form_shows_examples(client: TestClient, hub: Hub) -> None:
    response = client.get("/trends")
    assert response.status_code == 200
    assert 'name="q"' in response.text
    assert "/trends?q=agents%2C+diffusion" in response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "a, b, c, d, e"}, "at most 4 topics"),
        ({"q": "agents, year:abc"}, "topic 'year:abc'"),
        ({"q": " , "}, "name at least one topic"),
        ({"q": "agents", "months": "0"}, "months must be a whole number from 1 to 36"),
        ({"q": "agents", "months": "twelve"}, "months must be a whole number"),
        ({"q": "x" * 300}, "longer than 250 characters"),
    ],
)
def test_bad_requests_are_400_with_a_message(
    client: TestClient, hub: Hub, params: dict[str, str], message: str
) -> None:
    api = client.get("/api/v1/trends", params=params)
    assert api.status_code == 400
    assert message in api.json()["error"]["message"]
    page = client.get("/trends", params=params)
    assert page.status_code == 400
    assert message in page.text.replace("&#39;", "'")
    assert client.get("/trends.csv", params=params).status_code == 400


def test_unknown_view_is_a_400(client: TestClient, hub: Hub) -> None:
    response = client.get("/trends", params={"q": "agents", "view": "pie"})
    assert response.status_code == 400
    assert "view must be papers or share" in response.text
