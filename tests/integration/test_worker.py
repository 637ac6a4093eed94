"""The worker: harvest scheduling, and an unreachable arXiv that is logged, backed off and survived."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.errors import SourceUnavailable
from dailypapers.domain.models import HarvestPage, Paper
from dailypapers.hub import Hub
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

    def fetch_many(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
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


class BlockingArxiv(EmptyArxiv):
    """Holds the first harvest open until released, so a second worker can try to start one meanwhile."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def list_records(self, set_spec: str, from_date: date | None, resumption_token: str | None) -> HarvestPage:
        self.entered.set()
        self.release.wait(10)
        return super().list_records(set_spec, from_date, resumption_token)


def test_two_workers_never_harvest_at_once(settings: Settings, clock: FixedClock) -> None:
    arxiv = BlockingArxiv()
    first, second = (
        Worker(make_hub(settings, arxiv=arxiv, clock=clock)),
        Worker(make_hub(settings, arxiv=arxiv, clock=clock)),
    )
    results: list[bool] = []
    running = threading.Thread(target=lambda: results.append(first.harvest_if_due()))
    running.start()
    assert arxiv.entered.wait(10)
    assert second.harvest_if_due() is False  # the lease is held by the first worker
    arxiv.release.set()
    running.join(10)
    assert results == [True]
    assert second.harvest_if_due() is False  # done and recorded: not due again
    assert arxiv.calls == 1
