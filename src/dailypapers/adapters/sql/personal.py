"""Follows, keyword rules, "not interested" feedback, preferences and saved searches in SQL."""

from __future__ import annotations

from dailypapers.adapters.sql.base import SqlBase


class SqlPersonalStore(SqlBase):
    """The PersonalStore port."""
