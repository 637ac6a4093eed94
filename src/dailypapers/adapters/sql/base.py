"""Shared plumbing of the SQL store modules: the base class, write transactions, error translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dailypapers.adapters.sql.engine import WRITE
from dailypapers.domain.errors import StorageError

P = ParamSpec("P")
T = TypeVar("T")

ID_CHUNK = 900  # stay under every SQLite build's bound-parameter limit


def storage_errors(method: Callable[P, T]) -> Callable[P, T]:
    """Any database failure leaves the store as StorageError, as the Store protocol promises."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"database error: {exc}") from exc

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


def dialect_insert(conn: sa.Connection, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT clauses for the connection's dialect (each backend spells them in its own module)."""
    return postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)


class SqlBase:
    """Holds the engine; every SqlStore part inherits it."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite)."""
        with self.engine.connect().execution_options(**WRITE) as conn, conn.begin():
            yield conn
