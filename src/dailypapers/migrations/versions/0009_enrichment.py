"""Enrichment: papers.keywords, the per-paper enrichment state, first-page thumbnails, linked Hub artefacts; on
PostgreSQL the search document also holds the keywords (weight D).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# The keywords pages show (the upstream's or the LLM's, else the local ones) join the document with weight D.
PG_UPGRADE = r"""
CREATE FUNCTION search.document(title text, abstract text, authors json, keywords json) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT search.document(title, abstract, authors)
      || setweight(to_tsvector('english'::regconfig,
           coalesce((SELECT string_agg(k, ' ; ') FROM json_array_elements_text(keywords) AS k), '')), 'D')
$$;

CREATE FUNCTION search.shown_keywords(ai_keywords json, keywords json) RETURNS json
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN json_array_length(coalesce(ai_keywords, '[]'::json)) > 0 THEN ai_keywords
              ELSE coalesce(keywords, '[]'::json) END
$$;

CREATE OR REPLACE FUNCTION search.index_papers(ids varchar[]) RETURNS bigint
LANGUAGE sql AS $$
  WITH written AS (
    INSERT INTO search.documents (arxiv_id, document, published, categories, has_code)
    SELECT p.arxiv_id,
           search.document(p.title, p.abstract, p.authors, search.shown_keywords(p.ai_keywords, p.keywords)),
           p.published, search.categories(p.categories), p.github_repo IS NOT NULL
    FROM public.papers AS p WHERE ids IS NULL OR p.arxiv_id = ANY (ids)
    ON CONFLICT (arxiv_id) DO UPDATE SET document = EXCLUDED.document, published = EXCLUDED.published,
      categories = EXCLUDED.categories, has_code = EXCLUDED.has_code
    RETURNING 1
  ) SELECT count(*) FROM written
$$;

CREATE OR REPLACE FUNCTION search.sync_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search.documents (arxiv_id, document, published, categories, has_code)
  VALUES (NEW.arxiv_id,
          search.document(NEW.title, NEW.abstract, NEW.authors, search.shown_keywords(NEW.ai_keywords, NEW.keywords)),
          NEW.published, search.categories(NEW.categories), NEW.github_repo IS NOT NULL)
  ON CONFLICT (arxiv_id) DO UPDATE SET document = EXCLUDED.document, published = EXCLUDED.published,
    categories = EXCLUDED.categories, has_code = EXCLUDED.has_code;
  RETURN NULL;
END
$$;

DROP TRIGGER papers_search_document ON public.papers;
CREATE TRIGGER papers_search_document
AFTER INSERT OR UPDATE OF title, abstract, authors, categories, published, github_repo, ai_keywords, keywords
ON public.papers FOR EACH ROW EXECUTE FUNCTION search.sync_document();

-- Upstream keywords stored before this revision join the documents now.
SELECT search.index_papers(ARRAY(SELECT arxiv_id FROM public.papers WHERE json_array_length(ai_keywords) > 0));
"""

PG_DOWNGRADE = r"""
DROP TRIGGER papers_search_document ON public.papers;
CREATE TRIGGER papers_search_document
AFTER INSERT OR UPDATE OF title, abstract, authors, categories, published, github_repo ON public.papers
FOR EACH ROW EXECUTE FUNCTION search.sync_document();

CREATE OR REPLACE FUNCTION search.sync_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search.documents (arxiv_id, document, published, categories, has_code)
  VALUES (NEW.arxiv_id, search.document(NEW.title, NEW.abstract, NEW.authors), NEW.published,
          search.categories(NEW.categories), NEW.github_repo IS NOT NULL)
  ON CONFLICT (arxiv_id) DO UPDATE SET document = EXCLUDED.document, published = EXCLUDED.published,
    categories = EXCLUDED.categories, has_code = EXCLUDED.has_code;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION search.index_papers(ids varchar[]) RETURNS bigint
LANGUAGE sql AS $$
  WITH written AS (
    INSERT INTO search.documents (arxiv_id, document, published, categories, has_code)
    SELECT p.arxiv_id, search.document(p.title, p.abstract, p.authors), p.published,
           search.categories(p.categories), p.github_repo IS NOT NULL
    FROM public.papers AS p WHERE ids IS NULL OR p.arxiv_id = ANY (ids)
    ON CONFLICT (arxiv_id) DO UPDATE SET document = EXCLUDED.document, published = EXCLUDED.published,
      categories = EXCLUDED.categories, has_code = EXCLUDED.has_code
    RETURNING 1
  ) SELECT count(*) FROM written
$$;

DROP FUNCTION search.shown_keywords(json, json);
DROP FUNCTION search.document(text, text, json, json);
"""


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("keywords", sa.JSON, nullable=False, server_default="[]"))
    op.create_table(
        "enrichment_state",
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("done_at", TZ, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("next_attempt_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["arxiv_id"], ["papers.arxiv_id"], name="fk_enrichment_state_arxiv_id_papers"),
        sa.PrimaryKeyConstraint("arxiv_id", "kind", name="pk_enrichment_state"),
    )
    op.create_index("ix_enrichment_state_kind_done_at", "enrichment_state", ["kind", "done_at"])
    op.create_table(
        "paper_thumbnails",
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("image", sa.LargeBinary, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["arxiv_id"], ["papers.arxiv_id"], name="fk_paper_thumbnails_arxiv_id_papers"),
        sa.PrimaryKeyConstraint("arxiv_id", name="pk_paper_thumbnails"),
    )
    op.create_table(
        "hub_links",
        sa.Column("arxiv_id", sa.String(32), nullable=False),
        sa.Column("models", sa.JSON, nullable=False),
        sa.Column("datasets", sa.JSON, nullable=False),
        sa.Column("spaces", sa.JSON, nullable=False),
        sa.Column("num_models", sa.Integer, nullable=False),
        sa.Column("num_datasets", sa.Integer, nullable=False),
        sa.Column("num_spaces", sa.Integer, nullable=False),
        sa.Column("fetched_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["arxiv_id"], ["papers.arxiv_id"], name="fk_hub_links_arxiv_id_papers"),
        sa.PrimaryKeyConstraint("arxiv_id", name="pk_hub_links"),
    )
    op.create_index("ix_hub_links_fetched_at", "hub_links", ["fetched_at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(PG_UPGRADE)  # raw SQL: `::` casts and `$$` bodies are not bind parameters


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(PG_DOWNGRADE)
    op.drop_index("ix_hub_links_fetched_at", "hub_links")
    op.drop_table("hub_links")
    op.drop_table("paper_thumbnails")
    op.drop_index("ix_enrichment_state_kind_done_at", "enrichment_state")
    op.drop_table("enrichment_state")
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("keywords")
