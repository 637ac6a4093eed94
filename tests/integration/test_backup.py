"""`backup` / `restore`: a copy taken while members vote restores whole (counts agree, integrity clean), on both
databases; restore refuses a database that has data; the CLI round-trips."""

from __future__ import annotations

import random
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.sql.backup import VERSION_JUMP
from dailypapers.adapters.sql.engine import create_engine
from dailypapers.cli import app as cli
from dailypapers.domain.errors import InvalidInput
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.conftest import NOW
from tests.web.seed import paper, store

PAPERS = [f"2608.{n:05d}" for n in range(40)]


def _pg_bin_dir() -> str:
    pgserver = pytest.importorskip("pgserver")
    return str(Path(pgserver.__file__).parent / "pginstall" / "bin")


def _hub(url: str, tmp_path: Path) -> Hub:
    pg_bin = _pg_bin_dir() if url.startswith("postgresql") else ""
    settings = Settings(database_url=url, embedder="none", search_dir=str(tmp_path / f"search-{uuid.uuid4().hex}"))
    return make_hub(settings.with_overrides(pg_bin_dir=pg_bin), clock=FixedClock(NOW))


def _empty_database_like(url: str, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    name = f"dp_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")  # fresh: not even migrated
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _counts(hub: Hub) -> tuple[int, int]:
    """(votes, sum of the papers' cached vote counts): equal in any state a transaction can leave."""
    with hub.store.engine.connect() as conn:  # type: ignore[attr-defined]
        votes = conn.scalar(sa.text("SELECT count(*) FROM votes"))
        cached = conn.scalar(sa.text("SELECT coalesce(sum(community_upvotes), 0) FROM papers"))
    return int(votes or 0), int(cached or 0)


def test_backup_during_concurrent_votes_restores_whole(store_url: str, tmp_path: Path) -> None:
    hub = _hub(store_url, tmp_path)
    store(hub, [paper(i) for i in PAPERS])
    users = [hub.store.get_or_create_user(f"m{n}@example.org", f"m{n}", NOW) for n in range(12)]
    stop = threading.Event()
    cast = [0, 0]

    def vote(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            hub.store.set_vote(rng.choice(users).id, rng.choice(PAPERS), None, NOW)  # toggles: adds and removes
            cast[seed] += 1

    voters = [threading.Thread(target=vote, args=(n,)) for n in range(2)]
    for voter in voters:
        voter.start()
    try:
        while sum(cast) < 40:  # the votes are flowing before the backup starts
            time.sleep(0.01)
        during = sum(cast)
        report = hub.backups.backup(tmp_path / "hub.backup")
        while sum(cast) < during + 40:  # and go on after it
            time.sleep(0.01)
    finally:
        stop.set()
        for voter in voters:
            voter.join()
    assert report.integrity == "ok"
    assert (tmp_path / "hub.backup").stat().st_size > 0
    assert not (tmp_path / "hub.backup.partial").exists()

    restored = _hub(_empty_database_like(store_url, tmp_path), tmp_path)
    result = restored.backups.restore(tmp_path / "hub.backup")
    assert result.integrity == "ok"
    if report.rows:  # SQLite counts its copy; pg_dump's snapshot is its own
        assert result.rows == report.rows
    assert result.rows["papers"] == len(PAPERS)
    assert result.rows["users"] == len(users)
    votes, cached = _counts(restored)
    assert votes == cached == result.rows["votes"]  # one snapshot: no vote without its count, nor the reverse
    assert restored.store.data_version() > VERSION_JUMP  # pages cached from any older database can never match
    with restored.store.engine.connect() as conn:  # type: ignore[attr-defined]
        marks_versions = dict(conn.execute(sa.text("SELECT user_id, version FROM member_marks")).all())
    assert set(marks_versions) == {u.id for u in users}  # every member, voter or not: marks kept from any older
    assert min(marks_versions.values()) > VERSION_JUMP  # database can never be taken for the restored ones
    assert restored.paper_view(PAPERS[0]).paper.title == f"Paper {PAPERS[0]}"


def test_restore_refuses_a_database_with_data(hub: Hub, tmp_path: Path, database_url: str) -> None:
    store(hub, [paper(i) for i in PAPERS[:3]])
    hub.backups.backup(tmp_path / "copy.backup")
    store(hub, [paper("2608.99999", title="Only in the live hub")])
    with pytest.raises(InvalidInput, match="not empty"):
        hub.backups.restore(tmp_path / "copy.backup")
    assert hub.paper("2608.99999").title == "Only in the live hub"
    with pytest.raises(InvalidInput, match="no backup file"):
        _hub(f"sqlite:///{tmp_path / 'new.db'}", tmp_path).backups.restore(tmp_path / "missing.backup")
    (tmp_path / "junk.backup").write_text("not a database")
    with pytest.raises(InvalidInput, match="not a SQLite backup"):
        _hub(f"sqlite:///{tmp_path / 'new2.db'}", tmp_path).backups.restore(tmp_path / "junk.backup")


def test_cli_backup_and_restore_round_trip(hub: Hub, tmp_path: Path, database_url: str) -> None:
    store(hub, [paper(i) for i in PAPERS[:5]])
    runner = CliRunner()
    target = tmp_path / "nightly.backup"
    done = runner.invoke(cli, ["--db", database_url, "backup", str(target)])
    assert done.exit_code == 0, done.output
    assert "integrity check: ok" in done.output
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = runner.invoke(cli, ["--db", fresh, "restore", str(target)])
    assert done.exit_code == 0, done.output
    assert "integrity check: ok" in done.output
    again = runner.invoke(cli, ["--db", fresh, "restore", str(target)])
    assert again.exit_code != 0
    assert "not empty" in again.output
