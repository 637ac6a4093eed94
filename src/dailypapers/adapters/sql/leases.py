"""Job leases in the database: at most one process (on any host) runs a named job at a time."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, dialect_insert, storage_errors
from dailypapers.adapters.sql.schema import job_leases


class SqlLeaseStore(SqlBase):
    @storage_errors
    def acquire_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease `name` for `holder` until now + ttl; False while another holder's is live."""
        with self._write() as conn:
            # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
            row = conn.execute(sa.select(job_leases).where(job_leases.c.name == name).with_for_update()).first()
            if row is None:
                # RETURNING, not rowcount: psycopg reports -1 here, which read as "taken" by both of two racers.
                insert = (
                    dialect_insert(conn, job_leases)
                    .on_conflict_do_nothing()
                    .values(name=name, holder=holder, expires_at=now + ttl)
                )
                return conn.execute(insert.returning(job_leases.c.name)).first() is not None
            expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
            if row.holder != holder and expires > now:
                return False
            conn.execute(
                job_leases.update().where(job_leases.c.name == name).values(holder=holder, expires_at=now + ttl)
            )
            return True

    @storage_errors
    def release_lease(self, name: str, holder: str) -> None:
        with self._write() as conn:
            conn.execute(job_leases.delete().where(job_leases.c.name == name, job_leases.c.holder == holder))
