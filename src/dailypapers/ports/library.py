"""Ports for the library: a member's collections of papers with notes, what they saved, and their account data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Collection:
    """A named list of papers owned by one member; `slug` is its address under /u/{username}/c/ and never
    changes after creation (renaming keeps shared links working)."""

    id: int
    user_id: int
    name: str
    slug: str
    description: str  # plain text, rendered escaped
    is_public: bool
    created_at: datetime
    updated_at: datetime
    item_count: int = 0


@dataclass(frozen=True, slots=True)
class CollectionItem:
    """One paper of a collection with the owner's plain-text note."""

    arxiv_id: str
    note: str
    added_at: datetime


class LibraryStore(Protocol):
    """Collections and their items, and the account-wide data export and deletion. Any method can raise
    StorageError."""

    def ensure_collection(self, user_id: int, slug: str, name: str, now: datetime) -> Collection:
        """The member's collection at `slug`, created (private, named `name`) when missing; safe under
        concurrent calls."""
        ...

    def create_collection(
        self, user_id: int, name: str, slug: str, description: str, is_public: bool, now: datetime
    ) -> Collection:
        """A new collection at `slug`, or `slug-2`, `-3`, … when the member already uses it (chosen inside the
        write)."""
        ...

    def get_collection(self, user_id: int, slug: str) -> Collection | None: ...

    def user_collections(self, user_id: int) -> list[Collection]:
        """The member's collections with their item counts, most recently changed first."""
        ...

    def count_collections(self, user_id: int) -> int: ...

    def update_collection(
        self, collection_id: int, *, name: str, description: str, is_public: bool, now: datetime
    ) -> Collection:
        """Raises NotFound when the collection is gone."""
        ...

    def delete_collection(self, collection_id: int) -> None:
        """The collection and its items; nothing else."""
        ...

    def add_items(self, collection_id: int, arxiv_ids: Sequence[str], now: datetime) -> list[str]:
        """Add papers (in order, the first given counting as the most recently added); returns the ids that
        were added. Ids already in the collection and ids of papers the hub does not have are skipped."""
        ...

    def remove_item(self, collection_id: int, arxiv_id: str, now: datetime) -> bool:
        """False when the paper was not in the collection."""
        ...

    def set_item_note(self, collection_id: int, arxiv_id: str, note: str, now: datetime) -> bool:
        """False when the paper is not in the collection."""
        ...

    def collection_items(self, collection_id: int, *, limit: int, offset: int = 0) -> list[CollectionItem]:
        """Most recently added first."""
        ...

    def items_among(self, collection_id: int, arxiv_ids: Sequence[str]) -> set[str]:
        """Which of these papers are in the collection."""
        ...

    def in_collection(self, user_id: int, slug: str, arxiv_ids: Sequence[str]) -> set[str]:
        """Which of these papers are in the member's collection at `slug` (empty when it does not exist); one
        query, as the save button asks it for every card."""
        ...

    def saved_paper_ids(self, user_id: int, limit: int) -> list[str]:
        """Papers in any of the member's collections, each once, most recently added first."""
        ...

    def account_data(self, user_id: int) -> dict[str, Any]:
        """Everything kept about the account as JSON-ready values (no secrets, no hashes); NotFound when the
        account does not exist."""
        ...

    def delete_account(self, user_id: int, *, remove_comments: bool, now: datetime) -> None:
        """In one transaction: revoke sessions and tokens, delete personal rows, collections, subscriptions and
        sign-in links, remove or anonymise comments, and scrub the users row (kept, with deleted_at, so votes
        stay counted). Raises NotFound for an unknown or already deleted account."""
        ...
