"""Shared fixtures: a migrated database per test (copied from one migrated template), hubs, and a network guard."""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import make_url

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.migrate import upgrade
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    """Tests talk to 127.0.0.1 only: an accidental call to the internet fails loudly instead of hanging."""
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ConnectionRefusedError(f"test tried to reach {host!r}; only 127.0.0.1 is allowed in tests")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_outside_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def database_url(_template_db: Path, tmp_path: Path) -> str:
    """A freshly migrated SQLite database for one test."""
    path = tmp_path / "hub.db"
    shutil.copyfile(_template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    # No upstream and no enrichment by default: their defaults (Hugging Face, arXiv's PDFs) are the internet, which
    # tests never reach; tests/enrichment switches them on against its fake servers.
    return Settings(
        database_url=database_url,
        arxiv_min_interval_seconds=0.0,
        harvest_sets="cs",
        upstreams="",
        enrich_keywords=False,
        enrich_thumbnails=False,
        enrich_hub_links=False,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def _postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """PostgreSQL 16 from the pgserver wheel, with a migrated template database; yields its URL template."""
    pgserver = pytest.importorskip("pgserver", reason="pgserver is not installed (pip install -e '.[dev]')")
    server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    server.psql("CREATE DATABASE dp_template;")
    base = make_url(server.get_uri())
    engine = create_engine(base.set(database="dp_template").render_as_string(hide_password=False))
    upgrade(engine)
    engine.dispose()
    yield base.render_as_string(hide_password=False)
    server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, database_url: str) -> str:
    """A migrated database of each backend; the storage contract suite runs once per backend."""
    if request.param == "sqlite":
        return database_url
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def postgres_url(_postgres: str) -> str:
    """A fresh, migrated PostgreSQL database for one test (a copy of the migrated template)."""
    base = _postgres
    name = f"dp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE dp_template")
    admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    engine = create_engine(store_url)
    yield SqlStore(engine)
    engine.dispose()


@pytest.fixture
def hub(settings: Settings, clock: FixedClock) -> Iterator[Hub]:
    hub = make_hub(settings, clock=clock)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def live_url(hub: Hub) -> Iterator[str]:
    """The hub's web app served by uvicorn on a free 127.0.0.1 port in a background thread, stopped at teardown."""
    from dailypapers.web.app import create_app  # imported here: most tests never start a server

    server = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (it lives beside the project, in ../shared/data)")
    return SHARED_DATA
