"""Regression tests of the hardening sweep (issue 20): answers at the edges of the calendar, bad credentials on
public reads, the feeds of deleted accounts, one date-filter parser, and the API's error shape for a crash."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from dailypapers.web.app import create_app
from tests.web import seed
from tests.web.discussion_support import make_user

DAY = date(2026, 8, 20)


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed.store(
        hub,
        [
            seed.paper("2608.20001", title="Diffusion from 2024", published=datetime(2024, 3, 1, tzinfo=UTC)),
            seed.paper("2608.20002", title="Diffusion from 2023", published=datetime(2023, 3, 1, tzinfo=UTC)),
        ],
        [seed.entry("2608.20001", DAY), seed.entry("2608.20002", DAY, minute=1)],
    )
    return hub


@pytest.fixture
def lenient(hub: Hub) -> Iterator[TestClient]:
    """A client that gets the 500 answer instead of the server's exception, as a real HTTP client would."""
    with TestClient(create_app(hub), raise_server_exceptions=False) as client:
        yield client


# -- (1) far-future periods: 400 with a message, the API's JSON body on API paths ---------------------------

FAR_PAGES = ["/date/9999-12-31", "/week/9999-W52", "/month/9999-12", "/month/9999-12.bib", "/date/9999-12-31.atom"]
FAR_APIS = [
    "/api/daily_papers?week=9999-W52",
    "/api/daily_papers?month=9999-12",
    "/api/daily_papers?date=0001-01-01",
    "/api/v1/feed?week=9999-W52",
    "/api/v1/feed?month=0000-01",
]


@pytest.mark.parametrize("path", FAR_PAGES)
def test_far_periods_are_a_400_page(client: TestClient, seeded: Hub, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 400
    assert "outside this hub&#39;s calendar, which runs from 1900" in answer.text


@pytest.mark.parametrize("path", FAR_APIS)
def test_far_periods_are_a_400_json_error_on_the_apis(client: TestClient, seeded: Hub, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_period"
    assert "outside this hub's calendar" in error["message"]


def test_a_feed_day_stored_at_the_end_of_the_calendar_breaks_no_page(client: TestClient, seeded: Hub) -> None:
    """Imports can carry any date; the period arithmetic around it is total (no OverflowError)."""
    seed.store(seeded, [seed.paper("2608.29999")], [seed.entry("2608.29999", date.max)])
    for path in ("/", "/week", "/month", "/date/2026-08-20", "/week/2026-W34", "/month/2026-08"):
        assert client.get(path, follow_redirects=True).status_code == 200, path


# -- (4) bad bearer tokens on public reads ----------------------------------------------------------------

PUBLIC_READS = ["/api/v1/papers/2608.20001", "/api/daily_papers", "/api/papers/2608.20001", "/api/v1/feed"]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_a_bogus_or_revoked_token_on_a_public_read_is_401(client: TestClient, seeded: Hub, path: str) -> None:
    ada = make_user(seeded, "ada")
    token, secret = seeded.create_api_token(ada, "script", "read")
    assert client.get(path).status_code == 200  # anonymous
    assert client.get(path, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    seeded.revoke_api_token(ada, token.id)
    for header in (f"Bearer {secret}", "Bearer dp_not-a-real-token", "Bearer ", "bearer nonsense"):
        answer = client.get(path, headers={"Authorization": header})
        assert answer.status_code == 401, header
        assert answer.json() == {
            "error": {
                "code": "not_signed_in",
                "message": "the API token in the Authorization header is unknown or revoked",
            }
        }
        assert answer.headers["www-authenticate"].startswith("Bearer")
    assert client.get(path, headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 200  # not a token


# -- (5) the private feeds of a deleted account ------------------------------------------------------------


def test_the_feeds_of_a_deleted_account_are_gone(client: TestClient, seeded: Hub) -> None:
    ada = make_user(seeded, "ada")
    saved, for_you = seeded.saved_searches_feed_key(ada), seeded.for_you_feed_key(ada)
    assert client.get(f"/feeds/saved/{saved}.atom").status_code == 200
    assert client.get(f"/feeds/for-you/{for_you}.rss").status_code == 200
    seeded.delete_account(ada, confirm_username="ada", remove_comments=False)
    for path in (f"/feeds/saved/{saved}.atom", f"/feeds/for-you/{for_you}.rss"):
        answer = client.get(path)
        assert answer.status_code == 410, path
        assert "account was deleted" in answer.text
    forged = f"{ada.id}-{'0' * len(saved.partition('-')[2])}"
    assert client.get(f"/feeds/saved/{forged}.atom").status_code == 404  # only a genuine key learns "gone"
    assert client.get("/feeds/saved/²-abc.atom").status_code == 404  # a digit int() cannot read


# -- (6) one date-filter parser for /search and /api/v1/search --------------------------------------------


@pytest.mark.parametrize(("start", "end", "found"), [("2024", "", ["2608.20001"]), ("", "2023", ["2608.20002"])])
def test_a_bare_year_filters_the_page_and_the_api_alike(
    client: TestClient, seeded: Hub, start: str, end: str, found: list[str]
) -> None:
    params = {"q": "diffusion", "mode": "keyword", "from": start, "to": end}
    api = client.get("/api/v1/search", params=params)
    assert api.status_code == 200, api.text
    assert [item["id"] for item in api.json()["items"]] == found
    page = client.get("/search", params=params)
    assert page.status_code == 200
    assert seed.card_ids(page.text) == found


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("from", "0", "from: '0' is not a date; write a day (2024-01-31) or a year (2024)"),
        ("to", "2024-02-30", "to: '2024-02-30' is not a real date"),
        ("from", "9999", "from: '9999' is outside this hub's calendar"),
        ("from", "2024-01-01T00:00:00", "from: '2024-01-01T00:00:00' is not a date"),
    ],
)
def test_bad_date_filters_say_why_on_the_page_and_the_api(
    client: TestClient, seeded: Hub, name: str, value: str, message: str
) -> None:
    api = client.get("/api/v1/search", params={"q": "diffusion", name: value})
    assert api.status_code == 400
    assert api.json()["error"]["message"].startswith(message)
    page = client.get("/search", params={"q": "diffusion", name: value})
    assert page.status_code == 400
    assert message.replace("'", "&#39;") in page.text


# -- a crash still answers in the API's shape ------------------------------------------------------------


def test_an_unexpected_error_is_a_json_500_on_the_api_and_a_page_elsewhere(
    lenient: TestClient, seeded: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(seeded, "daily_items", broken)
    monkeypatch.setattr(seeded, "feed_for", broken)
    api = lenient.get("/api/v1/feed")
    assert api.status_code == 500
    assert api.json()["error"]["code"] == "internal_error"
    assert "a bug" not in api.text  # nothing of the exception leaks
    page = lenient.get("/date/2026-08-20")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "Internal error" in page.text
