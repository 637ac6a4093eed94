"""Email digests: subscribers, confirmation links, digests, the send ledger, papers sent, suppressions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("include_keywords", sa.JSON, nullable=False),
        sa.Column("exclude_keywords", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("status_changed_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_subscribers_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_subscribers"),
        sa.UniqueConstraint("email", name="uq_subscribers_email"),
    )
    op.create_index("ix_subscribers_user_id", "subscribers", ["user_id"])
    op.create_index("ix_subscribers_status", "subscribers", ["status"])
    op.create_table(
        "subscription_tokens",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("preferences", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscribers.id"], name="fk_subscription_tokens_subscriber_id_subscribers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_subscription_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_subscription_tokens_token_hash"),
    )
    op.create_index("ix_subscription_tokens_subscriber_id", "subscription_tokens", ["subscriber_id"])
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("cutoff", TZ, nullable=False),
        sa.Column("paper_ids", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digests"),
        sa.UniqueConstraint("frequency", "period", name="uq_digests_frequency_period"),
    )
    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("digest_id", sa.Integer, nullable=False),
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, server_default="0", nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["digest_id"], ["digests.id"], name="fk_digest_deliveries_digest_id_digests"),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscribers.id"], name="fk_digest_deliveries_subscriber_id_subscribers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_digest_deliveries"),
        sa.UniqueConstraint("digest_id", "subscriber_id", name="uq_digest_deliveries_digest_id_subscriber_id"),
    )
    op.create_index("ix_digest_deliveries_subscriber_id", "digest_deliveries", ["subscriber_id"])
    op.create_index("ix_digest_deliveries_state_next_attempt_at", "digest_deliveries", ["state", "next_attempt_at"])
    op.create_table(
        "digest_sent_papers",
        sa.Column("subscriber_id", sa.Integer, nullable=False),
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("digest_id", sa.Integer, nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscribers.id"], name="fk_digest_sent_papers_subscriber_id_subscribers"
        ),
        sa.ForeignKeyConstraint(["digest_id"], ["digests.id"], name="fk_digest_sent_papers_digest_id_digests"),
        sa.PrimaryKeyConstraint("subscriber_id", "arxiv_id", name="pk_digest_sent_papers"),
    )
    op.create_table(
        "mail_suppressions",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, server_default="", nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_mail_suppressions"),
    )


def downgrade() -> None:
    op.drop_table("mail_suppressions")
    op.drop_table("digest_sent_papers")
    op.drop_index("ix_digest_deliveries_state_next_attempt_at", table_name="digest_deliveries")
    op.drop_index("ix_digest_deliveries_subscriber_id", table_name="digest_deliveries")
    op.drop_table("digest_deliveries")
    op.drop_table("digests")
    op.drop_index("ix_subscription_tokens_subscriber_id", table_name="subscription_tokens")
    op.drop_table("subscription_tokens")
    op.drop_index("ix_subscribers_status", table_name="subscribers")
    op.drop_index("ix_subscribers_user_id", table_name="subscribers")
    op.drop_table("subscribers")
