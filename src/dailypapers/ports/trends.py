"""Ports for topic trends and activity charts: what they read from the store, and the values that cross."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FeedPaper:
    """A paper on the feed as trends sees it: when it was published and its upvotes (every vote, as pages show)."""

    arxiv_id: str
    published: date
    upvotes: int


class TrendsStore(Protocol):
    """What topic trends read besides the search index. Any method can raise StorageError."""

    def trends_stamp(self) -> str:
        """A value that changes whenever papers or the feed change (a paper stored, changed or hidden, a feed entry
        added): cached counts are keyed by it. Read from indexes, never by scanning the papers."""
        ...

    def newest_published(self, on_or_before: date) -> date | None:
        """The publication day of the newest paper published on or before that day; None for an empty hub."""
        ...

    def feed_papers_published(self, start: date, end: date) -> list[FeedPaper]:
        """Papers on the feed (hidden ones left out, as feeds leave them out) published from `start` to `end`."""
        ...


class ActivityStore(Protocol):
    """What the upvote and star charts read. Any method can raise StorageError."""

    def vote_times(self, arxiv_ids: Sequence[str], since: datetime | None = None) -> dict[str, list[datetime]]:
        """When each of this hub's votes on these papers was cast (at or after `since`), oldest first; papers
        without votes are absent. Imported upvotes have no times and are not here."""
        ...

    def star_histories(self, repos: Sequence[str], since: date) -> dict[str, list[tuple[date, int]]]:
        """(day, stars) snapshots of these repositories ("owner/name", lower-cased) from `since` on, oldest first."""
        ...
