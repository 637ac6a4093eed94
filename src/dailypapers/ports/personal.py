"""Ports for the personal layer: follows, keyword rules, "not interested" feedback, preferences, saved searches."""

from __future__ import annotations

from typing import Protocol


class PersonalStore(Protocol):
    """A member's own signals and rules. Any method can raise StorageError."""
