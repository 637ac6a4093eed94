"""PgSearch: the SearchEngine port on PostgreSQL — tsvector keyword search, pgvector semantic search, fusion.

Every web and worker process on every host shares the same index, because the index is the database: the keyword
side is `search.documents` (kept by a trigger on `papers`, migration 0005), the vector side `search.vectors`.
Embedding work is queued in `search.queue` and claimed with FOR UPDATE SKIP LOCKED, so workers never embed the
same paper twice. Reads papers only through the Store port (and the search schema); never writes to `papers`.
"""

# ruff: noqa: S608 - SQL text is built from constants, integers and the quoted model name; user input only ever
# travels as bind parameters

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from dailypapers.adapters.sql.base import database_error
from dailypapers.domain.errors import PaperNotFound, StorageError
from dailypapers.domain.models import Paper
from dailypapers.pgsearch.keyword import (
    CONFIG,
    HEADLINE_OPTIONS,
    PgKeywordConfig,
    Sql,
    add_filters,
    has_restrictions,
    listed_sql,
    matches_sql,
    ranked_sql,
    snippet_html,
    tsquery_literal,
    weekly_counts_sql,
)
from dailypapers.pgsearch.vectors import MAX_EF_SEARCH, PgVectors, signed
from dailypapers.ports import ProgressSink, Store
from dailypapers.ports.search import EmbedReport
from dailypapers.search import ParsedQuery, SearchFilters, SearchHit, SearchMode, SearchResults
from dailypapers.search.embedders import Embedder, QueryVectors, document_text
from dailypapers.search.fusion import FusionConfig, fuse
from dailypapers.search.service import plan_search, text_hash

log = logging.getLogger(__name__)

EXACT_LIMIT = 20_000  # filtered semantic search ranks the filtered set exactly when it is this small
STATS_LOCK = 0x64707374  # advisory lock key: one process refreshes the term statistics at a time
INLINE_STATS_LIMIT = 20_000  # below this many papers, statistics are refreshed as papers arrive


class _NoProgress:
    def advance(self, amount: int) -> None:
        pass


