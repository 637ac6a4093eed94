"""TopicTrends counts from the index once per data change: repeated requests are served from its cache, a stored
paper, a new feed entry or the entry's lifetime running out makes it count again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.query import ParsedQuery
from dailypapers.hub import Hub
from dailypapers.search import SearchService
from dailypapers.usecases.trends import CACHE_SECONDS, TopicTrends
from tests.web.seed import entry, paper, store


class CountingSearch(SearchService):
    """The real engine, noting how often the index is asked to count."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.counted = 0

    def count_by_week(self, query: ParsedQuery, *, start: date, weeks: int) -> list[int]:
        self.counted += 1
        return super().count_by_week(query, start=start, weeks=weeks)


@pytest.fixture
def search(hub: Hub, tmp_path: Path) -> CountingSearch:
    engine = CountingSearch(hub.store, tmp_path / "counting", None)
    hub.search_engine = engine
    store(hub, [paper("2608.00001", title="Agents at work", published=datetime(2026, 8, 18, tzinfo=UTC))])
    return engine


def last_week(trends: TopicTrends, q: str = "agents") -> tuple[int, int]:
    week = trends.weekly(q).topics[0].weeks[-1]
    return week.count, week.feed_count


def test_repeated_requests_are_counted_once(hub: Hub, search: CountingSearch, clock: FixedClock) -> None:
    trends = TopicTrends(hub.store, search, clock)
    assert last_week(trends) == (1, 0)
    counted = search.counted
    assert counted == 2  # the topic, and every paper of each week (for shares)
    assert last_week(trends) == (1, 0)
    assert trends.weekly("agents, agents cat:cs.LG").topics[0].weeks[-1].count == 1
    assert search.counted == counted + 1  # only the new topic


def test_new_papers_and_feed_entries_are_counted(hub: Hub, search: CountingSearch, clock: FixedClock) -> None:
    trends = TopicTrends(hub.store, search, clock)
    assert last_week(trends) == (1, 0)
    store(hub, [paper("2608.00002", title="More agents", published=datetime(2026, 8, 19, tzinfo=UTC))])
    assert last_week(trends) == (2, 0)
    hub.store.add_feed_entries([entry("2608.00001", date(2026, 8, 19))])
    assert last_week(trends) == (2, 1)


def test_entries_expire(hub: Hub, search: CountingSearch, clock: FixedClock) -> None:
    trends = TopicTrends(hub.store, search, clock)
    last_week(trends)
    counted = search.counted
    clock.at += timedelta(seconds=CACHE_SECONDS - 1)
    last_week(trends)
    assert search.counted == counted
    clock.at += timedelta(seconds=2)
    last_week(trends)
    assert search.counted == counted + 2


def test_the_cache_is_bounded(hub: Hub, search: CountingSearch, clock: FixedClock) -> None:
    trends = TopicTrends(hub.store, search, clock, cache_entries=4)
    for topic in ("agents", "robots", "diffusion"):
        trends.weekly(topic)
        assert len(trends.cache._items) <= 4
    counted = search.counted
    trends.weekly("agents")  # pushed out by the others: counted again
    assert search.counted > counted
