"""Day, week and month pages and the home page: order, aggregation, neighbours, paging, empty states."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.web import seed

THU, WED, MON = date(2026, 8, 20), date(2026, 8, 19), date(2026, 8, 17)


def test_day_page_lists_papers_most_upvoted_first(hub: Hub, client: TestClient) -> None:
    ids = seed.day_of_papers(hub, THU, [3, 10, 0, 10])
    response = client.get("/date/2026-08-20")
    assert response.status_code == 200
    # Ties on upvotes keep submission order: ids[1] was submitted before ids[3].
    assert seed.card_ids(response.text) == [ids[1], ids[3], ids[0], ids[2]]
    assert "<title>Daily papers · Thursday, August 20, 2026 · dailypapers</title>" in response.text
    assert "4 papers, most upvoted first" in response.text


def test_day_page_shows_only_that_day(hub: Hub, client: TestClient) -> None:
    seed.day_of_papers(hub, WED, [5])
    thursday = seed.day_of_papers(hub, THU, [1])
    assert seed.card_ids(client.get("/date/2026-08-20").text) == thursday


def test_card_shows_authors_votes_submitter_and_links(hub: Hub, client: TestClient) -> None:
    authors = tuple(f"Author {n}" for n in range(12))
    seed.store(
        hub,
        [
            seed.paper(
                "2608.11111",
                authors=authors,
                imported_upvotes=42,
                github_repo="https://github.com/org/repo",
                project_page="https://example.org/project",
            )
        ],
        [seed.entry("2608.11111", THU, submitted_by="akhaliq", organization="Example Lab")],
    )
    html = client.get("/date/2026-08-20").text
    names = ", ".join(f'<a class="author" href="/authors/Author%20{n}">Author {n}</a>' for n in range(3))
    assert f"{names} et al. (12 authors)" in html
    assert "Author 5<" not in html  # only in the title attribute, not listed
    assert '<span class="count">42</span>' in html
    assert "submitted by akhaliq" in html
    assert '<a class="org" href="/orgs/Example%20Lab">Example Lab</a>' in html
    assert 'href="https://github.com/org/repo">Code: org/repo</a>' in html
    assert 'href="https://example.org/project"' in html
    assert 'href="https://arxiv.org/abs/2608.11111"' in html
    assert 'href="https://arxiv.org/pdf/2608.11111"' in html
    assert 'href="/papers/2608.11111"' in html


@pytest.mark.parametrize(
    ("source", "submitted_by", "shown"),
    [("auto", None, "added automatically"), ("import", "someone", "imported · submitted by someone")],
)
def test_card_says_how_a_paper_got_on_the_feed(
    hub: Hub, client: TestClient, source: str, submitted_by: str | None, shown: str
) -> None:
    seed.store(
        hub, [seed.paper("2608.22222")], [seed.entry("2608.22222", THU, source=source, submitted_by=submitted_by)]
    )
    assert shown in client.get("/date/2026-08-20").text


def test_week_and_month_pages_aggregate_their_days(hub: Hub, client: TestClient) -> None:
    monday = seed.day_of_papers(hub, MON, [1], prefix="2608")
    thursday = seed.day_of_papers(hub, THU, [7], prefix="2608")
    next_week = seed.day_of_papers(hub, date(2026, 8, 24), [100], prefix="2608")
    july = seed.day_of_papers(hub, date(2026, 7, 31), [50], prefix="2607")

    week = client.get("/week/2026-W34")
    assert week.status_code == 200
    assert seed.card_ids(week.text) == [thursday[0], monday[0]]
    assert "Week 34, 2026" in week.text

    month = client.get("/month/2026-08")
    assert seed.card_ids(month.text) == [next_week[0], thursday[0], monday[0]]
    assert july[0] not in month.text
    assert "<title>Monthly papers · August 2026 · dailypapers</title>" in month.text


def test_previous_and_next_links_skip_empty_periods(hub: Hub, client: TestClient) -> None:
    seed.day_of_papers(hub, date(2026, 8, 10), [1])
    seed.day_of_papers(hub, MON, [1])
    seed.day_of_papers(hub, THU, [1])
    html = client.get("/date/2026-08-17").text
    assert 'rel="prev" class="prev" href="/date/2026-08-10"' in html
    assert 'rel="next" class="next" href="/date/2026-08-20"' in html

    week = client.get("/week/2026-W34").text
    assert 'rel="prev" class="prev" href="/week/2026-W33"' in week
    assert "No later papers" in week


def test_view_switch_links_to_the_same_span(hub: Hub, client: TestClient) -> None:
    html = client.get("/date/2026-08-20").text
    assert 'href="/week/2026-W34"' in html
    assert 'href="/month/2026-08"' in html
    week = client.get("/week/2026-W33").text  # a past week switches to its last day
    assert 'href="/date/2026-08-16"' in week


def test_empty_day_says_what_to_do(hub: Hub, client: TestClient) -> None:
    seed.day_of_papers(hub, MON, [1])
    html = client.get("/date/2026-08-18").text
    assert "No papers were submitted on this day." in html
    assert 'Browse the previous day with papers: <a href="/date/2026-08-17">' in html
    assert "dailypapers import FILE" in html
    assert "dailypapers harvest" in html


def test_empty_hub_home_page(client: TestClient) -> None:
    html = client.get("/").text
    assert "No papers have been submitted this day yet." in html
    assert "This hub has no papers on its feed yet." in html


def test_future_period_says_so(client: TestClient) -> None:
    assert "This month has not happened yet." in client.get("/month/2027-01").text


def test_home_shows_the_latest_day_with_papers(hub: Hub, client: TestClient) -> None:
    seed.day_of_papers(hub, WED, [1])
    thursday = seed.day_of_papers(hub, THU, [2])
    seed.day_of_papers(hub, date(2026, 8, 25), [9])  # scheduled in the future: not "latest"
    response = client.get("/")
    assert response.status_code == 200
    assert seed.card_ids(response.text) == thursday
    assert "Thursday, August 20, 2026" in response.text
    assert 'aria-current="page">Daily</a>' in response.text


@pytest.mark.parametrize(("path", "target"), [("/week", "/week/2026-W34"), ("/month", "/month/2026-08")])
def test_nav_links_go_to_the_latest_week_and_month(hub: Hub, client: TestClient, path: str, target: str) -> None:
    seed.day_of_papers(hub, THU, [1])
    response = client.get(path)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == target


def test_paging(hub: Hub, client: TestClient) -> None:
    hub.settings = hub.settings.with_overrides(page_size=2)
    ids = seed.day_of_papers(hub, THU, [5, 4, 3, 2, 1])
    first = client.get("/date/2026-08-20").text
    assert seed.card_ids(first) == ids[:2]
    assert 'href="/date/2026-08-20?p=2">Next page' in first
    assert "Previous page" not in first
    assert "page 1 of 3" in first

    last = client.get("/date/2026-08-20?p=3").text
    assert seed.card_ids(last) == ids[4:]
    assert 'href="/date/2026-08-20?p=2">← Previous page' in last
    assert "Next page" not in last
    assert '<ol class="cards" start="5">' in last

    past_end = client.get("/date/2026-08-20?p=4")
    assert past_end.status_code == 404
    assert "past the end" in past_end.text


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "1.5", "9999999", "1e3"])
def test_bad_page_number_is_a_400_with_a_message(client: TestClient, bad: str) -> None:
    response = client.get("/date/2026-08-20", params={"p": bad})
    assert response.status_code == 400
    assert "is not a page number" in response.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/date/2026-13-45", "is not a real date"),
        ("/date/yesterday", "use YYYY-MM-DD"),
        ("/week/2026-W60", "is not a real ISO week"),
        ("/week/2026-34", "use YYYY-Www"),
        ("/month/2026-13", "is not a real month"),
    ],
)
def test_malformed_periods_are_400_with_a_message(client: TestClient, path: str, message: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert message in response.text
    assert "<title>Bad request" in response.text
