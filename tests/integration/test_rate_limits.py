"""Rate limits kept in the database: shared by separate limiter instances (processes), per key, windowed."""

from __future__ import annotations

import time

import pytest

from dailypapers.adapters.ratelimit import LimitsRateLimiter
from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.ratelimits import SqlLimitsStorage
from dailypapers.domain.errors import ConfigError, RateLimited


def test_two_processes_share_one_budget(store_url: str) -> None:
    web_1 = LimitsRateLimiter(SqlLimitsStorage(create_engine(store_url)))
    web_2 = LimitsRateLimiter(SqlLimitsStorage(create_engine(store_url)))
    web_1.hit("vote", "user:1", "3/minute")
    web_2.hit("vote", "user:1", "3/minute")
    web_1.hit("vote", "user:1", "3/minute")
    with pytest.raises(RateLimited) as refused:
        web_2.hit("vote", "user:1", "3/minute")
    assert 1 <= refused.value.retry_after <= 60
    web_2.hit("vote", "user:2", "3/minute")  # another account has its own budget
    web_2.hit("comment", "user:1", "3/minute")  # and so has another action


def test_window_expires(store_url: str) -> None:
    limiter = LimitsRateLimiter(SqlLimitsStorage(create_engine(store_url)))
    limiter.hit("sign_in", "a@example.org", "1/second")
    with pytest.raises(RateLimited):
        limiter.hit("sign_in", "a@example.org", "1/second")
    time.sleep(1.1)
    limiter.hit("sign_in", "a@example.org", "1/second")


def test_bad_rate_notation_is_a_config_error(database_url: str) -> None:
    limiter = LimitsRateLimiter(SqlLimitsStorage(create_engine(database_url)))
    with pytest.raises(ConfigError, match="limits notation"):
        limiter.hit("vote", "user:1", "often")
