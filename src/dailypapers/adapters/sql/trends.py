"""The trends and activity reads on SQL: the data stamp, feed papers by publication day, vote times, star series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, chunks, storage_errors
from dailypapers.adapters.sql.rows import utc, utc_required
from dailypapers.adapters.sql.schema import feed_entries, github_star_snapshots, papers, votes
from dailypapers.ports.trends import FeedPaper


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _published_day(value: str | datetime) -> date:
    """The UTC day of a stored timestamp: SQLite hands back its text ('YYYY-MM-DD HH:MM:SS…', always UTC here),
    psycopg a datetime whatever the column's declared type."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return utc_required(value).date()


class SqlTrendsStore(SqlBase):
    @storage_errors
    def trends_stamp(self) -> str:
        # Index lookups only (migration 0008's indexes, the feed's primary key): every write of a paper's record
        # (import, merge, links) sets modified_at; feed entries are only ever added; hiding and showing a paper
        # change how many are hidden (its modified_at comes from the hub's clock, which need not be the newest).
        with self.engine.connect() as conn:
            modified = conn.scalar(sa.select(sa.func.max(papers.c.modified_at)))
            entry = conn.scalar(sa.select(sa.func.max(feed_entries.c.id)))
            hidden = conn.scalar(sa.select(sa.func.count()).where(papers.c.hidden_at.is_not(None)))
        stamp = utc(modified)
        return f"{stamp.isoformat() if stamp else '-'}|{entry or 0}|{hidden or 0}"

    @storage_errors
    def newest_published(self, on_or_before: date) -> date | None:
        query = sa.select(sa.func.max(papers.c.published)).where(
            papers.c.published < _day_start(on_or_before + timedelta(days=1))
        )
        with self.engine.connect() as conn:
            newest = utc(conn.scalar(query))
        return newest.date() if newest else None

    @storage_errors
    def feed_papers_published(self, start: date, end: date) -> list[FeedPaper]:
        # A year of the feed is thousands of rows: the published value skips SQLAlchemy's DateTime parsing (the
        # day is all trends need), which took most of this query's time on SQLite.
        published = sa.type_coerce(papers.c.published, sa.String).label("published")
        query = (
            sa.select(
                papers.c.arxiv_id,
                published,
                (papers.c.imported_upvotes + papers.c.community_upvotes).label("upvotes"),
            )
            .join(feed_entries, feed_entries.c.arxiv_id == papers.c.arxiv_id)
            .where(
                papers.c.published >= _day_start(start),
                papers.c.published < _day_start(end + timedelta(days=1)),
                papers.c.hidden_at.is_(None),
            )
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [FeedPaper(r.arxiv_id, _published_day(r.published), int(r.upvotes)) for r in rows]

    @storage_errors
    def vote_times(self, arxiv_ids: Sequence[str], since: datetime | None = None) -> dict[str, list[datetime]]:
        found: dict[str, list[datetime]] = defaultdict(list)
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(arxiv_ids))):
                query = sa.select(votes.c.arxiv_id, votes.c.created_at).where(votes.c.arxiv_id.in_(chunk))
                if since is not None:
                    query = query.where(votes.c.created_at >= since)
                for row in conn.execute(query.order_by(votes.c.created_at, votes.c.id)):
                    found[row.arxiv_id].append(utc_required(row.created_at))
        return dict(found)

    @storage_errors
    def star_histories(self, repos: Sequence[str], since: date) -> dict[str, list[tuple[date, int]]]:
        snap = github_star_snapshots
        found: dict[str, list[tuple[date, int]]] = defaultdict(list)
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(repos))):
                query = sa.select(snap.c.repo, snap.c.day, snap.c.stars).where(
                    snap.c.repo.in_(chunk), snap.c.day >= since
                )
                for row in conn.execute(query.order_by(snap.c.repo, snap.c.day)):
                    found[row.repo].append((row.day, int(row.stars)))
        return dict(found)
