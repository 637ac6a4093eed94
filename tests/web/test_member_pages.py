"""Members' cacheable pages come from one shared render per data version spliced per request (web/member_pages.py):
each member sees their own votes, saves, followed authors, account area and CSRF token, through real HTTP, on
SQLite and PostgreSQL; nobody ever gets another's page; members whose page differs get a full render."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.models import PaperView, User
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.auth import SESSION_COOKIE, signed_session
from dailypapers.wiring import make_hub
from tests.web import seed
from tests.web.conftest import sql_statements

DAY = date(2026, 8, 20)
DAY_URL = "/date/2026-08-20"
FEED_URLS = ["/", DAY_URL, "/week/2026-W34", "/month/2026-08"]
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture(params=["sqlite", "postgresql"])
def any_hub(request: pytest.FixtureRequest, settings: Settings, clock: FixedClock) -> Iterator[Hub]:
    """A hub on each backend (PostgreSQL reads the member's session and marks in the thread pool)."""
    if request.param == "postgresql":
        settings = settings.with_overrides(database_url=request.getfixturevalue("postgres_url"))
    hub = make_hub(settings, clock=clock)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def app(hub: Hub) -> FastAPI:
    return create_app(hub)


@pytest.fixture
def day_ids(hub: Hub) -> list[str]:
    return seed.day_of_papers(hub, DAY, [3, 1, 0])


def member(app: FastAPI, hub: Hub, email: str, display_name: str | None = None) -> tuple[TestClient, User]:
    """A browser signed in as the account of `email`, on the shared app."""
    user = hub.store.get_or_create_user(email, email.split("@")[0], hub.clock.now())
    if display_name:
        user = hub.store.set_display_name(user.id, display_name)
    browser = TestClient(app, follow_redirects=False)
    browser.cookies.set(SESSION_COOKIE, signed_session(hub.settings, hub.start_session(user)))
    return browser, user


def pressed(html: str, arxiv_id: str, button: str) -> bool:
    """Whether the page's `upvote` / `save` form of this paper is pressed."""
    form = html[html.index(f'action="/papers/{arxiv_id}/{button}"') :]
    return re.search(r'aria-pressed="(true|false)"', form).group(1) == "true"  # type: ignore[union-attr]


def upvotes(html: str, arxiv_id: str) -> int:
    form = html[html.index(f'action="/papers/{arxiv_id}/upvote"') :]
    return int(re.findall(r'<span class="count">(\d+)</span>', form)[0])


def tokens(html: str) -> set[str]:
    return set(_CSRF.findall(html))


def own_token(browser: TestClient) -> str:
    """The member's CSRF token as a page that is never shared (/settings) shows it."""
    (token,) = tokens(browser.get("/settings").text)
    return token


def test_two_members_see_their_own_marks_account_and_token_on_every_feed_page(
    app: FastAPI, hub: Hub, day_ids: list[str], renders: list[str]
) -> None:
    ada, ada_user = member(app, hub, "ada@example.org", "Ada Lovelace")
    bob, bob_user = member(app, hub, "bob@example.org", "Bob Babbage")
    hub.set_upvote(ada_user, day_ids[0], True)
    hub.set_saved(ada_user, day_ids[1], True)
    hub.set_upvote(bob_user, day_ids[1], True)
    ada_token, bob_token = own_token(ada), own_token(bob)
    assert ada_token != bob_token
    for url in FEED_URLS:
        for _ in range(3):  # a full render, then the shared render spliced, then the splice alone
            for browser, token, me, other in ((ada, ada_token, "@ada", "@bob"), (bob, bob_token, "@bob", "@ada")):
                page = browser.get(url)
                assert page.status_code == 200
                assert page.headers["cache-control"] == "private, no-cache"
                assert "etag" not in page.headers
                assert tokens(page.text) == {token}, url
                assert me in page.text
                assert other not in page.text
        for browser, upvoted, saved in ((ada, {day_ids[0]}, {day_ids[1]}), (bob, {day_ids[1]}, set())):
            html = browser.get(url).text
            assert {i for i in day_ids if pressed(html, i, "upvote")} == upvoted
            assert {i for i in day_ids if pressed(html, i, "save")} == saved
    rendered = len(renders)
    for url in FEED_URLS:
        ada.get(url)
        bob.get(url)
    assert len(renders) == rendered  # served from the shared renders


def test_the_anonymous_page_never_shows_a_member(app: FastAPI, hub: Hub, day_ids: list[str]) -> None:
    ada, _ = member(app, hub, "ada@example.org", "Ada Lovelace")
    for _ in range(3):
        ada.get(DAY_URL)
    visitor = TestClient(app, follow_redirects=False)
    page = visitor.get(DAY_URL).text
    assert "csrf_token" not in page
    assert "@ada" not in page
    assert 'href="/signin"' in page
    assert "dp-slot" not in page
    assert "dp-csrf" not in page
    assert "dp-stand-in" not in page
    assert "dp-slot" not in ada.get(DAY_URL).text
    assert "dp-stand-in" not in ada.get(DAY_URL).text


def test_a_vote_and_a_save_show_on_the_members_next_page_and_only_theirs(any_hub: Hub) -> None:
    hub = any_hub
    ids = seed.day_of_papers(hub, DAY, [3, 1])
    app = create_app(hub)
    ada, _ = member(app, hub, "ada@example.org")
    bob, _ = member(app, hub, "bob@example.org")
    for _ in range(2):
        first = ada.get(DAY_URL).text
        bob.get(DAY_URL)
    assert not pressed(first, ids[1], "upvote")
    assert upvotes(first, ids[1]) == 1
    (token,) = tokens(first)
    voted = ada.post(f"/papers/{ids[1]}/upvote", data={"csrf_token": token, "upvote": "1", "next": DAY_URL})
    assert voted.status_code == 303
    after = ada.get(DAY_URL).text
    assert pressed(after, ids[1], "upvote")
    assert upvotes(after, ids[1]) == 2
    seen_by_bob = bob.get(DAY_URL).text
    assert not pressed(seen_by_bob, ids[1], "upvote")
    assert upvotes(seen_by_bob, ids[1]) == 2
    # A save moves no data version (nobody else's page shows it): the marks are read on every request.
    saved = ada.post(f"/papers/{ids[0]}/save", data={"csrf_token": token, "save": "1", "next": DAY_URL})
    assert saved.status_code == 303
    assert pressed(ada.get(DAY_URL).text, ids[0], "save")
    assert not pressed(bob.get(DAY_URL).text, ids[0], "save")
    assert TestClient(app).get(DAY_URL).headers["cache-control"] == "no-cache"  # visitors: still the shared cache


@contextmanager
def all_statements(hub: Hub) -> Iterator[list[str]]:
    """Every statement run in the block: through SQLAlchemy's pool and, on SQLite, the store's own read connection."""
    raw: list[str] = []
    read_conn = getattr(hub.store, "_read_conn", None)
    if read_conn is not None:
        read_conn.set_trace_callback(raw.append)
    try:
        with sql_statements(hub) as statements:
            yield raw
        raw.extend(statements)
    finally:
        if read_conn is not None:
            read_conn.set_trace_callback(None)


def test_a_spliced_page_costs_one_statement_until_the_member_changes_a_mark(any_hub: Hub) -> None:
    """The session, the data version and the marks in one statement; the marks are kept per session and page with
    the member's marks version, and read again (a second statement, once) after the member changes one."""
    hub = any_hub
    ids = seed.day_of_papers(hub, DAY, [3, 1])
    app = create_app(hub)
    ada, ada_user = member(app, hub, "ada@example.org")
    bob, _ = member(app, hub, "bob@example.org")
    hub.set_upvote(ada_user, ids[1], True)
    for _ in range(2):  # a full render; then the shared render, and the marks read and kept
        ada.get(DAY_URL)
    with all_statements(hub) as statements:
        page = ada.get(DAY_URL)
    assert len(statements) == 1
    assert "UNION ALL" in statements[0]  # the member and the data version
    assert pressed(page.text, ids[1], "upvote")
    assert not pressed(page.text, ids[0], "save")
    assert "@ada" in page.text

    hub.set_saved(ada_user, ids[0], True)  # moves no data version: the same shared render, new marks
    with all_statements(hub) as statements:
        page = ada.get(DAY_URL)
    assert len(statements) == 2
    assert pressed(page.text, ids[0], "save")
    assert pressed(page.text, ids[1], "upvote")
    with all_statements(hub) as statements:
        again = ada.get(DAY_URL)
    assert len(statements) == 1
    assert again.text == page.text
    for _ in range(2):  # another member on the same page: their own marks, never ada's
        theirs = bob.get(DAY_URL).text
        assert not pressed(theirs, ids[0], "save")
        assert not pressed(theirs, ids[1], "upvote")
        assert "@bob" in theirs


def test_followed_authors_on_the_paper_page(any_hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = any_hub
    ids = seed.day_of_papers(hub, DAY, [3])
    app = create_app(hub)
    views: list[str] = []
    real = hub.paper_view

    def counted(arxiv_id: str) -> PaperView:
        views.append(arxiv_id)
        return real(arxiv_id)

    monkeypatch.setattr(hub, "paper_view", counted)
    url = f"/papers/{ids[0]}"
    ada, ada_user = member(app, hub, "ada@example.org")
    bob, _ = member(app, hub, "bob@example.org")
    hub.follow_author(ada_user, "Alan Turing")
    for _ in range(3):
        mine, theirs = ada.get(url).text, bob.get(url).text
        assert 'aria-pressed="true">Following Alan Turing' in mine
        assert 'aria-pressed="false">Follow Ada Lovelace' in mine
        assert 'aria-pressed="false">Follow Alan Turing' in theirs
        assert tokens(mine) == {own_token(ada)}
        assert tokens(theirs) == {own_token(bob)}
        assert 'id="new-comment"' in mine
        assert 'id="claim-author"' in mine
    assert len(views) == 2  # ada's first request: a full render; from bob's first on, one shared render


def test_members_whose_paper_page_differs_get_a_full_render(app: FastAPI, hub: Hub, day_ids: list[str]) -> None:
    url = f"/papers/{day_ids[0]}"
    ada, ada_user = member(app, hub, "ada@example.org")
    bob, bob_user = member(app, hub, "bob@example.org")
    carol, carol_user = member(app, hub, "carol@example.org")
    hub.post_comment(ada_user, day_ids[0], "A fine paper.")
    hub.authorship.claim(bob_user, day_ids[0], "Alan Turing")
    hub.store.set_admin(carol_user.id, True)
    dave, _ = member(app, hub, "dave@example.org")
    for _ in range(3):
        by_ada, by_bob, by_carol, by_dave = (b.get(url).text for b in (ada, bob, carol, dave))
        assert "/delete" in by_ada  # her own comment: edit and delete
        assert "waiting for an admin" in by_bob
        assert 'id="claim-author"' not in by_bob
        assert 'action="/admin/comments/hide"' in by_carol
        assert "/delete" not in by_dave
        assert "waiting for an admin" not in by_dave
        assert 'action="/admin/comments/hide"' not in by_dave
        assert 'id="claim-author"' in by_dave
        assert "@dave" in by_dave
        assert "@ada" not in by_dave.split("comments-heading")[0]


def test_head_and_a_revoked_session(app: FastAPI, hub: Hub, day_ids: list[str]) -> None:
    ada, ada_user = member(app, hub, "ada@example.org")
    for _ in range(2):
        got = ada.get(DAY_URL)
    head = ada.head(DAY_URL)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
    session = hub.start_session(ada_user)
    ada.cookies.set(SESSION_COOKIE, signed_session(hub.settings, session))
    assert "@ada" in ada.get(DAY_URL).text
    hub.sign_out(session)
    page = ada.get(DAY_URL).text
    assert "@ada" not in page
    assert 'href="/signin"' in page


def test_member_names_are_escaped_in_the_spliced_header(app: FastAPI, hub: Hub, day_ids: list[str]) -> None:
    eve, _ = member(app, hub, "eve@example.org", '<script>alert("x")</script>')
    for _ in range(3):
        page = eve.get(DAY_URL).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
