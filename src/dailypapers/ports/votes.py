"""Ports for votes, submissions, trending and GitHub stars, with the small values they exchange."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from dailypapers.domain.models import FeedEntry
from dailypapers.domain.ranking import CastVote, TrendingParams


@dataclass(frozen=True, slots=True)
class VoteState:
    """One account's vote on one paper after a change, and the paper's upvotes as pages show them."""

    arxiv_id: str
    upvoted: bool
    upvotes: int  # imported + community votes, every vote (trending filters its own)


@dataclass(frozen=True, slots=True)
class RepoStars:
    """What GitHub said about a repository: `stars` None with `not_modified` when the ETag still matched."""

    repo: str  # "owner/name", lower-cased
    stars: int | None
    etag: str | None
    not_modified: bool = False


@dataclass(frozen=True, slots=True)
class TrackedRepo:
    """A repository linked from a recent feed paper, with what the last fetch left."""

    repo: str
    stars: int | None
    etag: str | None
    fetched_at: datetime | None


class VoteStore(Protocol):
    """Votes (one per account and paper), submissions, trending inputs, star snapshots.

    Any method can raise StorageError.
    """

    def set_vote(self, user_id: int, arxiv_id: str, upvoted: bool | None, at: datetime) -> VoteState:
        """Make the account's vote on the paper `upvoted` (None: the opposite of what it is) and rewrite the
        paper's cached count from the votes table, in one write transaction. Setting the current state again
        changes nothing. Raises PaperNotFound."""
        ...

    def upvoted_among(self, user_id: int, arxiv_ids: Sequence[str]) -> set[str]:
        """Which of these papers the account has upvoted."""
        ...

    def cast_votes(self, arxiv_id: str) -> list[CastVote]:
        """Every vote on a paper with its account's age data, oldest first (the Python side of trending)."""
        ...

    def submit_entry(self, entry: FeedEntry) -> tuple[FeedEntry, bool]:
        """Put the paper on the feed unless it is already there; (the paper's entry, whether it is new)."""
        ...

    def count_submissions(self, user_id: int, since: datetime) -> int:
        """How many feed entries the account submitted at or after `since`."""
        ...

    def fill_paper_links(self, arxiv_id: str, github_repo: str | None, project_page: str | None) -> None:
        """Store the code and project links on the paper where it has none yet; never overwrites."""
        ...

    def trending_scores(self, arxiv_ids: Sequence[str], now: datetime, params: TrendingParams) -> dict[str, float]:
        """The SQL-computed trending score of each listed paper on the feed (ranking.py's formula)."""
        ...

    def repos_to_refresh(self, *, feed_since: date, stale_before: datetime, limit: int) -> list[TrackedRepo]:
        """GitHub repositories linked from papers on the feed since `feed_since` whose count was fetched at or before
        `stale_before` (or never), least recently fetched first."""
        ...

    def record_stars(self, result: RepoStars, at: datetime) -> None:
        """Save a fetch (a 304 keeps the count), and the day's snapshot of the count for star velocity."""
        ...

    def record_repo_error(self, repo: str, error: str, at: datetime) -> None:
        """Remember that fetching a repository failed (it is retried when stale again)."""
        ...

    def repo_stars(self, repos: Sequence[str]) -> dict[str, int]:
        """The last known star count of each "owner/name" (lower-cased) that has one."""
        ...

    def star_snapshots(self, repo: str) -> list[tuple[date, int]]:
        """(day, stars) of a repository, oldest first."""
        ...


class GitHubSource(Protocol):
    """GitHub's REST API for repository star counts.

    Raises SourceUnavailable (with `retry_after`) while rate-limited or unreachable, SourceError otherwise.
    """

    def repo_stars(self, repo: str, etag: str | None = None) -> RepoStars | None:
        """The star count of "owner/name"; `etag` from the last answer makes an unchanged repository a cheap 304.
        None when the repository does not exist (or is no longer visible)."""
        ...
