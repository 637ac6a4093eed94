"""Migrations and adapters/sql/schema/ describe the same database, on every backend, and downgrade cleanly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.migrate import downgrade, pending_revisions, upgrade
from dailypapers.adapters.sql.schema import metadata


def test_migrated_database_matches_schema(store_url: str) -> None:
    engine = create_engine(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_back(database_url: str) -> None:
    engine = create_engine(database_url)
    assert not pending_revisions(engine)
    downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    assert pending_revisions(engine)
    upgrade(engine)
    assert {"papers", "feed_entries", "job_state"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_0010_backfills_audit_subjects_and_retires_the_names_of_deleted_accounts(store_url: str) -> None:
    engine = create_engine(store_url)
    downgrade(engine, "0009")
    early, entry_time, late = "2026-01-01 00:00:00+00", "2026-02-01 00:00:00+00", "2026-03-01 00:00:00+00"
    with engine.begin() as conn:
        for uid, name, created in (
            (1, "root", early),
            (2, "alice", early),
            (3, "deleted_3", early),
            (4, "carol", late),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, email, username, display_name, is_admin, created_at) "
                    "VALUES (:id, :email, :name, :name, false, :created)"
                ),
                {"id": uid, "email": f"{name}@x.org", "name": name, "created": created},
            )
        for target in ("user:alice", "user:bob", "user:carol", "paper:2401.00001"):
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (actor_id, action, target, detail, created_at) "
                    "VALUES (1, 'ban_user', :target, '', :at)"
                ),
                {"target": target, "at": entry_time},
            )
        conn.execute(
            sa.text(
                "INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, published, "
                "imported_upvotes, community_upvotes, hidden_at, created_at, modified_at) VALUES ('2401.00001', 1, "
                "'Hidden spam', 'Spam.', '[]', '[]', :at, 0, 0, :at, :at, :at)"
            ),
            {"at": entry_time},
        )
    upgrade(engine)
    with engine.connect() as conn:
        subjects: dict[str, int | None] = dict(
            conn.execute(sa.text("SELECT target, subject_user_id FROM audit_log")).all()
        )
        retired = set(conn.scalars(sa.text("SELECT username FROM retired_usernames")))
        documents = (
            conn.scalar(sa.text("SELECT count(*) FROM search.documents")) if engine.dialect.name == "postgresql" else 0
        )
    # alice held her name then; carol's account came later (the entry was about someone else); bob is gone
    assert subjects == {"user:alice": 2, "user:bob": None, "user:carol": None, "paper:2401.00001": None}
    assert retired == {"bob"}
    assert documents == 0  # a paper hidden before the revision leaves the PostgreSQL search index
    engine.dispose()
