"""The DatabaseBackup port: SQLite's online backup API, or pg_dump / pg_restore for PostgreSQL.

SQLite: the backup API copies every page in one step, i.e. inside one read transaction, so the copy is the database
as of one commit while writers go on (WAL). PostgreSQL: pg_dump reads one snapshot (custom format, compressed);
pg_restore loads it in a single transaction. Both then check the copy: SQLite's integrity and foreign-key checks,
PostgreSQL's constraints as they are re-created. After a restore the data version jumps far ahead, so no web process
still holding pages of the old database can take them for current.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from dailypapers.adapters.sql.copy import count_rows, data_tables
from dailypapers.adapters.sql.migrate import upgrade
from dailypapers.domain.errors import ConfigError, InvalidInput, StorageError
from dailypapers.ports.backup import BackupReport

VERSION_JUMP = 1 << 40  # far past any version a web process could have seen from the database before


class SqlBackup:
    def __init__(self, engine: sa.Engine, pg_bin_dir: str = "") -> None:
        self.engine = engine
        self.pg_bin_dir = pg_bin_dir

    @property
    def _sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def backup(self, path: Path) -> BackupReport:
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            report = self._sqlite_backup(partial) if self._sqlite else self._pg_dump(partial)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)  # a crash never leaves a half-written file under the real name
        return BackupReport(path, report.rows, report.integrity)

    def is_empty(self) -> bool:
        if "papers" not in sa.inspect(self.engine).get_table_names():
            return True
        return not any(count_rows(self.engine).values())

    def restore(self, path: Path) -> BackupReport:
        if self._sqlite:
            self._sqlite_restore(path)
        else:
            self._pg_restore(path)
        self.engine.dispose()  # pooled connections may hold the schema of before
        upgrade(self.engine)  # a backup from an older release is brought to this one's schema
        with self.engine.begin() as conn:
            conn.execute(sa.text("UPDATE data_version SET version = version + :jump"), {"jump": _jump()})
            # Every member's marks counter too (no row means 0), so no process takes marks it kept for the restored
            # ones (migration 0013).
            conn.execute(
                sa.text(
                    "INSERT INTO member_marks (user_id, version) SELECT id, :jump FROM users WHERE true "
                    "ON CONFLICT (user_id) DO UPDATE SET version = member_marks.version + :jump"
                ),
                {"jump": _jump()},
            )
        if self._sqlite:
            with _sqlite_connect(self._sqlite_path()) as conn:
                rows, integrity = _sqlite_facts(conn)
            return BackupReport(path, rows, integrity)
        return BackupReport(path, count_rows(self.engine), "ok")

    # -- SQLite --------------------------------------------------------------------------------------------

    def _sqlite_path(self) -> str:
        database = self.engine.url.database
        if not database or database == ":memory:":
            raise ConfigError("an in-memory SQLite database cannot be backed up or restored")
        return database

    def _sqlite_backup(self, partial: Path) -> BackupReport:
        source = _sqlite_connect(self._sqlite_path())
        target = _sqlite_connect(str(partial))
        try:
            source.backup(target)  # all pages in one step: one read transaction, one consistent snapshot
            rows, integrity = _sqlite_facts(target)
        except sqlite3.Error as exc:
            raise StorageError(f"backup failed: {exc}") from exc
        finally:
            target.close()
            source.close()
        if integrity != "ok":
            raise StorageError(f"the backup copy failed its integrity check: {integrity}")
        return BackupReport(partial, rows, integrity)

    def _sqlite_restore(self, path: Path) -> None:
        try:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            source.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.Error:
            raise InvalidInput(f"{path} is not a SQLite backup of a dailypapers hub") from None
        target = _sqlite_connect(self._sqlite_path())
        try:
            source.backup(target)
        except sqlite3.Error as exc:
            raise StorageError(f"restore failed: {exc}") from exc
        finally:
            target.close()
            source.close()

    # -- PostgreSQL ----------------------------------------------------------------------------------------

    def _tool(self, name: str) -> str:
        found = shutil.which(name, path=self.pg_bin_dir or None)
        if found is None:
            where = self.pg_bin_dir or "PATH"
            raise ConfigError(
                f"{name} not found in {where}; install the PostgreSQL client or set DAILYPAPERS_PG_BIN_DIR"
            )
        return found

    def _run(self, command: list[str]) -> None:
        url = self.engine.url
        env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
        dbname = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        done = subprocess.run([*command, f"--dbname={dbname}"], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise StorageError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")

    def _pg_dump(self, partial: Path) -> BackupReport:
        self._run([self._tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"])
        return BackupReport(partial)  # the dump's snapshot is pg_dump's own: counting the live tables would lie

    def _pg_restore(self, path: Path) -> None:
        command = [self._tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
        if sa.inspect(self.engine).get_table_names():  # migrated but empty: its tables make way for the backup's
            command += ["--clean", "--if-exists"]
        self.engine.dispose()
        self._run([*command, str(path)])


def _sqlite_connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=30)


def _sqlite_facts(conn: sqlite3.Connection) -> tuple[dict[str, int], str]:
    """Rows per data table, and "ok" or what SQLite's integrity and foreign-key checks found."""
    present = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    rows = {
        t.name: int(conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0])  # noqa: S608 - our table names
        for t in data_tables()
        if t.name in present
    }
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        problems.append(f"{len(broken)} rows point at missing rows (first in table {broken[0][0]})")
    return rows, "; ".join(problems) or "ok"


def _jump() -> int:
    return VERSION_JUMP + random.randrange(VERSION_JUMP)
