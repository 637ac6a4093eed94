"""SqlStore: the Store port on SQLAlchemy Core, identical for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.accounts import SqlAccountStore
from dailypapers.adapters.sql.authors import SqlAuthorStore, effective_organization
from dailypapers.adapters.sql.base import chunks, storage_errors
from dailypapers.adapters.sql.claims import SqlClaimStore
from dailypapers.adapters.sql.digests import SqlDigestStore
from dailypapers.adapters.sql.discussion import SqlDiscussionStore
from dailypapers.adapters.sql.enrichment import SqlEnrichmentStore
from dailypapers.adapters.sql.leases import SqlLeaseStore
from dailypapers.adapters.sql.library import SqlLibraryStore
from dailypapers.adapters.sql.paper_rows import papers_by_id, upsert_papers_in
from dailypapers.adapters.sql.personal import SqlPersonalStore
from dailypapers.adapters.sql.rows import entry_from_row, entry_values, paper_from_row
from dailypapers.adapters.sql.schema import VISIBLE, feed_entries, job_state, organizations, papers
from dailypapers.adapters.sql.trends import SqlTrendsStore
from dailypapers.adapters.sql.upstream import SqlUpstreamStore
from dailypapers.adapters.sql.viewer import SqlViewerStore
from dailypapers.adapters.sql.votes import SqlVoteStore, trending_score_expr
from dailypapers.domain.models import FeedEntry, FeedItem, FeedQuery, Organization, Paper, PaperView, UpsertResult
from dailypapers.domain.ranking import DEFAULT_PARAMS

# Upvotes shown everywhere: counts mirrored from another hub plus this hub's own votes (a cached count).
UPVOTES = (papers.c.imported_upvotes + papers.c.community_upvotes).label("upvotes")
# A paper's organization (set by an author, else its feed entry's), outer-joined: its details when known.
ORG_COLUMNS = (
    effective_organization().label("effective_organization"),
    organizations.c.fullname.label("org_fullname"),
    organizations.c.avatar_url.label("org_avatar_url"),
)
_ORG_JOIN = organizations.c.name == effective_organization()


def _organization(row: sa.Row[Any]) -> Organization | None:
    name = row.effective_organization
    if name is None:
        return None
    return Organization(name, row.org_fullname, row.org_avatar_url)


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class SqlStore(
    SqlLeaseStore,
    SqlAccountStore,
    SqlVoteStore,
    SqlDiscussionStore,
    SqlDigestStore,
    SqlPersonalStore,
    SqlLibraryStore,
    SqlUpstreamStore,
    SqlTrendsStore,
    SqlEnrichmentStore,
    SqlViewerStore,
    SqlAuthorStore,
    SqlClaimStore,
):
    """The Store port: papers and feed here, the community parts in their own modules."""

    # -- papers ------------------------------------------------------------------------------------------

    @storage_errors
    def upsert_papers(self, batch: Sequence[Paper]) -> UpsertResult:
        with self._write() as conn:
            return upsert_papers_in(conn, batch)

    @storage_errors
    def get_paper(self, arxiv_id: str) -> Paper | None:
        return self.get_papers([arxiv_id]).get(arxiv_id)

    @storage_errors
    def get_papers(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        with self.engine.connect() as conn:
            return papers_by_id(conn, list(arxiv_ids))

    @storage_errors
    def abstracts(self, arxiv_ids: Sequence[str]) -> dict[str, str]:
        # Two columns, not whole papers: a search page's snippets read 20 abstracts on every query.
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(arxiv_ids)):
                select = sa.select(papers.c.arxiv_id, papers.c.abstract).where(papers.c.arxiv_id.in_(chunk))
                out.update((row.arxiv_id, row.abstract) for row in conn.execute(select))
        return out

    @storage_errors
    def count_papers(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(papers)) or 0

    # -- feed --------------------------------------------------------------------------------------------

    @storage_errors
    def add_feed_entries(self, entries: Sequence[FeedEntry]) -> int:
        unique = {e.arxiv_id: e for e in reversed(entries)}  # first entry of a paper in the batch wins
        with self._write() as conn:
            taken: set[str] = set()
            for chunk in chunks(list(unique)):
                query = sa.select(feed_entries.c.arxiv_id).where(feed_entries.c.arxiv_id.in_(chunk))
                taken.update(conn.scalars(query))
            new = [entry_values(e) for e in unique.values() if e.arxiv_id not in taken]
            if new:
                conn.execute(feed_entries.insert(), new)
        return len(new)

    @storage_errors
    def get_feed_entry(self, arxiv_id: str) -> FeedEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(feed_entries).where(feed_entries.c.arxiv_id == arxiv_id)).first()
        return entry_from_row(row) if row else None

    @staticmethod
    def _feed_filters(query: FeedQuery) -> list[sa.ColumnElement[bool]]:
        filters: list[sa.ColumnElement[bool]] = [VISIBLE]  # moderation: hidden papers leave feeds
        if query.start is not None:
            filters.append(feed_entries.c.feed_date >= query.start)
        if query.end is not None:
            filters.append(feed_entries.c.feed_date <= query.end)
        if query.submitter is not None:
            filters.append(feed_entries.c.submitted_by == query.submitter)
        if query.organization is not None:
            filters.append(effective_organization() == query.organization)
        return filters

    @storage_errors
    def feed_items(self, query: FeedQuery, *, limit: int, offset: int = 0) -> list[FeedItem]:
        order: list[sa.ColumnElement[Any]]
        if query.order == "recent":
            order = [feed_entries.c.submitted_at.desc(), feed_entries.c.id.desc()]
        elif query.order == "trending":  # ranking.py's formula, computed in SQL (adapters/sql/votes.py)
            score = trending_score_expr(query.as_of or datetime.now(UTC), query.trending or DEFAULT_PARAMS)
            order = [score.desc(), feed_entries.c.submitted_at.desc(), feed_entries.c.id.desc()]
        else:
            order = [UPVOTES.desc(), feed_entries.c.submitted_at, feed_entries.c.id]
        select = (
            sa.select(feed_entries, *[c for c in papers.c if c.name != "arxiv_id"], UPVOTES, *ORG_COLUMNS)
            .join(papers, papers.c.arxiv_id == feed_entries.c.arxiv_id)
            .outerjoin(organizations, _ORG_JOIN)
            .where(*self._feed_filters(query))
            .order_by(*order)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(select).all()
        return [FeedItem(entry_from_row(r), paper_from_row(r), r.upvotes, _organization(r)) for r in rows]

    @storage_errors
    def count_feed_items(self, query: FeedQuery) -> int:
        select = (
            sa.select(sa.func.count())
            .select_from(feed_entries.join(papers, papers.c.arxiv_id == feed_entries.c.arxiv_id))
            .where(*self._feed_filters(query))
        )
        with self.engine.connect() as conn:
            return conn.scalar(select) or 0

    @storage_errors
    def paper_views(self, arxiv_ids: Sequence[str]) -> dict[str, PaperView]:
        views: dict[str, PaperView] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(arxiv_ids)):
                select = (
                    sa.select(papers, *[c for c in feed_entries.c if c.name != "arxiv_id"], UPVOTES, *ORG_COLUMNS)
                    .outerjoin(feed_entries, feed_entries.c.arxiv_id == papers.c.arxiv_id)
                    .outerjoin(organizations, _ORG_JOIN)
                    .where(papers.c.arxiv_id.in_(chunk), VISIBLE)
                )
                for row in conn.execute(select):
                    entry = entry_from_row(row) if row.feed_date is not None else None
                    views[row.arxiv_id] = PaperView(paper_from_row(row), entry, row.upvotes, _organization(row))
        return views

    @storage_errors
    def match_papers(self, terms: Sequence[str], *, limit: int) -> list[str]:
        haystack = sa.func.lower(papers.c.title + " " + papers.c.abstract + " " + sa.cast(papers.c.authors, sa.Text))
        # SQLite's lower() folds ASCII only; fold the terms the same way or "Zoë" would never match itself.
        fold = str.lower if self.engine.dialect.name == "postgresql" else _ascii_lower
        select = (
            sa.select(papers.c.arxiv_id)
            # autoescape: % and _ typed by a user match literally
            .where(VISIBLE, *[haystack.contains(fold(term), autoescape=True) for term in terms])
            .order_by(UPVOTES.desc(), papers.c.published.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(select))

    @storage_errors
    def hidden_ids(self) -> frozenset[str]:
        # Every search asks this. Ordered by hidden_at so SQLite walks the partial index ix_papers_hidden (the few
        # hidden papers): without the ORDER BY it scanned ix_papers_trends over all 83k papers, 5-15 ms a query.
        select = sa.select(papers.c.arxiv_id).where(papers.c.hidden_at.is_not(None)).order_by(papers.c.hidden_at)
        with self.engine.connect() as conn:
            return frozenset(conn.scalars(select))

    @storage_errors
    def list_papers(
        self, *, limit: int, after: tuple[datetime, str] | None = None, include_hidden: bool = False
    ) -> list[Paper]:
        select = sa.select(papers).order_by(papers.c.published.desc(), papers.c.arxiv_id.desc()).limit(limit)
        if not include_hidden:
            select = select.where(VISIBLE)
        if after is not None:
            select = select.where(sa.tuple_(papers.c.published, papers.c.arxiv_id) < sa.tuple_(*after))
        with self.engine.connect() as conn:
            return [paper_from_row(row) for row in conn.execute(select)]

    @storage_errors
    def latest_feed_date(self, on_or_before: date | None = None) -> date | None:
        query = sa.select(sa.func.max(feed_entries.c.feed_date))
        if on_or_before is not None:
            query = query.where(feed_entries.c.feed_date <= on_or_before)
        with self.engine.connect() as conn:
            latest: date | None = conn.scalar(query)
        return latest

    @storage_errors
    def neighbour_feed_dates(
        self, start: date, end: date, *, organization: str | None = None
    ) -> tuple[date | None, date | None]:
        before = sa.select(sa.func.max(feed_entries.c.feed_date)).where(feed_entries.c.feed_date < start)
        after = sa.select(sa.func.min(feed_entries.c.feed_date)).where(feed_entries.c.feed_date > end)
        if organization is not None:  # the nearest days with a paper of this organization
            before, after = (
                q.join(papers, papers.c.arxiv_id == feed_entries.c.arxiv_id).where(
                    effective_organization() == organization, papers.c.hidden_at.is_(None)
                )
                for q in (before, after)
            )
        with self.engine.connect() as conn:
            return conn.scalar(before), conn.scalar(after)

    # -- job state ---------------------------------------------------------------------------------------

    @storage_errors
    def get_state(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(job_state.c.value).where(job_state.c.key == key))

    @storage_errors
    def set_state(self, key: str, value: str | None) -> None:
        with self._write() as conn:
            conn.execute(job_state.delete().where(job_state.c.key == key))
            if value is not None:
                conn.execute(job_state.insert().values(key=key, value=value, updated_at=datetime.now(UTC)))
