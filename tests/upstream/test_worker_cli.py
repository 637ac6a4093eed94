"""The scheduled sync (first round at start, interval, lease, offline back-off) and `dailypapers sync` end to end."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dailypapers.adapters.clock import FixedClock
from dailypapers.cli import app
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.worker import SYNC_LEASE, Worker
from tests.fakes.arxiv_server import closed_port
from tests.fakes.hf_server import FakeHub, Scripted, hf_item

AUG21 = date(2026, 8, 21)


def test_first_round_syncs_then_every_interval(follower: Hub, hf_server: FakeHub, clock: FixedClock) -> None:
    hf_server.days[AUG21] = [hf_item("2608.00001", AUG21)]
    worker = Worker(follower)
    worker.tick()  # a fresh install: the first round fills today's page
    assert follower.latest_day().start == AUG21
    assert len(hf_server.received) == 4  # today and the 3 days before
    Worker(follower).tick()  # another worker (or a restart) sees the sync in the database
    assert len(hf_server.received) == 4
    clock.at += timedelta(minutes=follower.settings.upstream_sync_minutes)
    worker.tick()
    assert len(hf_server.received) == 8


def test_another_workers_lease_keeps_this_one_off(follower: Hub, hf_server: FakeHub, clock: FixedClock) -> None:
    assert follower.store.acquire_lease(SYNC_LEASE, "other-host:1:abc", clock.now(), timedelta(hours=1))
    assert Worker(follower).sync_if_due() is None
    assert hf_server.received == []


def test_offline_upstream_is_one_warning_line_and_backed_off(
    follower: Hub, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    hub = follower
    offline = f"http://127.0.0.1:{closed_port()}"
    hub.upstream.settings = hub.settings = hub.settings.with_overrides(upstreams=offline)
    worker = Worker(hub)
    with caplog.at_level(logging.INFO):
        worker.tick()
    lines = [r for r in caplog.records if r.name.startswith("dailypapers") and "upstream" in r.getMessage()]
    assert [r.levelname for r in lines] == ["WARNING"]
    assert "ConnectError" in lines[0].getMessage()
    assert "next attempt in 1 min" in lines[0].getMessage()
    assert worker.sync_if_due() is None  # inside the back-off
    clock.at += timedelta(minutes=1)
    report = worker.sync_if_due()
    assert report is not None
    assert report.failed
    status = hub.upstream.status()[0]
    assert status.last_ok is None
    assert status.last_error
    assert "unavailable" in status.last_error


def test_sync_command_backfills_with_dates(upstream_settings: Settings, hf_server: FakeHub, tmp_path: Path) -> None:
    for day in (date(2026, 8, 3), date(2026, 8, 4)):
        hf_server.days[day] = [hf_item(f"2608.0{day.day}001", day), hf_item(f"2608.0{day.day}002", day)]
    hf_server.days[date(2026, 8, 4)].append({"paper": "broken"})
    env = {
        "DAILYPAPERS_UPSTREAMS": hf_server.base_url,
        "DAILYPAPERS_UPSTREAM_MIN_INTERVAL_SECONDS": "0",
        "DAILYPAPERS_ARXIV_API_URL": upstream_settings.arxiv_api_url,
        "DAILYPAPERS_ARXIV_MAX_RETRIES": "0",
        "DAILYPAPERS_EMBEDDER": "none",
    }
    db = ["--db", upstream_settings.database_url]
    result = CliRunner().invoke(app, [*db, "sync", "--from", "2026-08-02", "--to", "2026-08-04"], env=env)
    assert result.exit_code == 0, result.output
    assert "3 days from" in result.output
    assert "5 entries, 4 added" in result.output
    assert "1 malformed entries skipped" in result.output
    again = CliRunner().invoke(app, [*db, "sync", "--from", "2026-08-02", "--to", "2026-08-04"], env=env)
    assert "0 added, 0 moved, 0 updated" in again.output

    bad = CliRunner().invoke(app, [*db, "sync", "--from", "2026-08-40"], env=env)
    assert (bad.exit_code, "--from must be a date" in bad.output) == (1, True)
    reversed_range = CliRunner().invoke(app, [*db, "sync", "--from", "2026-08-04", "--to", "2026-08-02"], env=env)
    assert reversed_range.exit_code == 1
    off = CliRunner().invoke(app, [*db, "sync"], env={**env, "DAILYPAPERS_UPSTREAMS": ""})
    assert (off.exit_code, "syncing is off" in off.output) == (1, True)


def test_sync_command_fails_when_the_upstream_stays_down(upstream_settings: Settings, hf_server: FakeHub) -> None:
    hf_server.script(*(Scripted(status=503, body=b"down") for _ in range(3)))
    env = {
        "DAILYPAPERS_UPSTREAMS": hf_server.base_url,
        "DAILYPAPERS_UPSTREAM_MIN_INTERVAL_SECONDS": "0",
        "DAILYPAPERS_UPSTREAM_MAX_RETRIES": "2",
        "DAILYPAPERS_EMBEDDER": "none",
    }
    result = CliRunner().invoke(app, ["--db", upstream_settings.database_url, "sync", "--no-progress"], env=env)
    assert result.exit_code == 1
    assert "failed" in result.output
    assert "HTTP 503" in result.output


def test_a_bad_upstream_setting_is_refused(upstream_settings: Settings) -> None:
    result = CliRunner().invoke(
        app, ["--db", upstream_settings.database_url, "sync"], env={"DAILYPAPERS_UPSTREAMS": "ftp://example.org"}
    )
    assert result.exit_code == 1
    assert "not an http(s) base URL" in result.output
