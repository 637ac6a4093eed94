"""The ViewerStore and DataVersionStore ports: a member's marks on a page's papers in one query, the data version."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.compiler import SQLCompiler

from dailypapers.adapters.sql.base import SqlBase, storage_errors
from dailypapers.adapters.sql.schema import collection_items, collections, data_version, follows, votes
from dailypapers.domain.errors import StorageError
from dailypapers.ports.viewer import ViewerMarks

# Built once with bound parameters: every signed-in page view runs it, and building the expression anew cost more
# than running it (web/member_pages.py). The page's ids travel as one JSON array, unpacked by the database, so the
# statement is the same for every page (an expanding IN list is rendered anew per call: 390 µs for a week page's
# 100 ids, 225 µs this way) and no list can reach a bound-parameter limit.
_USER: sa.BindParameter[int] = sa.bindparam("user_id", type_=sa.Integer)
_IDS_JSON: sa.BindParameter[str] = sa.bindparam("ids", type_=sa.String)
_UNPACK = {
    "sqlite": sa.func.json_each(_IDS_JSON),
    "postgresql": sa.func.jsonb_array_elements_text(sa.cast(_IDS_JSON, JSONB)),
}


def _marks_query(dialect: str) -> sa.CompoundSelect[Any]:
    page_ids = sa.select(sa.column("value", sa.String)).select_from(_UNPACK[dialect]).scalar_subquery()
    upvoted = sa.select(sa.literal("v").label("kind"), votes.c.arxiv_id.label("value")).where(
        votes.c.user_id == _USER, votes.c.arxiv_id.in_(page_ids)
    )
    saved = (
        sa.select(sa.literal("s").label("kind"), collection_items.c.arxiv_id.label("value"))
        .join(collections, collections.c.id == collection_items.c.collection_id)
        .where(
            collections.c.user_id == _USER,
            collections.c.slug == sa.bindparam("slug"),
            collection_items.c.arxiv_id.in_(page_ids),
        )
    )
    followed = sa.select(sa.literal("f").label("kind"), follows.c.value.label("value")).where(
        follows.c.user_id == _USER, follows.c.kind == "author"
    )
    return sa.union_all(upvoted, saved, followed)


_MARKS = {dialect: _marks_query(dialect) for dialect in _UNPACK}
_VERSION = sa.select(data_version.c.version).where(data_version.c.id == 1)
_BUMP = data_version.update().where(data_version.c.id == 1).values(version=data_version.c.version + 1)


class SqlViewerStore(SqlBase):
    @storage_errors
    def viewer_marks(self, user_id: int, arxiv_ids: Sequence[str], saved_slug: str) -> ViewerMarks:
        found: dict[str, set[str]] = {"v": set(), "s": set(), "f": set()}
        params = {"user_id": user_id, "ids": json.dumps(list(dict.fromkeys(arxiv_ids))), "slug": saved_slug}
        query = _MARKS[self.engine.dialect.name]
        if self._sqlite_path():  # plain strings in and out: no type processing to miss
            compiled = self._sqlite_marks or query.compile(dialect=self.engine.dialect)
            self._sqlite_marks = compiled
            values = compiled.construct_params(params) or {}
            rows = self._sqlite_rows(str(compiled), [values[name] for name in compiled.positiontup or ()])
        else:
            with self.engine.connect() as conn:
                rows = [tuple(row) for row in conn.execute(query, params)]
        for kind, value in rows:
            found[kind].add(value)
        return ViewerMarks(frozenset(found["v"]), frozenset(found["s"]), frozenset(found["f"]))

    @storage_errors
    def data_version(self) -> int:
        if self._sqlite_path():
            rows = self._sqlite_rows("SELECT version FROM data_version WHERE id = 1", [])
            return int(rows[0][0]) if rows else 0
        with self.engine.connect() as conn:
            return int(conn.scalar(_VERSION) or 0)

    # Every anonymous page view reads the version, every member's view of a shared page their marks: on SQLite
    # through a connection of its own in autocommit (each SELECT sees the latest commit, WAL), ~10 µs instead of
    # ~300 µs through a pooled SQLAlchemy connection (its BEGIN, events and result setup).
    _read_conn: sqlite3.Connection | None = None
    _read_lock = threading.Lock()
    _sqlite_marks: SQLCompiler | None = None

    def _sqlite_path(self) -> str | None:
        path = self.engine.url.database
        return path if self.engine.dialect.name == "sqlite" and path and path != ":memory:" else None

    def _sqlite_rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self._read_lock:
            try:
                if self._read_conn is None:
                    self._read_conn = sqlite3.connect(
                        self._sqlite_path() or "", timeout=30, isolation_level=None, check_same_thread=False
                    )
                return self._read_conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"database error: {exc}") from exc

    @storage_errors
    def bump_data_version(self) -> None:
        with self._write() as conn:
            conn.execute(_BUMP)
