"""Submissions: the Hub's rules (id forms, arXiv fetch, age, cap, account age, duplicates, links, rate limit)
and the /submit form in-process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.errors import InvalidArxivId, InvalidInput, PaperNotFound, PermissionDenied, RateLimited
from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.wiring import make_hub
from tests.fakes.arxiv_server import (
    FakeArxiv,
    arxiv_server_fixture,  # noqa: F401 - pytest fixture `arxiv_server`
    arxiv_settings_fixture,  # noqa: F401 - pytest fixture `arxiv_settings`
    paper_record,
)
from tests.web import seed
from tests.web.auth_helpers import csrf_token, sign_in

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
RECENT = datetime(2026, 8, 19, 18, 0, tzinfo=UTC)


def make_hub_with(arxiv_settings: Settings, clock: FixedClock, **overrides: object) -> Hub:
    return make_hub(arxiv_settings.with_overrides(**overrides), clock=clock)


@pytest.fixture
def sub_hub(arxiv_settings: Settings, clock: FixedClock) -> Iterator[Hub]:
    hub = make_hub_with(arxiv_settings, clock)
    seed.store(hub, [seed.paper("2608.00001"), seed.paper("2607.00009", published=NOW - timedelta(days=15))])
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def account(hub: Hub, name: str = "ada", age: timedelta = timedelta(days=30)) -> User:
    return hub.store.get_or_create_user(f"{name}@example.org", name, hub.clock.now() - age)


@pytest.mark.parametrize(
    "ref",
    [
        "2608.00001",
        "2608.00001v2",
        "arXiv:2608.00001",
        " https://arxiv.org/abs/2608.00001v1 ",
        "https://arxiv.org/pdf/2608.00001.pdf",
        "http://export.arxiv.org/abs/2608.00001",
    ],
)
def test_any_id_form_puts_the_paper_on_todays_feed(sub_hub: Hub, ref: str) -> None:
    user = account(sub_hub)
    result = sub_hub.submit_paper(user, ref)
    assert result.created
    assert result.entry.arxiv_id == "2608.00001"
    assert (result.entry.feed_date, result.entry.submitted_at) == (NOW.date(), NOW)
    assert (result.entry.submitted_by, result.entry.submitter_id, result.entry.source) == ("ada", user.id, "user")
    assert sub_hub.feed_entry("2608.00001") == result.entry


def test_an_unknown_id_is_fetched_from_the_arxiv_api(sub_hub: Hub, arxiv_server: FakeArxiv) -> None:
    arxiv_server.set_api_paper(paper_record("2608.12345", title="Fresh from arXiv", created="2026-08-20"))
    result = sub_hub.submit_paper(account(sub_hub), "https://arxiv.org/abs/2608.12345v1")
    assert result.created
    assert result.paper.title == "Fresh from arXiv"
    assert sub_hub.store.get_paper("2608.12345") is not None
    with pytest.raises(PaperNotFound):
        sub_hub.submit_paper(account(sub_hub), "2608.99999")
    with pytest.raises(InvalidArxivId):
        sub_hub.submit_paper(account(sub_hub), "not an id")


def test_papers_older_than_the_limit_are_refused_with_a_message(sub_hub: Hub) -> None:
    with pytest.raises(InvalidInput, match="last 14 days only"):
        sub_hub.submit_paper(account(sub_hub), "2607.00009")
    assert sub_hub.feed_entry("2607.00009") is None


def test_a_duplicate_returns_the_existing_entry(sub_hub: Hub) -> None:
    first = sub_hub.submit_paper(account(sub_hub, "ada"), "2608.00001")
    sub_hub.clock.at += timedelta(hours=3)  # type: ignore[attr-defined]
    again = sub_hub.submit_paper(account(sub_hub, "bob"), "2608.00001v1")
    assert not again.created
    assert again.entry == first.entry  # still Ada's, still this morning's


def test_the_daily_cap_counts_per_account_and_resets_at_midnight(arxiv_settings: Settings, clock: FixedClock) -> None:
    hub = make_hub_with(arxiv_settings, clock, submissions_per_day=2)
    seed.store(hub, [seed.paper(f"2608.0000{n}") for n in range(1, 6)])
    ada, bob = account(hub, "ada"), account(hub, "bob")
    hub.submit_paper(ada, "2608.00001")
    hub.submit_paper(ada, "2608.00002")
    assert not hub.submit_paper(ada, "2608.00001").created  # a duplicate is not a new submission
    with pytest.raises(RateLimited, match="daily limit") as raised:
        hub.submit_paper(ada, "2608.00003")
    assert raised.value.retry_after == 12 * 3600  # noon to midnight UTC
    hub.submit_paper(bob, "2608.00003")  # another account has its own cap
    clock.at += timedelta(hours=12)
    hub.submit_paper(ada, "2608.00004")


def test_young_and_banned_accounts_cannot_submit(arxiv_settings: Settings, clock: FixedClock) -> None:
    hub = make_hub_with(arxiv_settings, clock, submit_min_account_age_hours=24)
    seed.store(hub, [seed.paper("2608.00001")])
    young = account(hub, "young", age=timedelta(hours=23))
    with pytest.raises(PermissionDenied, match="24 hours after sign-up"):
        hub.submit_paper(young, "2608.00001")
    banned = hub.store.get_or_create_user("b@example.org", "b", NOW - timedelta(days=99))
    with pytest.raises(PermissionDenied, match="banned"):
        hub.submit_paper(replace(banned, banned_at=NOW), "2608.00001")
    clock.at += timedelta(hours=1)
    assert hub.submit_paper(young, "2608.00001").created


def test_submissions_are_rate_limited(arxiv_settings: Settings, clock: FixedClock) -> None:
    hub = make_hub_with(arxiv_settings, clock, rate_limit_submit="2/hour")
    seed.store(hub, [seed.paper("2608.00001")])
    ada = account(hub)
    hub.submit_paper(ada, "2608.00001")
    hub.submit_paper(ada, "2608.00001")
    with pytest.raises(RateLimited) as raised:
        hub.submit_paper(ada, "2608.00001")
    assert raised.value.retry_after > 0


def test_links_are_validated_canonicalized_and_never_overwrite(sub_hub: Hub) -> None:
    seed.store(sub_hub, [seed.paper("2608.00002", github_repo="https://github.com/orig/code")])
    ada = account(sub_hub)
    sub_hub.submit_paper(
        ada, "2608.00001", github_repo="http://www.github.com/Acme/Attn.git/", project_page="https://acme.example/p"
    )
    paper = sub_hub.paper("2608.00001")
    assert (paper.github_repo, paper.project_page) == ("https://github.com/Acme/Attn", "https://acme.example/p")
    sub_hub.submit_paper(ada, "2608.00002", github_repo="https://github.com/other/code")
    assert sub_hub.paper("2608.00002").github_repo == "https://github.com/orig/code"
    # Someone else "resubmitting" cannot add links to a paper; the submitter can.
    seed.store(sub_hub, [seed.paper("2608.00003")])
    sub_hub.submit_paper(ada, "2608.00003")
    sub_hub.submit_paper(account(sub_hub, "eve"), "2608.00003", project_page="https://evil.example")
    assert sub_hub.paper("2608.00003").project_page is None
    sub_hub.submit_paper(ada, "2608.00003", project_page="https://good.example")
    assert sub_hub.paper("2608.00003").project_page == "https://good.example"


@pytest.mark.parametrize(
    ("github_repo", "project_page", "message"),
    [
        ("javascript:alert(1)", None, "http:// or https://"),
        ("https://gitlab.com/acme/attn", None, "https://github.com/OWNER/NAME"),
        ("https://github.com/acme/attn/tree/main", None, "https://github.com/OWNER/NAME"),
        (None, "ftp://acme.example/", "http:// or https://"),
        (None, "https:///nohost", "name a host"),
        (None, "https://user:pw@acme.example/", "user name or password"),
        (None, "https://acme.example/a b", "spaces"),
        (None, "https://acme.example/" + "x" * 2100, "longer than"),
        (None, "https://acme.example:99999/", "malformed"),
    ],
)
def test_bad_links_are_refused_before_anything_is_stored(
    sub_hub: Hub, github_repo: str | None, project_page: str | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        sub_hub.submit_paper(account(sub_hub), "2608.00001", github_repo=github_repo, project_page=project_page)
    assert sub_hub.feed_entry("2608.00001") is None


# -- the form ----------------------------------------------------------------------------------------------


@pytest.fixture
def web(sub_hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(sub_hub), follow_redirects=False) as client:
        yield client


def test_the_form_needs_an_account(web: TestClient) -> None:
    response = web.get("/submit")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/submit"


def test_submitting_through_the_form(web: TestClient, sub_hub: Hub) -> None:
    sign_in(web, sub_hub)
    page = web.get("/submit")
    assert page.status_code == 200
    assert 'name="arxiv"' in page.text
    assert 'aria-current="page"' in page.text
    token = csrf_token(web)
    response = web.post("/submit", data={"csrf_token": token, "arxiv": "https://arxiv.org/abs/2608.00001v1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/papers/2608.00001"
    assert "submitted by ada" in web.get("/papers/2608.00001").text
    again = web.post("/submit", data={"csrf_token": token, "arxiv": "2608.00001"})
    assert (again.status_code, again.headers["location"]) == (303, "/papers/2608.00001")


def test_form_errors_are_shown_beside_the_kept_values(web: TestClient, sub_hub: Hub) -> None:
    sign_in(web, sub_hub)
    token = csrf_token(web)
    response = web.post(
        "/submit", data={"csrf_token": token, "arxiv": "2608.00001", "project_page": "javascript:<b>x</b>"}
    )
    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    assert "http:// or https://" in response.text
    assert 'value="javascript:&lt;b&gt;x&lt;/b&gt;"' in response.text  # kept, escaped
    old = web.post("/submit", data={"csrf_token": token, "arxiv": "2607.00009"})
    assert old.status_code == 400
    assert "last 14 days only" in old.text
    empty = web.post("/submit", data={"csrf_token": token, "arxiv": " "})
    assert empty.status_code == 400
    assert "Enter an arXiv id" in empty.text
    missing = web.post("/submit", data={"csrf_token": token})
    assert missing.status_code == 400
    assert web.post("/submit", data={"arxiv": "2608.00001"}).status_code == 403  # no CSRF token


def test_the_daily_cap_is_a_429_with_retry_after(arxiv_settings: Settings, clock: FixedClock) -> None:
    hub = make_hub_with(arxiv_settings, clock, submissions_per_day=1)
    seed.store(hub, [seed.paper("2608.00001"), seed.paper("2608.00002")])
    with TestClient(create_app(hub), follow_redirects=False) as client:
        sign_in(client, hub)
        token = csrf_token(client)
        assert client.post("/submit", data={"csrf_token": token, "arxiv": "2608.00001"}).status_code == 303
        response = client.post("/submit", data={"csrf_token": token, "arxiv": "2608.00002"})
    assert response.status_code == 429
    assert response.headers["retry-after"] == str(12 * 3600)
    assert "daily limit" in response.text
