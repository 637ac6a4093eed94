"""Digest subscribers, confirmation links, digests, the send ledger and suppressions."""

from __future__ import annotations

import sqlalchemy as sa

from dailypapers.adapters.sql.schema.base import metadata

# -- email digests (subscribers, digests, the send ledger, suppressions) ---------------------------------------
# Owned by adapters/sql/digests.py; migration 0004.

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),  # stored lower-cased
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("frequency", sa.String(16), nullable=False),  # "daily" (weekdays) or "weekly"
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("include_keywords", sa.JSON, nullable=False),
    sa.Column("exclude_keywords", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # pending, active, unsubscribed, bounced
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
)

subscription_tokens = sa.Table(
    "subscription_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex; the token is mailed
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), nullable=False, index=True),
    sa.Column("preferences", sa.JSON, nullable=False),  # what confirming applies: frequency and topics
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

digests = sa.Table(
    "digests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("frequency", sa.String(16), nullable=False),
    sa.Column("period", sa.String(16), nullable=False),  # "2026-08-21" (daily) or "2026-W34" (weekly)
    sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
    sa.Column("paper_ids", sa.JSON, nullable=False),  # the trending ranking at the cutoff: the snapshot
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("frequency", "period", name="uq_digests_frequency_period"),
)

digest_deliveries = sa.Table(
    "digest_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("digest_id", sa.Integer, sa.ForeignKey("digests.id"), nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),  # pending → sent | failed
    sa.Column("content", sa.JSON, nullable=False),  # {"trending": [ids], "picks": [[id, why, score]]}
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    # The heart of exactly-once: one ledger row per digest and subscriber, enforced by the database.
    sa.UniqueConstraint("digest_id", "subscriber_id", name="uq_digest_deliveries_digest_id_subscriber_id"),
)
sa.Index("ix_digest_deliveries_state_next_attempt_at", digest_deliveries.c.state, digest_deliveries.c.next_attempt_at)

digest_sent_papers = sa.Table(
    "digest_sent_papers",
    metadata,
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), primary_key=True),
    sa.Column("arxiv_id", sa.String(32), primary_key=True),
    sa.Column("digest_id", sa.Integer, sa.ForeignKey("digests.id"), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

mail_suppressions = sa.Table(
    "mail_suppressions",
    metadata,
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("reason", sa.String(32), nullable=False),  # "bounce" (a 5xx answer), "complaint", "manual"
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
