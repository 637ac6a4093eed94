"""Authorship claims in SQL (the ClaimStore port); the one-verified-member-per-slot rule is a unique index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.accounts import user_from_row
from dailypapers.adapters.sql.base import SqlBase, chunks, storage_errors
from dailypapers.adapters.sql.rows import utc, utc_required
from dailypapers.adapters.sql.schema import audit_log, author_claims, comments, users
from dailypapers.domain.errors import Conflict
from dailypapers.domain.models import AuthorClaim, ClaimStatus, User

_member = users.alias("member")
_decider = users.alias("decider")
_MEMBER_COLUMNS = [c.label(f"member_{c.name}") for c in _member.c]
_CLAIM_SELECT = (
    sa.select(author_claims, *_MEMBER_COLUMNS, _decider.c.username.label("decider_username"))
    .join(_member, _member.c.id == author_claims.c.user_id)
    .outerjoin(_decider, _decider.c.id == author_claims.c.decided_by)
)
_ACTIONS: dict[tuple[str, str], str] = {
    ("pending", "approved"): "approve_claim",
    ("pending", "rejected"): "reject_claim",
    ("approved", "rejected"): "revoke_claim",
}


def _member_from(m: sa.RowMapping) -> User:
    return user_from_row({k.removeprefix("member_"): v for k, v in m.items() if k.startswith("member_")})


def _claim_from(row: sa.Row[Any]) -> AuthorClaim:
    m = row._mapping
    return AuthorClaim(
        id=m["id"],
        arxiv_id=m["arxiv_id"],
        author=m["author"],
        user=_member_from(m),
        status=m["status"],
        created_at=utc_required(m["created_at"]),
        decided_at=utc(m["decided_at"]),
        decided_by=m["decider_username"],
        reason=m["reason"],
        hidden=bool(m["hidden"]),
    )


class SqlClaimStore(SqlBase):
    """The ClaimStore port (ports/authors.py)."""

    @storage_errors
    def add_claim(self, arxiv_id: str, author: str, user_id: int, now: datetime) -> AuthorClaim:
        try:
            with self._write() as conn:
                claim_id = conn.execute(
                    author_claims.insert()
                    .values(arxiv_id=arxiv_id, author=author, user_id=user_id, status="pending", created_at=now)
                    .returning(author_claims.c.id)
                ).scalar_one()
                row = conn.execute(_CLAIM_SELECT.where(author_claims.c.id == claim_id)).one()
        except sa.exc.IntegrityError:
            raise Conflict("you already have a pending or approved claim on this paper") from None
        return _claim_from(row)

    @storage_errors
    def get_claim(self, claim_id: int) -> AuthorClaim | None:
        with self.engine.connect() as conn:
            row = conn.execute(_CLAIM_SELECT.where(author_claims.c.id == claim_id)).first()
        return _claim_from(row) if row else None

    @storage_errors
    def paper_claims(self, arxiv_id: str) -> list[AuthorClaim]:
        query = _CLAIM_SELECT.where(author_claims.c.arxiv_id == arxiv_id).order_by(author_claims.c.id)
        with self.engine.connect() as conn:
            return [_claim_from(row) for row in conn.execute(query)]

    @storage_errors
    def user_claims(self, user_id: int) -> list[AuthorClaim]:
        query = _CLAIM_SELECT.where(author_claims.c.user_id == user_id).order_by(author_claims.c.id.desc())
        with self.engine.connect() as conn:
            return [_claim_from(row) for row in conn.execute(query)]

    @storage_errors
    def claims_with_status(self, status: ClaimStatus, *, limit: int, offset: int = 0) -> list[AuthorClaim]:
        query = (
            _CLAIM_SELECT.where(author_claims.c.status == status)
            .order_by(author_claims.c.created_at, author_claims.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return [_claim_from(row) for row in conn.execute(query)]

    @storage_errors
    def count_claims(self, status: ClaimStatus) -> int:
        query = sa.select(sa.func.count()).select_from(author_claims).where(author_claims.c.status == status)
        with self.engine.connect() as conn:
            return conn.scalar(query) or 0

    @storage_errors
    def decide_claim(
        self, claim_id: int, status: ClaimStatus, *, expected: ClaimStatus, actor_id: int, reason: str, now: datetime
    ) -> bool:
        action = _ACTIONS.get((expected, status))
        if action is None:
            raise ValueError(f"a claim does not go from {expected} to {status}")
        try:
            with self._write() as conn:
                row = conn.execute(
                    author_claims.update()
                    .where(author_claims.c.id == claim_id, author_claims.c.status == expected)
                    .values(status=status, decided_at=now, decided_by=actor_id, reason=reason)
                    .returning(author_claims.c.arxiv_id, author_claims.c.author, author_claims.c.user_id)
                ).first()
                if row is None:
                    return False
                member = conn.scalar(sa.select(users.c.username).where(users.c.id == row.user_id))
                detail = f"{row.author} on {row.arxiv_id}, claimed by @{member}" + (f": {reason}" if reason else "")
                conn.execute(
                    audit_log.insert().values(
                        actor_id=actor_id, action=action, target=f"claim:{claim_id}", detail=detail, created_at=now
                    )
                )
        except sa.exc.IntegrityError:
            raise Conflict("another member is already verified as this author of this paper") from None
        return True

    @storage_errors
    def set_claim_hidden(self, claim_id: int, hidden: bool) -> None:
        with self._write() as conn:
            conn.execute(author_claims.update().where(author_claims.c.id == claim_id).values(hidden=hidden))

    @storage_errors
    def verified_authors(self, arxiv_ids: Sequence[str]) -> dict[str, dict[str, User]]:
        found: dict[str, dict[str, User]] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
                query = _CLAIM_SELECT.where(author_claims.c.arxiv_id.in_(chunk), author_claims.c.status == "approved")
                for row in conn.execute(query):
                    claim = _claim_from(row)
                    if claim.user.is_banned or claim.user.is_deleted:
                        continue  # a verification names a person who can act; these accounts no longer can
                    found.setdefault(claim.arxiv_id, {})[claim.author] = claim.user
        return found

    @storage_errors
    def verified_members(self, author: str) -> list[User]:
        query = (
            sa.select(users)
            .where(
                users.c.id.in_(
                    sa.select(author_claims.c.user_id).where(
                        author_claims.c.author == author, author_claims.c.status == "approved"
                    )
                ),
                users.c.banned_at.is_(None),
                users.c.deleted_at.is_(None),
            )
            .order_by(users.c.id)
        )
        with self.engine.connect() as conn:
            return [user_from_row(row) for row in conn.execute(query)]

    @storage_errors
    def papers_with_author_comments(self, arxiv_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
                query = (
                    sa.select(comments.c.arxiv_id)
                    .distinct()
                    .join(
                        author_claims,
                        sa.and_(
                            author_claims.c.arxiv_id == comments.c.arxiv_id,
                            author_claims.c.user_id == comments.c.user_id,
                        ),
                    )
                    .where(
                        comments.c.arxiv_id.in_(chunk),
                        author_claims.c.status == "approved",
                        comments.c.deleted_at.is_(None),
                        comments.c.hidden_at.is_(None),
                    )
                )
                found.update(conn.scalars(query))
        return found
