"""Real Chromium: the /trends chart is readable in dark mode and fits a phone, with no CSP error and no script."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dailypapers.hub import Hub
from tests.browser.test_smoke import CHROMIUM, CHROMIUM_ARGS
from tests.web import seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]


def luminance(css_color: str) -> float:
    """Relative luminance of an `rgb(r, g, b)` computed colour."""
    r, g, b = (int(part) / 255 for part in css_color[css_color.index("(") + 1 : css_color.index(")")].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize(("scheme", "width"), [("dark", 360), ("light", 1280)])
def test_chart_is_readable_in_both_schemes_and_fits_the_screen(
    hub: Hub, live_url: str, scheme: str, width: int
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    papers = [
        seed.paper(
            f"2608.{n:05d}", title=f"Agents {n}", published=datetime(2026, 8, 20, tzinfo=UTC) - timedelta(days=n)
        )
        for n in range(40)
    ]
    seed.store(hub, papers, [seed.entry("2608.00001", date(2026, 8, 20))])
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
            errors: list[str] = []  # a CSP violation (an inline style or script) shows up as a console error
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(live_url + "/trends?q=agents")
            svg = page.locator("figure.chart svg").first
            box = svg.bounding_box()
            assert box is not None
            assert box["width"] <= width  # scales down to the column on a phone
            assert (
                page.evaluate("document.documentElement.scrollWidth") <= width
            )  # and the page does not scroll sideways
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            label = page.locator("figure.chart svg .axis text").first
            text = label.evaluate("el => getComputedStyle(el).fill")
            line = page.locator("figure.chart svg .series .line").first.evaluate("el => getComputedStyle(el).stroke")
            contrast = abs(luminance(text) - luminance(background))
            assert contrast > 0.3, (scheme, text, background)
            assert abs(luminance(line) - luminance(background)) > 0.2, (scheme, line, background)
            if scheme == "dark":
                assert luminance(background) < 0.2 < luminance(text)
            assert page.locator("figure.chart svg script").count() == 0
            page.locator("details summary").first.click()  # the numbers table, for reading the values
            assert page.locator("figure.chart table tbody tr").count() >= 52
            assert errors == []
        finally:
            browser.close()
