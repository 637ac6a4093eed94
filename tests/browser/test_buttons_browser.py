"""Real Chromium on a member's spliced day page: the upvote and save buttons toggle in place through the one
static/post_form.js (no reload, no CSP error, their status lines added by the script), and without JavaScript
each POST comes back to the page it was pressed on (the Referer: the buttons carry no `next` field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dailypapers.hub import Hub
from dailypapers.web.auth import signed_session
from tests.browser.signed_in import signed_in_page
from tests.browser.test_smoke import CHROMIUM
from tests.web import seed
from tests.web.auth_helpers import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


def _day(hub: Hub) -> tuple[str, list[str]]:
    day = hub.clock.now().date()
    ids = seed.day_of_papers(hub, day, [2, 1])
    return f"/date/{day.isoformat()}", ids


def test_upvote_and_save_in_place_on_a_spliced_page(hub: Hub, live_url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url, ids = _day(hub)
    ada = make_user(hub)
    cookie = signed_session(hub.settings, hub.start_session(ada))
    expect = sync_api.expect  # waits without evaluating strings, which the pages' CSP forbids
    with signed_in_page(live_url, cookie) as (page, errors):
        for _ in range(3):  # a full render, then the shared render spliced for the member
            page.goto(f"{live_url}{url}")
        assert page.locator("script[src='/static/post_form.js']").count() == 1  # once a page, not per button
        upvote = page.locator(f"form[action='/papers/{ids[0]}/upvote']")
        save = page.locator(f"form[action='/papers/{ids[0]}/save']")
        expect(upvote.locator(".upvote-status[role=status]")).to_have_count(1)  # added by the script
        expect(save.locator(".save-status[role=status]")).to_have_count(1)
        page.evaluate("window.marker = 'no reload'")
        upvote.locator("button").click()
        expect(upvote.locator("button")).to_have_attribute("aria-pressed", "true")
        expect(upvote.locator(".count")).to_have_text("3")
        save.locator("button").click()
        expect(save.locator("button")).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("window.marker") == "no reload"
        assert hub.saved_paper_ids(ada, 10) == [ids[0]]
        page.goto(f"{live_url}{url}")  # the next page shows both, spliced from the shared render
        expect(page.locator(f"form[action='/papers/{ids[0]}/upvote'] button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator(f"form[action='/papers/{ids[0]}/save'] button")).to_have_attribute("aria-pressed", "true")
        assert errors == []


def test_without_javascript_a_button_comes_back_to_its_page(hub: Hub, live_url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url, ids = _day(hub)
    ada = make_user(hub)
    cookie = signed_session(hub.settings, hub.start_session(ada))
    expect = sync_api.expect
    with signed_in_page(live_url, cookie, javascript=False) as (page, _errors):
        page.goto(f"{live_url}{url}?p=1")
        page.goto(f"{live_url}{url}?p=1")
        with page.expect_navigation():
            page.locator(f"form[action='/papers/{ids[1]}/upvote'] button").click()
        assert page.url == f"{live_url}{url}?p=1"  # back where it was pressed, query and all
        expect(page.locator(f"form[action='/papers/{ids[1]}/upvote'] button")).to_have_attribute("aria-pressed", "true")
        with page.expect_navigation():
            page.locator(f"form[action='/papers/{ids[1]}/save'] button").click()
        assert page.url == f"{live_url}{url}?p=1"
        expect(page.locator(f"form[action='/papers/{ids[1]}/save'] button")).to_have_attribute("aria-pressed", "true")
        assert page.locator("form[data-upvote] .upvote-status").count() == 0  # the script is what adds them
