"""Digest subscribers, confirmation links and mail suppressions in SQL (the subscription half of DigestStore).

Confirming uses the link's row once (`used_at` set in the same UPDATE that checks it), so a link can never
confirm twice, even when two requests race.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, storage_errors
from dailypapers.adapters.sql.rows import utc
from dailypapers.adapters.sql.schema import mail_suppressions, subscribers, subscription_tokens, users
from dailypapers.domain.digest import Frequency, Topics
from dailypapers.ports.digests import Subscriber, SubscriberStatus


def topics_values(topics: Topics) -> dict[str, Any]:
    return {
        "categories": list(topics.categories),
        "include_keywords": list(topics.include),
        "exclude_keywords": list(topics.exclude),
    }


def subscriber_from_row(row: sa.Row[Any] | Mapping[str, Any], user_id: int | None = None) -> Subscriber:
    m = row._mapping if isinstance(row, sa.Row) else row
    created = utc(m["created_at"])
    assert created is not None
    return Subscriber(
        id=m["id"],
        email=m["email"],
        frequency=cast(Frequency, m["frequency"]),
        topics=Topics(tuple(m["categories"]), tuple(m["include_keywords"]), tuple(m["exclude_keywords"])),
        status=cast(SubscriberStatus, m["status"]),
        created_at=created,
        confirmed_at=utc(m["confirmed_at"]),
        user_id=m["user_id"] if user_id is None else user_id,
    )


def _valid_token(token_hash: str, now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        subscription_tokens.c.token_hash == token_hash,
        subscription_tokens.c.used_at.is_(None),
        subscription_tokens.c.expires_at > now,
    )


class SqlSubscriberStore(SqlBase):
    """Subscribers, their confirmation links and suppressed addresses."""

    # -- subscribers -------------------------------------------------------------------------------------

    @storage_errors
    def get_subscriber(self, subscriber_id: int) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(subscribers).where(subscribers.c.id == subscriber_id)).first()
        return subscriber_from_row(row) if row else None

    @storage_errors
    def get_subscriber_by_email(self, email: str) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(subscribers).where(subscribers.c.email == email)).first()
        return subscriber_from_row(row) if row else None

    @storage_errors
    def ensure_subscriber(self, email: str, frequency: Frequency, topics: Topics, now: datetime) -> Subscriber:
        with self._write() as conn:
            row = conn.execute(sa.select(subscribers).where(subscribers.c.email == email)).first()
            if row is None:
                user_id = conn.execute(sa.select(users.c.id).where(users.c.email == email)).scalar()
                conn.execute(
                    subscribers.insert().values(
                        email=email,
                        user_id=user_id,
                        frequency=frequency,
                        status="pending",
                        created_at=now,
                        status_changed_at=now,
                        **topics_values(topics),
                    )
                )
                row = conn.execute(sa.select(subscribers).where(subscribers.c.email == email)).one()
        return subscriber_from_row(row)

    @storage_errors
    def add_subscription_token(
        self,
        subscriber_id: int,
        token_hash: str,
        frequency: Frequency,
        topics: Topics,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        with self._write() as conn:
            # Links that can no longer be used are kept a while for support, then forgotten.
            conn.execute(
                subscription_tokens.delete().where(subscription_tokens.c.expires_at < now - (expires_at - now))
            )
            conn.execute(
                subscription_tokens.insert().values(
                    token_hash=token_hash,
                    subscriber_id=subscriber_id,
                    preferences={"frequency": frequency, **topics_values(topics)},
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    @storage_errors
    def peek_subscription_token(self, token_hash: str, now: datetime) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(subscribers)
                .join(subscription_tokens, subscription_tokens.c.subscriber_id == subscribers.c.id)
                .where(_valid_token(token_hash, now))
            ).first()
        return subscriber_from_row(row) if row else None

    @storage_errors
    def confirm_subscription(self, token_hash: str, now: datetime) -> Subscriber | None:
        with self._write() as conn:
            token = conn.execute(
                sa.select(subscription_tokens).where(_valid_token(token_hash, now)).with_for_update()
            ).first()
            if token is None:
                return None
            used = conn.execute(
                subscription_tokens.update()
                .where(subscription_tokens.c.id == token.id, subscription_tokens.c.used_at.is_(None))
                .values(used_at=now)
            )
            if used.rowcount != 1:
                return None
            row = conn.execute(sa.select(subscribers).where(subscribers.c.id == token.subscriber_id)).one()
            if conn.execute(sa.select(mail_suppressions.c.email).where(mail_suppressions.c.email == row.email)).first():
                return None
            prefs = token.preferences
            values: dict[str, Any] = {
                "frequency": prefs["frequency"],
                "categories": prefs["categories"],
                "include_keywords": prefs["include_keywords"],
                "exclude_keywords": prefs["exclude_keywords"],
                "status": "active",
            }
            if row.status != "active":
                values.update(confirmed_at=now, status_changed_at=now)
            if row.user_id is None:
                values["user_id"] = conn.execute(sa.select(users.c.id).where(users.c.email == row.email)).scalar()
            conn.execute(subscribers.update().where(subscribers.c.id == row.id).values(values))
            return subscriber_from_row(conn.execute(sa.select(subscribers).where(subscribers.c.id == row.id)).one())

    @storage_errors
    def unsubscribe(self, subscriber_id: int, now: datetime) -> bool:
        with self._write() as conn:
            changed = conn.execute(
                subscribers.update()
                .where(subscribers.c.id == subscriber_id, subscribers.c.status.in_(("pending", "active")))
                .values(status="unsubscribed", status_changed_at=now)
            )
            return bool(changed.rowcount)

    @storage_errors
    def set_subscription(
        self, email: str, user_id: int, frequency: Frequency, topics: Topics, now: datetime
    ) -> Subscriber | None:
        with self._write() as conn:
            if conn.execute(sa.select(mail_suppressions.c.email).where(mail_suppressions.c.email == email)).first():
                return None
            values: dict[str, Any] = {"frequency": frequency, "user_id": user_id, **topics_values(topics)}
            row = conn.execute(sa.select(subscribers).where(subscribers.c.email == email)).first()
            if row is None:
                conn.execute(
                    subscribers.insert().values(
                        email=email, status="active", created_at=now, confirmed_at=now, status_changed_at=now, **values
                    )
                )
            else:
                if row.status != "active":
                    values.update(status="active", confirmed_at=now, status_changed_at=now)
                conn.execute(subscribers.update().where(subscribers.c.id == row.id).values(values))
            return subscriber_from_row(conn.execute(sa.select(subscribers).where(subscribers.c.email == email)).one())

    @storage_errors
    def is_suppressed(self, email: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(mail_suppressions.c.email).where(mail_suppressions.c.email == email))
            return found.first() is not None
