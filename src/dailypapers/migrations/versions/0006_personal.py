"""The personal layer: follows, keyword rules, "not interested", preferences, saved searches, collections, deletion.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id_users")


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _user_fk("follows"),
        sa.PrimaryKeyConstraint("id", name="pk_follows"),
        sa.UniqueConstraint("user_id", "kind", "value", name="uq_follows_user_id_kind_value"),
    )
    op.create_index("ix_follows_user_id", "follows", ["user_id"])
    op.create_table(
        "keyword_rules",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("phrase", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _user_fk("keyword_rules"),
        sa.PrimaryKeyConstraint("id", name="pk_keyword_rules"),
        sa.UniqueConstraint("user_id", "kind", "phrase", name="uq_keyword_rules_user_id_kind_phrase"),
    )
    op.create_index("ix_keyword_rules_user_id", "keyword_rules", ["user_id"])
    op.create_table(
        "paper_feedback",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _user_fk("paper_feedback"),
        sa.ForeignKeyConstraint(["arxiv_id"], ["papers.arxiv_id"], name="fk_paper_feedback_arxiv_id_papers"),
        sa.PrimaryKeyConstraint("user_id", "arxiv_id", name="pk_paper_feedback"),
    )
    op.create_table(
        "user_preferences",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("trending_weight", sa.Float, server_default="0.3", nullable=False),
        sa.Column("onboarded_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        _user_fk("user_preferences"),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_preferences"),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("query", sa.String(250), nullable=False),
        sa.Column("alert", sa.Boolean, server_default=sa.true(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _user_fk("saved_searches"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_searches"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_searches_user_id_name"),
    )
    op.create_index("ix_saved_searches_user_id", "saved_searches", ["user_id"])
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("slug", sa.String(128), nullable=False),
        sa.Column("description", sa.Text, server_default="", nullable=False),
        sa.Column("is_public", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _user_fk("collections"),
        sa.PrimaryKeyConstraint("id", name="pk_collections"),
        sa.UniqueConstraint("user_id", "slug", name="uq_collections_user_id_slug"),
    )
    op.create_index("ix_collections_user_id", "collections", ["user_id"])
    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer, nullable=False),
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, server_default="", nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"], ["collections.id"], name="fk_collection_items_collection_id_collections"
        ),
        sa.ForeignKeyConstraint(["arxiv_id"], ["papers.arxiv_id"], name="fk_collection_items_arxiv_id_papers"),
        sa.PrimaryKeyConstraint("collection_id", "arxiv_id", name="pk_collection_items"),
    )
    op.create_index("ix_collection_items_arxiv_id", "collection_items", ["arxiv_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("deleted_at", TZ, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
    for table in (
        "collection_items",
        "collections",
        "saved_searches",
        "user_preferences",
        "paper_feedback",
        "keyword_rules",
        "follows",
    ):
        op.drop_table(table)
