"""Collections and collection items (a member's library) in SQL."""

from __future__ import annotations

from dailypapers.adapters.sql.base import SqlBase


class SqlLibraryStore(SqlBase):
    """The LibraryStore port."""
