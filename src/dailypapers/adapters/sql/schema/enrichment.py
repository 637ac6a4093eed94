"""Enrichment state, thumbnails and linked Hub artefacts; the data-version counter pages are cached by."""

from __future__ import annotations

import sqlalchemy as sa

from dailypapers.adapters.sql.schema.base import metadata

# -- enrichment (AI summaries, keywords, thumbnails, linked Hub artefacts) ---------------------------------------
# Owned by adapters/sql/enrichment.py; migration 0009. The summary and keywords themselves live on `papers`.

enrichment_state = sa.Table(
    "enrichment_state",
    metadata,
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),  # "summary", "keywords", "thumbnail", "hub_links"
    sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),  # set: nothing left to do for this kind
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),  # failures in a row
    sa.Column("last_error", sa.Text, nullable=True),
    # When a failed one may be tried again; NULL with done_at NULL: given up (until `enrich ID` asks again).
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_enrichment_state_kind_done_at", enrichment_state.c.kind, enrichment_state.c.done_at)

paper_thumbnails = sa.Table(
    "paper_thumbnails",
    metadata,
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), primary_key=True),
    sa.Column("image", sa.LargeBinary, nullable=False),  # WebP; in the database so every web process serves it
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

hub_links = sa.Table(
    "hub_links",
    metadata,
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), primary_key=True),
    sa.Column("models", sa.JSON, nullable=False),  # the most liked few, as domain.enrichment.HubRepo fields
    sa.Column("datasets", sa.JSON, nullable=False),
    sa.Column("spaces", sa.JSON, nullable=False),
    sa.Column("num_models", sa.Integer, nullable=False),
    sa.Column("num_datasets", sa.Integer, nullable=False),
    sa.Column("num_spaces", sa.Integer, nullable=False),
    sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
# -- bookkeeping ---------------------------------------------------------------------------------------------

# One row (id 1) whose version moves on with every change to the tables public pages show (papers, feed entries,
# votes, comments, users, organizations, GitHub stars), moved by triggers (migration 0012); anonymous pages are
# cached per version. Not data: copies and backups skip it.
data_version = sa.Table(
    "data_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)
# Per member, a version that moves on with every change to their votes, collections, saved papers or follows, moved
# by triggers (migration 0013); a member's marks on a page are kept per version (usecases/viewer.py). No row: 0.
member_marks = sa.Table(
    "member_marks",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)
BOOKKEEPING_TABLES = frozenset({"data_version", "member_marks"})
