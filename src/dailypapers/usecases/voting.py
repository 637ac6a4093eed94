"""Submissions, upvotes, trending and GitHub stars: the use cases; the formula is ranking.py's, storage the Store's.

Rules live here, not in the routes: who may submit (account age, daily cap, rate limit), which papers may join the
feed (age), which links are accepted (http/https, GitHub for code), and when star counts are refreshed.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import (
    InvalidInput,
    PaperNotFound,
    PermissionDenied,
    RateLimited,
    SourceError,
    SourceUnavailable,
)
from dailypapers.domain.models import FeedEntry, FeedItem, FeedQuery, Paper, User
from dailypapers.domain.paging import Paginated
from dailypapers.domain.ranking import GITHUB_URL_PREFIXES, TrendingParams, repo_from_url
from dailypapers.domain.urls import checked_url
from dailypapers.ports import ArxivSource, Clock, GitHubSource, Mailer, RateLimiter, Store
from dailypapers.ports.votes import VoteState
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

TRENDING_DAYS = 7  # the /trending page's default window
TRENDING_MAX_DAYS = 30  # its longest; also how far back the worker keeps star counts fresh
STARS_BATCH = 100  # repositories refreshed per worker round at most


@dataclass(frozen=True, slots=True)
class Submission:
    """The outcome of a submission: the paper's feed entry, and whether this submission created it."""

    entry: FeedEntry
    paper: Paper
    created: bool


@dataclass(frozen=True, slots=True)
class TrendingPage(Paginated):
    """One page of /trending: items in trending order with their scores, over the last `days` days."""

    items: list[FeedItem]
    scores: dict[str, float]
    total: int
    page: int
    page_size: int
    days: int
    start: date
    end: date
    as_of: datetime | None = None  # when the scores were taken: now, or the end of a past window's last day


@dataclass(slots=True)
class StarsReport:
    """What a star refresh did; `paused_for` is set when GitHub's rate limit stopped it early."""

    refreshed: int = 0
    not_modified: int = 0
    missing: int = 0
    failed: int = 0
    paused_for: float | None = None
    errors: list[str] = field(default_factory=list)


def validate_url(value: str | None, what: str) -> str | None:
    """A stripped http(s) URL with a host, or None for empty; InvalidInput for anything else."""
    return checked_url(value, what, schemes=("http", "https"))


def validate_github_repo(value: str | None) -> str | None:
    """https://github.com/OWNER/NAME (case kept) for a repository URL in any accepted form; None for empty."""
    text = validate_url(value, "GitHub repository")
    if text is None:
        return None
    if repo_from_url(text) is None:
        raise InvalidInput("the GitHub repository must be a URL like https://github.com/OWNER/NAME")
    rest = text.rstrip("/")
    prefix = next(p for p in GITHUB_URL_PREFIXES if rest.lower().startswith(p))
    rest = rest[len(prefix) :]
    if rest.lower().endswith(".git"):
        rest = rest[:-4]
    return "https://github.com/" + rest


