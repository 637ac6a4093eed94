"""Ports for votes, submissions, trending and GitHub stars."""

from __future__ import annotations

from typing import Protocol


class VoteStore(Protocol):
    """Votes (one per account and paper), trending inputs, star snapshots. Any method can raise StorageError."""


class GitHubSource(Protocol):
    """GitHub's REST API for repository star counts."""
