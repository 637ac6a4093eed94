"""Ports for what pages need besides their papers: the member's own marks on them, and the data version.

Any method can raise StorageError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ViewerMarks:
    """A member's votes and saves among some papers, and the match keys of every author they follow."""

    upvoted: frozenset[str] = frozenset()
    saved: frozenset[str] = frozenset()
    followed_author_keys: frozenset[str] = frozenset()


class ViewerStore(Protocol):
    def viewer_marks(self, user_id: int, arxiv_ids: Sequence[str], saved_slug: str) -> ViewerMarks:
        """Which of these papers the member upvoted and has in the collection `saved_slug`, and the keys of the
        authors they follow, in one query (two past 400 papers)."""
        ...


class DataVersionStore(Protocol):
    def data_version(self) -> int:
        """A number that moves on, in the same transaction, with every change to papers, the feed, comments or
        accounts (kept by database triggers), so a page rendered at version N is right until it moves."""
        ...

    def bump_data_version(self) -> None:
        """Move the version on for a change the triggers cannot see (e.g. new vectors in a search index file)."""
        ...
