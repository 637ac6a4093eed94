"""The trends and activity reads (adapters/sql/trends.py) on SQLite and PostgreSQL: the data stamp, the newest
paper, feed papers by publication day, vote times and star histories."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from dailypapers.adapters.sql.store import SqlStore
from dailypapers.ports.trends import FeedPaper
from dailypapers.ports.votes import RepoStars
from tests.web.seed import entry, paper

NOW = datetime(2026, 8, 21, 12, tzinfo=UTC)


def test_stamp_changes_with_papers_feed_and_hiding_but_not_with_reads(store: SqlStore) -> None:
    empty = store.trends_stamp()
    store.upsert_papers([paper("2608.00001"), paper("2608.00002")])
    stored = store.trends_stamp()
    assert stored != empty
    assert store.trends_stamp() == stored  # reading changes nothing
    store.upsert_papers([paper("2608.00001")])  # unchanged: skipped, no write
    assert store.trends_stamp() == stored
    store.upsert_papers([dataclasses.replace(paper("2608.00001"), title="A new title", version=2)])
    changed = store.trends_stamp()
    assert changed != stored
    store.add_feed_entries([entry("2608.00002", date(2026, 8, 20))])
    on_feed = store.trends_stamp()
    assert on_feed != changed
    admin = store.get_or_create_user("admin@example.org", "admin", NOW)
    assert store.set_paper_hidden("2608.00002", True, actor_id=admin.id, reason="spam", now=NOW + timedelta(days=1))
    assert store.trends_stamp() != on_feed


def test_newest_published_is_on_or_before_the_day(store: SqlStore) -> None:
    assert store.newest_published(date(2026, 8, 21)) is None
    store.upsert_papers(
        [
            paper("2608.00001", published=datetime(2026, 8, 10, 23, 30, tzinfo=UTC)),
            paper("2608.00002", published=datetime(2026, 8, 25, tzinfo=UTC)),  # "from the future"
        ]
    )
    assert store.newest_published(date(2026, 8, 21)) == date(2026, 8, 10)
    assert store.newest_published(date(2026, 8, 25)) == date(2026, 8, 25)
    assert store.newest_published(date(2026, 8, 9)) is None


def test_feed_papers_published_in_the_window_without_hidden_ones(store: SqlStore) -> None:
    days = {"2608.00001": 3, "2608.00002": 9, "2608.00003": 10, "2608.00004": 11, "2608.00005": 9}
    store.upsert_papers(
        [paper(i, published=datetime(2026, 8, d, 23, 59, tzinfo=UTC), imported_upvotes=d) for i, d in days.items()]
    )
    store.add_feed_entries([entry(i, date(2026, 8, 12)) for i in days if i != "2608.00005"])  # 00005: not on the feed
    admin = store.get_or_create_user("admin@example.org", "admin", NOW)
    store.set_paper_hidden("2608.00004", True, actor_id=admin.id, reason="spam", now=NOW)
    found = sorted(store.feed_papers_published(date(2026, 8, 9), date(2026, 8, 11)), key=lambda p: p.arxiv_id)
    assert found == [FeedPaper("2608.00002", date(2026, 8, 9), 9), FeedPaper("2608.00003", date(2026, 8, 10), 10)]
    user = store.get_or_create_user("ada@example.org", "ada", NOW)
    store.set_vote(user.id, "2608.00002", True, NOW)
    assert FeedPaper("2608.00002", date(2026, 8, 9), 10) in store.feed_papers_published(
        date(2026, 8, 9), date(2026, 8, 9)
    )


def test_vote_times_and_star_histories(store: SqlStore) -> None:
    store.upsert_papers([paper("2608.00001"), paper("2608.00002")])
    ada = store.get_or_create_user("ada@example.org", "ada", NOW - timedelta(days=30))
    bob = store.get_or_create_user("bob@example.org", "bob", NOW - timedelta(days=30))
    store.set_vote(bob.id, "2608.00001", True, NOW - timedelta(days=2))
    store.set_vote(ada.id, "2608.00001", True, NOW - timedelta(days=5))
    store.set_vote(ada.id, "2608.00002", True, NOW)
    store.set_vote(ada.id, "2608.00002", False, NOW)  # withdrawn: gone
    times = store.vote_times(["2608.00001", "2608.00002", "2608.00001"])
    assert times == {"2608.00001": [NOW - timedelta(days=5), NOW - timedelta(days=2)]}
    assert store.vote_times(["2608.00001"], since=NOW - timedelta(days=3)) == {"2608.00001": [NOW - timedelta(days=2)]}
    for day, stars in ((1, 10), (3, 30), (5, 50)):
        store.record_stars(RepoStars("a/b", stars, None), datetime(2026, 8, day, 6, tzinfo=UTC))
    store.record_stars(RepoStars("c/d", 7, None), datetime(2026, 8, 4, 6, tzinfo=UTC))
    histories = store.star_histories(["a/b", "c/d", "x/y"], date(2026, 8, 2))
    assert histories == {"a/b": [(date(2026, 8, 3), 30), (date(2026, 8, 5), 50)], "c/d": [(date(2026, 8, 4), 7)]}
