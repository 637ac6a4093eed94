"""Viewer: what the member looking at a page has done to its papers (upvoted, saved, followed authors).

Pages ask once per page, with every paper and author they show, so templates only format: a card never queries.
A member's shared page (web/member_pages.py) asks `member_page`: the session, the data version and the marks in one
statement — and the marks only when this process has none for the session and page that are still current: each
member has a marks version, moved on by database triggers with every change to their votes, collections and follows
(migration 0013), and marks kept with the version they were read at are reused while it reads the same.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dailypapers.domain.models import User
from dailypapers.domain.rules import normalise_author
from dailypapers.ports import Clock
from dailypapers.ports.viewer import ViewerMarks, ViewerStore
from dailypapers.usecases.accounts import hash_secret
from dailypapers.usecases.library import SAVED_SLUG


@dataclass(frozen=True, slots=True)
class PageMarks:
    """The member's state for a page's buttons: upvoted and saved papers, followed authors as the page names them."""

    upvoted: frozenset[str] = frozenset()
    saved: frozenset[str] = frozenset()
    followed_authors: frozenset[str] = frozenset()


NO_MARKS = PageMarks()  # a visitor, or a page without buttons
MARKS_KEPT = 4096  # (session, page) marks kept per process: a few ids each


@dataclass(frozen=True, slots=True)
class MemberPage:
    """A signed-in request's read for a shared page: the data version, the session's member (None: the session is
    unknown, revoked or expired, or the account banned or deleted) and their marks (none without a member)."""

    version: int
    user: User | None
    marks: PageMarks


@dataclass(frozen=True, slots=True)
class _Kept:
    user_id: int
    marks_version: int
    marks: PageMarks


class Viewer:
    def __init__(self, store: ViewerStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._kept: OrderedDict[tuple[str, tuple[str, ...], tuple[str, ...]], _Kept] = OrderedDict()
        self._lock = threading.Lock()  # PostgreSQL: members' pages are read in the thread pool

    def marks(self, user: User | None, arxiv_ids: Sequence[str], authors: Iterable[str] = ()) -> PageMarks:
        """The member's marks among these papers and author names (as written); no query for visitors."""
        if user is None:
            return NO_MARKS
        return _page_marks(self.store.viewer_marks(user.id, arxiv_ids, SAVED_SLUG), authors)

    def member_page(self, session: str, arxiv_ids: Sequence[str], authors: Sequence[str] = ()) -> MemberPage:
        """For the session token `session`: its member as `AccountsMixin.user_for_session` finds them, their marks
        as `marks` gives them, and the data version; one statement, or two when marks kept for this session and page
        turn out to be out of date (the member changed one since)."""
        session_hash = hash_secret(session)
        key = (session_hash, tuple(arxiv_ids), tuple(authors))
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        now = self.clock.now()
        read = self.store.member_read(session_hash, now, key[1], SAVED_SLUG, with_marks=kept is None)
        if read.user is None:
            return MemberPage(read.version, None, NO_MARKS)
        if kept is not None and kept.user_id == read.user.id and kept.marks_version == read.marks_version:
            return MemberPage(read.version, read.user, kept.marks)
        if read.marks is None:  # kept, but the member has changed a mark since
            read = self.store.member_read(session_hash, now, key[1], SAVED_SLUG, with_marks=True)
        user, found = read.user, read.marks
        if user is None or found is None:  # the session ended in between
            return MemberPage(read.version, None, NO_MARKS)
        marks = _page_marks(found, key[2])
        with self._lock:
            self._kept[key] = _Kept(user.id, read.marks_version, marks)
            self._kept.move_to_end(key)
            while len(self._kept) > MARKS_KEPT:
                self._kept.popitem(last=False)
        return MemberPage(read.version, user, marks)


def _page_marks(found: ViewerMarks, authors: Iterable[str]) -> PageMarks:
    followed = frozenset(name for name in authors if normalise_author(name) in found.followed_author_keys)
    return PageMarks(found.upvoted, found.saved, followed)
