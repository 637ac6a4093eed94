"""Votes, submissions, the trending score in SQL, and GitHub star snapshots; the formula itself is ranking.py's.

`trending_score_expr` must stay the SQL twin of ranking.trending_score: tests/unit/test_ranking.py compares them
on random data, on SQLite and PostgreSQL. Only functions both databases share are used (exp, ln, sqrt, round);
the two that differ (epoch days, two-argument max) are compiled per dialect below.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from dailypapers.adapters.sql.base import SqlBase, chunks, dialect_insert, storage_errors
from dailypapers.adapters.sql.rows import entry_from_row, entry_values, utc_required
from dailypapers.adapters.sql.schema import feed_entries, github_repos, github_star_snapshots, papers, users, votes
from dailypapers.domain.errors import PaperNotFound
from dailypapers.domain.models import FeedEntry
from dailypapers.domain.ranking import GITHUB_URL_PREFIXES, MIN_EXPONENT, CastVote, TrendingParams, repo_from_url
from dailypapers.ports.votes import RepoStars, TrackedRepo, VoteState

# -- dialect helpers ---------------------------------------------------------------------------------------


class epoch_days(FunctionElement[float]):
    """A date or timestamp as a number of days on a fixed scale (differences are what matter)."""

    type = sa.Float()
    inherit_cache = True


@compiles(epoch_days)  # the default (printing a query) shows SQLite's form
@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element: epoch_days, compiler: SQLCompiler, **kw: Any) -> str:
    return f"julianday({compiler.process(element.clauses, **kw)})"


@compiles(epoch_days, "postgresql")
def _epoch_days_postgresql(element: epoch_days, compiler: SQLCompiler, **kw: Any) -> str:
    # Double precision, not numeric: the rest of the formula is floating point on both databases.
    return f"(CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION) / 86400.0)"


class greatest(FunctionElement[float]):
    """The larger of two numbers: GREATEST on PostgreSQL, two-argument max() on SQLite."""

    type = sa.Float()
    inherit_cache = True


@compiles(greatest)
@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
def _greatest_postgresql(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


def _float(value: float) -> sa.BindParameter[float]:
    return sa.literal(float(value), sa.Float())


def _hours_since(now_days: sa.ColumnElement[float], column: sa.ColumnElement[Any]) -> sa.ColumnElement[float]:
    """Hours from `column` to now, clamped at 0 like ranking.hours_between."""
    return greatest(_float(0.0), (now_days - epoch_days(column)) * 24.0)


def _decay(params: TrendingParams, age_hours: sa.ColumnElement[float]) -> sa.ColumnElement[float]:
    return sa.func.exp(greatest(_float(MIN_EXPONENT), -params.decay_per_hour * age_hours))


def _links_repo(url: sa.ColumnElement[Any], repo: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """The SQL twin of ranking.repo_from_url(url) == repo."""
    bare = sa.func.rtrim(sa.func.lower(url), "/")
    forms = [sa.literal(prefix) + repo + suffix for prefix in GITHUB_URL_PREFIXES for suffix in ("", ".git")]
    return sa.or_(*[bare == form for form in forms])


def now_literal(now: datetime) -> sa.ColumnElement[float]:
    return epoch_days(sa.literal(now.astimezone(UTC), sa.DateTime(timezone=True)))


def star_velocity_subquery(today: date, window_days: int) -> sa.Subquery:
    """(repo, velocity): ranking.star_velocity for every repository with snapshots in the window."""
    snap = github_star_snapshots
    start = today - timedelta(days=window_days)
    span = (
        sa.select(snap.c.repo, sa.func.min(snap.c.day).label("first_day"), sa.func.max(snap.c.day).label("last_day"))
        .where(snap.c.day >= start, snap.c.day <= today)
        .group_by(snap.c.repo)
        .subquery("span")
    )
    first, last = snap.alias("first_snap"), snap.alias("last_snap")
    days = greatest(_float(1.0), sa.func.round(epoch_days(span.c.last_day) - epoch_days(span.c.first_day)))
    gained = greatest(_float(0.0), sa.cast(last.c.stars - first.c.stars, sa.Float()))
    return (
        sa.select(span.c.repo, (gained / days).label("velocity"))
        .join(first, sa.and_(first.c.repo == span.c.repo, first.c.day == span.c.first_day))
        .join(last, sa.and_(last.c.repo == span.c.repo, last.c.day == span.c.last_day))
        .subquery("star_velocity")
    )


def trending_score_expr(now: datetime, params: TrendingParams) -> sa.Label[Any]:
    """ranking.trending_score for the feed entry of each row of a feed_entries ⋈ papers query, labelled `trending`."""
    now_days = now_literal(now)
    min_age_seconds = round(params.min_account_age_hours * 3600)
    account_age_seconds = sa.func.round((epoch_days(votes.c.created_at) - epoch_days(users.c.created_at)) * 86400.0)
    submitter = feed_entries.c.submitted_by_user_id
    vote_points = (
        sa.select(sa.func.coalesce(sa.func.sum(_decay(params, _hours_since(now_days, votes.c.created_at))), 0.0))
        .select_from(votes.join(users, users.c.id == votes.c.user_id))
        .where(
            votes.c.arxiv_id == feed_entries.c.arxiv_id,
            sa.or_(submitter.is_(None), votes.c.user_id != submitter),
            users.c.banned_at.is_(None),
            account_age_seconds >= min_age_seconds,
        )
        .scalar_subquery()
    )
    velocity = star_velocity_subquery(now.date(), params.star_window_days)
    stars = (
        sa.select(sa.func.coalesce(sa.func.max(velocity.c.velocity), 0.0))
        .where(_links_repo(papers.c.github_repo, velocity.c.repo))
        .scalar_subquery()
    )
    feed_age = _hours_since(now_days, feed_entries.c.submitted_at)
    points = (
        vote_points + papers.c.imported_upvotes * _decay(params, feed_age) + params.star_weight * sa.func.sqrt(stars)
    )
    gravity = sa.func.exp(params.gravity * sa.func.ln(1.0 + feed_age / params.gravity_hours))
    return (points / gravity).label("trending")


class SqlVoteStore(SqlBase):
    # -- votes -------------------------------------------------------------------------------------------

    @storage_errors
    def set_vote(self, user_id: int, arxiv_id: str, upvoted: bool | None, at: datetime) -> VoteState:
        with self._write() as conn:
            # Lock the paper row first: concurrent votes on one paper then run one after another on PostgreSQL
            # too (on SQLite BEGIN IMMEDIATE already did), so the recount below sees every committed vote.
            locked = conn.execute(
                sa.select(papers.c.imported_upvotes).where(papers.c.arxiv_id == arxiv_id).with_for_update()
            ).first()
            if locked is None:
                raise PaperNotFound(arxiv_id)
            mine = sa.and_(votes.c.user_id == user_id, votes.c.arxiv_id == arxiv_id)
            has = conn.scalar(sa.select(votes.c.id).where(mine)) is not None
            want = (not has) if upvoted is None else upvoted
            if want and not has:
                insert = dialect_insert(conn, votes).values(user_id=user_id, arxiv_id=arxiv_id, created_at=at)
                conn.execute(insert.on_conflict_do_nothing(index_elements=["user_id", "arxiv_id"]))
            elif has and not want:
                conn.execute(votes.delete().where(mine))
            count = sa.select(sa.func.count()).select_from(votes).where(votes.c.arxiv_id == arxiv_id)
            community = conn.scalar(count) or 0
            conn.execute(papers.update().where(papers.c.arxiv_id == arxiv_id).values(community_upvotes=community))
        return VoteState(arxiv_id, want, locked.imported_upvotes + community)

    @storage_errors
    def upvoted_among(self, user_id: int, arxiv_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(list(arxiv_ids)):
                query = sa.select(votes.c.arxiv_id).where(votes.c.user_id == user_id, votes.c.arxiv_id.in_(chunk))
                found.update(conn.scalars(query))
        return found

    @storage_errors
    def cast_votes(self, arxiv_id: str) -> list[CastVote]:
        query = (
            sa.select(votes.c.user_id, votes.c.created_at, users.c.created_at.label("account"), users.c.banned_at)
            .join(users, users.c.id == votes.c.user_id)
            .where(votes.c.arxiv_id == arxiv_id)
            .order_by(votes.c.created_at, votes.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            CastVote(
                r.user_id, utc_required(r.created_at), utc_required(r.account), account_banned=r.banned_at is not None
            )
            for r in rows
        ]

    # -- submissions -------------------------------------------------------------------------------------

    @storage_errors
    def submit_entry(self, entry: FeedEntry) -> tuple[FeedEntry, bool]:
        with self._write() as conn:
            insert = dialect_insert(conn, feed_entries).values(entry_values(entry))
            # RETURNING, not rowcount: psycopg can report -1 for an INSERT … ON CONFLICT DO NOTHING.
            ignored = insert.on_conflict_do_nothing(index_elements=["arxiv_id"])
            created = conn.execute(ignored.returning(feed_entries.c.arxiv_id)).first() is not None
            row = conn.execute(sa.select(feed_entries).where(feed_entries.c.arxiv_id == entry.arxiv_id)).one()
        return entry_from_row(row), created

    @storage_errors
    def count_submissions(self, user_id: int, since: datetime) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(feed_entries)
            .where(feed_entries.c.submitted_by_user_id == user_id, feed_entries.c.submitted_at >= since)
        )
        with self.engine.connect() as conn:
            return conn.scalar(query) or 0

    @storage_errors
    def fill_paper_links(self, arxiv_id: str, github_repo: str | None, project_page: str | None) -> None:
        with self._write() as conn:
            for column, value in ((papers.c.github_repo, github_repo), (papers.c.project_page, project_page)):
                if value:
                    conn.execute(
                        papers.update()
                        .where(papers.c.arxiv_id == arxiv_id, sa.or_(column.is_(None), column == ""))
                        .values({column.name: value, "modified_at": datetime.now(UTC)})
                    )

    # -- trending ----------------------------------------------------------------------------------------

    @storage_errors
    def trending_scores(self, arxiv_ids: Sequence[str], now: datetime, params: TrendingParams) -> dict[str, float]:
        scores: dict[str, float] = {}
        score = trending_score_expr(now, params)
        with self.engine.connect() as conn:
            for chunk in chunks(list(arxiv_ids)):
                query = (
                    sa.select(feed_entries.c.arxiv_id, score)
                    .join(papers, papers.c.arxiv_id == feed_entries.c.arxiv_id)
                    .where(feed_entries.c.arxiv_id.in_(chunk))
                )
                scores.update((row.arxiv_id, float(row.trending)) for row in conn.execute(query))
        return scores

    # -- GitHub stars ------------------------------------------------------------------------------------

    @storage_errors
    def repos_to_refresh(self, *, feed_since: date, stale_before: datetime, limit: int) -> list[TrackedRepo]:
        linked = (
            sa.select(papers.c.github_repo)
            .join(feed_entries, feed_entries.c.arxiv_id == papers.c.arxiv_id)
            .where(feed_entries.c.feed_date >= feed_since, papers.c.github_repo.is_not(None))
            .distinct()
        )
        with self.engine.connect() as conn:
            urls = list(conn.scalars(linked))
            names = sorted({name for url in urls if (name := repo_from_url(url))})
            known: dict[str, sa.Row[Any]] = {}
            for chunk in chunks(names):
                for row in conn.execute(sa.select(github_repos).where(github_repos.c.repo.in_(chunk))):
                    known[row.repo] = row
        due: list[TrackedRepo] = []
        for name in names:
            seen = known.get(name)
            fetched = utc_required(seen.fetched_at) if seen is not None and seen.fetched_at is not None else None
            if fetched is None or fetched <= stale_before:
                due.append(TrackedRepo(name, seen.stars if seen else None, seen.etag if seen else None, fetched))
        oldest = datetime.min.replace(tzinfo=UTC)
        due.sort(key=lambda r: (r.fetched_at or oldest, r.repo))
        return due[:limit]

    @storage_errors
    def record_stars(self, result: RepoStars, at: datetime) -> None:
        with self._write() as conn:
            row = conn.execute(sa.select(github_repos).where(github_repos.c.repo == result.repo)).first()
            stars = row.stars if result.not_modified and row is not None else result.stars
            etag = result.etag or (row.etag if row is not None else None)
            values = {"stars": stars, "etag": etag, "fetched_at": at, "last_error": None}
            if row is None:
                conn.execute(github_repos.insert().values(repo=result.repo, **values))
            else:
                conn.execute(github_repos.update().where(github_repos.c.repo == result.repo).values(values))
            if stars is not None:
                snap = github_star_snapshots
                day = at.astimezone(UTC).date()
                conn.execute(snap.delete().where(snap.c.repo == result.repo, snap.c.day == day))
                conn.execute(snap.insert().values(repo=result.repo, day=day, stars=stars))

    @storage_errors
    def record_repo_error(self, repo: str, error: str, at: datetime) -> None:
        with self._write() as conn:
            values = {"fetched_at": at, "last_error": error[:2000]}
            updated = conn.execute(github_repos.update().where(github_repos.c.repo == repo).values(values)).rowcount
            if not updated:
                conn.execute(github_repos.insert().values(repo=repo, **values))

    @storage_errors
    def repo_stars(self, repos: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(repos))):
                query = sa.select(github_repos.c.repo, github_repos.c.stars).where(
                    github_repos.c.repo.in_(chunk), github_repos.c.stars.is_not(None)
                )
                found.update((row.repo, row.stars) for row in conn.execute(query))
        return found

    @storage_errors
    def star_snapshots(self, repo: str) -> list[tuple[date, int]]:
        snap = github_star_snapshots
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(snap.c.day, snap.c.stars).where(snap.c.repo == repo).order_by(snap.c.day))
            return [(r.day, r.stars) for r in rows]
