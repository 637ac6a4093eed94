"""A hub follows another dailypapers hub over real HTTP (B syncs from A, A from a fake Hugging Face), and importing
the shared Hugging Face export leaves each paper on its latest day."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import uvicorn

from dailypapers.adapters.arxiv import ArxivClient
from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.files import read_lines
from dailypapers.adapters.upstream_http import UpstreamClient
from dailypapers.domain.models import FeedQuery
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.wiring import make_hub
from tests.fakes.arxiv_server import SleepLog
from tests.fakes.hf_server import FakeHub, hf_item

AUG19, AUG20 = date(2026, 8, 19), date(2026, 8, 20)


@contextmanager
def serving(hub: Hub) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        assert time.monotonic() < deadline, "uvicorn did not start in time"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_hub_b_syncs_the_same_days_from_hub_a(
    follower: Hub,
    hf_server: FakeHub,
    upstream_settings: Settings,
    clock: FixedClock,
    sleep_log: SleepLog,
    second_database_url: str,
) -> None:
    hf_server.days[AUG20] = [
        hf_item("2608.13558", AUG20, upvotes=54, organization="NationalUniversityofSingapore"),
        hf_item("2608.00002", AUG20, upvotes=20, submitter=None),
    ]
    hf_server.days[AUG19] = [hf_item("2608.12313", AUG19, upvotes=27)]
    follower.upstream.sync()  # hub A follows Hugging Face
    with serving(follower) as hub_a:
        settings_b = upstream_settings.with_overrides(database_url=second_database_url, upstreams=hub_a)
        hub_b = make_hub(
            settings_b,
            clock=clock,
            arxiv=ArxivClient(settings_b, sleep=sleep_log),
            upstream=UpstreamClient(settings_b, sleep=sleep_log),
        )
        report = hub_b.upstream.sync()
    assert (report.added, report.rejected, report.failed) == (3, [], [])
    for day in (AUG19, AUG20):
        a_items = follower.store.feed_items(FeedQuery(day, day), limit=10)
        b_items = hub_b.store.feed_items(FeedQuery(day, day), limit=10)
        assert [(i.paper.arxiv_id, i.upvotes) for i in b_items] == [(i.paper.arxiv_id, i.upvotes) for i in a_items]
        for a, b in zip(a_items, b_items, strict=True):
            assert b.paper == a.paper  # every paper field: summary, keywords, thumbnail, media, links
            assert b.organization == a.organization
            assert (b.entry.submitted_by, b.entry.submitter_fullname, b.entry.submitter_avatar_url) == (
                a.entry.submitted_by,
                a.entry.submitter_fullname,
                a.entry.submitter_avatar_url,
            )
            assert b.entry.submitted_at == a.entry.submitted_at
            assert b.entry.imported_comments == a.entry.imported_comments
            assert b.entry.upstream == hub_a
    hub_b.store.engine.dispose()  # type: ignore[attr-defined]


def test_importing_the_shared_export_leaves_papers_on_their_latest_day(hub: Hub, shared_data: Path) -> None:
    """The export holds several snapshots of some papers; the latest snapshot's day and counts win."""
    report = hub.import_lines(read_lines(shared_data / "hf-daily-papers.jsonl.gz"))
    assert report.rejected == []
    omni = hub.paper_view("2608.13558")  # OmniScientist: on 2026-08-14 in an early snapshot, 2026-08-20 later
    assert omni.entry is not None
    assert (omni.entry.feed_date, omni.upvotes, omni.entry.organization) == (
        AUG20,
        54,
        "NationalUniversityofSingapore",
    )
    moved = hub.paper_view("2608.12313")
    assert moved.entry is not None
    assert moved.entry.feed_date == AUG19
    assert hub.store.count_feed_items(FeedQuery()) == 9877  # one entry per paper
    again = hub.import_lines(read_lines(shared_data / "hf-daily-papers.jsonl.gz"))
    assert (again.inserted, again.feed_added) == (0, 0)
    assert hub.paper_view("2608.13558").entry == omni.entry
