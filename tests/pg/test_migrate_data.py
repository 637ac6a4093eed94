"""`dailypapers migrate-data`: a SQLite hub moves to PostgreSQL with every row, a count table, and searchable papers."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.cli import app
from dailypapers.domain.models import FeedEntry
from dailypapers.pgsearch import PgSearch
from tests.conftest import NOW
from tests.search.conftest import PAPERS


def test_migrate_data_sqlite_to_postgresql(database_url: str, postgres_url: str) -> None:
    source = create_engine(database_url)
    SqlStore(source).upsert_papers(PAPERS)
    SqlStore(source).add_feed_entries([FeedEntry(p.arxiv_id, date(2026, 8, 21), NOW) for p in PAPERS[:3]])
    source.dispose()

    result = CliRunner().invoke(app, ["migrate-data", "--from", database_url, "--to", postgres_url, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "all counts match" in result.output
    assert any(line.split()[:3] == ["papers", "5", "5"] for line in result.output.splitlines())
    assert any(line.split()[:3] == ["feed_entries", "3", "3"] for line in result.output.splitlines())

    target = create_engine(postgres_url)
    store = SqlStore(target)
    assert store.count_papers() == len(PAPERS)
    search = PgSearch(store, target, None)  # the trigger indexed every copied paper
    assert search.search("robot grasping", mode="keyword").hits[0].arxiv_id == "2401.00003"
    target.dispose()

    again = CliRunner().invoke(app, ["migrate-data", "--from", database_url, "--to", postgres_url, "--no-progress"])
    assert again.exit_code == 1  # the target is no longer empty: refused, nothing mixed
