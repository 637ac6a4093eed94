"""Follows, keyword rules, "not interested" feedback, preferences and saved searches in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, chunks, dialect_insert, storage_errors
from dailypapers.adapters.sql.rows import utc, utc_required
from dailypapers.adapters.sql.schema import (
    collection_items,
    collections,
    follows,
    keyword_rules,
    paper_feedback,
    papers,
    saved_searches,
    user_preferences,
)
from dailypapers.domain.errors import Conflict, PaperNotFound
from dailypapers.domain.personalize import DEFAULT_TRENDING_WEIGHT, Preferences
from dailypapers.domain.rules import Follow, FollowKind, KeywordRule, PersonalRules, PersonalSignals, RuleKind
from dailypapers.ports.personal import SavedSearch

NOT_INTERESTED = "not_interested"
USER_CHUNK = 500  # members per IN (…) list, well under every driver's parameter limit


class SqlPersonalStore(SqlBase):
    """The PersonalStore port."""

    # -- follows -----------------------------------------------------------------------------------------

    @storage_errors
    def add_follow(self, user_id: int, kind: FollowKind, value: str, label: str, at: datetime) -> bool:
        with self._write() as conn:
            insert = dialect_insert(conn, follows).values(
                user_id=user_id, kind=kind, value=value, label=label, created_at=at
            )
            # RETURNING, not rowcount: psycopg reports -1 for an INSERT that SQLAlchemy gave an implicit RETURNING.
            ignored = insert.on_conflict_do_nothing(index_elements=["user_id", "kind", "value"])
            return conn.execute(ignored.returning(follows.c.id)).first() is not None

    @storage_errors
    def remove_follow(self, user_id: int, kind: FollowKind, value: str) -> bool:
        with self._write() as conn:
            where = sa.and_(follows.c.user_id == user_id, follows.c.kind == kind, follows.c.value == value)
            return bool(conn.execute(sa.delete(follows).where(where)).rowcount)

    @storage_errors
    def follows(self, user_id: int) -> list[Follow]:
        select = (
            sa.select(follows)
            .where(follows.c.user_id == user_id)
            .order_by(follows.c.kind, follows.c.created_at, follows.c.id)  # "author" sorts before "category"
        )
        with self.engine.connect() as conn:
            return [
                Follow(cast(FollowKind, r.kind), r.value, r.label, utc_required(r.created_at), r.id)
                for r in conn.execute(select)
            ]

    # -- keyword rules -----------------------------------------------------------------------------------

    @storage_errors
    def add_keyword_rule(self, user_id: int, kind: RuleKind, phrase: str, at: datetime) -> bool:
        with self._write() as conn:
            insert = dialect_insert(conn, keyword_rules).values(
                user_id=user_id, kind=kind, phrase=phrase, created_at=at
            )
            ignored = insert.on_conflict_do_nothing(index_elements=["user_id", "kind", "phrase"])
            return conn.execute(ignored.returning(keyword_rules.c.id)).first() is not None

    @storage_errors
    def remove_keyword_rule(self, user_id: int, rule_id: int) -> bool:
        with self._write() as conn:
            where = sa.and_(keyword_rules.c.user_id == user_id, keyword_rules.c.id == rule_id)
            return bool(conn.execute(sa.delete(keyword_rules).where(where)).rowcount)

    @storage_errors
    def keyword_rules(self, user_id: int) -> list[KeywordRule]:
        select = (
            sa.select(keyword_rules)
            .where(keyword_rules.c.user_id == user_id)
            .order_by(keyword_rules.c.kind.desc(), keyword_rules.c.created_at, keyword_rules.c.id)  # include first
        )
        with self.engine.connect() as conn:
            return [
                KeywordRule(cast(RuleKind, r.kind), r.phrase, utc_required(r.created_at), r.id)
                for r in conn.execute(select)
            ]

    # -- feedback ----------------------------------------------------------------------------------------

    @storage_errors
    def set_not_interested(self, user_id: int, arxiv_id: str, at: datetime) -> None:
        with self._write() as conn:
            if conn.scalar(sa.select(papers.c.arxiv_id).where(papers.c.arxiv_id == arxiv_id)) is None:
                raise PaperNotFound(arxiv_id)
            insert = dialect_insert(conn, paper_feedback).values(
                user_id=user_id, arxiv_id=arxiv_id, kind=NOT_INTERESTED, created_at=at
            )
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["user_id", "arxiv_id"], set_={"kind": NOT_INTERESTED, "created_at": at}
                )
            )

    @storage_errors
    def clear_not_interested(self, user_id: int, arxiv_id: str) -> bool:
        with self._write() as conn:
            where = sa.and_(
                paper_feedback.c.user_id == user_id,
                paper_feedback.c.arxiv_id == arxiv_id,
                paper_feedback.c.kind == NOT_INTERESTED,
            )
            return bool(conn.execute(sa.delete(paper_feedback).where(where)).rowcount)

    @storage_errors
    def not_interested_ids(self, user_id: int, limit: int) -> list[str]:
        select = (
            sa.select(paper_feedback.c.arxiv_id)
            .where(paper_feedback.c.user_id == user_id, paper_feedback.c.kind == NOT_INTERESTED)
            .order_by(paper_feedback.c.created_at.desc(), paper_feedback.c.arxiv_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(select))

    # -- preferences -------------------------------------------------------------------------------------

    @storage_errors
    def preferences(self, user_id: int) -> Preferences:
        select = sa.select(user_preferences).where(user_preferences.c.user_id == user_id)
        with self.engine.connect() as conn:
            row = conn.execute(select).first()
        if row is None:
            return Preferences()
        return Preferences(float(row.trending_weight), utc(row.onboarded_at))

    @storage_errors
    def set_trending_weight(self, user_id: int, weight: float, at: datetime) -> None:
        with self._write() as conn:
            insert = dialect_insert(conn, user_preferences).values(
                user_id=user_id, trending_weight=weight, updated_at=at
            )
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["user_id"], set_={"trending_weight": weight, "updated_at": at}
                )
            )

    @storage_errors
    def mark_onboarded(self, user_id: int, at: datetime) -> None:
        with self._write() as conn:
            insert = dialect_insert(conn, user_preferences).values(
                user_id=user_id, trending_weight=DEFAULT_TRENDING_WEIGHT, onboarded_at=at, updated_at=at
            )
            conn.execute(insert.on_conflict_do_nothing(index_elements=["user_id"]))
            conn.execute(
                sa.update(user_preferences)
                .where(user_preferences.c.user_id == user_id, user_preferences.c.onboarded_at.is_(None))
                .values(onboarded_at=at, updated_at=at)
            )

    # -- saved searches ----------------------------------------------------------------------------------

    @storage_errors
    def add_saved_search(self, user_id: int, name: str, query: str, at: datetime) -> SavedSearch:
        with self._write() as conn:
            insert = dialect_insert(conn, saved_searches).values(
                user_id=user_id, name=name, query=query, alert=True, created_at=at
            )
            ignored = insert.on_conflict_do_nothing(index_elements=["user_id", "name"])
            if conn.execute(ignored.returning(saved_searches.c.id)).first() is None:
                raise Conflict(f"you already have a saved search named “{name}”; pick another name")
            row = conn.execute(
                sa.select(saved_searches).where(saved_searches.c.user_id == user_id, saved_searches.c.name == name)
            ).one()
        return _saved_search(row)

    @storage_errors
    def remove_saved_search(self, user_id: int, search_id: int) -> bool:
        with self._write() as conn:
            where = sa.and_(saved_searches.c.user_id == user_id, saved_searches.c.id == search_id)
            return bool(conn.execute(sa.delete(saved_searches).where(where)).rowcount)

    @storage_errors
    def saved_searches(self, user_id: int) -> list[SavedSearch]:
        select = (
            sa.select(saved_searches)
            .where(saved_searches.c.user_id == user_id)
            .order_by(saved_searches.c.created_at, saved_searches.c.id)
        )
        with self.engine.connect() as conn:
            return [_saved_search(row) for row in conn.execute(select)]

    @storage_errors
    def papers_added_at(self, arxiv_ids: Sequence[str]) -> dict[str, datetime]:
        found: dict[str, datetime] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(arxiv_ids)):
                select = sa.select(papers.c.arxiv_id, papers.c.created_at).where(papers.c.arxiv_id.in_(chunk))
                found.update((r.arxiv_id, utc_required(r.created_at)) for r in conn.execute(select))
        return found

    # -- many members at once (the digest planner) --------------------------------------------------------

    @storage_errors
    def personal_signals(self, user_ids: Sequence[int], limit: int) -> dict[int, PersonalSignals]:
        ids = list(dict.fromkeys(user_ids))
        found_follows: dict[int, list[Follow]] = {i: [] for i in ids}
        found_rules: dict[int, list[KeywordRule]] = {i: [] for i in ids}
        saved: dict[int, list[str]] = {i: [] for i in ids}
        disliked: dict[int, list[str]] = {i: [] for i in ids}
        alerting: set[int] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), USER_CHUNK):
                chunk = ids[start : start + USER_CHUNK]
                for r in conn.execute(
                    sa.select(follows).where(follows.c.user_id.in_(chunk)).order_by(follows.c.created_at, follows.c.id)
                ):
                    found_follows[r.user_id].append(
                        Follow(cast(FollowKind, r.kind), r.value, r.label, utc_required(r.created_at), r.id)
                    )
                for r in conn.execute(
                    sa.select(keyword_rules)
                    .where(keyword_rules.c.user_id.in_(chunk))
                    .order_by(keyword_rules.c.created_at, keyword_rules.c.id)
                ):
                    found_rules[r.user_id].append(
                        KeywordRule(cast(RuleKind, r.kind), r.phrase, utc_required(r.created_at), r.id)
                    )
                items = (
                    sa.select(collections.c.user_id, collection_items.c.arxiv_id)
                    .join(collections, collections.c.id == collection_items.c.collection_id)
                    .where(collections.c.user_id.in_(chunk))
                    .order_by(collection_items.c.added_at.desc(), collection_items.c.arxiv_id)
                )
                for user_id, arxiv_id in conn.execute(items):
                    saved[user_id].append(arxiv_id)
                feedback = (
                    sa.select(paper_feedback.c.user_id, paper_feedback.c.arxiv_id)
                    .where(paper_feedback.c.user_id.in_(chunk), paper_feedback.c.kind == NOT_INTERESTED)
                    .order_by(paper_feedback.c.created_at.desc(), paper_feedback.c.arxiv_id)
                )
                for user_id, arxiv_id in conn.execute(feedback):
                    disliked[user_id].append(arxiv_id)
                alerts = sa.select(saved_searches.c.user_id).where(
                    saved_searches.c.user_id.in_(chunk), saved_searches.c.alert
                )
                alerting.update(conn.scalars(alerts.distinct()))
        return {
            i: PersonalSignals(
                PersonalRules.of(found_follows[i], found_rules[i]),
                tuple(list(dict.fromkeys(saved[i]))[:limit]),
                frozenset(disliked[i][:limit]),
                i in alerting,
            )
            for i in ids
        }


def _saved_search(row: sa.Row[Any]) -> SavedSearch:
    return SavedSearch(row.id, row.user_id, row.name, row.query, bool(row.alert), utc_required(row.created_at))
