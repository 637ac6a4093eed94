"""Reading and upserting paper rows inside a caller's transaction, shared by the store modules that write papers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.base import chunks
from dailypapers.adapters.sql.rows import paper_from_row, paper_values
from dailypapers.adapters.sql.schema import papers
from dailypapers.domain.authors import index_entries
from dailypapers.domain.merging import merge_paper
from dailypapers.domain.models import Paper, UpsertResult

# Columns only the enrichment writes (adapters/sql/enrichment.py): an upsert never sets them on a stored paper, so
# a merge read before an enrichment committed cannot put the old value back.
ENRICHMENT_COLUMNS = frozenset({"keywords"})


def papers_by_id(conn: sa.Connection, ids: Sequence[str]) -> dict[str, Paper]:
    found: dict[str, Paper] = {}
    for chunk in chunks(ids):
        for row in conn.execute(sa.select(papers).where(papers.c.arxiv_id.in_(chunk))):
            found[row.arxiv_id] = paper_from_row(row)
    return found


def upsert_papers_in(conn: sa.Connection, batch: Sequence[Paper]) -> UpsertResult:
    """Insert new papers and merge known ones (merging.merge_paper); a merge that changes nothing writes nothing.

    The author-name index (paper_authors) follows in the same transaction: rows for new papers, and new rows for
    papers whose author list changed.
    """
    now = datetime.now(UTC)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    skipped = 0
    authors: dict[str, tuple[str, ...]] = {}  # papers whose index rows are (re)written
    replaced: dict[str, tuple[str, ...]] = {}  # their author lists before, whose rows go
    stored = papers_by_id(conn, [p.arxiv_id for p in batch])
    for paper in batch:
        known = stored.get(paper.arxiv_id)
        if known is None:
            inserts.append({**paper_values(paper), "created_at": now, "modified_at": now})
            authors[paper.arxiv_id] = paper.authors
            continue
        merged = merge_paper(known, paper)
        if merged == known:
            skipped += 1
        else:
            changed = {k: v for k, v in paper_values(merged).items() if k not in ENRICHMENT_COLUMNS}
            updates.append({**changed, "b_id": merged.arxiv_id, "modified_at": now})
            if merged.authors != known.authors:
                authors[merged.arxiv_id] = merged.authors
                replaced[merged.arxiv_id] = known.authors
    if inserts:
        conn.execute(papers.insert(), inserts)
    if updates:
        values: dict[str, Any] = {c: sa.bindparam(c) for c in updates[0] if c not in ("b_id", "arxiv_id")}
        conn.execute(papers.update().where(papers.c.arxiv_id == sa.bindparam("b_id")).values(values), updates)
    _index_authors(conn, authors, replaced)
    return UpsertResult(tuple(row["arxiv_id"] for row in inserts), tuple(row["b_id"] for row in updates), skipped)


# Plain tuples straight to the driver: an import writes a row per author of every paper (six or so per paper),
# and SQLAlchemy's per-row parameter handling cost more than the insert itself (bench/import_speed.py).
_INDEX_INSERT = {
    "qmark": "INSERT INTO paper_authors (initials_key, name, arxiv_id, position) VALUES (?, ?, ?, ?)",
    "pyformat": "INSERT INTO paper_authors (initials_key, name, arxiv_id, position) VALUES (%s, %s, %s, %s)",
}
_INDEX_DELETE = {
    "qmark": "DELETE FROM paper_authors WHERE initials_key = ? AND name = ? AND arxiv_id = ? AND position = ?",
    "pyformat": "DELETE FROM paper_authors WHERE initials_key = %s AND name = %s AND arxiv_id = %s AND position = %s",
}


def _index_rows(authors: dict[str, tuple[str, ...]]) -> list[tuple[str, str, str, int]]:
    return [
        (key, name, arxiv_id, position)
        for arxiv_id, names in authors.items()
        for position, name, key in index_entries(names)
    ]


def _index_authors(
    conn: sa.Connection, authors: dict[str, tuple[str, ...]], replaced: dict[str, tuple[str, ...]]
) -> None:
    """Rows for the new author lists; the old lists' rows are deleted by their whole key (the table's only index)."""
    style = conn.dialect.paramstyle
    old = _index_rows(replaced)
    if old:
        conn.exec_driver_sql(_INDEX_DELETE[style], old)
    rows = _index_rows(authors)
    if rows:
        conn.exec_driver_sql(_INDEX_INSERT[style], rows)
