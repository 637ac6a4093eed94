"""Real Chromium: the save button toggles in place through static/save.js (no reload, no CSP error), and the
collection page it fills shows the paper."""

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


def test_saving_in_place_and_finding_it_in_the_library(hub: Hub, live_url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    seed.store(hub, [seed.paper("2608.12345", title="A paper worth keeping")])
    ada = make_user(hub)
    cookie = signed_session(hub.settings, hub.start_session(ada))
    expect = sync_api.expect  # waits without evaluating strings, which the pages' CSP forbids
    with signed_in_page(live_url, cookie) as (page, errors):
        page.goto(f"{live_url}/papers/2608.12345")
        button = page.locator("form.save button")
        assert button.get_attribute("aria-pressed") == "false"
        page.evaluate("window.marker = 'no reload'")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("window.marker") == "no reload"  # the script saved it in place
        assert button.inner_text().strip().endswith("Saved")
        assert hub.saved_paper_ids(ada, 10) == ["2608.12345"]
        button.click()
        expect(button).to_have_attribute("aria-pressed", "false")
        assert hub.saved_paper_ids(ada, 10) == []
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        page.goto(f"{live_url}/library")
        page.get_by_role("link", name="Saved").click()
        assert "A paper worth keeping" in page.content()
        assert errors == []
