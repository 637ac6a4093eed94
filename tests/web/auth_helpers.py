"""Test helpers for signed-in requests: make an account, sign a TestClient in, and read a page's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.usecases.accounts import username_from_email
from dailypapers.web.auth import CSRF_HEADER, SESSION_COOKIE, signed_session

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(hub: Hub, email: str = "ada@example.org") -> User:
    return hub.store.get_or_create_user(email, username_from_email(email), hub.clock.now())


def sign_in(client: TestClient, hub: Hub, email: str = "ada@example.org") -> User:
    """Sign `client` in as the account of `email` (created when missing), without the mail round trip (and so
    without the sign-in rate limit: tests may sign in many accounts)."""
    user = make_user(hub, email)
    client.cookies.set(SESSION_COOKIE, signed_session(hub.settings, hub.start_session(user)))
    return user


def csrf_token(client: TestClient) -> str:
    """The CSRF token this client's forms carry (read from the sign-in page, which every visitor can load)."""
    match = _CSRF_RE.search(client.get("/signin").text)
    assert match, "no CSRF token on /signin"
    return match.group(1)


def csrf_headers(client: TestClient) -> dict[str, str]:
    """Headers for a JSON / fetch-style request that passes the CSRF check."""
    return {CSRF_HEADER: csrf_token(client)}
