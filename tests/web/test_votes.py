"""Upvotes: one per account and paper under concurrency (Hub, store on both databases, ASGI app), the cached count,
the form without JavaScript, the JSON answer for upvote.js, and the bearer-token API."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from dailypapers.adapters.sql.schema import papers, votes
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.errors import PaperNotFound, PermissionDenied, RateLimited
from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.web.app import create_app
from dailypapers.web.auth import CSRF_HEADER, SESSION_COOKIE, signed_session
from tests.web import seed
from tests.web.auth_helpers import csrf_token, sign_in

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def voted_hub(hub: Hub) -> Hub:
    seed.store(
        hub,
        [seed.paper("2608.00001", imported_upvotes=5), seed.paper("2608.00002"), seed.paper("hep-th/9901001")],
        [seed.entry("2608.00001", NOW.date()), seed.entry("2608.00002", NOW.date(), minute=1)],
    )
    return hub


def account(hub: Hub, name: str) -> User:
    return hub.store.get_or_create_user(f"{name}@example.org", name, NOW - timedelta(days=30))


def vote_rows(store: SqlStore, arxiv_id: str) -> tuple[int, int]:
    """(rows in the votes table, the paper's cached community count)."""
    with store.engine.connect() as conn:
        rows = conn.scalar(sa.select(sa.func.count()).select_from(votes).where(votes.c.arxiv_id == arxiv_id))
        cached = conn.scalar(sa.select(papers.c.community_upvotes).where(papers.c.arxiv_id == arxiv_id))
    return rows or 0, cached or 0


# -- the Hub and the store ---------------------------------------------------------------------------------


def test_upvote_withdraw_and_toggle(voted_hub: Hub) -> None:
    ada = account(voted_hub, "ada")
    state = voted_hub.set_upvote(ada, "2608.00001v2", True)
    assert (state.arxiv_id, state.upvoted, state.upvotes) == ("2608.00001", True, 6)  # 5 imported + 1
    assert voted_hub.set_upvote(ada, "2608.00001", True).upvotes == 6  # the same state again: no-op
    assert voted_hub.set_upvote(ada, "2608.00001").upvoted is False  # toggle
    assert voted_hub.set_upvote(ada, "2608.00001").upvoted is True
    assert voted_hub.set_upvote(ada, "2608.00001", False).upvotes == 5
    assert voted_hub.set_upvote(ada, "2608.00001", False).upvotes == 5
    assert vote_rows(voted_hub.store, "2608.00001") == (0, 0)  # type: ignore[arg-type]
    assert voted_hub.set_upvote(ada, "hep-th/9901001", True).upvotes == 1  # old-style ids too
    assert voted_hub.upvoted_ids(ada, ["hep-th/9901001", "2608.00001"]) == {"hep-th/9901001"}
    assert voted_hub.upvoted_ids(None, ["hep-th/9901001"]) == set()
    assert voted_hub.paper_view("hep-th/9901001").upvotes == 1


def test_unknown_papers_and_banned_accounts(voted_hub: Hub) -> None:
    ada = account(voted_hub, "ada")
    with pytest.raises(PaperNotFound):
        voted_hub.set_upvote(ada, "2608.99999", True)
    with pytest.raises(PermissionDenied):
        voted_hub.set_upvote(replace(ada, banned_at=NOW), "2608.00001", True)


def test_votes_are_rate_limited(hub: Hub) -> None:
    hub.settings = hub.settings.with_overrides(rate_limit_vote="3/minute")
    seed.store(hub, [seed.paper("2608.00001")])
    ada = account(hub, "ada")
    for _ in range(3):
        hub.set_upvote(ada, "2608.00001")
    with pytest.raises(RateLimited):
        hub.set_upvote(ada, "2608.00001")


def test_fifty_concurrent_upvotes_by_one_account_through_the_hub_add_exactly_one(voted_hub: Hub) -> None:
    ada = account(voted_hub, "ada")
    start = threading.Barrier(50)

    def vote(_: int) -> int:
        start.wait()
        return voted_hub.set_upvote(ada, "2608.00002", True).upvotes

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(vote, range(50)))
    assert set(answers) == {1}
    assert vote_rows(voted_hub.store, "2608.00002") == (1, 1)  # type: ignore[arg-type]


