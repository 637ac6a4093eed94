"""Accounts, sessions, tokens, votes, comments, the audit log, GitHub stars, leases and rate limits."""

from __future__ import annotations

import sqlalchemy as sa

from dailypapers.adapters.sql.schema.base import metadata

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
