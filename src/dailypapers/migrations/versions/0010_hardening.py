"""Hardening: hidden papers leave the PostgreSQL search index, deleted usernames are retired, audit rows name accounts.

- `retired_usernames`: names of deleted accounts, never handed out again. Names of accounts deleted before this
  revision were scrubbed from their rows; the ones still read in ban entries of the audit log are retired here.
- `audit_log.subject_user_id`: the account an entry concerns, a stable reference whatever becomes of the name in
  `target`; filled for existing `user:NAME` entries whose name was held then by the same account.
- PostgreSQL only: the search trigger drops a paper's document, vector and queue row when it is hidden and indexes
  it again when it is unhidden; papers hidden before this revision leave the index now.

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-10
"""

# ruff: noqa: S608 - the SQL is assembled from constants of this file only

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

_DOCUMENT_COLUMNS = """(arxiv_id, document, published, categories, has_code)"""
_CONFLICT = """ON CONFLICT (arxiv_id) DO UPDATE SET document = EXCLUDED.document, published = EXCLUDED.published,
    categories = EXCLUDED.categories, has_code = EXCLUDED.has_code"""

PG_UPGRADE = rf"""
CREATE OR REPLACE FUNCTION search.index_papers(ids varchar[]) RETURNS bigint
LANGUAGE sql AS $$
  WITH written AS (
    INSERT INTO search.documents {_DOCUMENT_COLUMNS}
    SELECT p.arxiv_id,
           search.document(p.title, p.abstract, p.authors, search.shown_keywords(p.ai_keywords, p.keywords)),
           p.published,
           search.categories(p.categories), p.github_repo IS NOT NULL
    FROM public.papers AS p WHERE (ids IS NULL OR p.arxiv_id = ANY (ids)) AND p.hidden_at IS NULL
    {_CONFLICT}
    RETURNING 1
  ) SELECT count(*) FROM written
$$;

CREATE OR REPLACE FUNCTION search.sync_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.hidden_at IS NOT NULL THEN
    -- Hidden: out of the index in the transaction that hides it, so no search can find it a moment later.
    DELETE FROM search.documents WHERE arxiv_id = NEW.arxiv_id;
    DELETE FROM search.vectors WHERE arxiv_id = NEW.arxiv_id;
    DELETE FROM search.queue WHERE arxiv_id = NEW.arxiv_id;
    RETURN NULL;
  END IF;
  INSERT INTO search.documents {_DOCUMENT_COLUMNS}
  VALUES (NEW.arxiv_id, search.document(NEW.title, NEW.abstract, NEW.authors,
                                          search.shown_keywords(NEW.ai_keywords, NEW.keywords)),
          NEW.published,
          search.categories(NEW.categories), NEW.github_repo IS NOT NULL)
  {_CONFLICT};
  IF TG_OP = 'UPDATE' AND OLD.hidden_at IS NOT NULL THEN
    -- Unhidden: its vector went with the hide, so the embedding worker makes it again.
    INSERT INTO search.queue (arxiv_id) VALUES (NEW.arxiv_id) ON CONFLICT (arxiv_id) DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER papers_search_document ON public.papers;
CREATE TRIGGER papers_search_document
AFTER INSERT OR UPDATE OF title, abstract, authors, categories, published, github_repo, ai_keywords, keywords, hidden_at
ON public.papers
FOR EACH ROW EXECUTE FUNCTION search.sync_document();

DELETE FROM search.documents AS d USING public.papers AS p WHERE p.arxiv_id = d.arxiv_id AND p.hidden_at IS NOT NULL;
DELETE FROM search.vectors AS v USING public.papers AS p WHERE p.arxiv_id = v.arxiv_id AND p.hidden_at IS NOT NULL;
DELETE FROM search.queue AS q USING public.papers AS p WHERE p.arxiv_id = q.arxiv_id AND p.hidden_at IS NOT NULL;
"""

# Revision 0009's functions and trigger (0005's, with the keywords), which index every paper.
PG_DOWNGRADE = rf"""
CREATE OR REPLACE FUNCTION search.index_papers(ids varchar[]) RETURNS bigint
LANGUAGE sql AS $$
  WITH written AS (
    INSERT INTO search.documents {_DOCUMENT_COLUMNS}
    SELECT p.arxiv_id,
           search.document(p.title, p.abstract, p.authors, search.shown_keywords(p.ai_keywords, p.keywords)),
           p.published,
           search.categories(p.categories), p.github_repo IS NOT NULL
    FROM public.papers AS p WHERE ids IS NULL OR p.arxiv_id = ANY (ids)
    {_CONFLICT}
    RETURNING 1
  ) SELECT count(*) FROM written
$$;

CREATE OR REPLACE FUNCTION search.sync_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search.documents {_DOCUMENT_COLUMNS}
  VALUES (NEW.arxiv_id, search.document(NEW.title, NEW.abstract, NEW.authors,
                                          search.shown_keywords(NEW.ai_keywords, NEW.keywords)),
          NEW.published,
          search.categories(NEW.categories), NEW.github_repo IS NOT NULL)
  {_CONFLICT};
  RETURN NULL;
END
$$;

DROP TRIGGER papers_search_document ON public.papers;
CREATE TRIGGER papers_search_document
AFTER INSERT OR UPDATE OF title, abstract, authors, categories, published, github_repo, ai_keywords, keywords
ON public.papers
FOR EACH ROW EXECUTE FUNCTION search.sync_document();

SELECT search.index_papers(ARRAY(SELECT arxiv_id FROM public.papers WHERE hidden_at IS NOT NULL)::varchar[]);
INSERT INTO search.queue (arxiv_id) SELECT arxiv_id FROM public.papers WHERE hidden_at IS NOT NULL
ON CONFLICT (arxiv_id) DO NOTHING;
"""


def upgrade() -> None:
    op.create_table(
        "retired_usernames",
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("retired_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_retired_usernames_user_id_users"),
        sa.PrimaryKeyConstraint("username", name="pk_retired_usernames"),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("subject_user_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_audit_log_subject_user_id_users", "users", ["subject_user_id"], ["id"])
        batch.create_index("ix_audit_log_subject_user_id", ["subject_user_id"])
    bind = op.get_bind()
    # `user:NAME` entries name the account that held NAME when the entry was written: one created by then.
    bind.execute(
        sa.text(
            "UPDATE audit_log SET subject_user_id = (SELECT u.id FROM users AS u "
            "WHERE u.username = substr(audit_log.target, 6) AND u.created_at <= audit_log.created_at) "
            "WHERE target LIKE 'user:%'"
        )
    )
    # Names those entries still show but no account holds any more belonged to deleted accounts: retire them.
    bind.execute(
        sa.text(
            "INSERT INTO retired_usernames (username, user_id, retired_at) "
            "SELECT DISTINCT substr(a.target, 6), CAST(NULL AS INTEGER), :now FROM audit_log AS a "
            "WHERE a.target LIKE 'user:%' AND a.subject_user_id IS NULL AND length(a.target) BETWEEN 6 AND 69 "
            "AND NOT EXISTS (SELECT 1 FROM users AS u WHERE u.username = substr(a.target, 6))"
        ).bindparams(sa.bindparam("now", datetime.now(UTC), type_=TZ))
    )
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(PG_UPGRADE)  # raw SQL: `$$` bodies are not bind parameters


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(PG_DOWNGRADE)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_subject_user_id")
        batch.drop_constraint("fk_audit_log_subject_user_id_users", type_="foreignkey")
        batch.drop_column("subject_user_id")
    op.drop_table("retired_usernames")
