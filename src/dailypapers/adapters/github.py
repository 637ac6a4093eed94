"""GitHub REST client for repository star counts (ETag-cached, rate-limit aware)."""

from __future__ import annotations

from dailypapers.settings import Settings


class GitHubClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
