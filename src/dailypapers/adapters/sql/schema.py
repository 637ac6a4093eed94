"""The relational schema as SQLAlchemy Core tables; Alembic migrations are written against it."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

papers = sa.Table(
    "papers",
    metadata,
    sa.Column("arxiv_id", sa.String(32), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("abstract", sa.Text, nullable=False),
    sa.Column("authors", sa.JSON, nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("primary_category", sa.String(32), nullable=True, index=True),
    sa.Column("published", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("updated", sa.DateTime(timezone=True), nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("journal_ref", sa.Text, nullable=True),
    sa.Column("doi", sa.String(255), nullable=True),
    sa.Column("license", sa.String(255), nullable=True),
    sa.Column("github_repo", sa.String(512), nullable=True),
    sa.Column("project_page", sa.String(2048), nullable=True),
    sa.Column("imported_upvotes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
)

feed_entries = sa.Table(
    "feed_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # A paper is on the daily feed at most once, as on Hugging Face: resubmitting returns the existing entry.
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), nullable=False, unique=True),
    sa.Column("feed_date", sa.Date, nullable=False, index=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("submitted_by", sa.String(255), nullable=True, index=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("imported_comments", sa.Integer, nullable=False, server_default="0"),
    sa.Column("organization", sa.String(255), nullable=True),
)

job_state = sa.Table(
    "job_state",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
