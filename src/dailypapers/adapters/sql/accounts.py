"""Users, sign-in links, sessions and API tokens in SQL; secrets arrive here already hashed and never leave."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.base import storage_errors
from dailypapers.adapters.sql.rows import utc
from dailypapers.adapters.sql.schema import (
    api_tokens,
    feed_entries,
    login_tokens,
    retired_usernames,
    sessions,
    users,
    votes,
)
from dailypapers.adapters.sql.sqlite_reads import SqliteReads
from dailypapers.domain.errors import NotFound, StorageError
from dailypapers.domain.models import ApiToken, User

CREATE_ATTEMPTS = 5  # a concurrent sign-in taking the same name is rare; retrying a few times always settles it
USER_CREATION_LOCK = 0x6470_7573  # PostgreSQL advisory lock key ("dpus") held while an account is created
LOGIN_TOKEN_RETENTION = timedelta(days=1)  # used / expired links are kept a day (for support), then deleted


def user_from_row(row: sa.Row[Any] | Mapping[str, Any]) -> User:
    m = row._mapping if isinstance(row, sa.Row) else row
    created_at = utc(m["created_at"])
    assert created_at is not None  # NOT NULL column
    return User(
        id=m["id"],
        email=m["email"],
        username=m["username"],
        display_name=m["display_name"],
        created_at=created_at,
        is_admin=bool(m["is_admin"]),
        banned_at=utc(m["banned_at"]),
        deleted_at=utc(m.get("deleted_at")),
    )


def _token_from_row(row: sa.Row[Any] | Mapping[str, Any]) -> ApiToken:
    m = row._mapping if isinstance(row, sa.Row) else row
    created_at = utc(m["created_at"])
    assert created_at is not None  # NOT NULL column
    return ApiToken(
        id=m["id"],
        user_id=m["user_id"],
        name=m["name"],
        prefix=m["prefix"],
        scopes=frozenset(m["scopes"].split()),
        created_at=created_at,
        last_used_at=utc(m["last_used_at"]),
        revoked_at=utc(m["revoked_at"]),
    )


# The columns of `users` under their own names, for selects that join another table with an `id` column.
_USER_COLUMNS = [c.label(c.name) for c in users.c]
# Built once: every signed-in request runs it (building the expression anew cost more than running it); the
# members' shared pages read it inside one statement with the marks (viewer.py).
SESSION_USER = (
    sa.select(*_USER_COLUMNS)
    .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
    .where(
        sessions.c.token_hash == sa.bindparam("token_hash"),
        sessions.c.revoked_at.is_(None),
        sessions.c.expires_at > sa.bindparam("now", type_=sessions.c.expires_at.type),
        users.c.banned_at.is_(None),
        users.c.deleted_at.is_(None),
    )
)


class SqlAccountStore(SqliteReads):
    """The AccountStore port."""

    # -- users -------------------------------------------------------------------------------------------

    def _user_where(self, condition: sa.ColumnElement[bool]) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(condition)).first()
        return user_from_row(row) if row else None

    @storage_errors
    def get_user(self, user_id: int) -> User | None:
        return self._user_where(users.c.id == user_id)

    @storage_errors
    def get_user_by_email(self, email: str) -> User | None:
        return self._user_where(users.c.email == email)

    @storage_errors
    def get_user_by_username(self, username: str) -> User | None:
        return self._user_where(users.c.username == username)

    @storage_errors
    def get_or_create_user(self, email: str, username: str, now: datetime) -> User:
        for _attempt in range(CREATE_ATTEMPTS):
            try:
                with self._write() as conn:
                    if conn.dialect.name == "postgresql":
                        # Serialize account creation (rare) so concurrent sign-ins choose names one after another;
                        # SQLite's BEGIN IMMEDIATE already does. The IntegrityError retry stays as a backstop.
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(USER_CREATION_LOCK)))
                    row = conn.execute(sa.select(users).where(users.c.email == email)).first()
                    if row is not None:
                        return user_from_row(row)
                    name = self._free_username(conn, username)
                    conn.execute(users.insert().values(email=email, username=name, display_name=name, created_at=now))
                    created = conn.execute(sa.select(users).where(users.c.email == email)).one()
                    return user_from_row(created)
            except sa.exc.IntegrityError:
                continue  # another transaction took the email or the name between our read and our insert
        raise StorageError(f"could not create an account for {email} after {CREATE_ATTEMPTS} attempts")

    @staticmethod
    def _free_username(conn: sa.Connection, base: str) -> str:
        """`base`, or `base-2`, `base-3`, …: the first name no account holds and no deleted account held."""
        taken: set[str] = set()
        for column in (users.c.username, retired_usernames.c.username):
            taken.update(
                conn.scalars(
                    sa.select(column).where(sa.or_(column == base, column.startswith(f"{base}-", autoescape=True)))
                )
            )
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    def _update_user(self, user_id: int, **values: Any) -> User:
        with self._write() as conn:
            conn.execute(users.update().where(users.c.id == user_id).values(**values))
            row = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
        if row is None:
            raise NotFound(f"no account with id {user_id}")
        return user_from_row(row)

    @storage_errors
    def set_admin(self, user_id: int, is_admin: bool) -> User:
        return self._update_user(user_id, is_admin=is_admin)

    @storage_errors
    def set_display_name(self, user_id: int, display_name: str) -> User:
        return self._update_user(user_id, display_name=display_name)

    # -- sign-in links -----------------------------------------------------------------------------------

    @storage_errors
    def add_login_token(self, email: str, token_hash: str, now: datetime, expires_at: datetime) -> None:
        with self._write() as conn:
            conn.execute(login_tokens.delete().where(login_tokens.c.expires_at < now - LOGIN_TOKEN_RETENTION))
            conn.execute(
                login_tokens.insert().values(token_hash=token_hash, email=email, created_at=now, expires_at=expires_at)
            )

    @staticmethod
    def _valid_login_token(token_hash: str, now: datetime) -> sa.ColumnElement[bool]:
        return sa.and_(
            login_tokens.c.token_hash == token_hash,
            login_tokens.c.used_at.is_(None),
            login_tokens.c.expires_at > now,
        )

    @storage_errors
    def peek_login_token(self, token_hash: str, now: datetime) -> str | None:
        with self.engine.connect() as conn:
            email: str | None = conn.scalar(
                sa.select(login_tokens.c.email).where(self._valid_login_token(token_hash, now))
            )
        return email

    @storage_errors
    def consume_login_token(self, token_hash: str, now: datetime) -> str | None:
        with self._write() as conn:
            # The conditional UPDATE is the single-use guarantee: only one transaction can flip used_at.
            result = conn.execute(
                login_tokens.update().where(self._valid_login_token(token_hash, now)).values(used_at=now)
            )
            if result.rowcount != 1:
                return None
            email: str | None = conn.scalar(
                sa.select(login_tokens.c.email).where(login_tokens.c.token_hash == token_hash)
            )
        return email

    # -- sessions ----------------------------------------------------------------------------------------

    @storage_errors
    def create_session(self, user_id: int, token_hash: str, now: datetime, expires_at: datetime) -> None:
        with self._write() as conn:
            conn.execute(
                sessions.insert().values(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at)
            )

    @storage_errors
    def session_user(self, token_hash: str, now: datetime) -> User | None:
        values = {"token_hash": token_hash, "now": now}
        if self._sqlite_path():  # every signed-in request asks: the raw read connection (sqlite_reads.py)
            read = self._compiled(SESSION_USER)
            rows = self._sqlite_rows(read.sql, read.parameters(values))
            return user_from_row(read.mapping(rows[0])) if rows else None
        with self.engine.connect() as conn:
            row = conn.execute(SESSION_USER, values).first()
        return user_from_row(row) if row else None

    @storage_errors
    def revoke_session(self, token_hash: str, now: datetime) -> None:
        with self._write() as conn:
            conn.execute(
                sessions.update()
                .where(sessions.c.token_hash == token_hash, sessions.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    @storage_errors
    def revoke_credentials(self, user_id: int, now: datetime) -> None:
        with self._write() as conn:
            for table in (sessions, api_tokens):
                conn.execute(
                    table.update()
                    .where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
                    .values(revoked_at=now)
                )

    # -- API tokens --------------------------------------------------------------------------------------

    @storage_errors
    def add_api_token(
        self, user_id: int, name: str, prefix: str, token_hash: str, scopes: frozenset[str], now: datetime
    ) -> ApiToken:
        with self._write() as conn:
            conn.execute(
                api_tokens.insert().values(
                    user_id=user_id,
                    name=name,
                    prefix=prefix,
                    token_hash=token_hash,
                    scopes=" ".join(sorted(scopes)),
                    created_at=now,
                )
            )
            row = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)).one()
        return _token_from_row(row)

    @storage_errors
    def api_token_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        select = (
            sa.select(api_tokens, *[c.label(f"u__{c.name}") for c in users.c])
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(
                api_tokens.c.token_hash == token_hash,
                api_tokens.c.revoked_at.is_(None),
                users.c.banned_at.is_(None),
                users.c.deleted_at.is_(None),
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(select).first()
        if row is None:
            return None
        m = row._mapping
        user = user_from_row({c.name: m[f"u__{c.name}"] for c in users.c})
        return _token_from_row(row), user

    @storage_errors
    def touch_api_token(self, token_id: int, now: datetime) -> None:
        with self._write() as conn:
            conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(last_used_at=now))

    @storage_errors
    def list_api_tokens(self, user_id: int) -> list[ApiToken]:
        select = (
            sa.select(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id.desc())
        )
        with self.engine.connect() as conn:
            return [_token_from_row(row) for row in conn.execute(select)]

    @storage_errors
    def revoke_api_token(self, user_id: int, token_id: int, now: datetime) -> bool:
        with self._write() as conn:
            result = conn.execute(
                api_tokens.update()
                .where(
                    api_tokens.c.id == token_id,
                    api_tokens.c.user_id == user_id,
                    api_tokens.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
        return result.rowcount == 1

    # -- profile -----------------------------------------------------------------------------------------

    @storage_errors
    def user_submissions(self, user_id: int, limit: int) -> Sequence[str]:
        select = (
            sa.select(feed_entries.c.arxiv_id)
            .where(feed_entries.c.submitted_by_user_id == user_id)
            .order_by(feed_entries.c.submitted_at.desc(), feed_entries.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(select))

    @storage_errors
    def user_upvotes(self, user_id: int, limit: int) -> Sequence[str]:
        select = (
            sa.select(votes.c.arxiv_id)
            .where(votes.c.user_id == user_id)
            .order_by(votes.c.created_at.desc(), votes.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(select))
