"""Choosing each digest subscriber's papers from one frozen ranking: the trending section by their topics and rules,
then "picked for you" (saved-search alerts, followed authors and categories, papers near what they liked).

The selection rules themselves are domain/digest.py's; this module loads what they need in few queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

import numpy as np

from dailypapers.domain.digest import Pick, Selection, Topics, picks_from_similarity, select_trending, unit_vectors
from dailypapers.domain.models import Paper
from dailypapers.domain.rules import PersonalSignals, liked_ids
from dailypapers.ports import Store
from dailypapers.ports.digests import DigestStore, PaperVectors, Subscriber
from dailypapers.settings import Settings

if TYPE_CHECKING:
    from dailypapers.usecases.personal import SavedSearchMatch

LIKED_LIMIT = 200  # most recent likes (upvotes, saves) a subscriber's picks are compared with
NO_SIGNALS = PersonalSignals()
PICK_MIN_SIMILARITY = 0.2

# (user id, matched since, limit) -> new matches of the member's alerting saved searches
SavedSearchMatches = Callable[[int, "datetime | None", int], "list[SavedSearchMatch]"]


@dataclass(frozen=True, slots=True)
class _Liked:
    """The recent likes (upvotes and saved papers) of a batch's accounts, with one similarity matrix for all of
    them: column `row[id]` of `similarity` holds the cosine of each candidate to liked paper `id` (papers without
    a vector have none)."""

    likes: dict[int, list[str]] = field(default_factory=dict)
    saved_only: dict[int, set[str]] = field(default_factory=dict)  # liked by saving, not upvoting: the why says so
    papers: tuple[Paper, ...] = ()
    row: dict[str, int] = field(default_factory=dict)
    similarity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))


class DigestPlanner:
    """Chooses each subscriber's papers from one ranking: loads the ranking's papers and vectors once, and the
    liked papers of each batch of subscribers once (one query, one vector lookup, one matrix product)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        vectors: PaperVectors | None,
        saved_search_matches: SavedSearchMatches,
        paper_ids: Sequence[str],
        alerts_since: datetime | None = None,
    ) -> None:
        self.store = store
        self.digests = cast(DigestStore, store)
        self.vectors = vectors
        self.saved_search_matches = saved_search_matches
        self.alerts_since = alerts_since
        found = store.get_papers(list(paper_ids))
        self.snapshot: list[Paper] = [found[i] for i in paper_ids if i in found]
        self.papers_limit = settings.digest_papers
        self.picks_limit = settings.digest_picks
        self.candidates: tuple[Paper, ...] = ()
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        if vectors is not None and self.picks_limit > 0 and self.snapshot:
            vectors_found = vectors.paper_vectors([p.arxiv_id for p in self.snapshot])
            self.candidates, self.matrix = unit_vectors(self.snapshot, vectors_found)

    def plan(self, batch: Sequence[Subscriber]) -> list[tuple[int, Selection]]:
        sent = self.digests.sent_paper_ids([s.id for s in batch])
        user_ids = [s.user_id for s in batch if s.user_id is not None]
        signals = self.store.personal_signals(user_ids, LIKED_LIMIT) if user_ids else {}
        liked = self.liked(user_ids, signals)
        planned = []
        for subscriber in batch:
            personal = signals.get(subscriber.user_id, NO_SIGNALS) if subscriber.user_id is not None else NO_SIGNALS
            selection = self.select(subscriber, sent.get(subscriber.id, set()), liked, personal)
            if not selection.is_empty:
                planned.append((subscriber.id, selection))
        return planned

    def liked(self, user_ids: Sequence[int], signals: Mapping[int, PersonalSignals]) -> _Liked:
        vectors = self.vectors
        if not user_ids or not self.candidates or vectors is None:
            return _Liked()
        upvotes = self.digests.recent_upvotes(user_ids, LIKED_LIMIT)
        likes, saved_only = {}, {}
        for user_id, upvoted in upvotes.items():
            personal = signals.get(user_id, NO_SIGNALS)
            likes[user_id] = liked_ids(upvoted, personal.saved, personal.disliked)
            saved_only[user_id] = set(personal.saved) - set(upvoted)
        ids = list(dict.fromkeys(i for liked in likes.values() for i in liked))
        found = self.store.get_papers(ids)
        stored = [found[i] for i in ids if i in found]
        papers, matrix = unit_vectors(stored, vectors.paper_vectors([p.arxiv_id for p in stored]))
        if not papers:
            return _Liked(likes, saved_only)
        row = {p.arxiv_id: n for n, p in enumerate(papers)}
        return _Liked(likes, saved_only, papers, row, self.matrix @ matrix.T)

    def select(
        self, subscriber: Subscriber, already_sent: set[str], liked: _Liked, personal: PersonalSignals = NO_SIGNALS
    ) -> Selection:
        unwanted = already_sent | personal.disliked
        snapshot = self.snapshot
        if not personal.rules.is_empty:  # keyword rules filter the trending list as they filter the for-you page
            snapshot = [p for p in snapshot if personal.rules.allows(p)]
        trending = select_trending(snapshot, subscriber.topics, unwanted, self.papers_limit)
        taken = set(trending) | unwanted
        picks = self.explicit_picks(subscriber, personal, taken)
        taken.update(p.arxiv_id for p in picks)
        if len(picks) < self.picks_limit:
            picks += self.picks(subscriber, taken, liked, personal, self.picks_limit - len(picks))
        return Selection(tuple(trending), tuple(picks[: self.picks_limit]))

    def explicit_picks(self, subscriber: Subscriber, personal: PersonalSignals, taken: set[str]) -> list[Pick]:
        """What the member asked for by name comes first: new matches of their alerting saved searches, then this
        period's papers by authors / in categories they follow or matching their include keywords."""
        if subscriber.user_id is None or self.picks_limit <= 0:
            return []
        picks: list[Pick] = []
        chosen = set(taken)
        if personal.has_alerts:
            for match in self.saved_search_matches(subscriber.user_id, self.alerts_since, self.picks_limit):
                paper = match.view.paper
                if paper.arxiv_id not in chosen and subscriber.topics.matches(paper):
                    picks.append(Pick(paper.arxiv_id, f"Matches your saved search “{match.search.name}”"))
                    chosen.add(paper.arxiv_id)
        for paper in self.snapshot:
            if len(picks) >= self.picks_limit:
                break
            reason = personal.rules.reason(paper) if not personal.rules.is_empty else None
            if reason and paper.arxiv_id not in chosen and personal.rules.allows(paper):
                picks.append(Pick(paper.arxiv_id, reason))
                chosen.add(paper.arxiv_id)
        return picks[: self.picks_limit]

    def picks(
        self, subscriber: Subscriber, taken: set[str], liked: _Liked, personal: PersonalSignals, limit: int
    ) -> list[Pick]:
        """ "Picked for you": candidates nearest to the papers the account upvoted or saved, newest first."""
        if subscriber.user_id is None:
            return []
        liked_ids = liked.likes.get(subscriber.user_id, [])
        columns = [liked.row[i] for i in liked_ids if i in liked.row]
        if not columns:
            return []
        exclude = taken | set(liked_ids)
        if subscriber.topics.exclude:
            unwanted = Topics(exclude=subscriber.topics.exclude)
            exclude.update(p.arxiv_id for p in self.candidates if not unwanted.matches(p))
        if not personal.rules.is_empty:
            exclude.update(p.arxiv_id for p in self.candidates if not personal.rules.allows(p))
        return picks_from_similarity(
            self.candidates,
            liked.similarity[:, columns],
            [liked.papers[c] for c in columns],
            exclude,
            limit,
            PICK_MIN_SIMILARITY,
            saved=liked.saved_only.get(subscriber.user_id, set()),
        )
