"""Papers, the daily feed and job state.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, server_default="0", nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("primary_category", sa.String(32), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("journal_ref", sa.Text, nullable=True),
        sa.Column("doi", sa.String(255), nullable=True),
        sa.Column("license", sa.String(255), nullable=True),
        sa.Column("github_repo", sa.String(512), nullable=True),
        sa.Column("project_page", sa.String(2048), nullable=True),
        sa.Column("imported_upvotes", sa.Integer, server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("arxiv_id", name="pk_papers"),
    )
    op.create_index("ix_papers_primary_category", "papers", ["primary_category"])
    op.create_index("ix_papers_published", "papers", ["published"])
    op.create_table(
        "feed_entries",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("feed_date", sa.Date, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(255), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("imported_comments", sa.Integer, server_default="0", nullable=False),
        sa.Column("organization", sa.String(255), nullable=True),
        sa.ForeignKeyConstraint(["arxiv_id"], ["papers.arxiv_id"], name="fk_feed_entries_arxiv_id_papers"),
        sa.PrimaryKeyConstraint("id", name="pk_feed_entries"),
        sa.UniqueConstraint("arxiv_id", name="uq_feed_entries_arxiv_id"),
    )
    op.create_index("ix_feed_entries_feed_date", "feed_entries", ["feed_date"])
    op.create_index("ix_feed_entries_submitted_by", "feed_entries", ["submitted_by"])
    op.create_table(
        "job_state",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_job_state"),
    )


def downgrade() -> None:
    op.drop_table("job_state")
    op.drop_index("ix_feed_entries_submitted_by", "feed_entries")
    op.drop_index("ix_feed_entries_feed_date", "feed_entries")
    op.drop_table("feed_entries")
    op.drop_index("ix_papers_published", "papers")
    op.drop_index("ix_papers_primary_category", "papers")
    op.drop_table("papers")
