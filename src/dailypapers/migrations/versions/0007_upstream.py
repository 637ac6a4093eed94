"""Upstream fields: AI summary, keywords, thumbnail, media and withdrawal on papers; origin, submitter and sync time
on feed entries; organizations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("ai_summary", sa.Text, nullable=True))
        batch.add_column(sa.Column("ai_summary_model", sa.String(255), nullable=True))
        batch.add_column(sa.Column("ai_keywords", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("thumbnail_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("media_urls", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("withdrawn_at", TZ, nullable=True))
    with op.batch_alter_table("feed_entries") as batch:
        batch.add_column(sa.Column("upstream", sa.String(255), nullable=True))
        batch.add_column(sa.Column("submitter_fullname", sa.String(255), nullable=True))
        batch.add_column(sa.Column("submitter_avatar_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("upstream_synced_at", TZ, nullable=True))
    op.create_table(
        "organizations",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("fullname", sa.String(255), nullable=True),
        sa.Column("avatar_url", sa.String(2048), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_organizations"),
    )


def downgrade() -> None:
    op.drop_table("organizations")
    with op.batch_alter_table("feed_entries") as batch:
        for column in ("upstream_synced_at", "submitter_avatar_url", "submitter_fullname", "upstream"):
            batch.drop_column(column)
    with op.batch_alter_table("papers") as batch:
        for column in ("withdrawn_at", "media_urls", "thumbnail_url", "ai_keywords", "ai_summary_model", "ai_summary"):
            batch.drop_column(column)
