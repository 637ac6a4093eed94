"""Topic trends: an index on papers.modified_at, whose maximum says when the papers last changed (cache stamp).

Revision ID: 0012
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_papers_modified_at", "papers", ["modified_at"])


def downgrade() -> None:
    op.drop_index("ix_papers_modified_at", table_name="papers")
