"""Real Chromium: "Not interested" hides the card in place through static/personal.js and post_form.js (no
reload, no CSP error), and the choice is stored; the slider's label follows the slider."""

from __future__ import annotations

from pathlib import Path

import pytest

from dailypapers.hub import Hub
from dailypapers.web.auth import signed_session
from tests.browser.signed_in import signed_in_page
from tests.browser.test_smoke import CHROMIUM
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
    expect = sync_api.expect  # waits without evaluating strings, which the pages' CSP forbids
    with signed_in_page(live_url, cookie) as (page, errors):
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
