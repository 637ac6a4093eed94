"""Rate limiting on the `limits` library (moving window); in-process memory until the scale-out issue moves it."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from dailypapers.errors import ConfigError, RateLimited


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

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
