"""The relational schema as SQLAlchemy Core tables, one module per area; Alembic migrations are written against it.

Everything is importable from here (`from dailypapers.adapters.sql.schema import papers`).
"""

from __future__ import annotations

from dailypapers.adapters.sql.schema.base import metadata
from dailypapers.adapters.sql.schema.community import (
    api_tokens,
    audit_log,
    comments,
    github_repos,
    github_star_snapshots,
    job_leases,
    login_tokens,
    rate_limits,
    retired_usernames,
    sessions,
    users,
    votes,
)
from dailypapers.adapters.sql.schema.digests import (
    digest_deliveries,
    digest_sent_papers,
    digests,
    mail_suppressions,
    subscribers,
    subscription_tokens,
)
from dailypapers.adapters.sql.schema.enrichment import (
    BOOKKEEPING_TABLES,
    data_version,
    enrichment_state,
    hub_links,
    member_marks,
    paper_thumbnails,
)
from dailypapers.adapters.sql.schema.papers import (
    _APPROVED,
    _LIVE,
    VISIBLE,
    author_claims,
    feed_entries,
    job_state,
    organizations,
    paper_authors,
    papers,
)
from dailypapers.adapters.sql.schema.personal import (
    collection_items,
    collections,
    follows,
    keyword_rules,
    paper_feedback,
    saved_searches,
    user_preferences,
)

__all__ = [
    "BOOKKEEPING_TABLES",
    "VISIBLE",
    "_APPROVED",
    "_LIVE",
    "api_tokens",
    "audit_log",
    "author_claims",
    "collection_items",
    "collections",
    "comments",
    "data_version",
    "digest_deliveries",
    "digest_sent_papers",
    "digests",
    "enrichment_state",
    "feed_entries",
    "follows",
    "github_repos",
    "github_star_snapshots",
    "hub_links",
    "job_leases",
    "job_state",
    "keyword_rules",
    "login_tokens",
    "mail_suppressions",
    "member_marks",
    "metadata",
    "organizations",
    "paper_authors",
    "paper_feedback",
    "paper_thumbnails",
    "papers",
    "rate_limits",
    "retired_usernames",
    "saved_searches",
    "sessions",
    "subscribers",
    "subscription_tokens",
    "user_preferences",
    "users",
    "votes",
]
