"""Accounts: passwordless sign-in, sessions, API tokens, profiles, admins."""

from __future__ import annotations

from dailypapers.ports import Clock, GitHubSource, Mailer, RateLimiter, Store
from dailypapers.settings import Settings


class AccountsMixin:
    """Mixed into hub.Hub, which provides the attributes below."""

    settings: Settings
    store: Store
    clock: Clock
    mailer: Mailer
    github: GitHubSource
    rate_limiter: RateLimiter
