"""PostgreSQL search: a `search` schema with weighted tsvector documents (GIN), term statistics, pgvector vectors.

Only on PostgreSQL (SQLite keeps its search indexes as files beside the database): this revision is a no-op there.
Everything lives in its own schema, fed from `papers` by a trigger, so the shared table layout stays identical on
both backends and `papers` rows are never widened. The HNSW index is per embedding model (a partial expression
index, created by pgsearch when a model first stores vectors), because each model has its own dimension.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS search;

-- Title weighs A, abstract B, authors C (authors unstemmed-ish: the same 'english' config keeps query and
-- document lexemes comparable for names too).
CREATE FUNCTION search.document(title text, abstract text, authors json) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(abstract, '')), 'B')
      || setweight(to_tsvector('english'::regconfig,
           coalesce((SELECT string_agg(a, ' ') FROM json_array_elements_text(authors) AS a), '')), 'C')
$$;

-- Lower-cased categories plus their archives, so `cat:cs` matches cs.CL (as the SQLite engine does).
CREATE FUNCTION search.categories(categories json) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT c), '{}') FROM (
    SELECT lower(e) AS c FROM json_array_elements_text(categories) AS e
    UNION SELECT lower(split_part(e, '.', 1)) FROM json_array_elements_text(categories) AS e
  ) AS all_categories
$$;

CREATE TABLE search.documents (
  arxiv_id varchar(32) PRIMARY KEY REFERENCES public.papers (arxiv_id) ON DELETE CASCADE,
  document tsvector NOT NULL,
  published timestamptz NOT NULL,
  categories text[] NOT NULL,
  has_code boolean NOT NULL
);
CREATE INDEX ix_documents_document ON search.documents USING gin (document);
CREATE INDEX ix_documents_categories ON search.documents USING gin (categories);
CREATE INDEX ix_documents_published ON search.documents (published DESC, arxiv_id DESC);

-- Set-based (re)indexing: NULL means every paper. Used by the trigger, by reindex and after bulk loads.
CREATE FUNCTION search.index_papers(ids varchar[]) RETURNS bigint
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

CREATE FUNCTION search.sync_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search.documents (arxiv_id, document, published, categories, has_code)
  VALUES (NEW.arxiv_id, search.document(NEW.title, NEW.abstract, NEW.authors), NEW.published,
          search.categories(NEW.categories), NEW.github_repo IS NOT NULL)
  ON CONFLICT (arxiv_id) DO UPDATE SET document = EXCLUDED.document, published = EXCLUDED.published,
    categories = EXCLUDED.categories, has_code = EXCLUDED.has_code;
  RETURN NULL;
END
$$;

CREATE TRIGGER papers_search_document
AFTER INSERT OR UPDATE OF title, abstract, authors, categories, published, github_repo ON public.papers
FOR EACH ROW EXECUTE FUNCTION search.sync_document();

-- Document frequencies for idf, refreshed by pgsearch (ts_stat); the row '' holds the document count.
CREATE TABLE search.terms (lexeme text PRIMARY KEY, ndoc integer NOT NULL);

CREATE TABLE search.vectors (
  model varchar(255) NOT NULL,
  arxiv_id varchar(32) NOT NULL REFERENCES public.papers (arxiv_id) ON DELETE CASCADE,
  text_hash bigint NOT NULL,
  embedding vector NOT NULL,
  PRIMARY KEY (model, arxiv_id)
);

-- Papers waiting to be embedded; workers claim rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE search.queue (
  arxiv_id varchar(32) PRIMARY KEY REFERENCES public.papers (arxiv_id) ON DELETE CASCADE,
  queued_at timestamptz NOT NULL DEFAULT now()
);

-- Papers already in the database when this revision runs (the trigger sees only later writes).
SELECT search.index_papers(NULL);
INSERT INTO search.queue (arxiv_id) SELECT arxiv_id FROM public.papers;
"""

DOWNGRADE = """
DROP TRIGGER IF EXISTS papers_search_document ON public.papers;
DROP SCHEMA IF EXISTS search CASCADE;
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(UPGRADE)  # raw SQL: `::` casts and `$$` bodies are not bind parameters


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(DOWNGRADE)
