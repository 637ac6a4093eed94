"""Ports for what pages need besides their papers: the member's own marks on them, and the data version.

Any method can raise StorageError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dailypapers.domain.models import User


@dataclass(frozen=True, slots=True)
class ViewerMarks:
    """A member's votes and saves among some papers, and the match keys of every author they follow."""

    upvoted: frozenset[str] = frozenset()
    saved: frozenset[str] = frozenset()
    followed_author_keys: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MemberRead:
    """What a signed-in request for a shared page needs, read at one moment: the data version, the member of a live
    session (None for an unknown, revoked or expired session or a banned or deleted account), the member's marks
    version (it moves on with every change to their votes, collections and follows) and, when asked for, their
    marks (None when not asked for or without a member)."""

    version: int
    user: User | None
    marks_version: int
    marks: ViewerMarks | None


class ViewerStore(Protocol):
    def viewer_marks(self, user_id: int, arxiv_ids: Sequence[str], saved_slug: str) -> ViewerMarks:
        """Which of these papers the member upvoted and has in the collection `saved_slug`, and the keys of the
        authors they follow, in one query (two past 400 papers)."""
        ...

    def member_read(
        self, session_hash: str, now: datetime, arxiv_ids: Sequence[str], saved_slug: str, *, with_marks: bool
    ) -> MemberRead:
        """The data version, the member of the session whose token hashes to `session_hash` (live at `now`, as
        `session_user` finds them), their marks version and, `with_marks`, their marks as `viewer_marks` gives them,
        in one statement."""
        ...


class DataVersionStore(Protocol):
    def data_version(self) -> int:
        """A number that moves on, in the same transaction, with every change to papers, the feed, comments or
        accounts (kept by database triggers), so a page rendered at version N is right until it moves."""
        ...

    def bump_data_version(self) -> None:
        """Move the version on for a change the triggers cannot see (e.g. new vectors in a search index file)."""
        ...
