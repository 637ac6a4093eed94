"""The native /api/v1 JSON API: shapes, filters, paging, and one error format for every bad parameter."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.web import seed

DAY = date(2026, 8, 20)


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed.day_of_papers(hub, DAY, [3, 9, 5])
    seed.store(
        hub, [seed.paper("2608.30001", doi="10.1/x")], [seed.entry("2608.30001", date(2026, 8, 21), submitted_by="ak")]
    )
    return hub


def test_paper_has_upvotes_feed_entry_and_links(client: TestClient, seeded: Hub) -> None:
    response = client.get("/api/v1/papers/2608.30001v3")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "2608.30001"
    assert body["doi"] == "10.1/x"
    assert body["pdf_url"] == "https://arxiv.org/pdf/2608.30001"
    assert body["feed"] == {
        "date": "2026-08-21",
        "submitted_at": "2026-08-21T08:00:00Z",
        "submitted_by": "ak",
        "source": "user",
    }
    assert response.headers["access-control-allow-origin"] == "*"
    assert (
        client.get("/api/v1/papers/2608.30001", headers={"If-None-Match": response.headers["etag"]}).status_code == 304
    )


def test_feed_filters_sorts_and_pages(client: TestClient, seeded: Hub) -> None:
    day = client.get("/api/v1/feed", params={"date": "2026-08-20"}).json()
    assert [i["upvotes"] for i in day["items"]] == [9, 5, 3]
    assert day["total"] == 3
    first = client.get("/api/v1/feed", params={"week": "2026-W34", "sort": "recent", "limit": 2})
    assert first.json()["items"][0]["id"] == "2608.30001"
    assert first.json()["next"] is not None
    assert 'rel="next"' in first.headers["link"]
    second = client.get(first.json()["next"]).json()
    assert second["page"] == 2
    assert len(second["items"]) == 2
    assert second["next"] is None
    assert client.get("/api/v1/feed", params={"submitter": "ak"}).json()["total"] == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "2026-13-45"}, "not a real date"),
        ({"date": "2026-08-20", "month": "2026-08"}, "at most one of date, week and month"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"sort": "random"}, "sort"),
        ({"page": "-1"}, "page"),
    ],
)
def test_bad_parameters_are_400_with_one_error_shape(client: TestClient, params: dict[str, str], message: str) -> None:
    response = client.get("/api/v1/feed", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert message in error["message"]


def test_unknown_and_malformed_papers(client: TestClient) -> None:
    assert client.get("/api/v1/papers/9999.99999").json()["error"]["code"] == "paper_not_found"
    assert client.get("/api/v1/papers/9999.99999").status_code == 404
    assert client.get("/api/v1/papers/banana").status_code == 400
