"""Authors: the author-name index behind author pages, authorship claims, and links edited by authors (a paper's
own organization and when its links were last edited by hand); indexes for organization pages.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

The index is filled here from every stored paper (about a minute per million papers); from then on the store
keeps it in step with each paper's author list.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dailypapers.domain.authors import index_entries

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("edited_organization", sa.String(255), nullable=True))
        batch.add_column(sa.Column("links_edited_at", TZ, nullable=True))
        batch.create_index("ix_papers_edited_organization", ["edited_organization"])
    op.create_index("ix_feed_entries_organization", "feed_entries", ["organization"])
    paper_authors = op.create_table(
        "paper_authors",
        sa.Column("initials_key", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name="fk_paper_authors_arxiv_id_papers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("initials_key", "name", "arxiv_id", "position", name="pk_paper_authors"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "author_claims",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("author", sa.String(255), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(["arxiv_id"], ["papers.arxiv_id"], name="fk_author_claims_arxiv_id_papers"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_author_claims_user_id_users"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name="fk_author_claims_decided_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_author_claims"),
    )
    op.create_index("ix_author_claims_arxiv_id", "author_claims", ["arxiv_id"])
    op.create_index("ix_author_claims_user_id", "author_claims", ["user_id"])
    op.create_index("ix_author_claims_status", "author_claims", ["status"])
    approved = sa.text("status = 'approved'")
    live = sa.text("status IN ('pending', 'approved')")
    op.create_index(
        "uq_author_claims_verified_slot",
        "author_claims",
        ["arxiv_id", "author"],
        unique=True,
        sqlite_where=approved,
        postgresql_where=approved,
    )
    op.create_index(
        "uq_author_claims_live_claim",
        "author_claims",
        ["arxiv_id", "user_id"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )
    _fill_author_index(paper_authors)


def _fill_author_index(paper_authors: sa.Table) -> None:
    conn = op.get_bind()
    papers = sa.table("papers", sa.column("arxiv_id", sa.String), sa.column("authors", sa.JSON))
    last = ""
    while True:
        query = sa.select(papers.c.arxiv_id, papers.c.authors).where(papers.c.arxiv_id > last)
        rows = conn.execute(query.order_by(papers.c.arxiv_id).limit(BATCH)).all()
        if not rows:
            return
        values = [
            {"initials_key": key, "name": name, "arxiv_id": row.arxiv_id, "position": position}
            for row in rows
            for position, name, key in index_entries(row.authors or [])
        ]
        if values:
            conn.execute(paper_authors.insert(), values)
        last = rows[-1].arxiv_id


def downgrade() -> None:
    op.drop_table("author_claims")
    op.drop_table("paper_authors")
    op.drop_index("ix_feed_entries_organization", table_name="feed_entries")
    with op.batch_alter_table("papers") as batch:
        batch.drop_index("ix_papers_edited_organization")
        batch.drop_column("links_edited_at")
        batch.drop_column("edited_organization")
