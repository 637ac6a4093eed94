"""A per-member counter that every change to the member's votes, collections, saved papers or follows moves on,
kept by triggers.

A member's shared page (web/member_pages.py) reads the member's marks among the page's papers on every request:
with a week page's hundred papers that one part cost as much as the rest of the request. The viewer keeps the marks
it read per session and page, with this counter as it was then; a request whose counter still reads the same reuses
them and skips the marks (usecases/viewer.py). Saves and follows do not move the data version (nobody else's page
shows them), so they need a counter of their own; votes move both. Triggers, not application code, move it, as the
data version: no writer can forget, in any process on any host.

No row means 0 (a member who never changed a mark since this migration). Restoring a backup moves every member's
counter on by a random jump (adapters/sql/backup.py), as it does the data version, so marks kept from before are
never taken for the restored ones.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

EVENTS = ("INSERT", "UPDATE", "DELETE")
# The tables a member's marks come from, and how a changed row (NEW or OLD) names its member: the SELECT's column
# and what follows it.
MEMBER_OF = {
    "votes": ("{row}.user_id", "WHERE true"),
    "follows": ("{row}.user_id", "WHERE true"),
    "collections": ("{row}.user_id", "WHERE true"),  # a renamed or deleted "saved" collection changes what is saved
    "collection_items": ("user_id", "FROM collections WHERE id = {row}.collection_id"),
}


def _bump(table: str, row: str) -> str:
    """The statement moving on the counter of the member a changed row belongs to. (SQLite needs a WHERE in an
    INSERT … SELECT before ON CONFLICT, or it could read ON as a join's.)"""
    column, rest = (part.format(row=row) for part in MEMBER_OF[table])
    return (
        f"INSERT INTO member_marks (user_id, version) SELECT {column}, 1 {rest} "
        "ON CONFLICT (user_id) DO UPDATE SET version = member_marks.version + 1"
    )


def upgrade() -> None:
    op.create_table(
        "member_marks",
        sa.Column("user_id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_member_marks"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in MEMBER_OF:
            old, new = _bump(table, "OLD"), _bump(table, "NEW")
            op.execute(
                f"CREATE FUNCTION bump_member_marks_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' THEN {old}; END IF; IF TG_OP <> 'DELETE' THEN {new}; END IF; "
                "RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_member_marks AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION bump_member_marks_{table}()"
            )
        return
    for table in MEMBER_OF:
        for event in EVENTS:
            rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[event]
            body = " ".join(f"{_bump(table, row)};" for row in rows)
            op.execute(f"CREATE TRIGGER {table}_member_marks_{event.lower()} AFTER {event} ON {table} BEGIN {body} END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in MEMBER_OF:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_member_marks ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS bump_member_marks_{table}()")
    else:
        for table in MEMBER_OF:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_member_marks_{event.lower()}")
    op.drop_table("member_marks")
