"""The Hugging Face–compatible papers API in-process: shapes, filters, paging, errors and HTTP caching."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from dailypapers.web.hf_api import decode_cursor, encode_cursor
from dailypapers.web.hf_shapes import hf_datetime, paper_markdown
from tests.web import seed

Z_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
AUG_20, AUG_21, SEP_2 = date(2026, 8, 20), date(2026, 8, 21), date(2026, 9, 2)


@pytest.fixture
def seeded(hub: Hub) -> None:
    """Three days over two weeks and two months, two submitters, one automatic submission."""
    seed.store(
        hub,
        [
            seed.paper(
                "2608.00001",
                title="Attention is still all you need",
                imported_upvotes=12,
                github_repo="https://github.com/acme/attn",
                project_page="https://acme.example/attn",
            ),
            seed.paper("2608.00002", title="Diffusion for tables", imported_upvotes=30),
            seed.paper("2608.00003", title="Sparse attention at scale", imported_upvotes=5),
            seed.paper("2609.00004", title="September paper", imported_upvotes=1),
            seed.paper("2608.00005", title="Never submitted attention", published=datetime(2026, 8, 1, tzinfo=UTC)),
        ],
        [
            seed.entry("2608.00001", AUG_20, minute=0, organization="acme"),
            seed.entry("2608.00002", AUG_20, minute=5, submitted_by="bob"),
            seed.entry("2608.00003", AUG_21, minute=0, submitted_by=None, source="auto"),
            seed.entry("2609.00004", SEP_2, minute=0),
        ],
    )


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["paper"]["id"] for item in response.json()]


def assert_error(response: Any, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert fragment in error["message"]


# -- shapes ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_daily_item_has_the_hugging_face_shape(client: TestClient) -> None:
    [item] = client.get("/api/daily_papers", params={"date": "2026-08-20", "submitter": "akhaliq"}).json()
    paper = item["paper"]
    assert paper["id"] == "2608.00001"
    assert [a["name"] for a in paper["authors"]] == ["Ada Lovelace", "Alan Turing"]
    assert all(set(a) == {"_id", "name", "hidden"} and len(a["_id"]) == 24 for a in paper["authors"])
    assert paper["publishedAt"] == "2026-08-19T18:00:00.000Z"
    assert paper["title"] == item["title"] == "Attention is still all you need"
    assert paper["summary"] == item["summary"]
    assert paper["upvotes"] == 12
    assert isinstance(paper["discussionId"], str)
    assert item["publishedAt"] == "2026-08-20T08:00:00.000Z"  # the submission time, as on HF
    assert item["submittedBy"] == {
        "_id": item["submittedBy"]["_id"],
        "avatarUrl": "",
        "fullname": "akhaliq",
        "isPro": False,
        "name": "akhaliq",
        "user": "akhaliq",
        "type": "user",
    }
    assert item["numComments"] == 0
    assert item["isAuthorParticipating"] is False
    assert item["mediaUrls"] == []
    assert "thumbnail" in item
    assert item["githubRepo"] == "https://github.com/acme/attn"
    assert item["projectPage"] == "https://acme.example/attn"
    assert item["githubStars"] is None
    assert item["ai_summary"] is None
    assert item["ai_keywords"] == []
    assert item["organization"]["name"] == "acme"


@pytest.mark.usefixtures("seeded")
def test_every_datetime_ends_in_z(client: TestClient) -> None:
    def walk(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [s for k, v in value.items() for s in (walk(v) if not k.endswith("At") else [v])]
        if isinstance(value, list):
            return [s for v in value for s in walk(v)]
        return []

    stamps = walk(client.get("/api/daily_papers").json()) + walk(client.get("/api/papers/2608.00001").json())
    assert len(stamps) > 8
    assert all(Z_DATETIME.match(s) for s in stamps), stamps


def test_hf_datetime_converts_to_utc_with_milliseconds() -> None:
    from datetime import timedelta, timezone

    moment = datetime(2024, 5, 24, 19, 34, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert hf_datetime(moment) == "2024-05-24T17:34:15.123Z"
    assert hf_datetime(datetime(2024, 5, 24, 17, 34, 15)) == "2024-05-24T17:34:15.000Z"  # naive means UTC


@pytest.mark.usefixtures("seeded")
def test_automatic_submission_has_no_submitter(client: TestClient) -> None:
    [item] = client.get("/api/daily_papers", params={"date": "2026-08-21"}).json()
    assert item["submittedBy"] is None
    assert item["organization"] is None


# -- filters, sort and paging ------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["2609.00004", "2608.00003", "2608.00002", "2608.00001"]),
        ({"date": "2026-08-20"}, ["2608.00002", "2608.00001"]),
        ({"week": "2026-W34"}, ["2608.00003", "2608.00002", "2608.00001"]),
        ({"month": "2026-09"}, ["2609.00004"]),
        ({"submitter": "akhaliq"}, ["2609.00004", "2608.00001"]),
        ({"month": "2026-08", "submitter": "bob"}, ["2608.00002"]),
        ({"date": "2026-08-22"}, []),
        # trending (ranking.py): 5 votes 4 h old beat 12 votes 28 h old; 30 votes 28 h old beat both
        ({"sort": "trending"}, ["2608.00002", "2608.00003", "2608.00001", "2609.00004"]),
        ({"sort": "publishedAt", "date": "2026-08-20"}, ["2608.00002", "2608.00001"]),
        ({"date": "", "week": ""}, ["2609.00004", "2608.00003", "2608.00002", "2608.00001"]),
    ],
)
def test_filters_and_sort(client: TestClient, params: dict[str, str], expected: list[str]) -> None:
    assert ids(client.get("/api/daily_papers", params=params)) == expected


@pytest.mark.usefixtures("seeded")
def test_pages_are_zero_based_with_a_link_to_the_next(client: TestClient) -> None:
    first = client.get("/api/daily_papers", params={"limit": "3"})
    assert ids(first) == ["2609.00004", "2608.00003", "2608.00002"]
    link = first.headers["link"]
    match = re.fullmatch(r'<(http://testserver/api/daily_papers\?[^>]+)>; rel="next"', link)
    assert match, link
    second = client.get(match[1])
    assert ids(second) == ["2608.00001"]
    assert "link" not in second.headers
    assert ids(client.get("/api/daily_papers", params={"p": "1", "limit": "3"})) == ["2608.00001"]
    assert ids(client.get("/api/daily_papers", params={"p": "5"})) == []


@pytest.mark.usefixtures("seeded")
def test_link_keeps_the_filters(client: TestClient) -> None:
    response = client.get("/api/daily_papers", params={"month": "2026-08", "sort": "trending", "limit": "1"})
    assert ids(response) == ["2608.00002"]
    link = response.headers["link"]
    assert "month=2026-08" in link
    assert "sort=trending" in link
    assert "p=1" in link


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"date": "2026-13-01"}, "not a real date"),
        ({"date": "yesterday"}, "YYYY-MM-DD"),
        ({"week": "2026-W60"}, "ISO week"),
        ({"week": "2026-34"}, "YYYY-Www"),
        ({"month": "2026-13"}, "months run"),
        ({"date": "2026-08-20", "week": "2026-W34"}, "at most one"),
        ({"sort": "votes"}, "sort must be one of publishedAt, trending"),
        ({"p": "-1"}, "p must be an integer"),
        ({"p": "one"}, "p must be an integer"),
        ({"p": "100001"}, "p must be an integer"),
        ({"limit": "0"}, "limit must be an integer from 1 to 100"),
        ({"limit": "101"}, "limit must be an integer from 1 to 100"),
        ({"limit": "2.5"}, "limit must be an integer"),
    ],
)
def test_invalid_daily_parameters_are_400_with_our_error_body(
    client: TestClient, params: dict[str, str], fragment: str
) -> None:
    assert_error(client.get("/api/daily_papers", params=params), 400, fragment)


# -- search ------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_search_returns_daily_item_shapes(client: TestClient) -> None:
    response = client.get("/api/papers/search", params={"q": "attention"})
    found = {item["paper"]["id"]: item for item in response.json()}
    assert set(found) == {"2608.00001", "2608.00003", "2608.00005"}
    assert found["2608.00001"]["title"] == "Attention is still all you need"
    assert found["2608.00001"]["submittedBy"]["user"] == "akhaliq"
    never = found["2608.00005"]
    assert never["publishedAt"] is None
    assert never["submittedBy"] is None
    assert never["paper"]["publishedAt"] == "2026-08-01T00:00:00.000Z"
    assert len(client.get("/api/papers/search", params={"q": "attention", "limit": "1"}).json()) == 1


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "q is required"),
        ({"q": "  "}, "q is required"),
        ({"q": "x" * 251}, "longer than 250"),
        ({"q": "x", "limit": "121"}, "limit must be an integer from 1 to 120"),
        ({"q": "x", "limit": "zero"}, "limit must be an integer"),
    ],
)
def test_invalid_search_parameters_are_400(client: TestClient, params: dict[str, str], fragment: str) -> None:
    assert_error(client.get("/api/papers/search", params=params), 400, fragment)


def test_search_accepts_a_query_of_exactly_250_characters(client: TestClient) -> None:
    assert client.get("/api/papers/search", params={"q": "x" * 250}).json() == []


# -- one paper ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_paper_object(client: TestClient) -> None:
    body = client.get("/api/papers/2608.00001").json()
    assert body["id"] == "2608.00001"
    assert body["title"] == "Attention is still all you need"
    assert body["upvotes"] == 12
    assert body["submittedOnDailyAt"] == "2026-08-20T08:00:00.000Z"
    assert body["submittedOnDailyBy"]["user"] == "akhaliq"
    assert body["githubRepo"] == "https://github.com/acme/attn"
    assert client.get("/api/papers/2608.00001v3").json() == body  # a version suffix names the same paper


@pytest.mark.usefixtures("seeded")
def test_paper_never_submitted_has_no_daily_fields(client: TestClient) -> None:
    body = client.get("/api/papers/2608.00005").json()
    assert "submittedOnDailyAt" not in body
    assert body["upvotes"] == 0


def test_unknown_paper_is_404_json(client: TestClient) -> None:
    assert_error(client.get("/api/papers/2608.99999"), 404, "2608.99999")
    assert client.get("/api/papers/not-an-id").status_code == 400


# -- cursor listing ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_paper_listing_walks_every_paper_newest_first(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/api/papers?limit=2"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [p["id"] for p in response.json()]
        link = response.headers.get("link")
        url = re.fullmatch(r'<([^>]+)>; rel="next"', link)[1] if link else None  # type: ignore[index]
        pages += 1
    assert pages == 3
    # Same publication time for four of them: ties go by id, descending.
    assert seen == ["2609.00004", "2608.00003", "2608.00002", "2608.00001", "2608.00005"]


def test_cursor_round_trip_and_garbage() -> None:
    moment = datetime(2026, 8, 19, 18, 0, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, "2608.00001")) == (moment, "2608.00001")


@pytest.mark.parametrize("cursor", ["!!!", "bm9waXBl", encode_cursor(datetime(2026, 1, 1), "x")])
def test_bad_cursor_is_400(client: TestClient, cursor: str) -> None:
    assert_error(client.get("/api/papers", params={"cursor": cursor}), 400, "cursor")


def test_bad_listing_limit_is_400(client: TestClient) -> None:
    assert_error(client.get("/api/papers", params={"limit": "101"}), 400, "limit")


# -- markdown ----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_markdown_page(client: TestClient) -> None:
    response = client.get("/papers/2608.00001.md")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    assert text.startswith("# Attention is still all you need\n")
    assert "**Authors:** Ada Lovelace, Alan Turing" in text
    assert "https://arxiv.org/abs/2608.00001" in text
    assert "- Code: <https://github.com/acme/attn>" in text
    assert "## Abstract\n\nWe study problem 2608.00001 and solve it." in text
    assert client.get("/papers/2608.00001v2.md").text == text
    assert client.get("/papers/2608.00001").headers["content-type"].startswith("text/html")  # the page still is


def test_markdown_escapes_title_markup() -> None:
    text = paper_markdown(seed.paper("2608.00001", title="# Not a *heading*"), None, 0)
    assert text.startswith("# \\# Not a \\*heading\\*\n")


def test_markdown_of_unknown_paper_is_404(client: TestClient) -> None:
    assert client.get("/papers/2608.99999.md").status_code == 404


# -- HTTP caching and CORS ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    "url",
    [
        "/api/daily_papers?date=2026-08-20",
        "/api/papers/search?q=attention",
        "/api/papers",
        "/api/papers/2608.00001",
        "/papers/2608.00001.md",
    ],
)
def test_etag_answers_if_none_match_with_304(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    etag = response.headers["etag"]
    assert etag.startswith('W/"')
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["access-control-allow-origin"] == "*"
    again = client.get(url, headers={"If-None-Match": f'"other", {etag}'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": etag.removeprefix("W/")}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_etag_changes_with_the_data(client: TestClient, hub: Hub) -> None:
    before = client.get("/api/daily_papers").headers["etag"]
    seed.store(hub, [seed.paper("2608.00009")], [seed.entry("2608.00009", AUG_20)])
    assert client.get("/api/daily_papers").headers["etag"] != before


def test_routes_are_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/daily_papers", "/api/papers/search", "/api/papers", "/api/papers/{arxiv_id}"} <= set(paths)
