"""TopicTrends: papers per week for up to four topics, from the search index's counts and the feed, cached per
data change. Reads only; the week layout and request checks are domain.trends', the counting the engines'.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.query import ParsedQuery, SearchFilters
from dailypapers.domain.trends import (
    DEFAULT_MONTHS,
    MAX_MONTHS,
    TOP_PAPERS,
    Topic,
    Week,
    WeekCount,
    feed_counts,
    parse_topics,
    window_weeks,
)
from dailypapers.ports import Clock, SearchEngine
from dailypapers.ports.trends import FeedPaper, TrendsStore

CACHE_ENTRIES = 512  # a topic's counts are a few hundred bytes: this bounds the cache well under a megabyte
# The stamp changes with the database; the tantivy index commits a moment after it (during a bulk import, up to an
# import batch later), so an entry computed in between could hold counts from before the commit under the new
# stamp. Entries therefore also expire: a wrong count lives at most this long.
CACHE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class TopicTrend:
    """One topic over the window: its weekly counts and its top papers (most upvoted on the feed, then the best
    keyword matches)."""

    topic: Topic
    weeks: tuple[WeekCount, ...]
    top_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrendsReport:
    """Every topic of a request over the same weeks, and how many papers each week had at all (for shares)."""

    topics: tuple[TopicTrend, ...]
    weeks: tuple[Week, ...]
    all_counts: tuple[int, ...]
    months: int
    last_day: date  # the window ends here: today, or the newest paper's day when the hub has none since
    today: date

    @property
    def start(self) -> date:
        return self.weeks[0].start


class _Cache:
    """A small LRU whose entries expire; one per process, shared by its threads."""

    def __init__(self, entries: int, seconds: float, now: Callable[[], datetime]) -> None:
        self.entries, self.lifetime, self.now = entries, timedelta(seconds=seconds), now
        self._items: OrderedDict[Hashable, tuple[datetime, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = self.now()
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] > now:
                self._items.move_to_end(key)
                return found[1]
        value = compute()  # outside the lock: two threads may compute the same entry once each, never block
        with self._lock:
            self._items[key] = (now + self.lifetime, value)
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class TopicTrends:
    """`hub.trends`: weekly counts of topics (keyword matches, as /api/v1/search?mode=keyword totals them)."""

    def __init__(
        self,
        store: TrendsStore,
        search: SearchEngine,
        clock: Clock,
        *,
        cache_entries: int = CACHE_ENTRIES,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self.store, self.search, self.clock = store, search, clock
        self.cache = _Cache(cache_entries, cache_seconds, clock.now)

    def weekly(self, q: str, months: int = DEFAULT_MONTHS) -> TrendsReport:
        """Each topic of `q` (comma-separated) per week over the last `months` months; InvalidInput for a bad
        request. The window ends today, or on the newest paper's day when nothing was published since."""
        if not 1 <= months <= MAX_MONTHS:
            raise InvalidInput(f"months must be from 1 to {MAX_MONTHS}")
        topics = parse_topics(q)
        today = self.clock.now().date()
        last_day = self.store.newest_published(today) or today
        weeks = window_weeks(last_day, months)
        stamp = self.store.trends_stamp()
        window = (weeks[0].start, len(weeks), stamp)
        # Cached with the counts, upvotes included: votes do not change the stamp, so a topic's top papers follow
        # new votes when the entry expires (CACHE_SECONDS) or the papers change, whichever comes first.
        feed = self.cache.get(
            ("feed", *window), lambda: self.store.feed_papers_published(weeks[0].start, weeks[-1].end)
        )
        all_counts = self.cache.get(("all", *window), lambda: self._counts(ParsedQuery(), weeks))
        trends = tuple(self._topic(topic, weeks, feed, window) for topic in topics)
        return TrendsReport(trends, tuple(weeks), tuple(all_counts), months, last_day, today)

    def _counts(self, query: ParsedQuery, weeks: list[Week]) -> list[int]:
        return self.search.count_by_week(query, start=weeks[0].start, weeks=len(weeks))

    def _topic(self, topic: Topic, weeks: list[Week], feed: list[FeedPaper], window: tuple[Any, ...]) -> TopicTrend:
        counts: list[int] = self.cache.get(("counts", topic.query, *window), lambda: self._counts(topic.query, weeks))
        matched: set[str] = self.cache.get(
            ("on feed", topic.query, *window), lambda: self.search.matching_ids(topic.query, [p.arxiv_id for p in feed])
        )
        on_feed = [p for p in feed if p.arxiv_id in matched]
        per_week = feed_counts(weeks, [p.published for p in on_feed])
        series = tuple(
            WeekCount(week.start, week.end, count, feed_count)
            for week, count, feed_count in zip(weeks, counts, per_week, strict=True)
        )
        top = [p.arxiv_id for p in sorted(on_feed, key=lambda p: (-p.upvotes, p.arxiv_id))[:TOP_PAPERS]]
        if len(top) < TOP_PAPERS:
            best: list[str] = self.cache.get(("best", topic.query, *window), lambda: self._best_matches(topic, weeks))
            top += [arxiv_id for arxiv_id in best if arxiv_id not in top][: TOP_PAPERS - len(top)]
        return TopicTrend(topic, series, tuple(top))

    def _best_matches(self, topic: Topic, weeks: list[Week]) -> list[str]:
        """The window's best keyword matches, to fill a topic's top papers when the feed has few of them."""
        filters = SearchFilters(start=weeks[0].start, end=weeks[-1].end)
        results = self.search.search(topic.q, mode="keyword", page_size=2 * TOP_PAPERS, filters=filters)
        return [hit.arxiv_id for hit in results.hits]
