"""The UpstreamStore contract on SQLite and PostgreSQL: mirrored entries, the latest answer wins, organizations."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.models import FeedEntry, FeedQuery, ImportRecord, Organization, Paper

HUB = "https://huggingface.co"
T0 = datetime(2026, 8, 20, 8, 0, tzinfo=UTC)


def upstream_record(
    n: int, day: date, *, upvotes: int = 5, at: datetime | None = T0, org: Organization | None = None, **paper: object
) -> ImportRecord:
    arxiv_id = f"2608.{n:05d}"
    base = Paper(
        arxiv_id=arxiv_id,
        title=f"Paper {n}",
        abstract=f"Abstract {n}.",
        authors=("Ada Lovelace",),
        published=datetime(2026, 8, 18, tzinfo=UTC),
        imported_upvotes=upvotes,
        ai_summary=f"Summary {n}",
        ai_summary_model="qwen3-4b",
        ai_keywords=("diffusion", "video"),
        thumbnail_url=f"https://cdn.example/{n}.png",
        media_urls=(f"https://cdn.example/{n}.mp4",),
        github_repo=f"https://github.com/org/repo{n}",
    )
    entry = FeedEntry(
        arxiv_id,
        day,
        datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=3),
        submitted_by=f"hfuser{n}",
        source="upstream",
        imported_comments=2,
        organization=org.name if org else None,
        upstream=HUB,
        submitter_fullname=f"HF User {n}",
        submitter_avatar_url=f"https://cdn.example/avatars/{n}.png",
        upstream_synced_at=at,
    )
    return ImportRecord(dataclasses.replace(base, **paper), entry, org, github_stars=40 + n)  # type: ignore[arg-type]


def test_new_records_keep_every_field(store: SqlStore) -> None:
    org = Organization("NUS", "National University of Singapore", "https://cdn.example/nus.png")
    record = upstream_record(1, date(2026, 8, 20), org=org)
    result = store.mirror_records([record])
    assert (result.papers.inserted_ids, result.entries_added) == (("2608.00001",), 1)
    view = store.paper_views(["2608.00001"])["2608.00001"]
    assert view.paper == record.paper
    assert view.entry == record.feed_entry
    assert view.organization == org
    assert view.upvotes == 5
    assert store.organizations(["NUS", "unknown"]) == {"NUS": org}
    [item] = store.feed_items(FeedQuery(date(2026, 8, 20), date(2026, 8, 20)), limit=10)
    assert item.organization == org
    assert item.entry.submitter_fullname == "HF User 1"
    [repo] = store.repos_to_refresh(feed_since=date(2026, 8, 1), stale_before=T0, limit=5)
    assert (repo.repo, repo.stars, repo.fetched_at) == ("org/repo1", 41, None)  # seeded, still to be fetched


def test_second_identical_answer_changes_nothing(store: SqlStore) -> None:
    records = [upstream_record(n, date(2026, 8, 20)) for n in range(1, 4)]
    store.mirror_records(records)
    again = store.mirror_records(records)
    assert not again.changed
    assert again.papers.skipped == 3


def test_latest_answer_moves_the_entry_and_replaces_counts(store: SqlStore) -> None:
    store.mirror_records([upstream_record(1, date(2026, 8, 14), upvotes=54, at=T0)])
    later = store.mirror_records([upstream_record(1, date(2026, 8, 20), upvotes=50, at=T0 + timedelta(days=1))])
    assert (later.entries_moved, later.counts_changed) == (1, ("2608.00001",))
    entry = store.get_feed_entry("2608.00001")
    assert entry is not None
    assert entry.feed_date == date(2026, 8, 20)
    assert store.paper_views(["2608.00001"])["2608.00001"].upvotes == 50  # the latest count, even when lower
    # An older answer read afterwards (an import of an old snapshot) leaves the newer one in place.
    stale = store.mirror_records([upstream_record(1, date(2026, 8, 14), upvotes=2, at=T0, ai_summary="old")])
    assert stale.entries_stale == 1
    assert not stale.changed
    view = store.paper_views(["2608.00001"])["2608.00001"]
    assert (view.entry and view.entry.feed_date, view.upvotes, view.paper.ai_summary) == (
        date(2026, 8, 20),
        50,
        "Summary 1",
    )


def test_within_a_batch_the_later_answer_wins(store: SqlStore) -> None:
    early = upstream_record(1, date(2026, 8, 14), upvotes=2, at=T0)
    late = upstream_record(1, date(2026, 8, 20), upvotes=54, at=T0 + timedelta(days=6))
    store.mirror_records([late, early])  # order in the batch does not matter when times differ
    entry = store.get_feed_entry("2608.00001")
    assert entry is not None
    assert entry.feed_date == date(2026, 8, 20)
    assert store.paper_views(["2608.00001"])["2608.00001"].upvotes == 54


def test_member_submission_keeps_its_day_and_gains_upstream_counts(store: SqlStore) -> None:
    record = upstream_record(1, date(2026, 8, 20), upvotes=30)
    store.upsert_papers([dataclasses.replace(record.paper, imported_upvotes=0)])
    local = FeedEntry("2608.00001", date(2026, 8, 19), T0 - timedelta(days=1), submitted_by="ada", source="user")
    store.add_feed_entries([local])
    store.mirror_records([record])
    entry = store.get_feed_entry("2608.00001")
    assert entry is not None
    assert (entry.feed_date, entry.submitted_by, entry.source) == (date(2026, 8, 19), "ada", "user")
    assert (entry.imported_comments, entry.upstream) == (2, HUB)
    assert store.count_feed_items(FeedQuery()) == 1  # one entry, not two
    assert store.paper_views(["2608.00001"])["2608.00001"].upvotes == 30


def test_automatic_entry_is_taken_over(store: SqlStore) -> None:
    record = upstream_record(1, date(2026, 8, 20))
    store.upsert_papers([record.paper])
    store.add_feed_entries([FeedEntry("2608.00001", date(2026, 8, 21), T0, source="auto")])
    result = store.mirror_records([record])
    assert result.entries_moved == 1
    assert store.get_feed_entry("2608.00001") == record.feed_entry


def test_organization_details_are_never_erased(store: SqlStore) -> None:
    full = Organization("NUS", "National University of Singapore", "https://cdn.example/nus.png")
    store.mirror_records([upstream_record(1, date(2026, 8, 20), org=full)])
    store.mirror_records([upstream_record(2, date(2026, 8, 20), org=Organization("NUS"))])
    assert store.organizations(["NUS"]) == {"NUS": full}
