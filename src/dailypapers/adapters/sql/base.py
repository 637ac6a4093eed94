"""Shared plumbing of the SQL store modules: the base class, write transactions, error translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dailypapers.adapters.sql.engine import WRITE
from dailypapers.domain.errors import DailyPapersError, InvalidInput, StorageError

P = ParamSpec("P")
T = TypeVar("T")

ID_CHUNK = 900  # stay under every SQLite build's bound-parameter limit


def database_error(exc: sa.exc.SQLAlchemyError) -> DailyPapersError:
    """What a database failure means to the caller: a value the database refuses to hold (PostgreSQL's "integer
    out of range", "value too long", NUL in text; SQLite checks none of these) is InvalidInput, so it answers 400 on
    every backend; anything else is StorageError. The web edge checks inputs first; this is the backstop."""
    if isinstance(exc, sa.exc.DataError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "out of range"
        return InvalidInput(f"a value of this request cannot be stored or looked up: {reason[:200]}")
    return StorageError(f"database error: {exc}")


def storage_errors(method: Callable[P, T]) -> Callable[P, T]:
    """Any database failure leaves the store as StorageError (or InvalidInput, see database_error), as the Store
    protocol promises."""

    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc) from exc
        except OverflowError as exc:  # SQLite's driver refuses an int past 64 bits before any SQL runs
            raise InvalidInput(f"a number of this request is out of range: {exc}") from exc

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
