"""The DatabaseBackup port: a consistent copy of a live database in one file, and bringing one back.

Any method can raise StorageError (the database or the tool failed) or ConfigError (a tool is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class BackupReport:
    """Rows per data table in the copy, and what the database's own integrity check said ("ok" when clean)."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    integrity: str = "ok"

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class DatabaseBackup(Protocol):
    def backup(self, path: Path) -> BackupReport:
        """Write a transactionally consistent copy of the database to `path` while others keep writing."""
        ...

    def is_empty(self) -> bool:
        """True when the database has no rows in any data table (or no tables at all)."""
        ...

    def restore(self, path: Path) -> BackupReport:
        """Load a copy made by `backup` into this (empty) database, migrate it, and check its integrity."""
        ...
