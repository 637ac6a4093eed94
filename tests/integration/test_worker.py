"""The worker: harvest scheduling, and an unreachable arXiv that is logged, backed off and survived."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.errors import SourceUnavailable
from dailypapers.hub import Hub
from dailypapers.models import HarvestPage, Paper
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from dailypapers.worker import LAST_HARVEST_KEY, Worker, harvest_due


class OfflineArxiv:
    calls = 0

    def list_records(self, set_spec: str, from_date: date | None, resumption_token: str | None) -> HarvestPage:
        self.calls += 1
        raise SourceUnavailable("cannot reach oaipmh.arxiv.org: [Errno -3] Temporary failure in name resolution")

    def fetch(self, arxiv_id: str) -> Paper | None:
        raise SourceUnavailable("offline")


class EmptyArxiv(OfflineArxiv):
    def list_records(self, set_spec: str, from_date: date | None, resumption_token: str | None) -> HarvestPage:
        self.calls += 1
        return HarvestPage((), None)


def test_harvest_due() -> None:
    now = datetime(2026, 8, 21, tzinfo=UTC)
    assert harvest_due(None, now, 60)
    assert not harvest_due(now - timedelta(minutes=59), now, 60)
    assert harvest_due(now - timedelta(minutes=60), now, 60)
    assert not harvest_due(None, now, 0)


def test_offline_arxiv_is_logged_and_backed_off(
    settings: Settings, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    arxiv = OfflineArxiv()
    hub = make_hub(settings, arxiv=arxiv, clock=clock)
    worker = Worker(hub)
    with caplog.at_level(logging.WARNING):
        assert worker.tick() is False
    assert "arXiv unreachable" in caplog.text
    assert "Temporary failure in name resolution" in caplog.text
    assert "Traceback" not in caplog.text
    assert worker.tick() is False  # inside the back-off: no new attempt
    assert arxiv.calls == 1
    clock.at += timedelta(minutes=1)
    worker.tick()
    assert arxiv.calls == 2  # retried after one minute, next wait is two
    assert hub.store.get_state(LAST_HARVEST_KEY) is None


def test_successful_harvest_is_remembered_across_restarts(settings: Settings, clock: FixedClock) -> None:
    arxiv = EmptyArxiv()
    hub: Hub = make_hub(settings, arxiv=arxiv, clock=clock)
    assert Worker(hub).tick() is True
    assert Worker(hub).tick() is False  # a new worker process sees the harvest in the database
    clock.at += timedelta(minutes=settings.harvest_interval_minutes)
    assert Worker(hub).tick() is True
    assert arxiv.calls == 2
