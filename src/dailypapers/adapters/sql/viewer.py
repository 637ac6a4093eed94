"""The ViewerStore and DataVersionStore ports: a member's marks on a page's papers in one query, the data version,
and both with the member's session in one statement for the members' shared pages."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from dailypapers.adapters.sql.accounts import SESSION_USER, user_from_row
from dailypapers.adapters.sql.base import storage_errors
from dailypapers.adapters.sql.schema import (
    collection_items,
    collections,
    data_version,
    follows,
    member_marks,
    users,
    votes,
)
from dailypapers.adapters.sql.sqlite_reads import CompiledRead, SqliteReads
from dailypapers.domain.models import User
from dailypapers.ports.viewer import MemberRead, ViewerMarks

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


def _marks_selects(dialect: str, user: sa.ColumnElement[Any], *more: sa.ColumnElement[Any]) -> list[sa.Select[Any]]:
    """The member's upvotes and saves among the page's ids and their followed authors, as (kind, value, *more)."""
    page_ids = sa.select(sa.column("value", sa.String)).select_from(_UNPACK[dialect]).scalar_subquery()
    upvoted = sa.select(sa.literal("v").label("kind"), votes.c.arxiv_id.label("value"), *more).where(
        votes.c.user_id == user, votes.c.arxiv_id.in_(page_ids)
    )
    saved = (
        sa.select(sa.literal("s").label("kind"), collection_items.c.arxiv_id.label("value"), *more)
        .join(collections, collections.c.id == collection_items.c.collection_id)
        .where(
            collections.c.user_id == user,
            collections.c.slug == sa.bindparam("slug"),
            collection_items.c.arxiv_id.in_(page_ids),
        )
    )
    followed = sa.select(sa.literal("f").label("kind"), follows.c.value.label("value"), *more).where(
        follows.c.user_id == user, follows.c.kind == "author"
    )
    return [upvoted, saved, followed]


def _member_query(dialect: str, with_marks: bool) -> sa.CompoundSelect[Any]:
    """One statement for a member's shared page: a "u" row with the session's member (the user columns as
    SESSION_USER finds them, and their marks version: no row for a dead session), a "d" row with the data version,
    and `with_marks` the marks rows of `_marks_selects` for that member (none without one). The user row comes
    first: its columns' types are the statement's, so datetimes come back converted."""
    marks_version = sa.select(member_marks.c.version).where(member_marks.c.user_id == users.c.id).scalar_subquery()
    member = SESSION_USER.add_columns(sa.func.coalesce(marks_version, 0).label("marks_version")).cte("member")
    blank = [sa.null().label(c.name) for c in member.c]
    user_row = sa.select(sa.literal("u").label("kind"), sa.null().label("value"), *member.c)
    version = sa.select(sa.literal("d"), sa.cast(data_version.c.version, sa.String), *blank).where(
        data_version.c.id == 1
    )
    marks = _marks_selects(dialect, sa.select(member.c.id).scalar_subquery(), *blank) if with_marks else []
    return sa.union_all(user_row, version, *marks)


_MARKS = {dialect: sa.union_all(*_marks_selects(dialect, _USER)) for dialect in _UNPACK}
_MEMBER = {(dialect, marks): _member_query(dialect, marks) for dialect in _UNPACK for marks in (False, True)}
IDS_KEPT = 256  # JSON arrays of pages' ids kept (a shared page asks with the same ids on every request)
MEMBERS_KEPT = 4096  # members' user rows kept converted (SQLite), keyed by the raw row


@functools.lru_cache(maxsize=IDS_KEPT)
def _ids_json(ids: tuple[str, ...]) -> str:
    return json.dumps(list(dict.fromkeys(ids)))


@functools.lru_cache(maxsize=MEMBERS_KEPT)
def _member_of(read: CompiledRead, row: tuple[Any, ...]) -> tuple[User, int]:
    # The same raw row always converts to the same values (a renamed member is another row), so it is kept.
    values = read.mapping(row)
    return user_from_row(values), int(values["marks_version"])


_VERSION = sa.select(data_version.c.version).where(data_version.c.id == 1)
_BUMP = data_version.update().where(data_version.c.id == 1).values(version=data_version.c.version + 1)


class SqlViewerStore(SqliteReads):
    @storage_errors
    def viewer_marks(self, user_id: int, arxiv_ids: Sequence[str], saved_slug: str) -> ViewerMarks:
        found: dict[str, set[str]] = {"v": set(), "s": set(), "f": set()}
        params = {"user_id": user_id, "ids": _ids_json(tuple(arxiv_ids)), "slug": saved_slug}
        query = _MARKS[self.engine.dialect.name]
        if self._sqlite_path():  # plain strings in and out: no type processing to miss
            read = self._compiled(query)
            rows = self._sqlite_rows(read.sql, read.parameters(params))
        else:
            with self.engine.connect() as conn:
                rows = [tuple(row) for row in conn.execute(query, params)]
        for kind, value in rows:
            found[kind].add(value)
        return ViewerMarks(frozenset(found["v"]), frozenset(found["s"]), frozenset(found["f"]))

    @storage_errors
    def member_read(
        self, session_hash: str, now: datetime, arxiv_ids: Sequence[str], saved_slug: str, *, with_marks: bool
    ) -> MemberRead:
        params = {"token_hash": session_hash, "now": now}
        if with_marks:
            params |= {"ids": _ids_json(tuple(arxiv_ids)), "slug": saved_slug}
        query = _MEMBER[self.engine.dialect.name, with_marks]
        member: Callable[[tuple[Any, ...]], tuple[User, int]]
        if self._sqlite_path():  # the raw read connection, converting the user row's columns as SQLAlchemy would
            read = self._compiled(query)
            rows = self._sqlite_rows(read.sql, read.parameters(params))
            member = functools.partial(_member_of, read)
        else:
            with self.engine.connect() as conn:
                result = conn.execute(query, params)
                columns = list(result.keys())
                rows = [tuple(row) for row in result]

            def member(row: tuple[Any, ...]) -> tuple[User, int]:
                values = dict(zip(columns, row, strict=True))
                return user_from_row(values), int(values["marks_version"])

        version, user, marks_version = 0, None, 0
        found: dict[str, set[str]] = {"v": set(), "s": set(), "f": set()}
        for row in rows:
            kind = row[0]
            if kind == "u":
                user, marks_version = member(row)
            elif kind == "d":
                version = int(row[1])
            else:
                found[kind].add(row[1])
        marks = ViewerMarks(frozenset(found["v"]), frozenset(found["s"]), frozenset(found["f"]))
        return MemberRead(version, user, marks_version, marks if with_marks and user else None)

    @storage_errors
    def data_version(self) -> int:
        if self._sqlite_path():
            rows = self._sqlite_rows("SELECT version FROM data_version WHERE id = 1", [])
            return int(rows[0][0]) if rows else 0
        with self.engine.connect() as conn:
            return int(conn.scalar(_VERSION) or 0)

    @storage_errors
    def bump_data_version(self) -> None:
        with self._write() as conn:
            conn.execute(_BUMP)
