"""Comments and moderation (hiding papers and comments, bans, the audit log)."""

from __future__ import annotations

from dailypapers.ports import Clock, GitHubSource, Mailer, RateLimiter, Store
from dailypapers.settings import Settings


class DiscussionMixin:
    """Mixed into hub.Hub, which provides the attributes below."""

    settings: Settings
    store: Store
    clock: Clock
    mailer: Mailer
    github: GitHubSource
    rate_limiter: RateLimiter
