"""Rate limiting on the `limits` library: counters in the database (shared by all processes) or in memory."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from dailypapers.domain.errors import ConfigError, RateLimited


class LimitsRateLimiter:
    """The RateLimiter port on a `limits` fixed-window limiter over any `limits` storage."""

    def __init__(self, storage: Storage | None = None) -> None:
        self._limiter = FixedWindowRateLimiter(storage or MemoryStorage())

    def hit(self, action: str, key: str, rate: str) -> None:
        try:
            item = parse(rate)
        except ValueError:
            raise ConfigError(f"rate limit {rate!r} for {action} is not in limits notation, e.g. '5/hour'") from None
        if not self._limiter.hit(item, action, key):
            reset_at, _remaining = self._limiter.get_window_stats(item, action, key)
            wait = max(1, math.ceil(reset_at - time.time()))
            raise RateLimited(f"too many {action.replace('_', ' ')} requests; try again in {wait} s", wait)

    def reset(self) -> None:
        """Forget every count (tests)."""
        self._limiter.storage.reset()
