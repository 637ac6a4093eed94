"""Real Chromium: "Not interested" hides the card in place through static/personal.js and post_form.js (no
reload, no CSP error), and the choice is stored; the slider's label follows the slider."""

from __future__ import annotations

from pathlib import Path

import pytest

from dailypapers.hub import Hub
from dailypapers.web.auth import SESSION_COOKIE, signed_session
from tests.browser.test_smoke import CHROMIUM, CHROMIUM_ARGS
from tests.personal.test_pages import feed  # noqa: F401  (the fixture: four papers on one day)
from tests.web.auth_helpers import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]


def test_not_interested_hides_the_card_in_place(feed: Hub, live_url: str) -> None:  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    ada = make_user(feed)
    feed.store.mark_onboarded(ada.id, feed.clock.now())
    cookie = signed_session(feed.settings, feed.start_session(ada))
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            expect = sync_api.expect  # waits without evaluating strings, which the pages' CSP forbids
            context = browser.new_context()
            context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": live_url}])
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(f"{live_url}/for-you")
            card = page.locator("li.card#p-2608\\.50003")
            expect(card).to_be_visible()
            page.evaluate("window.marker = 'no reload'")
            card.locator("form.not-interested button").click()
            expect(card).to_be_hidden()
            assert page.evaluate("window.marker") == "no reload"
            assert feed.liked_and_disliked_ids(ada.id)[1] == ["2608.50003"]
            page.locator("#trending-weight").fill("70")
            expect(page.locator('output[for="trending-weight"]')).to_have_text("70% trending")
            assert errors == []
        finally:
            browser.close()