def test_concurrent_votes_keep_the_cached_count_exact_on_both_databases(store: SqlStore) -> None:
    """50 threads: the same account 30 times and 20 other accounts once each, on SQLite and PostgreSQL."""
    store.upsert_papers([seed.paper("2608.00001")])
    users = [store.get_or_create_user(f"u{n}@example.org", f"u{n}", NOW) for n in range(21)]
    voters = [users[0].id] * 30 + [u.id for u in users[1:]]
    start = threading.Barrier(len(voters))

    def vote(user_id: int) -> None:
        start.wait()
        store.set_vote(user_id, "2608.00001", True, NOW)

    with ThreadPoolExecutor(max_workers=len(voters)) as pool:
        list(pool.map(vote, voters))
    assert vote_rows(store, "2608.00001") == (21, 21)
    with ThreadPoolExecutor(max_workers=21) as pool:  # and withdrawing concurrently, half of them
        list(pool.map(lambda u: store.set_vote(u.id, "2608.00001", False, NOW), users[:10]))
    assert vote_rows(store, "2608.00001") == (11, 11)


def test_fifty_concurrent_upvote_posts_through_the_asgi_app_add_exactly_one(voted_hub: Hub) -> None:
    app = create_app(voted_hub)
    with TestClient(app) as client:  # a signed-in browser: its cookies and CSRF token
        sign_in(client, voted_hub)
        token = csrf_token(client)
        cookies = dict(client.cookies.items())

    async def storm() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies=cookies) as http:
            posts = [
                http.post(
                    "/papers/2608.00002/upvote",
                    data={"csrf_token": token, "upvote": "1"},
                    headers={"Accept": "application/json"},
                )
                for _ in range(50)
            ]
            return list(await asyncio.gather(*posts))

    responses = asyncio.run(storm())
    assert [r.status_code for r in responses] == [200] * 50
    assert {(r.json()["upvoted"], r.json()["upvotes"]) for r in responses} == {(True, 1)}
    assert vote_rows(voted_hub.store, "2608.00002") == (1, 1)  # type: ignore[arg-type]


# -- the button --------------------------------------------------------------------------------------------


@pytest.fixture
def browser(voted_hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(voted_hub), follow_redirects=False) as client:
        yield client


def test_visitors_get_a_sign_in_link_instead_of_a_button(browser: TestClient) -> None:
    page = browser.get(f"/date/{NOW.date()}").text
    assert 'href="/signin?next=/date/2026-08-21"' in page
    assert 'action="/papers/2608.00001/upvote"' not in page
    assert '<span class="count">5</span>' in page


def test_the_form_works_without_javascript(browser: TestClient, voted_hub: Hub) -> None:
    sign_in(browser, voted_hub)
    day = f"/date/{NOW.date()}"
    page = browser.get(day).text
    assert 'action="/papers/2608.00001/upvote"' in page
    assert page.count("<script") == page.count('<script src="/static/post_form.js" defer></script>') == 1
    assert 'name="next"' not in page  # each button goes back by the Referer (see the test below)
    assert 'aria-pressed="false"' in page
    response = browser.post(
        "/papers/2608.00001/upvote", data={"csrf_token": csrf_token(browser), "upvote": "1", "next": day}
    )
    assert (response.status_code, response.headers["location"]) == (303, day)
    page = browser.get(day).text
    assert 'aria-pressed="true"' in page
    assert '<span class="count">6</span>' in page
    assert 'name="upvote" value="0"' in page  # pressing again withdraws
    paper_page = browser.get("/papers/2608.00001").text
    assert 'aria-pressed="true"' in paper_page
    assert '<span class="count">6</span>' in paper_page
    # an offsite `next` is ignored; no `next` goes back to the paper
    evil = browser.post(
        "/papers/2608.00001/upvote",
        data={"csrf_token": csrf_token(browser), "upvote": "0", "next": "//evil.example/"},
    )
    assert evil.headers["location"] == "/"
    plain = browser.post("/papers/2608.00001/upvote", data={"csrf_token": csrf_token(browser)})
    assert plain.headers["location"] == "/papers/2608.00001"


def test_javascript_gets_json(browser: TestClient, voted_hub: Hub) -> None:
    sign_in(browser, voted_hub)
    headers = {"Accept": "application/json", CSRF_HEADER: csrf_token(browser)}
    response = browser.post("/papers/2608.00001/upvote", data={"upvote": "1"}, headers=headers)
    assert response.json() == {"arxiv_id": "2608.00001", "upvoted": True, "upvotes": 6}
    response = browser.post("/papers/2608.00001/upvote", headers=headers)  # no state given: toggle
    assert response.json()["upvoted"] is False
    bad = browser.post("/papers/2608.00001/upvote", data={"upvote": "yes"}, headers=headers)
    assert bad.status_code == 400


