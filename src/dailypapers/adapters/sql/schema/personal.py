"""The personal layer (follows, keyword rules, feedback, preferences, saved searches) and collections."""

from __future__ import annotations

import sqlalchemy as sa

from dailypapers.adapters.sql.schema.base import metadata

# -- the personal layer (follows, keyword rules, feedback, preferences, saved searches) ------------------------
# Owned by adapters/sql/personal.py; migration 0006.

follows = sa.Table(
    "follows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "author" or "category"
    sa.Column("value", sa.String(255), nullable=False),  # the match key: a normalised author name or a category
    sa.Column("label", sa.String(255), nullable=False),  # as the member saw it ("Yann LeCun", "cs.LG")
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("user_id", "kind", "value", name="uq_follows_user_id_kind_value"),
)

keyword_rules = sa.Table(
    "keyword_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "include" or "exclude"
    sa.Column("phrase", sa.String(200), nullable=False),  # stored lower-cased; a word or a phrase
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("user_id", "kind", "phrase", name="uq_keyword_rules_user_id_kind_phrase"),
)

paper_feedback = sa.Table(
    "paper_feedback",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "not_interested" (the only negative signal so far)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

user_preferences = sa.Table(
    "user_preferences",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
    # The for-you slider: 0 = only "like what I liked", 1 = only community trending.
    sa.Column("trending_weight", sa.Float, nullable=False, server_default="0.3"),
    sa.Column("onboarded_at", sa.DateTime(timezone=True), nullable=True),  # cold-start picks made
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

saved_searches = sa.Table(
    "saved_searches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("query", sa.String(250), nullable=False),  # the search box's own syntax and length limit
    sa.Column("alert", sa.Boolean, nullable=False, server_default=sa.true()),  # new matches go to digest + feed
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("user_id", "name", name="uq_saved_searches_user_id_name"),
)

# -- collections (the library) -------------------------------------------------------------------------------
# Owned by adapters/sql/library.py; migration 0006.

collections = sa.Table(
    "collections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("slug", sa.String(128), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("is_public", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("user_id", "slug", name="uq_collections_user_id_slug"),
)

collection_items = sa.Table(
    "collection_items",
    metadata,
    sa.Column("collection_id", sa.Integer, sa.ForeignKey("collections.id"), primary_key=True),
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), primary_key=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_collection_items_arxiv_id", collection_items.c.arxiv_id)
