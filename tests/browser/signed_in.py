"""A real Chromium page signed in as a member, collecting console errors (for the in-place POST tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from dailypapers.web.auth import SESSION_COOKIE
from tests.browser.test_smoke import CHROMIUM, CHROMIUM_ARGS


@contextmanager
def signed_in_page(live_url: str, session_cookie: str, *, javascript: bool = True) -> Iterator[tuple[Any, list[str]]]:
    """(page, console errors): a fresh browser whose context carries the member's session cookie (with JavaScript
    off when asked, to check the forms work without it)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=javascript)
            context.add_cookies([{"name": SESSION_COOKIE, "value": session_cookie, "url": live_url}])
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            yield page, errors
        finally:
            browser.close()
