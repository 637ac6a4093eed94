"""Copying a whole hub between databases (SQLite → PostgreSQL and back), table by table, then checking counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from dailypapers.adapters.sql.engine import WRITE
from dailypapers.adapters.sql.schema import BOOKKEEPING_TABLES, metadata
from dailypapers.domain.errors import ConfigError, StorageError

BATCH = 5000


@dataclass(frozen=True, slots=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows


def data_tables() -> list[sa.Table]:
    """The tables that hold the hub's data, in foreign-key order (bookkeeping such as data_version left out)."""
    return [t for t in metadata.sorted_tables if t.name not in BOOKKEEPING_TABLES]


def count_rows(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in data_tables()}


def copy_database(
    source: sa.Engine, target: sa.Engine, on_rows: Callable[[str, int], object] | None = None
) -> list[TableCopy]:
    """Copy every table in foreign-key order into an empty, migrated target; returns per-table counts.

    The target must be empty so a half-finished earlier copy is never silently mixed with a new one.
    """
    if any(count_rows(target).values()):
        raise ConfigError("the target database is not empty; migrate-data copies into a fresh, migrated database")
    with target.connect().execution_options(**WRITE) as out, out.begin():
        for table in data_tables():
            with source.connect() as src:
                rows = src.execution_options(yield_per=BATCH).execute(sa.select(table))
                for batch in rows.partitions(BATCH):
                    out.execute(table.insert(), [dict(row._mapping) for row in batch])
                    if on_rows is not None:
                        on_rows(table.name, len(batch))
        if target.dialect.name == "postgresql":
            _advance_sequences(out)
    before, after = count_rows(source), count_rows(target)
    report = [TableCopy(name, before[name], after[name]) for name in before]
    bad = [c for c in report if not c.ok]
    if bad:
        raise StorageError(
            "row counts differ after the copy: " + ", ".join(f"{c.table} {c.source_rows}→{c.target_rows}" for c in bad)
        )
    return report


def _advance_sequences(conn: sa.Connection) -> None:
    """Rows were inserted with their ids, so PostgreSQL's id sequences must be moved past the largest one."""
    for table in data_tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
            continue
        key = keys[0]
        largest = sa.select(sa.func.coalesce(sa.func.max(key), 0)).scalar_subquery()
        sequence = sa.func.pg_get_serial_sequence(table.name, key.name)
        conn.execute(sa.select(sa.func.setval(sequence, largest + 1, False)))
