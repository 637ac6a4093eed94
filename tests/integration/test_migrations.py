"""Migrations and schema.py describe the same database, on every backend, and downgrade cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.migrate import downgrade, pending_revisions, upgrade
from dailypapers.adapters.sql.schema import metadata


def test_migrated_database_matches_schema(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_back(database_url: str) -> None:
    engine = create_engine(database_url)
    assert not pending_revisions(engine)
    downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    assert pending_revisions(engine)
    upgrade(engine)
    assert {"papers", "feed_entries", "job_state"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()