class VotingMixin:
    """Mixed into hub.Hub, which provides the attributes below."""

    settings: Settings
    store: Store
    arxiv: ArxivSource
    clock: Clock
    mailer: Mailer
    github: GitHubSource
    rate_limiter: RateLimiter

    # -- submissions -------------------------------------------------------------------------------------

    def submit_paper(
        self, user: User, ref: str, *, github_repo: str | None = None, project_page: str | None = None
    ) -> Submission:
        """Put a paper on today's feed as `user`'s submission; an unknown id is fetched from arXiv.

        A paper already on the feed returns its entry unchanged (`created` False). Raises PermissionDenied
        (banned, account too young), RateLimited (rate or daily cap), InvalidArxivId / InvalidInput (bad id or
        URL, paper too old), PaperNotFound (arXiv does not know it), SourceError (arXiv unreachable).
        """
        self.rate_limiter.hit("submit", str(user.id), self.settings.rate_limit_submit)
        now = self.clock.now()
        self._check_may_submit(user, now)
        arxiv_id = parse_arxiv_ref(ref).arxiv_id
        repo, page = validate_github_repo(github_repo), validate_url(project_page, "project page")
        existing = self.store.get_feed_entry(arxiv_id)
        if existing is not None:
            if existing.submitter_id == user.id:  # the submitter may add links later by submitting again
                self.store.fill_paper_links(arxiv_id, repo, page)
            return Submission(existing, self._stored_paper(arxiv_id), created=False)
        self._check_daily_cap(user, now)
        paper = self.store.get_paper(arxiv_id) or self._fetch_for_submission(arxiv_id)
        oldest = now - timedelta(days=self.settings.submission_max_age_days)
        if paper.published < oldest:
            raise InvalidInput(
                f"arXiv {arxiv_id} was first published on {paper.published:%B %-d, %Y}; the daily feed takes "
                f"papers from the last {self.settings.submission_max_age_days} days only"
            )
        entry, created = self.store.submit_entry(
            FeedEntry(
                arxiv_id,
                now.date(),
                now,
                submitted_by=user.username,
                source="user",
                submitter_id=user.id,
            )
        )
        if created or entry.submitter_id == user.id:
            self.store.fill_paper_links(arxiv_id, repo, page)
        return Submission(entry, self._stored_paper(arxiv_id), created)

    def _check_may_submit(self, user: User, now: datetime) -> None:
        if user.is_banned:
            raise PermissionDenied("this account is banned and cannot submit papers")
        min_age = timedelta(hours=self.settings.submit_min_account_age_hours)
        if now - user.created_at < min_age:
            allowed = user.created_at + min_age
            raise PermissionDenied(
                f"new accounts can submit papers {self.settings.submit_min_account_age_hours} hours after sign-up; "
                f"yours can from {allowed:%Y-%m-%d %H:%M} UTC"
            )

    def _check_daily_cap(self, user: User, now: datetime) -> None:
        day_start = datetime.combine(now.date(), time(0), tzinfo=UTC)
        cap = self.settings.submissions_per_day
        if self.store.count_submissions(user.id, day_start) >= cap:
            wait = math.ceil((day_start + timedelta(days=1) - now).total_seconds())
            raise RateLimited(f"you have submitted {cap} papers today, the daily limit; more tomorrow (UTC)", wait)

    def _fetch_for_submission(self, arxiv_id: str) -> Paper:
        fetched = self.arxiv.fetch(arxiv_id)
        if fetched is None:
            raise PaperNotFound(arxiv_id)
        self.store.upsert_papers([fetched])
        return self._stored_paper(arxiv_id)

    def _stored_paper(self, arxiv_id: str) -> Paper:
        paper = self.store.get_paper(arxiv_id)
        assert paper is not None  # on the feed, or just stored
        return paper

    # -- upvotes -----------------------------------------------------------------------------------------

    def set_upvote(self, user: User, arxiv_id: str, upvoted: bool | None = None) -> VoteState:
        """Upvote (True), withdraw (False) or toggle (None) `user`'s vote; repeating a state is a no-op.

        Raises PermissionDenied (banned), RateLimited, InvalidArxivId or PaperNotFound.
        """
        if user.is_banned:
            raise PermissionDenied("this account is banned and cannot vote")
        canonical = parse_arxiv_ref(arxiv_id).arxiv_id
        self.rate_limiter.hit("vote", str(user.id), self.settings.rate_limit_vote)
        return self.store.set_vote(user.id, canonical, upvoted, self.clock.now())

    def upvoted_ids(self, user: User | None, arxiv_ids: list[str]) -> set[str]:
        """Which of these papers `user` has upvoted (none for visitors), to draw the buttons pressed."""
        return self.store.upvoted_among(user.id, arxiv_ids) if user is not None and arxiv_ids else set()

    # -- trending ----------------------------------------------------------------------------------------

    @property
    def trending_params(self) -> TrendingParams:
        return TrendingParams(min_account_age_hours=float(self.settings.trending_min_account_age_hours))

    def trending_query(
        self, start: date | None = None, end: date | None = None, submitter: str | None = None
    ) -> FeedQuery:
        """A feed query in trending order as of now, under this hub's parameters."""
        return FeedQuery(start, end, submitter, order="trending", as_of=self.clock.now(), trending=self.trending_params)

    def trending(self, days: int = TRENDING_DAYS, page: int = 1, end: date | None = None) -> TrendingPage:
        """Papers submitted in the `days` days up to `end` (default today, included), highest trending score first.

        A past window is ranked as of the end of its last day (votes cast after it count as cast then).
        """
        if not 1 <= days <= TRENDING_MAX_DAYS:
            raise InvalidInput(f"days must be from 1 to {TRENDING_MAX_DAYS}")
        if page < 1:
            raise InvalidInput("page numbers start at 1")
        now, params = self.clock.now(), self.trending_params
        if end is not None and end > now.date():
            raise InvalidInput(f"the trending window cannot end in the future ({end.isoformat()})")
        if end is not None and end < now.date():
            now = datetime.combine(end, time.max, tzinfo=UTC)
        end = now.date()
        start = end - timedelta(days=days - 1)
        query = FeedQuery(start, end, order="trending", as_of=now, trending=params)
        size: int = self.settings.page_size
        items = self.store.feed_items(query, limit=size, offset=(page - 1) * size)
        scores = self.store.trending_scores([i.paper.arxiv_id for i in items], now, params)
        total = self.store.count_feed_items(query)
        return TrendingPage(items, scores, total, page, size, days, start, end, now)

    # -- GitHub stars ------------------------------------------------------------------------------------

    def refresh_github_stars(self, limit: int = STARS_BATCH) -> StarsReport:
        """Fetch star counts of repositories linked from recent feed papers whose count is older than
        `github_refresh_hours`, and write today's snapshot; stops early while GitHub's rate limit is spent."""
        report = StarsReport()
        now = self.clock.now()
        due = self.store.repos_to_refresh(
            feed_since=now.date() - timedelta(days=TRENDING_MAX_DAYS),
            stale_before=now - timedelta(hours=self.settings.github_refresh_hours),
            limit=limit,
        )
        for repo in due:
            try:
                result = self.github.repo_stars(repo.repo, repo.etag)
            except SourceUnavailable as exc:
                report.paused_for = exc.retry_after
                report.errors.append(f"{repo.repo}: {exc}")
                log.warning("GitHub stars: %s; stopping this round", exc)
                break
            except (SourceError, InvalidInput) as exc:
                report.failed += 1
                report.errors.append(f"{repo.repo}: {exc}")
                self.store.record_repo_error(repo.repo, str(exc), now)
                continue
            if result is None:
                report.missing += 1
                self.store.record_repo_error(repo.repo, "repository not found on GitHub", now)
                continue
            self.store.record_stars(result, now)
            if result.not_modified:
                report.not_modified += 1
            else:
                report.refreshed += 1
        return report
