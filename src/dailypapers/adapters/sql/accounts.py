"""Users, sign-in links, sessions and API tokens in SQL."""

from __future__ import annotations

from dailypapers.adapters.sql.base import SqlBase


class SqlAccountStore(SqlBase):
    pass
