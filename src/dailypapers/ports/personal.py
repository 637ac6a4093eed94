"""Ports for the personal layer: follows, keyword rules, "not interested" feedback, preferences, saved searches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dailypapers.domain.personalize import Preferences
from dailypapers.domain.rules import Follow, FollowKind, KeywordRule, PersonalSignals, RuleKind


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A member's saved /search query; with `alert`, new matches go to their digest and private feed."""

    id: int
    user_id: int
    name: str
    query: str
    alert: bool
    created_at: datetime


class PersonalStore(Protocol):
    """A member's own signals and rules. Any method can raise StorageError."""

    # -- follows -----------------------------------------------------------------------------------------

    def add_follow(self, user_id: int, kind: FollowKind, value: str, label: str, at: datetime) -> bool:
        """Follow an author (normalised name) or category; False when already followed (nothing changes)."""
        ...

    def remove_follow(self, user_id: int, kind: FollowKind, value: str) -> bool:
        """Stop following; False when it was not followed."""
        ...

    def follows(self, user_id: int) -> list[Follow]:
        """The member's follows, authors then categories, each in the order they were added."""
        ...

    # -- keyword rules -----------------------------------------------------------------------------------

    def add_keyword_rule(self, user_id: int, kind: RuleKind, phrase: str, at: datetime) -> bool:
        """Add an include / exclude phrase (already normalised); False when the member has it already."""
        ...

    def remove_keyword_rule(self, user_id: int, rule_id: int) -> bool:
        """Delete one of the member's rules by id; False when they have no such rule."""
        ...

    def keyword_rules(self, user_id: int) -> list[KeywordRule]:
        """The member's rules, includes then excludes, oldest first."""
        ...

    # -- feedback ----------------------------------------------------------------------------------------

    def set_not_interested(self, user_id: int, arxiv_id: str, at: datetime) -> None:
        """Remember a "not interested" click (idempotent). Raises PaperNotFound for unknown papers."""
        ...

    def clear_not_interested(self, user_id: int, arxiv_id: str) -> bool:
        """Undo a "not interested"; False when there was none."""
        ...

    def not_interested_ids(self, user_id: int, limit: int) -> list[str]:
        """Papers the member marked "not interested", most recent first."""
        ...

    # -- preferences -------------------------------------------------------------------------------------

    def preferences(self, user_id: int) -> Preferences:
        """The member's for-you settings; the defaults when they never changed any."""
        ...

    def set_trending_weight(self, user_id: int, weight: float, at: datetime) -> None: ...

    def mark_onboarded(self, user_id: int, at: datetime) -> None:
        """Record that the member finished (or skipped) the first-visit picks; the first mark is kept."""
        ...

    # -- saved searches ----------------------------------------------------------------------------------

    def add_saved_search(self, user_id: int, name: str, query: str, at: datetime) -> SavedSearch:
        """Save a query under a name. Raises Conflict when the member already has a search of that name."""
        ...

    def remove_saved_search(self, user_id: int, search_id: int) -> bool:
        """Delete one of the member's saved searches; False when they have no such search."""
        ...

    def saved_searches(self, user_id: int) -> list[SavedSearch]:
        """The member's saved searches, oldest first."""
        ...

    def papers_added_at(self, arxiv_ids: Sequence[str]) -> dict[str, datetime]:
        """When each listed paper first came into this hub (unknown ids absent): "new" for saved-search alerts."""
        ...

    def personal_signals(self, user_ids: Sequence[int], limit: int) -> dict[int, PersonalSignals]:
        """Every listed member's signals in a few queries (the digest plans hundreds of members at a time); at most
        `limit` saved and "not interested" papers each; members with none get an empty PersonalSignals."""
        ...
