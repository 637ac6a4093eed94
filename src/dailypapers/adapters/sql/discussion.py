"""Comments, moderation flags and the audit log in SQL; a moderation change and its audit row share a transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.accounts import user_from_row
from dailypapers.adapters.sql.base import SqlBase, storage_errors
from dailypapers.adapters.sql.rows import utc, utc_required
from dailypapers.adapters.sql.schema import api_tokens, audit_log, comments, papers, sessions, users
from dailypapers.domain.models import AuditEntry, Comment, User

_author = users.alias("author")
_actor = users.alias("actor")
_subject = users.alias("subject")
# The author's columns ride along with each comment under an `author_` prefix.
_AUTHOR_COLUMNS = [c.label(f"author_{c.name}") for c in _author.c]
_COMMENT_SELECT = sa.select(comments, *_AUTHOR_COLUMNS).outerjoin(_author, _author.c.id == comments.c.user_id)


def _author_from(m: sa.RowMapping) -> User:
    return user_from_row({k.removeprefix("author_"): v for k, v in m.items() if k.startswith("author_")})


def _comment_from(row: sa.Row[Any]) -> Comment:
    m = row._mapping
    return Comment(
        id=m["id"],
        arxiv_id=m["arxiv_id"],
        author=_author_from(m) if m["author_id"] is not None else None,
        parent_id=m["parent_id"],
        body=m["body"],
        created_at=utc_required(m["created_at"]),
        edited_at=utc(m["edited_at"]),
        deleted_at=utc(m["deleted_at"]),
        hidden_at=utc(m["hidden_at"]),
    )


def _audit(
    conn: sa.Connection,
    actor_id: int,
    action: str,
    target: str,
    detail: str,
    now: datetime,
    subject_user_id: int | None = None,
) -> None:
    conn.execute(
        audit_log.insert().values(
            actor_id=actor_id,
            action=action,
            target=target,
            subject_user_id=subject_user_id,
            detail=detail,
            created_at=now,
        )
    )


class SqlDiscussionStore(SqlBase):
    # -- comments ------------------------------------------------------------------------------------------

    @storage_errors
    def add_comment(self, arxiv_id: str, user_id: int, parent_id: int | None, body: str, now: datetime) -> Comment:
        with self._write() as conn:
            comment_id = conn.execute(
                comments.insert()
                .values(arxiv_id=arxiv_id, user_id=user_id, parent_id=parent_id, body=body, created_at=now)
                .returning(comments.c.id)
            ).scalar_one()
            row = conn.execute(_COMMENT_SELECT.where(comments.c.id == comment_id)).one()
        return _comment_from(row)

    @storage_errors
    def get_comment(self, comment_id: int) -> Comment | None:
        with self.engine.connect() as conn:
            row = conn.execute(_COMMENT_SELECT.where(comments.c.id == comment_id)).first()
        return _comment_from(row) if row else None

    @storage_errors
    def paper_comments(self, arxiv_id: str) -> list[Comment]:
        select = _COMMENT_SELECT.where(comments.c.arxiv_id == arxiv_id).order_by(comments.c.created_at, comments.c.id)
        with self.engine.connect() as conn:
            return [_comment_from(row) for row in conn.execute(select)]

    @storage_errors
    def edit_comment(self, comment_id: int, body: str, now: datetime) -> None:
        with self._write() as conn:
            conn.execute(comments.update().where(comments.c.id == comment_id).values(body=body, edited_at=now))

    @storage_errors
    def delete_comment(self, comment_id: int, now: datetime) -> None:
        # The author asked for the text to go: keep the row for its replies, not the words.
        with self._write() as conn:
            conn.execute(
                comments.update()
                .where(comments.c.id == comment_id, comments.c.deleted_at.is_(None))
                .values(body="", deleted_at=now)
            )

    @storage_errors
    def hidden_comments(self, *, limit: int) -> list[Comment]:
        select = (
            _COMMENT_SELECT.where(comments.c.hidden_at.is_not(None), comments.c.deleted_at.is_(None))
            .order_by(comments.c.hidden_at.desc(), comments.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_comment_from(row) for row in conn.execute(select)]

    # -- moderation ----------------------------------------------------------------------------------------

    @storage_errors
    def set_paper_hidden(self, arxiv_id: str, hidden: bool, *, actor_id: int, reason: str, now: datetime) -> bool:
        state = papers.c.hidden_at.is_(None) if hidden else papers.c.hidden_at.is_not(None)
        with self._write() as conn:
            changed = conn.execute(
                papers.update()
                .where(papers.c.arxiv_id == arxiv_id, state)
                .values(hidden_at=now if hidden else None, modified_at=now)
            ).rowcount
            if changed:
                _audit(conn, actor_id, "hide_paper" if hidden else "unhide_paper", f"paper:{arxiv_id}", reason, now)
        return bool(changed)

    @storage_errors
    def hidden_papers(self, *, limit: int) -> list[tuple[str, str, datetime]]:
        select = (
            sa.select(papers.c.arxiv_id, papers.c.title, papers.c.hidden_at)
            .where(papers.c.hidden_at.is_not(None))
            .order_by(papers.c.hidden_at.desc(), papers.c.arxiv_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(r.arxiv_id, r.title, utc_required(r.hidden_at)) for r in conn.execute(select)]

    @storage_errors
    def set_comment_hidden(self, comment_id: int, hidden: bool, *, actor_id: int, reason: str, now: datetime) -> bool:
        state = comments.c.hidden_at.is_(None) if hidden else comments.c.hidden_at.is_not(None)
        with self._write() as conn:
            changed = conn.execute(
                comments.update().where(comments.c.id == comment_id, state).values(hidden_at=now if hidden else None)
            ).rowcount
            if changed:
                action = "hide_comment" if hidden else "unhide_comment"
                _audit(conn, actor_id, action, f"comment:{comment_id}", reason, now)
        return bool(changed)

    @storage_errors
    def set_user_banned(self, username: str, banned: bool, *, actor_id: int, reason: str, now: datetime) -> bool:
        state = users.c.banned_at.is_(None) if banned else users.c.banned_at.is_not(None)
        with self._write() as conn:
            user_id = conn.execute(
                users.update()
                .where(users.c.username == username, state)
                .values(banned_at=now if banned else None)
                .returning(users.c.id)
            ).scalar_one_or_none()
            if user_id is None:
                return False
            if banned:  # a ban ends every way the account can act: its sessions and its API tokens
                for table in (sessions, api_tokens):
                    conn.execute(
                        table.update()
                        .where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
                        .values(revoked_at=now)
                    )
            action = "ban_user" if banned else "unban_user"
            _audit(conn, actor_id, action, f"user:{username}", reason, now, subject_user_id=user_id)
        return True

    @storage_errors
    def banned_users(self, *, limit: int) -> list[User]:
        select = (
            sa.select(users)
            .where(users.c.banned_at.is_not(None))
            .order_by(users.c.banned_at.desc(), users.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [user_from_row(row) for row in conn.execute(select)]

    @storage_errors
    def audit_entries(self, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        select = (
            sa.select(
                audit_log,
                _actor.c.username.label("actor"),
                _subject.c.username.label("subject"),
                _subject.c.deleted_at.label("subject_deleted_at"),
            )
            .outerjoin(_actor, _actor.c.id == audit_log.c.actor_id)
            .outerjoin(_subject, _subject.c.id == audit_log.c.subject_user_id)
            .order_by(audit_log.c.created_at.desc(), audit_log.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return [
                AuditEntry(
                    id=r.id,
                    actor=r.actor,
                    action=r.action,
                    target=r.target,
                    detail=r.detail,
                    subject_id=r.subject_user_id,
                    subject=r.subject,
                    subject_deleted=r.subject_deleted_at is not None,
                    created_at=utc_required(r.created_at),
                )
                for r in conn.execute(select)
            ]

    @storage_errors
    def count_audit_entries(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(audit_log)) or 0
