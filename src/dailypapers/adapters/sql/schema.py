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

# -- community (accounts, votes, comments, moderation) ------------------------------------------------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),  # stored lower-cased
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128), nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("banned_at", sa.DateTime(timezone=True), nullable=True),
    # Set when the member deleted the account: the row stays (scrubbed) so votes stay counted but name no one.
    sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
)

# Usernames of deleted accounts: never handed out again, so old links, audit entries and mentions of a name keep
# meaning the account that had it.
retired_usernames = sa.Table(
    "retired_usernames",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),  # NULL: recovered from old audit rows
    sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
)

login_tokens = sa.Table(
    "login_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex; the token itself is mailed
    sa.Column("email", sa.String(320), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),  # shown in lists so users can tell tokens apart
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", sa.String(64), nullable=False),  # space-separated: "read" or "read write"
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

votes = sa.Table(
    "votes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # One vote per account and paper, enforced by the database, not by application checks.
    sa.UniqueConstraint("user_id", "arxiv_id", name="uq_votes_user_id_arxiv_id"),
)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("arxiv_id", sa.String(32), sa.ForeignKey("papers.arxiv_id"), nullable=False, index=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),  # NULL: deleted account
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("comments.id"), nullable=True),
    sa.Column("body", sa.Text, nullable=False),  # markdown source; rendered and sanitized on output
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(255), nullable=False),
    # The account an entry is about (bans): a stable reference, whatever happens to the name in `target`.
    sa.Column("subject_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

github_repos = sa.Table(
    "github_repos",
    metadata,
    sa.Column("repo", sa.String(255), primary_key=True),  # "owner/name", lower-cased
    sa.Column("stars", sa.Integer, nullable=True),
    sa.Column("etag", sa.String(255), nullable=True),
    sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
)

github_star_snapshots = sa.Table(
    "github_star_snapshots",
    metadata,
    sa.Column("repo", sa.String(255), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("stars", sa.Integer, nullable=False),
)

# -- coordination between processes --------------------------------------------------------------------------

job_leases = sa.Table(
    "job_leases",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),  # e.g. "harvest", "digest:2026-08-21"
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),  # epoch seconds, as the limits library counts time
)

# -- email digests (subscribers, digests, the send ledger, suppressions) ---------------------------------------
# Owned by adapters/sql/digests.py; migration 0004.

subscribers = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),  # stored lower-cased
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("frequency", sa.String(16), nullable=False),  # "daily" (weekdays) or "weekly"
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("include_keywords", sa.JSON, nullable=False),
    sa.Column("exclude_keywords", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # pending, active, unsubscribed, bounced
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
)

subscription_tokens = sa.Table(
    "subscription_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex; the token is mailed
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), nullable=False, index=True),
    sa.Column("preferences", sa.JSON, nullable=False),  # what confirming applies: frequency and topics
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

digests = sa.Table(
    "digests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("frequency", sa.String(16), nullable=False),
    sa.Column("period", sa.String(16), nullable=False),  # "2026-08-21" (daily) or "2026-W34" (weekly)
    sa.Column("cutoff", sa.DateTime(timezone=True), nullable=False),
    sa.Column("paper_ids", sa.JSON, nullable=False),  # the trending ranking at the cutoff: the snapshot
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("frequency", "period", name="uq_digests_frequency_period"),
)

digest_deliveries = sa.Table(
    "digest_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("digest_id", sa.Integer, sa.ForeignKey("digests.id"), nullable=False),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),  # pending → sent | failed
    sa.Column("content", sa.JSON, nullable=False),  # {"trending": [ids], "picks": [[id, why, score]]}
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    # The heart of exactly-once: one ledger row per digest and subscriber, enforced by the database.
    sa.UniqueConstraint("digest_id", "subscriber_id", name="uq_digest_deliveries_digest_id_subscriber_id"),
)
sa.Index("ix_digest_deliveries_state_next_attempt_at", digest_deliveries.c.state, digest_deliveries.c.next_attempt_at)

digest_sent_papers = sa.Table(
    "digest_sent_papers",
    metadata,
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id"), primary_key=True),
    sa.Column("arxiv_id", sa.String(32), primary_key=True),
    sa.Column("digest_id", sa.Integer, sa.ForeignKey("digests.id"), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

mail_suppressions = sa.Table(
    "mail_suppressions",
    metadata,
    sa.Column("email", sa.String(320), primary_key=True),
    sa.Column("reason", sa.String(32), nullable=False),  # "bounce" (a 5xx answer), "complaint", "manual"
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

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
BOOKKEEPING_TABLES = frozenset({"data_version"})
