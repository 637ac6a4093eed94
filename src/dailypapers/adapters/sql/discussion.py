"""Comments, moderation flags and the audit log in SQL."""

from __future__ import annotations

from dailypapers.adapters.sql.base import SqlBase


class SqlDiscussionStore(SqlBase):
    pass
