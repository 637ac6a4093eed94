"""The bearer-token side of /api/v1: submitting papers and reading trending with scores."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.web import seed
from tests.web.auth_helpers import make_user

RECENT = datetime(2026, 8, 19, 18, 0, tzinfo=UTC)


def bearer(hub: Hub, scope: str) -> dict[str, str]:
    _token, secret = hub.create_api_token(make_user(hub), f"{scope} script", scope)
    return {"Authorization": f"Bearer {secret}"}


def test_submission_with_a_write_token(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [seed.paper("2608.40001", published=RECENT)])
    headers = bearer(hub, "write")
    first = client.post(
        "/api/v1/submissions",
        json={"arxiv": "https://arxiv.org/abs/2608.40001v2", "github_repo": "https://github.com/org/repo"},
        headers=headers,
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True
    assert body["paper"]["feed"]["submitted_by"] == "ada"
    assert body["paper"]["github_repo"] == "https://github.com/org/repo"
    again = client.post("/api/v1/submissions", json={"arxiv": "2608.40001"}, headers=headers)
    assert (again.status_code, again.json()["created"]) == (200, False)


def test_submission_needs_the_write_scope_and_a_token(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [seed.paper("2608.40001", published=RECENT)])
    assert client.post("/api/v1/submissions", json={"arxiv": "2608.40001"}).status_code in (401, 403)
    read_only = client.post("/api/v1/submissions", json={"arxiv": "2608.40001"}, headers=bearer(hub, "read"))
    assert read_only.status_code == 403
    assert hub.feed_entry("2608.40001") is None


def test_bad_submissions_are_400_with_a_message(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [seed.paper("2601.00001", published=datetime(2026, 1, 2, tzinfo=UTC))])
    headers = bearer(hub, "write")
    too_old = client.post("/api/v1/submissions", json={"arxiv": "2601.00001"}, headers=headers)
    assert too_old.status_code == 400
    assert "last 14 days" in too_old.json()["error"]["message"]
    garbage = client.post("/api/v1/submissions", json={"arxiv": "not an id"}, headers=headers)
    assert garbage.status_code == 400
    assert client.post("/api/v1/submissions", json={}, headers=headers).status_code == 400


def test_trending_api_lists_scores_in_order(client: TestClient, hub: Hub) -> None:
    seed.day_of_papers(hub, date(2026, 8, 20), [3, 40, 9])
    body = client.get("/api/v1/trending", params={"days": 7}).json()
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert [item["paper"]["upvotes"] for item in body["items"]] == [40, 9, 3]  # same day: more votes rank higher
    assert body["total"] == 3
    assert client.get("/api/v1/trending", params={"days": 0}).status_code == 400
