"""Ports for the library: a member's collections of papers with notes, and what they saved."""

from __future__ import annotations

from typing import Protocol


class LibraryStore(Protocol):
    """Collections and their items. Any method can raise StorageError."""
