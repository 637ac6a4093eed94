"""Topic trends: indexes on papers.modified_at and on the hidden papers (the cache's "data changed" stamp), and one
covering what trends read of each feed paper (id, published, hidden, upvotes).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

HIDDEN = sa.text("hidden_at IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_papers_modified_at", "papers", ["modified_at"])
    op.create_index("ix_papers_hidden", "papers", ["hidden_at"], sqlite_where=HIDDEN, postgresql_where=HIDDEN)
    op.create_index(
        "ix_papers_trends", "papers", ["published", "arxiv_id", "hidden_at", "imported_upvotes", "community_upvotes"]
    )


def downgrade() -> None:
    op.drop_index("ix_papers_trends", table_name="papers")
    op.drop_index("ix_papers_hidden", table_name="papers")
    op.drop_index("ix_papers_modified_at", table_name="papers")
