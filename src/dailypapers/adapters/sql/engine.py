"""Engine creation: SQLite in WAL mode with write transactions that take the lock up front."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from dailypapers.domain.errors import ConfigError

WRITE = {"dailypapers_write": True}


def _json_dumps(value: object) -> str:
    # Unicode stays unicode in JSON columns, so substring matching on author names finds "Zoë" as typed.
    return json.dumps(value, ensure_ascii=False)


def create_engine(database_url: str) -> sa.Engine:
    """An engine for the URL; for SQLite, create the parent folder and set the pragmas every connection needs."""
    try:
        url = make_url(database_url)
    except sa.exc.ArgumentError:
        raise ConfigError(f"database URL {database_url!r} is not a SQLAlchemy URL") from None
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return sa.create_engine(url, pool_pre_ping=True, json_serializer=_json_dumps)
    raise ConfigError(f"unsupported database {url.get_backend_name()!r}: use sqlite:/// or postgresql://")


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30}, json_serializer=_json_dumps)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Writers take the write lock at BEGIN: a deferred transaction that upgrades later can fail with
        # SQLITE_BUSY without waiting for busy_timeout, which is what breaks concurrent web + worker writes.
        immediate = connection.get_execution_options().get("dailypapers_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
