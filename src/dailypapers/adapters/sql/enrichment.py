"""The enrichment's storage in SQL: per-paper state, AI summaries and keywords, thumbnails, Hub links, star counts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, chunks, dialect_insert, storage_errors
from dailypapers.adapters.sql.rows import utc
from dailypapers.adapters.sql.schema import enrichment_state, feed_entries, paper_thumbnails
from dailypapers.adapters.sql.schema import hub_links as links_table
from dailypapers.adapters.sql.schema import papers as papers_table
from dailypapers.domain.enrichment import EnrichKind, HubLinks, HubRepo, Summary, Thumbnail
from dailypapers.ports.enrichment import EnrichState

_HUB_KINDS = ("models", "datasets", "spaces")


def _version(created_at: datetime | None) -> int:
    stamp = utc(created_at)
    return int(stamp.timestamp()) if stamp else 0


def _repos(items: Any) -> tuple[HubRepo, ...]:
    fields = {f.name for f in dataclasses.fields(HubRepo)}
    return tuple(HubRepo(**{k: v for k, v in item.items() if k in fields}) for item in items or ())


class SqlEnrichmentStore(SqlBase):
    """The EnrichmentStore port (ports/enrichment.py)."""

    @storage_errors
    def enrichment_backlog(self, kind: EnrichKind, now: datetime, *, limit: int, feed_only: bool) -> list[str]:
        state = enrichment_state.alias("s")
        p = papers_table
        pending = ~sa.exists().where(
            state.c.arxiv_id == p.c.arxiv_id,
            state.c.kind == kind,
            sa.or_(
                state.c.done_at.is_not(None),
                state.c.next_attempt_at.is_(None),  # given up
                state.c.next_attempt_at > now,
            ),
        )
        wanted: list[sa.ColumnElement[bool]] = [pending, p.c.hidden_at.is_(None)]
        if kind == "summary":
            wanted.append(p.c.ai_summary.is_(None))
        on_feed = (
            sa.select(p.c.arxiv_id)
            .join(feed_entries, feed_entries.c.arxiv_id == p.c.arxiv_id)
            .where(*wanted)
            .order_by(feed_entries.c.feed_date.desc(), feed_entries.c.submitted_at.desc(), p.c.arxiv_id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            found = list(conn.scalars(on_feed))
            if feed_only or len(found) >= limit:
                return found
            not_on_feed = ~sa.exists().where(feed_entries.c.arxiv_id == p.c.arxiv_id)
            rest = (
                sa.select(p.c.arxiv_id)
                .where(*wanted, not_on_feed)
                .order_by(p.c.published.desc(), p.c.arxiv_id.desc())
                .limit(limit - len(found))
            )
            return found + list(conn.scalars(rest))

    @storage_errors
    def hub_links_due(self, *, feed_since: datetime, stale_before: datetime, now: datetime, limit: int) -> list[str]:
        state = enrichment_state.alias("s")
        waiting = sa.exists().where(
            state.c.arxiv_id == feed_entries.c.arxiv_id,
            state.c.kind == "hub_links",
            state.c.done_at.is_(None),
            sa.or_(state.c.next_attempt_at.is_(None), state.c.next_attempt_at > now),
        )
        query = (
            sa.select(feed_entries.c.arxiv_id)
            .join(papers_table, papers_table.c.arxiv_id == feed_entries.c.arxiv_id)
            .outerjoin(links_table, links_table.c.arxiv_id == feed_entries.c.arxiv_id)
            .where(
                feed_entries.c.submitted_at >= feed_since,
                papers_table.c.hidden_at.is_(None),
                sa.or_(links_table.c.fetched_at.is_(None), links_table.c.fetched_at < stale_before),
                ~waiting,
            )
            # Never fetched first (NULLs sort first ascending on SQLite, last on PostgreSQL: say it explicitly).
            .order_by(
                links_table.c.fetched_at.is_not(None), links_table.c.fetched_at, feed_entries.c.submitted_at.desc()
            )
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    @storage_errors
    def enrichment_states(self, arxiv_id: str) -> dict[str, EnrichState]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(enrichment_state).where(enrichment_state.c.arxiv_id == arxiv_id)).all()
        return {
            row.kind: EnrichState(
                row.arxiv_id, row.kind, utc(row.done_at), row.attempts, row.last_error, utc(row.next_attempt_at)
            )
            for row in rows
        }

    def _upsert_state(self, conn: sa.Connection, values: dict[str, Any]) -> None:
        insert = dialect_insert(conn, enrichment_state).values(values)
        update = {k: insert.excluded[k] for k in values if k not in ("arxiv_id", "kind")}
        conn.execute(insert.on_conflict_do_update(index_elements=["arxiv_id", "kind"], set_=update))

    @storage_errors
    def mark_enriched(self, arxiv_id: str, kind: EnrichKind, at: datetime) -> None:
        with self._write() as conn:
            self._upsert_state(
                conn,
                {
                    "arxiv_id": arxiv_id,
                    "kind": kind,
                    "done_at": at,
                    "attempts": 0,
                    "last_error": None,
                    "next_attempt_at": None,
                    "updated_at": at,
                },
            )

    @storage_errors
    def mark_enrich_failed(
        self, arxiv_id: str, kind: EnrichKind, error: str, at: datetime, retry_at: datetime | None
    ) -> int:
        key = (enrichment_state.c.arxiv_id == arxiv_id) & (enrichment_state.c.kind == kind)
        with self._write() as conn:
            before = conn.scalar(
                sa.select(enrichment_state.c.attempts).where(key, enrichment_state.c.done_at.is_(None))
            )
            attempts = (before or 0) + 1
            self._upsert_state(
                conn,
                {
                    "arxiv_id": arxiv_id,
                    "kind": kind,
                    "done_at": None,
                    "attempts": attempts,
                    "last_error": error[:1000],
                    "next_attempt_at": retry_at,
                    "updated_at": at,
                },
            )
        return attempts

    @storage_errors
    def save_summary(self, arxiv_id: str, summary: Summary) -> bool:
        # Conditional on the row still having no summary: an upstream's that arrived meanwhile is kept.
        values: dict[str, Any] = {"ai_summary": summary.text, "ai_summary_model": summary.model}
        key = papers_table.c.arxiv_id == arxiv_id
        with self._write() as conn:
            done = conn.execute(papers_table.update().where(key, papers_table.c.ai_summary.is_(None)).values(values))
            if done.rowcount and summary.keywords:
                current = conn.scalar(sa.select(papers_table.c.ai_keywords).where(key))
                if not current:
                    conn.execute(papers_table.update().where(key).values(ai_keywords=list(summary.keywords)))
        return bool(done.rowcount)

    @storage_errors
    def save_keywords(self, arxiv_id: str, keywords: Sequence[str]) -> None:
        with self._write() as conn:
            update = papers_table.update().where(papers_table.c.arxiv_id == arxiv_id)
            conn.execute(update.values(keywords=list(keywords)))

    @storage_errors
    def save_thumbnail(self, arxiv_id: str, image: bytes, width: int, height: int, at: datetime) -> None:
        values = {"arxiv_id": arxiv_id, "image": image, "width": width, "height": height, "created_at": at}
        with self._write() as conn:
            insert = dialect_insert(conn, paper_thumbnails).values(values)
            update = {k: insert.excluded[k] for k in ("image", "width", "height", "created_at")}
            conn.execute(insert.on_conflict_do_update(index_elements=["arxiv_id"], set_=update))

    @storage_errors
    def thumbnails(self, arxiv_ids: Sequence[str]) -> dict[str, Thumbnail]:
        t = paper_thumbnails
        found: dict[str, Thumbnail] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
                query = sa.select(t.c.arxiv_id, t.c.width, t.c.height, t.c.created_at).where(t.c.arxiv_id.in_(chunk))
                for row in conn.execute(query):
                    found[row.arxiv_id] = Thumbnail(row.arxiv_id, row.width, row.height, _version(row.created_at))
        return found

    @storage_errors
    def thumbnail_image(self, arxiv_id: str) -> tuple[bytes, Thumbnail] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(paper_thumbnails).where(paper_thumbnails.c.arxiv_id == arxiv_id)).first()
        if row is None:
            return None
        return bytes(row.image), Thumbnail(row.arxiv_id, row.width, row.height, _version(row.created_at))

    @storage_errors
    def save_hub_links(self, arxiv_id: str, links: HubLinks) -> None:
        values: dict[str, Any] = {
            "arxiv_id": arxiv_id,
            **{kind: [dataclasses.asdict(repo) for repo in getattr(links, kind)] for kind in _HUB_KINDS},
            "num_models": links.num_models,
            "num_datasets": links.num_datasets,
            "num_spaces": links.num_spaces,
            "fetched_at": links.fetched_at or datetime.now(UTC),
        }
        with self._write() as conn:
            insert = dialect_insert(conn, links_table).values(values)
            update = {k: insert.excluded[k] for k in values if k != "arxiv_id"}
            conn.execute(insert.on_conflict_do_update(index_elements=["arxiv_id"], set_=update))

    @storage_errors
    def hub_links(self, arxiv_id: str) -> HubLinks | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(links_table).where(links_table.c.arxiv_id == arxiv_id)).first()
        if row is None:
            return None
        return HubLinks(
            models=_repos(row.models),
            datasets=_repos(row.datasets),
            spaces=_repos(row.spaces),
            num_models=row.num_models,
            num_datasets=row.num_datasets,
            num_spaces=row.num_spaces,
            fetched_at=utc(row.fetched_at),
        )