def test_posting_needs_csrf_and_an_account(browser: TestClient, voted_hub: Hub) -> None:
    assert browser.post("/papers/2608.00001/upvote", data={"upvote": "1"}).status_code == 403
    anonymous = browser.post("/papers/2608.00001/upvote", data={"csrf_token": csrf_token(browser), "upvote": "1"})
    assert anonymous.status_code == 401
    sign_in(browser, voted_hub)
    missing = browser.post("/papers/2608.99999/upvote", data={"csrf_token": csrf_token(browser), "upvote": "1"})
    assert missing.status_code == 404
    assert browser.get("/papers/2608.00001/upvote").status_code == 400  # GET never votes: not even a page
    assert vote_rows(voted_hub.store, "2608.00001") == (0, 0)  # type: ignore[arg-type]


def test_the_form_goes_back_to_the_page_it_was_pressed_on(browser: TestClient, voted_hub: Hub) -> None:
    """Without JavaScript: the Referer from this site (path and query), an explicit `next` before it, the paper's
    page when there is neither or the Referer is another site's."""
    sign_in(browser, voted_hub)
    day = f"/date/{NOW.date()}"
    data = {"csrf_token": csrf_token(browser), "upvote": "1"}
    for referer, back in (
        (f"http://testserver{day}?p=1", f"{day}?p=1"),
        (f"{voted_hub.settings.base_url.rstrip('/')}/week/2026-W34", "/week/2026-W34"),  # the public address
        ("https://evil.example/date/2026-08-21", "/papers/2608.00001"),
        ("http://testserver//evil.example/", "/"),
        ("", "/papers/2608.00001"),
    ):
        headers = {"Referer": referer} if referer else {}
        response = browser.post("/papers/2608.00001/upvote", data=data, headers=headers)
        assert (response.status_code, response.headers["location"]) == (303, back), referer
    response = browser.post(
        "/papers/2608.00001/upvote", data={**data, "next": "/trending"}, headers={"Referer": f"http://testserver{day}"}
    )
    assert response.headers["location"] == "/trending"


def test_the_static_script_is_served_and_needs_no_inline_code(browser: TestClient) -> None:
    shared = browser.get("/static/post_form.js")  # the in-place POST and the upvote and save buttons, every page
    assert shared.status_code == 200
    assert "X-CSRF-Token" in shared.text
    assert "application/json" in shared.text
    assert "data-upvote" in shared.text
    assert "data-save" in shared.text
    assert browser.get("/static/upvote.js").status_code == 404  # folded into post_form.js: one script a page
    page = browser.get("/")
    assert '<script src="/static/post_form.js" defer></script>' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


# -- the API -----------------------------------------------------------------------------------------------


def test_bearer_token_api_with_write_scope(voted_hub: Hub) -> None:
    ada = account(voted_hub, "ada")
    _, write = voted_hub.create_api_token(ada, "script", "write")
    _, read = voted_hub.create_api_token(ada, "reader", "read")
    with TestClient(create_app(voted_hub)) as api:
        bearer = {"Authorization": f"Bearer {write}"}
        response = api.post("/api/v1/papers/2608.00001v1/upvote", headers=bearer)  # no CSRF token needed
        assert response.status_code == 200
        assert response.json() == {"arxiv_id": "2608.00001", "upvoted": True, "upvotes": 6}
        assert api.post("/api/v1/papers/2608.00001/upvote", headers=bearer).json()["upvotes"] == 6
        assert api.delete("/api/v1/papers/2608.00001/upvote", headers=bearer).json()["upvoted"] is False
        denied = api.post("/api/v1/papers/2608.00001/upvote", headers={"Authorization": f"Bearer {read}"})
        assert denied.status_code == 403
        assert denied.json()["error"]["code"] == "permission_denied"
        assert api.post("/api/v1/papers/2608.00001/upvote").status_code == 401
        missing = api.post("/api/v1/papers/2608.99999/upvote", headers=bearer)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "paper_not_found"
        # a session works too, with the CSRF header (require_scope checks it)
        api.cookies.set(SESSION_COOKIE, signed_session(voted_hub.settings, voted_hub.start_session(ada)))
        assert api.post("/api/v1/papers/2608.00001/upvote").status_code == 403
        with_csrf = api.post("/api/v1/papers/2608.00001/upvote", headers={CSRF_HEADER: csrf_token(api)})
        assert with_csrf.status_code == 200
    assert "/api/v1/papers/{arxiv_id}/upvote" in api.app.openapi()["paths"]  # type: ignore[attr-defined]
