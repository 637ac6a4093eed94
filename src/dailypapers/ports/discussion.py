"""Ports for comments and moderation (hidden papers and comments, bans, the audit log)."""

from __future__ import annotations

from typing import Protocol


class DiscussionStore(Protocol):
    """Comments and the audit log. Any method can raise StorageError."""
