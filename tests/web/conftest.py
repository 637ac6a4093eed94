"""Web test fixtures: an in-process client for an app over the per-test hub."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from dailypapers.hub import Hub
from dailypapers.web.app import create_app

with warnings.catch_warnings():
    # Starlette 1.x nudges towards httpx2 for its TestClient; httpx works and is what the project pins.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub), follow_redirects=False) as test_client:
        yield test_client


def count_renders(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The feed periods routes of `hub` really render from now on (a page served from memory or spliced never
    gets there)."""
    calls: list[str] = []
    real = hub.feed_for

    def counted(period, *args, **kwargs):
        calls.append(period.slug)
        return real(period, *args, **kwargs)

    monkeypatch.setattr(hub, "feed_for", counted)
    return calls


@pytest.fixture
def renders(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return count_renders(hub, monkeypatch)


@contextmanager
def sql_statements(hub: Hub) -> Iterator[list[str]]:
    """The SQL statements the hub's SQLAlchemy engine runs inside the block (BEGIN left out)."""
    statements: list[str] = []
    engine: sa.Engine = hub.store.engine  # type: ignore[attr-defined]

    def record(conn, cursor, statement, *args):
        if statement != "BEGIN":
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
