"""`migrate-data`: a SQLite hub copied into PostgreSQL keeps every row, and new rows get fresh ids afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from dailypapers.adapters.sql.copy import copy_database, count_rows
from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.schema import feed_entries, job_state
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.errors import ConfigError
from dailypapers.domain.models import FeedEntry, FeedQuery
from tests.integration.test_store_contract import make_paper


def test_sqlite_hub_moves_to_postgresql(database_url: str, postgres_url: str) -> None:
    source = SqlStore(create_engine(database_url))
    source.upsert_papers([make_paper(n) for n in range(1200)])
    day = date(2024, 8, 2)
    source.add_feed_entries(
        [FeedEntry(f"2408.{n:05d}", day, datetime(2024, 8, 2, 8, n % 60, tzinfo=UTC)) for n in range(0, 1200, 7)]
    )
    source.set_state("oai:cs:from", "2024-08-01")
    target_engine = create_engine(postgres_url)
    moved: dict[str, int] = {}
    report = copy_database(
        source.engine, target_engine, lambda table, n: moved.__setitem__(table, moved.get(table, 0) + n)
    )
    assert {c.table: c.target_rows for c in report}["papers"] == 1200
    assert all(c.ok for c in report)
    assert moved["papers"] == 1200
    target = SqlStore(target_engine)
    assert target.get_paper("2408.00042") == source.get_paper("2408.00042")
    assert target.count_feed_items(FeedQuery(day, day)) == source.count_feed_items(FeedQuery(day, day))
    assert target.get_state("oai:cs:from") == "2024-08-01"
    # The id sequence continues after the copied ids instead of colliding with them.
    target.upsert_papers([make_paper(5000)])
    target.add_feed_entries([FeedEntry("2408.05000", day, datetime(2024, 8, 2, 9, tzinfo=UTC))])
    with target_engine.connect() as conn:
        ids = list(conn.scalars(sa.select(feed_entries.c.id).order_by(feed_entries.c.id.desc()).limit(2)))
        assert conn.scalar(sa.select(sa.func.count()).select_from(job_state)) == 1
    assert ids[0] > ids[1]
    with pytest.raises(ConfigError, match="not empty"):
        copy_database(source.engine, target_engine)
    assert count_rows(target_engine)["papers"] == 1201
