"""Papers, feed entries, organizations, author names and claims, job state: what the feed is made of."""

from __future__ import annotations

import sqlalchemy as sa

from dailypapers.adapters.sql.schema.base import metadata

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
    # The upstream's count (Hugging Face or another hub, via `sync` or `import`): the latest answer, kept apart
    # from this hub's own votes below; pages show the sum.
    sa.Column("imported_upvotes", sa.Integer, nullable=False, server_default="0"),
    # Cached count of rows in `votes` for this paper, rewritten in the same transaction as every vote change.
    sa.Column("community_upvotes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),  # moderation: hidden from feeds
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Indexed: its maximum is the trends cache's "data changed" stamp (migration 0008).
    sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False, index=True),
    # What an upstream hub says beyond arXiv's metadata (migration 0007); the enrichment work may fill them too.
    sa.Column("ai_summary", sa.Text, nullable=True),
    sa.Column("ai_summary_model", sa.String(255), nullable=True),
    sa.Column("ai_keywords", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("thumbnail_url", sa.String(2048), nullable=True),
    sa.Column("media_urls", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    # Covers what topic trends read of each feed paper, so listing a year of them never opens the wide rows
    # (abstracts): a year of the shared data (40k papers, 5.5k on the feed) 70-240 ms -> ~25 ms on SQLite.
    sa.Index("ix_papers_trends", "published", "arxiv_id", "hidden_at", "imported_upvotes", "community_upvotes"),
    # The few hidden papers, which the trends cache's stamp counts and SQLite search leaves out. Partial: a full
    # index on hidden_at led SQLite to answer `hidden_at IS NULL` (every feed query) by walking it over every visible
    # paper.
    sa.Index(
        "ix_papers_hidden",
        "hidden_at",
        sqlite_where=sa.text("hidden_at IS NOT NULL"),
        postgresql_where=sa.text("hidden_at IS NOT NULL"),
    ),
    # Keyphrases this hub extracted itself (migration 0009); written only by the enrichment, never by an upsert.
    sa.Column("keywords", sa.JSON, nullable=False, server_default="[]"),
    # Set by an author, the submitter or an admin (migration 0011): the paper's organization, and when its links
    # were last edited by hand; from then on imports and syncs leave github_repo, project_page and it alone.
    sa.Column("edited_organization", sa.String(255), nullable=True, index=True),
    sa.Column("links_edited_at", sa.DateTime(timezone=True), nullable=True),
)
# The one visibility rule of the SQL store: what visitors may see. Every read that shows papers applies it. (The
# hidden ones, which SQLite search asks for on every query, come from ix_papers_hidden above: a few index entries.)
VISIBLE = papers.c.hidden_at.is_(None)

feed_entries = sa.Table(
    "feed_entries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    # A paper is on the daily feed at most once, as on Hugging Face: resubmitting returns the existing entry.
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), nullable=False, unique=True),
    sa.Column("feed_date", sa.Date, nullable=False, index=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("submitted_by", sa.String(255), nullable=True, index=True),
    sa.Column("submitted_by_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("source", sa.String(16), nullable=False),  # "user", "auto", "import" (a file), "upstream" (sync)
    # The upstream's comment count (latest answer); local comments are rows of `comments`.
    sa.Column("imported_comments", sa.Integer, nullable=False, server_default="0"),
    sa.Column("organization", sa.String(255), nullable=True, index=True),  # an `organizations.name`
    # Mirrored entries (migration 0007): the upstream base URL (NULL for local entries and file imports), the
    # upstream submitter's full name and avatar (`submitted_by` holds the upstream user name), and when the
    # upstream gave this answer (a file's snapshot time, or the sync): an older answer never overwrites a newer one.
    sa.Column("upstream", sa.String(255), nullable=True),
    sa.Column("submitter_fullname", sa.String(255), nullable=True),
    sa.Column("submitter_avatar_url", sa.String(2048), nullable=True),
    sa.Column("upstream_synced_at", sa.DateTime(timezone=True), nullable=True),
)

# Organizations as upstreams name them on feed entries ("NationalUniversityofSingapore"), with what they show.
organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("fullname", sa.String(255), nullable=True),
    sa.Column("avatar_url", sa.String(2048), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# -- authors (author pages, claimed authorship) ----------------------------------------------------------------
# Owned by adapters/sql/authors.py and adapters/sql/claims.py; migration 0011.

# Every author name of every paper, as listed, kept in step with papers.authors by paper_rows.upsert_papers_in:
# the index behind /authors/{name}. `initials_key` (domain/authors.py) finds the look-alike spellings. Imports
# write a row per author of every paper, so the table is one b-tree (its key, no rowid, no other index): a name's
# papers are a range of it (key, name), and so are the spellings sharing a key. Derived data: it goes with its paper.
paper_authors = sa.Table(
    "paper_authors",
    metadata,
    sa.Column("initials_key", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sqlite_with_rowid=False,
)

author_claims = sa.Table(
    "author_claims",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), nullable=False, index=True),
    sa.Column("author", sa.String(255), nullable=False),  # the name as the paper lists it
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # pending, approved, rejected
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("hidden", sa.Boolean, nullable=False, server_default=sa.false()),  # kept off the member's profile
)
# One slot, one verified member; one live (pending or approved) claim per member and paper. Enforced by the
# database, so two admins approving rival claims at once cannot both succeed.
_APPROVED = author_claims.c.status == "approved"
_LIVE = author_claims.c.status.in_(("pending", "approved"))
sa.Index(
    "uq_author_claims_verified_slot",
    author_claims.c.arxiv_id,
    author_claims.c.author,
    unique=True,
    sqlite_where=_APPROVED,
    postgresql_where=_APPROVED,
)
sa.Index(
    "uq_author_claims_live_claim",
    author_claims.c.arxiv_id,
    author_claims.c.user_id,
    unique=True,
    sqlite_where=_LIVE,
    postgresql_where=_LIVE,
)

job_state = sa.Table(
    "job_state",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
