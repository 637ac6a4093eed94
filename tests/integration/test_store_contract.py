"""The Store contract: every storage backend must pass these unchanged (the `store` fixture picks the backend)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.models import FeedEntry, FeedQuery, Paper


def make_paper(n: int, **changes: object) -> Paper:
    paper = Paper(
        arxiv_id=f"2408.{n:05d}",
        title=f"Paper {n}: Über $\\alpha$-attention",
        abstract=f"Abstract {n} with unicode ∑ and <tags>.",
        authors=("Zoë Author", f"Author {n}"),
        published=datetime(2024, 8, 1, 12, 30, tzinfo=UTC),
        version=1,
        categories=("cs.CL", "cs.LG"),
        comment="10 pages",
        doi=None,
        github_repo=f"https://github.com/org/repo{n}",
        imported_upvotes=n,
    )
    return dataclasses.replace(paper, **changes)  # type: ignore[arg-type]


def entry(n: int, day: date, minutes: int = 0, **changes: object) -> FeedEntry:
    at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(minutes=minutes)
    return dataclasses.replace(FeedEntry(f"2408.{n:05d}", day, at, submitted_by=f"user{n}"), **changes)  # type: ignore[arg-type]


def test_papers_round_trip_every_field(store: SqlStore) -> None:
    paper = make_paper(1, updated=datetime(2024, 8, 3, tzinfo=UTC), journal_ref="J. 1", license="CC-BY")
    result = store.upsert_papers([paper])
    assert result.inserted_ids == ("2408.00001",)
    assert store.get_paper("2408.00001") == paper
    assert store.get_paper("2408.99999") is None
    assert store.count_papers() == 1


def test_upsert_is_idempotent_and_newer_versions_update(store: SqlStore) -> None:
    store.upsert_papers([make_paper(1), make_paper(2)])
    again = store.upsert_papers([make_paper(1), make_paper(2)])
    assert (again.inserted_ids, again.updated, again.skipped) == ((), 0, 2)
    newer = store.upsert_papers([make_paper(1, version=2, title="Revised", github_repo=None)])
    assert (newer.updated, newer.skipped) == (1, 0)
    stored = store.get_paper("2408.00001")
    assert stored is not None
    assert (stored.version, stored.title) == (2, "Revised")
    assert stored.github_repo == "https://github.com/org/repo1"  # a newer record never blanks a field
    older = store.upsert_papers([make_paper(1, version=1, title="Stale")])
    assert older.skipped == 1
    assert store.count_papers() == 2


def test_large_batches_cross_the_parameter_limit(store: SqlStore) -> None:
    papers = [make_paper(n) for n in range(2500)]
    assert len(store.upsert_papers(papers).inserted_ids) == 2500
    assert len(store.get_papers([p.arxiv_id for p in papers])) == 2500
    assert store.upsert_papers(papers).skipped == 2500


def test_feed_entries_are_unique_per_paper(store: SqlStore) -> None:
    store.upsert_papers([make_paper(1)])
    day = date(2024, 8, 2)
    assert store.add_feed_entries([entry(1, day)]) == 1
    assert store.add_feed_entries([entry(1, day + timedelta(days=1), submitted_by="late")]) == 0
    kept = store.get_feed_entry("2408.00001")
    assert kept is not None
    assert (kept.feed_date, kept.submitted_by) == (day, "user1")
    assert store.get_feed_entry("2408.00002") is None


def test_feed_items_order_range_and_paging(store: SqlStore) -> None:
    day = date(2024, 8, 2)
    store.upsert_papers([make_paper(n, imported_upvotes=v) for n, v in [(1, 5), (2, 9), (3, 5), (4, 1), (5, 50)]])
    store.add_feed_entries(
        [entry(1, day, 30), entry(2, day, 40), entry(3, day, 10), entry(4, day, 0), entry(5, day + timedelta(days=9))]
    )
    items = store.feed_items(FeedQuery(day, day), limit=10)
    # most upvoted first; equal upvotes: earlier submission first
    assert [i.paper.arxiv_id[-1] for i in items] == ["2", "3", "1", "4"]
    assert [i.upvotes for i in items] == [9, 5, 5, 1]
    assert items[0].entry.submitted_by == "user2"
    assert [i.paper.arxiv_id[-1] for i in store.feed_items(FeedQuery(day, day), limit=2, offset=2)] == ["1", "4"]
    assert store.count_feed_items(FeedQuery(day, day)) == 4
    assert store.count_feed_items(FeedQuery(day, day + timedelta(days=30))) == 5
    assert store.feed_items(FeedQuery(day + timedelta(days=1), day + timedelta(days=8)), limit=10) == []


def test_latest_and_neighbour_feed_dates(store: SqlStore) -> None:
    assert store.latest_feed_date() is None
    assert store.neighbour_feed_dates(date(2024, 1, 1), date(2024, 1, 1)) == (None, None)
    days = [date(2024, 8, 1), date(2024, 8, 5), date(2024, 8, 20)]
    store.upsert_papers([make_paper(n) for n in range(3)])
    store.add_feed_entries([entry(n, d) for n, d in enumerate(days)])
    assert store.latest_feed_date() == date(2024, 8, 20)
    assert store.latest_feed_date(on_or_before=date(2024, 8, 19)) == date(2024, 8, 5)
    assert store.neighbour_feed_dates(date(2024, 8, 5), date(2024, 8, 5)) == (date(2024, 8, 1), date(2024, 8, 20))
    assert store.neighbour_feed_dates(date(2024, 8, 1), date(2024, 8, 31)) == (None, None)


def test_job_state(store: SqlStore) -> None:
    assert store.get_state("oai:cs:resumption_token") is None
    store.set_state("oai:cs:resumption_token", "abc|1001")
    store.set_state("oai:cs:resumption_token", "abc|2001")
    assert store.get_state("oai:cs:resumption_token") == "abc|2001"
    store.set_state("oai:cs:resumption_token", None)
    assert store.get_state("oai:cs:resumption_token") is None


def test_feed_by_submitter_and_most_recent_first(store: SqlStore) -> None:
    day = date(2024, 8, 2)
    store.upsert_papers([make_paper(n) for n in range(1, 5)])
    store.add_feed_entries([entry(1, day, 5), entry(2, day, 1, submitted_by="ak"), entry(3, day, 9, submitted_by="ak")])
    store.add_feed_entries([entry(4, day + timedelta(days=1), submitted_by="ak")])
    recent = store.feed_items(FeedQuery(submitter="ak", order="recent"), limit=10)
    assert [i.paper.arxiv_id[-1] for i in recent] == ["4", "3", "2"]
    assert store.count_feed_items(FeedQuery(submitter="ak")) == 3
    assert store.count_feed_items(FeedQuery(end=day)) == 3
    assert store.feed_items(FeedQuery(submitter="nobody"), limit=10) == []


def test_list_papers_pages_by_cursor(store: SqlStore) -> None:
    store.upsert_papers([make_paper(n, published=datetime(2024, 8, 1 + n % 3, tzinfo=UTC)) for n in range(7)])
    seen: list[str] = []
    after = None
    while page := store.list_papers(limit=3, after=after):
        seen += [p.arxiv_id for p in page]
        after = (page[-1].published, page[-1].arxiv_id)
    assert len(seen) == len(set(seen)) == 7
    published = [store.get_paper(i).published for i in seen]  # type: ignore[union-attr]
    assert published == sorted(published, reverse=True)


def test_paper_views_and_term_matching(store: SqlStore) -> None:
    store.upsert_papers(
        [
            make_paper(1, title="Sparse attention for long 100% context", imported_upvotes=3),
            make_paper(2, title="Dense attention", imported_upvotes=8),
            make_paper(3, title="Graph networks", authors=("Ada Lovelace",)),
        ]
    )
    store.add_feed_entries([entry(2, date(2024, 8, 2))])
    views = store.paper_views(["2408.00001", "2408.00002", "2408.09999"])
    assert set(views) == {"2408.00001", "2408.00002"}
    assert views["2408.00001"].entry is None
    assert views["2408.00002"].entry is not None
    assert views["2408.00002"].upvotes == 8
    assert store.match_papers(["ATTENTION"], limit=10) == ["2408.00002", "2408.00001"]
    assert store.match_papers(["attention", "sparse"], limit=10) == ["2408.00001"]
    assert store.match_papers(["100%"], limit=10) == ["2408.00001"]
    assert store.match_papers(["1_0"], limit=10) == []
    assert store.match_papers(["lovelace"], limit=10) == ["2408.00003"]
    store.upsert_papers([make_paper(4, title="Unrelated", authors=("Zoë Çelik",))])
    assert store.match_papers(["Zoë", "Çelik"], limit=10) == ["2408.00004"]


def test_leases_exclude_other_holders_until_expiry(store: SqlStore) -> None:
    now = datetime(2026, 8, 21, 12, tzinfo=UTC)
    ttl = timedelta(minutes=10)
    assert store.acquire_lease("harvest", "worker-a", now, ttl)
    assert not store.acquire_lease("harvest", "worker-b", now + timedelta(minutes=5), ttl)
    assert store.acquire_lease("harvest", "worker-a", now + timedelta(minutes=5), ttl)  # renewal
    assert not store.acquire_lease("harvest", "worker-b", now + timedelta(minutes=14), ttl)
    assert store.acquire_lease("harvest", "worker-b", now + timedelta(minutes=16), ttl)  # a's lease lapsed
    store.release_lease("harvest", "worker-a")  # not a's any more: nothing happens
    assert not store.acquire_lease("harvest", "worker-a", now + timedelta(minutes=17), ttl)
    store.release_lease("harvest", "worker-b")
    assert store.acquire_lease("harvest", "worker-a", now + timedelta(minutes=17), ttl)
    assert store.acquire_lease("digest:2026-08-21", "worker-b", now, ttl)  # leases are per name
