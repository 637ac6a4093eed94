"""Helpers for comment and moderation tests: accounts, signed-in clients, CSRF tokens read off pages, a paper."""

from __future__ import annotations

import re
from datetime import date

from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.web.auth import SESSION_COOKIE, signed_session
from tests.web import seed

PAPER_ID = "2608.12345"
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(hub: Hub, username: str, *, admin: bool = False) -> User:
    """An account made the way a first sign-in makes one (the accounts store), optionally an admin."""
    user = hub.store.get_or_create_user(f"{username}@example.org", username, hub.clock.now())
    assert user.username == username
    return hub.store.set_admin(user.id, True) if admin else user


def reload(hub: Hub, user: User) -> User:
    """The account as stored now (after a ban, say)."""
    fresh = hub.store.get_user(user.id)
    assert fresh is not None
    return fresh


def session_cookie(hub: Hub, user: User) -> tuple[str, str]:
    """(name, value) of a session cookie for `user`, made as sign-in makes one (without the mail round trip)."""
    return SESSION_COOKIE, signed_session(hub.settings, hub.start_session(user))


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF_RE.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def add_paper(hub: Hub, arxiv_id: str = PAPER_ID, feed_date: date = date(2026, 8, 20), **fields: object) -> str:
    seed.store(hub, [seed.paper(arxiv_id, **fields)], [seed.entry(arxiv_id, feed_date)])
    return arxiv_id
