"""Real-Chromium smoke test: the daily page links to a paper page whose abstract shows rendered MathML."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dailypapers.hub import Hub
from tests.web import seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


@pytest.fixture
def base_url(live_url: str) -> str:
    return live_url


def test_daily_page_to_paper_page_with_math(hub: Hub, base_url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    seed.store(
        hub,
        [
            seed.paper(
                "2608.12345",
                title="Scaling laws for $n$-gram models",
                abstract="We show the loss falls as $L(N) = N^{-\\alpha}$ for large models.",
                imported_upvotes=7,
            ),
            seed.paper("2608.12346", title="A less popular paper"),
        ],
        [seed.entry("2608.12345", date(2026, 8, 20)), seed.entry("2608.12346", date(2026, 8, 20), minute=5)],
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []  # CSP violations and failed loads show up as console errors
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(base_url + "/")
            cards = page.locator(".card-title a")
            assert cards.count() == 2
            assert cards.first.inner_text().startswith("Scaling laws for")

            cards.first.click()
            page.wait_for_url(base_url + "/papers/2608.12345")
            abstract = page.locator(".abstract p")
            assert "for large models" in abstract.inner_text()
            formula = abstract.locator("math")
            assert formula.count() == 1
            assert formula.first.is_visible()
            # Chromium lays MathML out natively: a rendered <math> has a real box, not collapsed text.
            box = formula.first.bounding_box()
            assert box is not None
            assert box["width"] > 0
            assert box["height"] > 0
            assert errors == []
        finally:
            browser.close()
