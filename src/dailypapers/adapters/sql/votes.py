"""Votes, trending inputs and GitHub star snapshots in SQL."""

from __future__ import annotations

from dailypapers.adapters.sql.base import SqlBase


class SqlVoteStore(SqlBase):
    pass