class PgSearch:
    """Search over the papers of a PostgreSQL Store; the same answers as search.SearchService, from SQL."""

    def __init__(
        self,
        store: Store,
        engine: sa.Engine,
        embedder: Embedder | None,
        *,
        keyword: PgKeywordConfig | None = None,
        fusion: FusionConfig | None = None,
        embed_on_index: bool = False,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise StorageError("PgSearch needs a PostgreSQL database; SQLite uses search.SearchService")
        self.store, self.engine, self.embedder = store, engine, embedder
        self._query_vectors: QueryVectors | None = None
        self.keyword = keyword or PgKeywordConfig()
        self.fusion = fusion or FusionConfig()
        self.embed_on_index = embed_on_index
        self.vectors = PgVectors(embedder.name, embedder.dim) if embedder is not None else None

    @property
    def query_vectors(self) -> QueryVectors:
        """The embedder's query vectors, kept per text (rebuilt if the embedder is swapped)."""
        assert self.embedder is not None
        self._query_vectors = QueryVectors.kept_for(self.embedder, self._query_vectors)
        return self._query_vectors

    def paper_vectors(self, arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored embeddings of these papers; empty without an embedder."""
        if self.vectors is None:
            return {}
        found: dict[str, list[float]] = {}
        with self.engine.connect() as conn:
            for arxiv_id in arxiv_ids:
                vector = self.vectors.of(conn, arxiv_id)
                if vector is not None:
                    found[arxiv_id] = [float(x) for x in vector]
        return found

    # -- indexing ----------------------------------------------------------------------------------------

    def index_papers(self, papers: Sequence[Paper]) -> None:
        self.index_ids([p.arxiv_id for p in papers])

    def index_ids(self, arxiv_ids: Sequence[str]) -> None:
        """Queue changed papers for embedding (their keyword documents were already written by the trigger)."""
        if not arxiv_ids:
            return
        try:
            with self.engine.begin() as conn:
                if self.vectors is not None:
                    conn.execute(
                        sa.text(
                            "INSERT INTO search.queue (arxiv_id) SELECT unnest(CAST(:ids AS varchar[])) "
                            "ON CONFLICT (arxiv_id) DO NOTHING"
                        ),
                        {"ids": list(dict.fromkeys(arxiv_ids))},
                    )
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc) from exc
        self.refresh_statistics(max_documents=INLINE_STATS_LIMIT)
        if self.embed_on_index:
            self.embed_pending()

    def embed_papers(self, papers: Sequence[Paper]) -> EmbedReport:
        """Embed papers whose vector is missing or stale (text changed), in one transaction."""
        with self.engine.begin() as conn:
            return self._embed(conn, papers)

    def _embed(self, conn: sa.Connection, papers: Sequence[Paper]) -> EmbedReport:
        report = EmbedReport()
        if self.vectors is None or self.embedder is None or not papers:
            return report
        hidden = set(
            conn.scalars(
                sa.text(
                    "SELECT arxiv_id FROM papers WHERE arxiv_id = ANY(CAST(:ids AS varchar[])) "
                    "AND hidden_at IS NOT NULL"
                ),
                {"ids": [p.arxiv_id for p in papers]},
            )
        )
        papers = [p for p in papers if p.arxiv_id not in hidden]  # hidden papers have no vector until unhidden
        stored = self.vectors.hashes(conn, [p.arxiv_id for p in papers])
        todo = [(p, h) for p in papers if stored.get(p.arxiv_id) != signed(h := text_hash(p))]
        report.unchanged = len(papers) - len(todo)
        if todo:
            self.vectors.ensure_index(conn)
            started = time.perf_counter()
            vectors = self.embedder.embed([document_text(p.title, p.abstract) for p, _ in todo])
            self.vectors.upsert(conn, [p.arxiv_id for p, _ in todo], vectors, [h for _, h in todo])
            report.seconds = time.perf_counter() - started
            report.embedded = len(todo)
            report.ids = [p.arxiv_id for p, _ in todo]
        return report

    def embed_pending(self, *, batch: int = 256) -> EmbedReport:
        """Embed queued papers; each batch is claimed with SKIP LOCKED, so concurrent workers split the queue."""
        total = EmbedReport()
        if self.vectors is None:
            return total
        try:
            while True:
                with self.engine.begin() as conn:
                    claimed = list(
                        conn.scalars(
                            sa.text(
                                "DELETE FROM search.queue WHERE arxiv_id IN (SELECT arxiv_id FROM search.queue "
                                "ORDER BY queued_at, arxiv_id LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING arxiv_id"
                            ),
                            {"n": batch},
                        )
                    )
                    if not claimed:
                        break
                    papers = list(self.store.get_papers(claimed).values())
                    _add(total, self._embed(conn, papers))  # a crash rolls the claim back with the vectors
            self.refresh_statistics(max_age_growth=0.1)
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc) from exc
        return total

    def backfill(self, *, batch: int = 256, progress: ProgressSink | None = None) -> EmbedReport:
        """Embed every paper with a missing or stale vector, newest first; resumable (each batch commits)."""
        total, sink = EmbedReport(), progress or _NoProgress()
        if self.vectors is None:
            return total
        after = None
        while papers := self.store.list_papers(limit=batch, after=after):
            _add(total, self.embed_papers(papers))
            sink.advance(len(papers))
            after = (papers[-1].published, papers[-1].arxiv_id)
        return total

    def reindex(self, *, batch: int = 2000, progress: ProgressSink | None = None, vectors: bool = False) -> int:
        """Rewrite every keyword document from `papers` and refresh the statistics (with `vectors`, re-embed all)."""
        sink = progress or _NoProgress()
        with self.engine.begin() as conn:
            count = int(conn.scalar(sa.text("SELECT search.index_papers(NULL)")) or 0)
        self.refresh_statistics(force=True)
        sink.advance(count)
        if vectors and self.vectors is not None:
            with self.engine.begin() as conn:
                conn.execute(sa.text(f"DELETE FROM search.vectors WHERE model = {self.vectors.model_sql}"))
            self.backfill(batch=batch)
        return count

    def save(self) -> None:
        """Nothing to save: every write is committed to the database (kept for the CLI's SearchService calls)."""

    def refresh_statistics(
        self, *, force: bool = False, max_documents: int | None = None, max_age_growth: float | None = None
    ) -> bool:
        """Recompute document frequencies (idf) when forced, missing, or the corpus grew; True when refreshed.

        `max_documents`: only when the corpus is at most this big (cheap enough inline). `max_age_growth`: when the
        corpus grew by more than this fraction since the last refresh. One process at a time (advisory lock).
        """
        try:
            with self.engine.begin() as conn:
                known = conn.scalar(sa.text("SELECT ndoc FROM search.terms WHERE lexeme = ''"))
                count = int(conn.scalar(sa.text("SELECT count(*) FROM search.documents")) or 0)
                if force or known is None:
                    due = True
                else:
                    grown = abs(count - known)
                    due = grown > 0 and (
                        (max_documents is None and max_age_growth is None)
                        or (max_documents is not None and count <= max_documents)
                        or (max_age_growth is not None and grown > max_age_growth * known)
                    )
                if not due or not conn.scalar(sa.text(f"SELECT pg_try_advisory_xact_lock({STATS_LOCK})")):
                    return False
                conn.execute(sa.text("DELETE FROM search.terms"))
                conn.execute(
                    sa.text(
                        "INSERT INTO search.terms (lexeme, ndoc) SELECT word, ndoc FROM "
                        "ts_stat('SELECT document FROM search.documents') WHERE word <> ''"
                    )
                )
                conn.execute(sa.text("INSERT INTO search.terms (lexeme, ndoc) VALUES ('', :n)"), {"n": count})
            return True
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc) from exc

    # -- querying ----------------------------------------------------------------------------------------

    @property
    def semantic_ready(self) -> bool:
        if self.vectors is None:
            return False
        with self.engine.connect() as conn:
            return self.vectors.any(conn)

    def search(
        self,
        text: str,
        *,
        mode: str = "hybrid",
        page: int = 1,
        page_size: int = 20,
        filters: SearchFilters | None = None,
        snippets: bool = True,
    ) -> SearchResults:
        """One page of results; raises InvalidInput for bad queries, modes or pages (the web maps it to 400)."""
        try:
            with self.engine.connect() as conn:
                vectors = self.vectors
                plan = plan_search(
                    text, mode, page, page_size, filters, lambda: vectors is not None and vectors.any(conn)
                )
                parsed, used, notice, offset = plan.parsed, plan.mode, plan.notice, plan.offset
                if used == "keyword":
                    ranked, total = self._keyword(conn, parsed, limit=page_size, offset=offset)
                else:
                    everything = self._rank(conn, parsed, used, depth=max(self.fusion.depth, offset + page_size))
                    total, ranked = len(everything), everything[offset : offset + page_size]
                hits = self._hits(conn, parsed, ranked, snippets)
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc) from exc
        return SearchResults(parsed, used, hits, total, page, page_size, notice)

    def rank(self, parsed: ParsedQuery, mode: SearchMode, *, depth: int) -> list[tuple[str, float]]:
        """The ranked candidate list of a mode, filters applied before the cut (the quality bench uses this)."""
        with self.engine.connect() as conn:
            return self._rank(conn, parsed, mode, depth=depth)

    def _rank(
        self, conn: sa.Connection, parsed: ParsedQuery, mode: SearchMode, *, depth: int
    ) -> list[tuple[str, float]]:
        if mode == "keyword":
            return self._keyword(conn, parsed, limit=depth)[0]
        vector = self._semantic(conn, parsed, depth)
        if mode == "semantic":
            return vector
        return fuse(self._keyword(conn, parsed, limit=depth)[0], vector, self.fusion, words=parsed.length)

    def _keyword(
        self, conn: sa.Connection, parsed: ParsedQuery, *, limit: int, offset: int = 0
    ) -> tuple[list[tuple[str, float]], int]:
        if parsed.has_text:
            frequencies, total = self._frequencies(conn, parsed.text)
            if not frequencies and not has_restrictions(parsed):
                return [], 0  # only stopwords: nothing to match
            text, params = ranked_sql(parsed, frequencies, total, self.keyword, limit=limit, offset=offset)
        else:
            text, params = listed_sql(parsed, limit=limit, offset=offset)
        rows = conn.execute(sa.text(text), params).all()
        return [(row.arxiv_id, float(row.score)) for row in rows], int(rows[0].total) if rows else 0

    def count_by_week(self, query: ParsedQuery, *, start: date, weeks: int) -> list[int]:
        """Keyword matches per week (topic trends), grouped in SQL under exactly the conditions `search` applies."""
        if weeks <= 0:
            return []
        counts = [0] * weeks
        # Narrowed to the window first, as a search with a date filter is: a date filter alone is a restriction,
        # so even a query of stopwords then lists (and counts) every paper of the week.
        narrowed = query.with_filters(SearchFilters(start=start, end=start + timedelta(days=7 * weeks - 1)))
        try:
            with self.engine.connect() as conn:
                matches = self._matches(conn, narrowed)
                if matches is None:
                    return counts
                text, params = weekly_counts_sql(matches[0], self.keyword, start=start, weeks=weeks, words=matches[1])
                for row in conn.execute(sa.text(text), params):
                    if 0 <= row.week < weeks:
                        counts[row.week] = int(row.n)
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"database error: {exc}") from exc
        return counts

    def matching_ids(self, query: ParsedQuery, among: Sequence[str]) -> set[str]:
        """The papers of `among` that a keyword search for `query` matches."""
        if not among:
            return set()
        try:
            with self.engine.connect() as conn:
                matches = self._matches(conn, query)
                if matches is None:
                    return set()
                sql = matches[0]
                sql.where.append(f"d.arxiv_id = ANY(CAST({sql.param(list(among))} AS varchar[]))")
                found = conn.scalars(
                    sa.text(f"SELECT d.arxiv_id FROM search.documents AS d WHERE {sql.condition}"), sql.params
                )
                return set(found.all())
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"database error: {exc}") from exc

    def _matches(self, conn: sa.Connection, query: ParsedQuery) -> tuple[Sql, bool] | None:
        """What a keyword search requires of a paper, and whether words are part of it; None when the search finds
        nothing whatever the papers (its words are all stopwords), as `_keyword` decides."""
        frequencies: dict[str, int] = {}
        total = 0
        if query.has_text:
            frequencies, total = self._frequencies(conn, query.text)
            if not frequencies and not has_restrictions(query):
                return None
        return matches_sql(query, frequencies, total, self.keyword), bool(frequencies)

    @staticmethod
    def _frequencies(conn: sa.Connection, text: str) -> tuple[dict[str, int], int]:
        """The query's lexemes with their document frequencies, and the document count of the statistics."""
        rows = conn.execute(
            sa.text(
                f"SELECT q.lexeme, coalesce(t.ndoc, 0) AS ndoc, (SELECT ndoc FROM search.terms WHERE lexeme = '') AS n "
                f"FROM unnest(tsvector_to_array(to_tsvector({CONFIG}, :text))) AS q(lexeme) "
                "LEFT JOIN search.terms AS t ON t.lexeme = q.lexeme"
            ),
            {"text": text},
        ).all()
        total = int(rows[0].n or 0) if rows else 0
        return {row.lexeme: int(row.ndoc) for row in rows}, total

    def _semantic(self, conn: sa.Connection, parsed: ParsedQuery, depth: int) -> list[tuple[str, float]]:
        assert self.embedder is not None
        assert self.vectors is not None
        query_vector = self.query_vectors(parsed.text)
        if not has_restrictions(parsed):
            return self.vectors.nearest(conn, query_vector, depth)
        sql = Sql()
        add_filters(sql, parsed.filters, parsed.excluded, parsed.phrases)
        count = conn.scalar(
            sa.text(
                f"SELECT count(*) FROM (SELECT 1 FROM search.documents AS d WHERE {sql.condition} LIMIT :cap) AS f"
            ),
            {**sql.params, "cap": EXACT_LIMIT + 1},
        )
        if (count or 0) <= EXACT_LIMIT:
            return self.vectors.exact(conn, query_vector, sql.condition, sql.params, depth)
        candidates = self.vectors.nearest(conn, query_vector, min(depth * 10, MAX_EF_SEARCH))
        passing = set(
            conn.scalars(
                sa.text(
                    f"SELECT d.arxiv_id FROM search.documents AS d WHERE {sql.condition} "
                    "AND d.arxiv_id = ANY(CAST(:candidates AS varchar[]))"
                ),
                {**sql.params, "candidates": [doc for doc, _ in candidates]},
            )
        )
        return [c for c in candidates if c[0] in passing][:depth]

    def _hits(
        self, conn: sa.Connection, parsed: ParsedQuery, ranked: Sequence[tuple[str, float]], snippets: bool
    ) -> list[SearchHit]:
        if not ranked:
            return []
        texts: dict[str, str] = {}
        if snippets:
            lexemes = sorted(self._frequencies(conn, parsed.text)[0]) if parsed.has_text else []
            rows = conn.execute(
                sa.text(
                    "SELECT p.arxiv_id, p.abstract, CASE WHEN :q = '' THEN NULL "
                    f"ELSE ts_headline({CONFIG}, p.abstract, CAST(:q AS tsquery), :options) END AS headline "
                    "FROM papers AS p "
                    "WHERE p.arxiv_id = ANY(CAST(:ids AS varchar[]))"
                ),
                {"q": tsquery_literal(lexemes), "options": HEADLINE_OPTIONS, "ids": [doc for doc, _ in ranked]},
            )
            texts = {row.arxiv_id: snippet_html(row.headline, row.abstract) for row in rows}
        return [SearchHit(doc, score, texts.get(doc, "")) for doc, score in ranked]

    def similar(self, arxiv_id: str, k: int = 5) -> list[tuple[str, float]]:
        """The k papers nearest to this one by vector (itself excluded); by its title's words without vectors."""
        try:
            with self.engine.connect() as conn:
                if self.vectors is not None:
                    own = self.vectors.of(conn, arxiv_id)
                    if own is not None:
                        return [hit for hit in self.vectors.nearest(conn, own, k + 1) if hit[0] != arxiv_id][:k]
                paper = self.store.get_paper(arxiv_id)
                if paper is None:
                    raise PaperNotFound(arxiv_id)
                words = tuple(w for w in re.findall(r"\w+", paper.title) if len(w) > 2)[:20]
                if not words:
                    return []
                hits, _ = self._keyword(conn, ParsedQuery(words=words), limit=k + 1)
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc) from exc
        return [hit for hit in hits if hit[0] != arxiv_id][:k]


def _add(total: EmbedReport, report: EmbedReport) -> None:
    total.embedded += report.embedded
    total.unchanged += report.unchanged
    total.seconds += report.seconds
    total.ids.extend(report.ids)
