"""A data-version counter that every change to what public pages show moves on, kept by triggers.

The web processes cache the HTML of anonymous pages keyed by this number (web/page_cache.py): a write from any
process or host moves it on in the same transaction, so no cache anywhere can serve a page older than the data.
Triggers, not application code, move it, so no writer (import, harvest, votes, moderation, a DBA's UPDATE) can
forget. The watched tables are those public pages are rendered from; sessions, rate limits and other bookkeeping
written on every request are left out, or the counter would move on every request.

On PostgreSQL the trigger is per statement and runs BEFORE it, so a transaction takes the counter's row lock before
any row lock of the watched tables: writers queue on it briefly instead of deadlocking.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# What public pages are rendered from: papers and their feed entries, votes (counts and the vote chart), comments
# and their authors, organizations (paper pages name them), GitHub stars, enrichment's Hub links and thumbnails.
WATCHED = (
    "papers",
    "feed_entries",
    "votes",
    "comments",
    "users",
    "organizations",
    "github_repos",
    "github_star_snapshots",
    "hub_links",  # enrichment: the paper page's models / datasets / Spaces
    "paper_thumbnails",  # enrichment: cards and paper pages show them
    "author_claims",  # verified authors: badges on cards and paper pages
    "job_state",  # an empty feed page says how the upstream sync went (rare writes: sync, harvest progress)
)
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_data_version"),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in WATCHED:
            op.execute(
                f"CREATE TRIGGER {table}_data_version BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
            )
        return
    for table in WATCHED:  # SQLite has row triggers only; a bump is a few microseconds inside the writer's lock
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} ON {table} BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_data_version()")
    else:
        for table in WATCHED:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event.lower()}")
    op.drop_table("data_version")
