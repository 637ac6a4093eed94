"""Ports for papers, the feed, job state, arXiv and the clock; adapters implement them, each says what it raises."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from dailypapers.domain.models import FeedEntry, FeedItem, FeedQuery, HarvestPage, Paper, PaperView, UpsertResult


class PaperStore(Protocol):
    """Papers, the feed and job state. Any method can raise StorageError.

    Visibility: a paper a moderator hid is absent from every read that shows papers to people — feed_items,
    count_feed_items, paper_views, match_papers and list_papers (unless `include_hidden`). get_paper / get_papers
    see every stored paper: they serve writers, indexers and moderation, never a page on their own.
    """

    def upsert_papers(self, papers: Sequence[Paper]) -> UpsertResult:
        """Insert new papers, merge known ones (see merging.merge_paper); never deletes."""
        ...

    def get_paper(self, arxiv_id: str) -> Paper | None:
        """Any stored paper, hidden ones included (see the class docstring)."""
        ...

    def get_papers(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]: ...

    def abstracts(self, arxiv_ids: Sequence[str]) -> dict[str, str]:
        """The abstracts of any stored papers by id, hidden ones included (search snippets need nothing else)."""
        ...

    def hidden_ids(self) -> frozenset[str]:
        """Ids of the papers moderators hid (few, and an indexed lookup): search indexes that cannot consult the
        papers table leave these out of every result."""
        ...

    def count_papers(self) -> int: ...

    def add_feed_entries(self, entries: Sequence[FeedEntry]) -> int:
        """Put papers on the feed; a paper already on the feed keeps its entry. Returns how many were added."""
        ...

    def get_feed_entry(self, arxiv_id: str) -> FeedEntry | None: ...

    def feed_items(self, query: FeedQuery, *, limit: int, offset: int = 0) -> list[FeedItem]:
        """Feed entries matching the query, in its order (see FeedQuery)."""
        ...

    def count_feed_items(self, query: FeedQuery) -> int: ...

    def paper_views(self, arxiv_ids: Sequence[str]) -> dict[str, PaperView]:
        """Papers with their feed entry and upvotes, keyed by id; unknown ids are absent."""
        ...

    def match_papers(self, terms: Sequence[str], *, limit: int) -> list[str]:
        """Ids of papers whose title, abstract or authors contain every term (case-insensitive), most upvoted
        first. Plain substring matching: the hybrid search issue replaces it with a ranked index."""
        ...

    def list_papers(
        self, *, limit: int, after: tuple[datetime, str] | None = None, include_hidden: bool = False
    ) -> list[Paper]:
        """Visible papers, newest published first (ties by id, descending); `after` is the last (published, id)
        seen. Indexers pass `include_hidden`, so unhiding a paper needs no rebuild."""
        ...

    def latest_feed_date(self, on_or_before: date | None = None) -> date | None: ...

    def neighbour_feed_dates(
        self, start: date, end: date, *, organization: str | None = None
    ) -> tuple[date | None, date | None]:
        """The nearest feed dates with entries (of this organization's papers, if given) before `start` and after
        `end`."""
        ...

    def get_state(self, key: str) -> str | None:
        """Small durable job state (harvest resumption tokens, last datestamps)."""
        ...

    def set_state(self, key: str, value: str | None) -> None:
        """Store or (with None) clear a state value."""
        ...


class LeaseStore(Protocol):
    """Named job leases shared by every process on every host. Any method can raise StorageError."""

    def acquire_lease(self, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take (or renew, for the same holder) the lease until now + ttl; False while someone else holds it."""
        ...

    def release_lease(self, name: str, holder: str) -> None: ...


class ArxivSource(Protocol):
    """arXiv's OAI-PMH and query API. Raises SourceUnavailable, BadResumptionToken or SourceError."""

    def list_records(self, set_spec: str, from_date: date | None, resumption_token: str | None) -> HarvestPage: ...

    def fetch(self, arxiv_id: str) -> Paper | None:
        """The latest version of one paper, or None when arXiv does not know the id."""
        ...

    def fetch_many(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        """The latest versions of several papers (a few requests for many ids), by id; unknown ids are absent."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class ProgressSink(Protocol):
    """Told how far a long job (import, harvest) got; the CLI shows a bar, the worker logs."""

    def advance(self, amount: int) -> None: ...
