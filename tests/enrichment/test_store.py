"""The enrichment's storage contract, on SQLite and PostgreSQL: backlog order, schedules, what is kept."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.enrichment import HubLinks, HubRepo, Summary
from tests.web import seed

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)


def _papers(store: SqlStore) -> None:
    """Two feed days and three papers off the feed, published on different days."""
    store.upsert_papers(
        [
            seed.paper("2608.00001", published=datetime(2026, 8, 1, tzinfo=UTC)),
            seed.paper("2608.00002", published=datetime(2026, 8, 2, tzinfo=UTC)),
            seed.paper("2608.00003", published=datetime(2026, 8, 3, tzinfo=UTC)),
            seed.paper("2608.00010", published=datetime(2026, 7, 1, tzinfo=UTC)),
            seed.paper("2608.00011", published=datetime(2026, 7, 2, tzinfo=UTC)),
            seed.paper("2608.00012", published=datetime(2026, 7, 3, tzinfo=UTC)),
        ]
    )
    store.add_feed_entries(
        [
            seed.entry("2608.00010", date(2026, 8, 19), minute=5),
            seed.entry("2608.00011", date(2026, 8, 20), minute=1),
            seed.entry("2608.00012", date(2026, 8, 20), minute=9),
        ]
    )


def test_backlog_is_feed_papers_latest_first_then_the_rest_newest_first(store: SqlStore) -> None:
    _papers(store)
    order = ["2608.00012", "2608.00011", "2608.00010", "2608.00003", "2608.00002", "2608.00001"]
    assert store.enrichment_backlog("keywords", NOW, limit=10, feed_only=False) == order
    assert store.enrichment_backlog("keywords", NOW, limit=4, feed_only=False) == order[:4]
    assert store.enrichment_backlog("thumbnail", NOW, limit=10, feed_only=True) == order[:3]


def test_done_failed_and_given_up_papers_leave_the_backlog_until_due(store: SqlStore) -> None:
    _papers(store)
    store.mark_enriched("2608.00012", "keywords", NOW)
    assert store.mark_enrich_failed("2608.00011", "keywords", "boom", NOW, NOW + timedelta(hours=1)) == 1
    assert store.mark_enrich_failed("2608.00011", "keywords", "boom again", NOW, NOW + timedelta(hours=4)) == 2
    store.mark_enrich_failed("2608.00010", "keywords", "never", NOW, None)  # given up
    assert store.enrichment_backlog("keywords", NOW, limit=3, feed_only=True) == []
    later = NOW + timedelta(hours=5)
    assert store.enrichment_backlog("keywords", later, limit=3, feed_only=True) == ["2608.00011"]
    assert store.enrichment_backlog("summary", NOW, limit=1, feed_only=True) == ["2608.00012"]  # kinds are apart
    state = store.enrichment_states("2608.00011")["keywords"]
    assert (state.attempts, state.last_error, state.done_at) == (2, "boom again", None)
    store.mark_enriched("2608.00011", "keywords", later)
    state = store.enrichment_states("2608.00011")["keywords"]
    assert (state.attempts, state.last_error, state.done_at) == (0, None, later)


def test_a_summary_never_replaces_one_already_there(store: SqlStore) -> None:
    store.upsert_papers([seed.paper("2608.00001"), seed.paper("2608.00002", ai_summary="Upstream's.")])
    assert store.save_summary("2608.00001", Summary("Ours.", "llama3.2:3b", ("routing", "experts")))
    assert not store.save_summary("2608.00002", Summary("Ours.", "llama3.2:3b"))
    papers = store.get_papers(["2608.00001", "2608.00002"])
    assert (papers["2608.00001"].ai_summary, papers["2608.00001"].ai_summary_model) == ("Ours.", "llama3.2:3b")
    assert papers["2608.00001"].ai_keywords == ("routing", "experts")
    assert papers["2608.00002"].ai_summary == "Upstream's."
    assert store.enrichment_backlog("summary", NOW, limit=5, feed_only=False) == []


def test_local_keywords_survive_later_upserts_and_upstream_keywords_win_the_display(store: SqlStore) -> None:
    store.upsert_papers([seed.paper("2608.00001")])
    store.save_keywords("2608.00001", ["sparse routing", "experts"])
    newer = seed.paper("2608.00001", version=2, title="Renamed", keywords=())
    store.upsert_papers([newer])
    stored = store.get_paper("2608.00001")
    assert stored is not None
    assert stored.title == "Renamed"
    assert stored.keywords == ("sparse routing", "experts") == stored.shown_keywords
    store.upsert_papers([dataclasses.replace(newer, ai_keywords=("moe",))])
    stored = store.get_paper("2608.00001")
    assert stored is not None
    assert stored.shown_keywords == ("moe",)


def test_thumbnails_round_trip_and_replace(store: SqlStore) -> None:
    store.upsert_papers([seed.paper("2608.00001"), seed.paper("2608.00002")])
    store.save_thumbnail("2608.00001", b"RIFF-one", 300, 400, NOW)
    found = store.thumbnails(["2608.00001", "2608.00002", "2608.99999"])
    assert list(found) == ["2608.00001"]
    assert (found["2608.00001"].width, found["2608.00001"].height) == (300, 400)
    store.save_thumbnail("2608.00001", b"RIFF-two", 300, 400, NOW + timedelta(seconds=5))
    image = store.thumbnail_image("2608.00001")
    assert image is not None
    assert image[0] == b"RIFF-two"
    assert image[1].version == found["2608.00001"].version + 5
    assert store.thumbnail_image("2608.00002") is None


def test_hub_links_round_trip_and_come_due_when_stale(store: SqlStore) -> None:
    _papers(store)
    links = HubLinks(
        models=(HubRepo("org/m", likes=3, downloads=40, pipeline_tag="text-generation"),),
        spaces=(HubRepo("org/s", likes=1, sdk="gradio", emoji="🚀", running=True, short_description="Demo"),),
        num_models=31,
        num_spaces=1,
        fetched_at=NOW,
    )
    since = NOW - timedelta(days=30)
    assert store.hub_links_due(feed_since=since, stale_before=NOW, now=NOW, limit=5) == [
        "2608.00012",
        "2608.00011",
        "2608.00010",
    ]
    store.save_hub_links("2608.00012", links)
    assert store.hub_links("2608.00012") == links
    assert store.hub_links("2608.00011") is None
    due = store.hub_links_due(feed_since=since, stale_before=NOW, now=NOW, limit=5)
    assert due == ["2608.00011", "2608.00010"]
    stale = store.hub_links_due(feed_since=since, stale_before=NOW + timedelta(hours=1), now=NOW, limit=5)
    assert stale == ["2608.00011", "2608.00010", "2608.00012"]  # never fetched first, then the oldest fetch
    store.mark_enrich_failed("2608.00011", "hub_links", "Hub down", NOW, NOW + timedelta(hours=1))
    assert store.hub_links_due(feed_since=since, stale_before=NOW, now=NOW, limit=5) == ["2608.00010"]
