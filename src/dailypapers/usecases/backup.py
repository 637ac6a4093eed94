"""Backups: `dailypapers backup FILE` / `restore FILE` — a consistent copy of a serving hub, restored only into an
empty database so a mistyped command can never overwrite a live hub."""

from __future__ import annotations

from pathlib import Path

from dailypapers.domain.errors import ConfigError, InvalidInput
from dailypapers.ports.backup import BackupReport, DatabaseBackup


class Backups:
    def __init__(self, database: DatabaseBackup | None) -> None:
        self.database = database

    def _port(self) -> DatabaseBackup:
        if self.database is None:
            raise ConfigError("this hub was built without a database backup adapter")
        return self.database

    def backup(self, path: Path) -> BackupReport:
        """Copy the database to `path` (replaced when it exists: nightly runs name files by date)."""
        if path.is_dir():
            raise InvalidInput(f"{path} is a folder; give the backup a file name, e.g. {path}/dailypapers.backup")
        if not path.parent.is_dir():
            raise InvalidInput(f"the folder {path.parent} does not exist")
        return self._port().backup(path)

    def restore(self, path: Path) -> BackupReport:
        """Bring the backup at `path` into this hub's database, which must be empty (fresh, or only migrated)."""
        if not path.is_file():
            raise InvalidInput(f"no backup file at {path}")
        port = self._port()
        if not port.is_empty():
            raise InvalidInput(
                "the database is not empty: restore only into a fresh database (point --db or "
                "DAILYPAPERS_DATABASE_URL at a new one), so no live hub is overwritten"
            )
        report = port.restore(path)
        if report.integrity != "ok":
            raise InvalidInput(f"the restored database failed its integrity check: {report.integrity}")
        return report
