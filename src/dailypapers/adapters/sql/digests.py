"""Digests, the send ledger and sent papers in SQL (the DigestStore port, with subscribers.py's subscriptions).

Exactly-once lives in the schema: UNIQUE(digest_id, subscriber_id) on the ledger, and state changes written as
`UPDATE … WHERE state = 'pending'` so a row is marked sent once, by whoever got the server's 250. Inserts that two
processes may race on (a digest, ledger rows, sent papers) are `INSERT … ON CONFLICT DO NOTHING`, so the loser
keeps what the winner wrote instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from dailypapers.adapters.sql.base import dialect_insert, storage_errors
from dailypapers.adapters.sql.rows import utc
from dailypapers.adapters.sql.schema import (
    digest_deliveries,
    digest_sent_papers,
    digests,
    mail_suppressions,
    subscribers,
    users,
    votes,
)
from dailypapers.adapters.sql.subscribers import SqlSubscriberStore, subscriber_from_row
from dailypapers.domain.digest import Frequency, Pick, Selection
from dailypapers.ports.digests import Delivery, DeliveryState, Digest, Subscriber

INT_CHUNK = 900


def _digest(row: sa.Row[Any]) -> Digest:
    cutoff, created = utc(row.cutoff), utc(row.created_at)
    assert cutoff is not None
    assert created is not None
    return Digest(row.id, cast(Frequency, row.frequency), row.period, cutoff, tuple(row.paper_ids), created)


def selection_to_json(selection: Selection) -> dict[str, Any]:
    return {
        "trending": list(selection.trending),
        "picks": [[p.arxiv_id, p.why, round(p.score, 4)] for p in selection.picks],
    }


def selection_from_json(data: Mapping[str, Any]) -> Selection:
    return Selection(
        tuple(data.get("trending", ())),
        tuple(Pick(p[0], p[1], float(p[2])) for p in data.get("picks", ())),
    )


def _delivery(row: sa.Row[Any]) -> Delivery:
    created, next_at = utc(row.created_at), utc(row.next_attempt_at)
    assert created is not None
    assert next_at is not None
    return Delivery(
        id=row.id,
        digest_id=row.digest_id,
        subscriber_id=row.subscriber_id,
        state=cast(DeliveryState, row.state),
        selection=selection_from_json(row.content),
        attempts=row.attempts,
        next_attempt_at=next_at,
        created_at=created,
        sent_at=utc(row.sent_at),
        last_error=row.last_error,
    )


class SqlDigestStore(SqlSubscriberStore):
    """The DigestStore port: subscriptions from SqlSubscriberStore, digests and the ledger here."""

    # -- digests -----------------------------------------------------------------------------------------

    @storage_errors
    def get_or_create_digest(
        self, frequency: Frequency, period: str, cutoff: datetime, paper_ids: Sequence[str], now: datetime
    ) -> tuple[Digest, bool]:
        where = sa.and_(digests.c.frequency == frequency, digests.c.period == period)
        with self._write() as conn:
            row = conn.execute(sa.select(digests).where(where)).first()
            if row is not None:
                return _digest(row), False
            # Two workers may build the same digest at once (PostgreSQL): the first insert wins, both get it.
            # RETURNING, not rowcount: psycopg reports -1 for this INSERT.
            created = conn.execute(
                dialect_insert(conn, digests)
                .on_conflict_do_nothing()
                .values(frequency=frequency, period=period, cutoff=cutoff, paper_ids=list(paper_ids), created_at=now)
                .returning(digests.c.id)
            ).first()
            return _digest(conn.execute(sa.select(digests).where(where)).one()), created is not None

    @storage_errors
    def get_digest(self, digest_id: int) -> Digest | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(digests).where(digests.c.id == digest_id)).first()
        return _digest(row) if row else None

    @storage_errors
    def latest_digest(self, frequency: Frequency) -> Digest | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(digests).where(digests.c.frequency == frequency).order_by(digests.c.cutoff.desc()).limit(1)
            ).first()
        return _digest(row) if row else None

    # -- the send ledger ---------------------------------------------------------------------------------

    @storage_errors
    def subscribers_to_plan(
        self, digest_id: int, frequency: Frequency, confirmed_before: datetime, *, after_id: int, limit: int
    ) -> list[Subscriber]:
        planned = sa.select(digest_deliveries.c.id).where(
            digest_deliveries.c.digest_id == digest_id, digest_deliveries.c.subscriber_id == subscribers.c.id
        )
        suppressed = sa.select(mail_suppressions.c.email).where(mail_suppressions.c.email == subscribers.c.email)
        query = (
            sa.select(subscribers, users.c.id.label("account_id"))
            .outerjoin(users, users.c.email == subscribers.c.email)
            .where(
                subscribers.c.frequency == frequency,
                subscribers.c.status == "active",
                subscribers.c.confirmed_at <= confirmed_before,
                subscribers.c.id > after_id,
                ~sa.exists(planned),
                ~sa.exists(suppressed),
            )
            .order_by(subscribers.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [subscriber_from_row(r, r.user_id if r.user_id is not None else r.account_id) for r in rows]

    @storage_errors
    def sent_paper_ids(self, subscriber_ids: Sequence[int]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {i: set() for i in subscriber_ids}
        ids = list(subscriber_ids)
        with self.engine.connect() as conn:
            for start in range(0, len(ids), INT_CHUNK):
                chunk = ids[start : start + INT_CHUNK]
                query = sa.select(digest_sent_papers.c.subscriber_id, digest_sent_papers.c.arxiv_id).where(
                    digest_sent_papers.c.subscriber_id.in_(chunk)
                )
                for subscriber_id, arxiv_id in conn.execute(query):
                    found[subscriber_id].add(arxiv_id)
        return found

    @storage_errors
    def recent_upvotes(self, user_ids: Sequence[int], limit: int) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {i: [] for i in user_ids}
        ids = list(dict.fromkeys(user_ids))
        with self.engine.connect() as conn:
            for start in range(0, len(ids), INT_CHUNK):
                rank = (
                    sa.func.row_number()
                    .over(partition_by=votes.c.user_id, order_by=(votes.c.created_at.desc(), votes.c.id.desc()))
                    .label("rank")
                )
                ranked = (
                    sa.select(votes.c.user_id, votes.c.arxiv_id, rank)
                    .where(votes.c.user_id.in_(ids[start : start + INT_CHUNK]))
                    .subquery()
                )
                query = (
                    sa.select(ranked.c.user_id, ranked.c.arxiv_id)
                    .where(ranked.c.rank <= limit)
                    .order_by(ranked.c.user_id, ranked.c.rank)
                )
                for user_id, arxiv_id in conn.execute(query):
                    found[user_id].append(arxiv_id)
        return found

    @storage_errors
    def add_deliveries(self, digest_id: int, planned: Sequence[tuple[int, Selection]], now: datetime) -> int:
        if not planned:
            return 0
        with self._write() as conn:
            existing = set(
                conn.execute(
                    sa.select(digest_deliveries.c.subscriber_id).where(
                        digest_deliveries.c.digest_id == digest_id,
                        digest_deliveries.c.subscriber_id.in_([s for s, _ in planned]),
                    )
                ).scalars()
            )
            rows = [
                {
                    "digest_id": digest_id,
                    "subscriber_id": subscriber_id,
                    "state": "pending",
                    "content": selection_to_json(selection),
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for subscriber_id, selection in planned
                if subscriber_id not in existing
            ]
            if not rows:
                return 0
            # A concurrent planner (another worker) may insert some of these first: its rows stand.
            added = conn.execute(
                dialect_insert(conn, digest_deliveries).on_conflict_do_nothing().returning(digest_deliveries.c.id), rows
            )
            return len(added.all())

    @storage_errors
    def due_deliveries(self, now: datetime, *, after_id: int, limit: int) -> list[Delivery]:
        query = (
            sa.select(digest_deliveries)
            .where(
                digest_deliveries.c.state == "pending",
                digest_deliveries.c.next_attempt_at <= now,
                digest_deliveries.c.id > after_id,
            )
            .order_by(digest_deliveries.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(query)]

    @storage_errors
    def get_delivery(self, digest_id: int, subscriber_id: int) -> Delivery | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(digest_deliveries).where(
                    digest_deliveries.c.digest_id == digest_id, digest_deliveries.c.subscriber_id == subscriber_id
                )
            ).first()
        return _delivery(row) if row else None

    def _pending(self, delivery_id: int) -> sa.ColumnElement[bool]:
        return sa.and_(digest_deliveries.c.id == delivery_id, digest_deliveries.c.state == "pending")

    @storage_errors
    def mark_sent(self, delivery_id: int, now: datetime) -> bool:
        # One short transaction per mail, two statements: it runs once per message of a run, right after the 250.
        with self._write() as conn:
            row = conn.execute(
                digest_deliveries.update()
                .where(self._pending(delivery_id))
                .values(state="sent", sent_at=now, attempts=digest_deliveries.c.attempts + 1, last_error=None)
                .returning(
                    digest_deliveries.c.subscriber_id, digest_deliveries.c.digest_id, digest_deliveries.c.content
                )
            ).first()
            if row is None:
                return False
            ids = dict.fromkeys(selection_from_json(row.content).paper_ids)
            if ids:
                # A paper sent before (by an earlier digest) keeps its first row.
                conn.execute(
                    dialect_insert(conn, digest_sent_papers).on_conflict_do_nothing(),
                    [
                        {"subscriber_id": row.subscriber_id, "arxiv_id": i, "digest_id": row.digest_id, "sent_at": now}
                        for i in ids
                    ],
                )
            return True

    @storage_errors
    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: datetime) -> int:
        with self._write() as conn:
            conn.execute(
                digest_deliveries.update()
                .where(self._pending(delivery_id))
                .values(
                    attempts=digest_deliveries.c.attempts + 1, next_attempt_at=next_attempt_at, last_error=error[:2000]
                )
            )
            attempts = conn.execute(
                sa.select(digest_deliveries.c.attempts).where(digest_deliveries.c.id == delivery_id)
            ).scalar()
            return int(attempts or 0)

    @storage_errors
    def mark_failed(self, delivery_id: int, error: str, now: datetime) -> None:
        with self._write() as conn:
            conn.execute(
                digest_deliveries.update()
                .where(self._pending(delivery_id))
                .values(state="failed", last_error=error[:2000], next_attempt_at=now)
            )

    @storage_errors
    def mark_bounced(self, delivery_id: int, error: str, now: datetime) -> None:
        with self._write() as conn:
            row = conn.execute(sa.select(digest_deliveries).where(digest_deliveries.c.id == delivery_id)).one()
            conn.execute(
                digest_deliveries.update()
                .where(self._pending(delivery_id))
                .values(
                    state="failed",
                    attempts=digest_deliveries.c.attempts + 1,
                    last_error=error[:2000],
                    next_attempt_at=now,
                )
            )
            email = conn.execute(sa.select(subscribers.c.email).where(subscribers.c.id == row.subscriber_id)).scalar()
            conn.execute(
                subscribers.update()
                .where(subscribers.c.id == row.subscriber_id)
                .values(status="bounced", status_changed_at=now)
            )
            if (
                email
                and not conn.execute(
                    sa.select(mail_suppressions.c.email).where(mail_suppressions.c.email == email)
                ).first()
            ):
                conn.execute(
                    mail_suppressions.insert().values(email=email, reason="bounce", detail=error[:2000], created_at=now)
                )

    @storage_errors
    def delivery_counts(self, digest_id: int) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(digest_deliveries.c.state, sa.func.count())
                .where(digest_deliveries.c.digest_id == digest_id)
                .group_by(digest_deliveries.c.state)
            ).all()
        return {state: int(count) for state, count in rows}
