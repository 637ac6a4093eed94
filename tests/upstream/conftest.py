"""Fixtures for the upstream tests: a fake HF API, a fake arXiv, and a hub following the one and completing from the
other."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dailypapers.adapters.arxiv import ArxivClient
from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.upstream_http import UpstreamClient
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.fakes.arxiv_server import FakeArxiv, SleepLog, arxiv_server_fixture, sleep_log_fixture
from tests.fakes.hf_server import FakeHub, hf_server_fixture

__all__ = ["arxiv_server_fixture", "hf_server_fixture", "sleep_log_fixture"]


@pytest.fixture
def second_database_url(_template_db: Path, tmp_path: Path) -> str:
    """Another freshly migrated SQLite database: a second hub's."""
    path = tmp_path / "second.db"
    shutil.copyfile(_template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def upstream_settings(settings: Settings, hf_server: FakeHub, arxiv_server: FakeArxiv) -> Settings:
    return settings.with_overrides(
        upstreams=hf_server.base_url,
        upstream_min_interval_seconds=0.0,
        arxiv_oai_url=arxiv_server.oai_url,
        arxiv_api_url=arxiv_server.api_url,
        arxiv_max_retries=1,
        contact_email="ops@lab.example",
        embedder="none",
    )


@pytest.fixture
def follower(upstream_settings: Settings, clock: FixedClock, sleep_log: SleepLog) -> Iterator[Hub]:
    """A hub following the fake upstream; retries wait nothing (their waits land in `sleep_log`)."""
    hub = make_hub(
        upstream_settings,
        clock=clock,
        arxiv=ArxivClient(upstream_settings, sleep=sleep_log),
        upstream=UpstreamClient(upstream_settings, sleep=sleep_log),
    )
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]
