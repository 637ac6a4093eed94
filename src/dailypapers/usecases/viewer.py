"""Viewer: what the member looking at a page has done to its papers (upvoted, saved, followed authors).

Pages ask once per page, with every paper and author they show, so templates only format: a card never queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dailypapers.domain.models import User
from dailypapers.domain.rules import normalise_author
from dailypapers.ports.viewer import ViewerStore
from dailypapers.usecases.library import SAVED_SLUG


@dataclass(frozen=True, slots=True)
class PageMarks:
    """The member's state for a page's buttons: upvoted and saved papers, followed authors as the page names them."""

    upvoted: frozenset[str] = frozenset()
    saved: frozenset[str] = frozenset()
    followed_authors: frozenset[str] = frozenset()


NO_MARKS = PageMarks()  # a visitor, or a page without buttons


class Viewer:
    def __init__(self, store: ViewerStore) -> None:
        self.store = store

    def marks(self, user: User | None, arxiv_ids: Sequence[str], authors: Iterable[str] = ()) -> PageMarks:
        """The member's marks among these papers and author names (as written); no query for visitors."""
        if user is None:
            return NO_MARKS
        found = self.store.viewer_marks(user.id, arxiv_ids, SAVED_SLUG)
        followed = frozenset(name for name in authors if normalise_author(name) in found.followed_author_keys)
        return PageMarks(found.upvoted, found.saved, followed)
