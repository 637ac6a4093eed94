"""The library: collections with notes, saving papers, export / import of reference files, account data.

Rules live here (who may see a collection, limits, slugs, what an import adds); the file formats are
dailypapers.references', storage the Store's. Private collections are "not found" for everyone but their owner, so
their existence does not leak.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import (
    InvalidInput,
    NotFound,
    PaperNotFound,
    PermissionDenied,
    SourceError,
    SourceUnavailable,
)
from dailypapers.domain.models import Paper, PaperView, User
from dailypapers.ports import ArxivSource, Clock, RateLimiter, SearchEngine, Store
from dailypapers.ports.library import Collection, CollectionItem
from dailypapers.references import ReferenceFormat, export_references, parse_references
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

SAVED_SLUG = "saved"  # the default collection the save button fills, created on first save
SAVED_NAME = "Saved"
IMPORTED_NAME = "Imported"
MAX_NAME_LENGTH = 128
MAX_DESCRIPTION_LENGTH = 2000
MAX_NOTE_LENGTH = 2000
MAX_SLUG_LENGTH = 64
MAX_COLLECTIONS = 200  # per member
MAX_ITEMS = 10_000  # per collection; a reading list, not a mirror of arXiv
COLLECTION_PAGE_SIZE = 100
LIBRARY_EXPORT_LIMIT = MAX_ITEMS
MAX_IMPORT_BYTES = 2 * 1024 * 1024
# Unknown ids are fetched from arXiv's API one request each, at most one request every few seconds (the hub's
# politeness limit), inside the upload's HTTP request: a handful keeps the answer within ~15 s. The rest are listed.
IMPORT_FETCH_LIMIT = 5
IMPORT_RATE = "20/hour"  # per member: each import can read a 2 MB file and call arXiv

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # text may keep tabs and newlines
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(name: str) -> str:
    """`Reading list: RL & Robots` → `reading-list-rl-robots`: ASCII, lower case, hyphens; never empty."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_SLUG_LENGTH].strip("-")
    return slug or "collection"


def _clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput("give the collection a name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"collection names are up to {MAX_NAME_LENGTH} characters")
    return name


def _clean_text(raw: str, what: str, limit: int) -> str:
    text = raw.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InvalidInput(f"the {what} is {len(text)} characters long; the limit is {limit}")
    if _CONTROL_RE.search(text):
        raise InvalidInput(f"the {what} contains control characters")
    return text


@dataclass(frozen=True, slots=True)
class SaveState:
    """Whether a paper is in the member's Saved collection after a change."""

    arxiv_id: str
    saved: bool


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """A paper of a collection as its page shows it: the item (note, when added) and the paper with upvotes."""

    item: CollectionItem
    view: PaperView


@dataclass(frozen=True, slots=True)
class CollectionPage:
    """One page of a collection as `viewer` sees it; `is_owner` decides whether edit controls are shown."""

    owner: User
    collection: Collection
    entries: list[LibraryEntry]
    page: int
    page_size: int
    is_owner: bool

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.collection.item_count


@dataclass(slots=True)
class ImportReport:
    """What an import did: the collection, papers added, already there, fetched from arXiv, not found."""

    collection: Collection
    entries: int = 0  # records in the file
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # unknown to the hub, fetched from arXiv, then added
    unknown: list[str] = field(default_factory=list)  # arXiv ids the hub does not have (and did not fetch)
    without_id: int = 0  # records with no arXiv id at all (journal articles, books)


class LibraryMixin:
    """Mixed into hub.Hub, which provides the attributes below."""

    settings: Settings
    store: Store
    clock: Clock
    arxiv: ArxivSource
    rate_limiter: RateLimiter
    search_engine: SearchEngine

    # -- the save button ---------------------------------------------------------------------------------

    def save_paper(self, user: User, arxiv_id: str) -> None:
        """Put the paper in the member's Saved collection (created on first save); saving twice is one save."""
        self.set_saved(user, arxiv_id, True)

    def set_saved(self, user: User, arxiv_id: str, saved: bool | None = None) -> SaveState:
        """Save (True), unsave (False) or toggle (None) a paper in the member's Saved collection.

        Raises PermissionDenied (banned), RateLimited, InvalidArxivId or PaperNotFound.
        """
        self._check_active(user)
        canonical = parse_arxiv_ref(arxiv_id).arxiv_id
        self.rate_limiter.hit("save", str(user.id), self.settings.rate_limit_vote)
        if self.store.get_paper(canonical) is None:
            raise PaperNotFound(canonical)
        now = self.clock.now()
        collection = self.store.ensure_collection(user.id, SAVED_SLUG, SAVED_NAME, now)
        if saved is None:
            saved = not self.store.items_among(collection.id, [canonical])
        if saved:
            self._check_room(collection, 1)
            self.store.add_items(collection.id, [canonical], now)
        else:
            self.store.remove_item(collection.id, canonical, now)
        return SaveState(canonical, saved)

    def saved_ids(self, user: User | None, arxiv_ids: list[str]) -> set[str]:
        """Which of these papers are in `user`'s Saved collection (none for visitors), to draw the buttons."""
        if user is None or not arxiv_ids:
            return set()
        return self.store.in_collection(user.id, SAVED_SLUG, arxiv_ids)

    def saved_paper_ids(self, user: User, limit: int) -> list[str]:
        """Papers in any of the member's collections, most recently added first (the for-you positives)."""
        return self.store.saved_paper_ids(user.id, limit)

    # -- collections -------------------------------------------------------------------------------------

    def collections(self, user: User) -> list[Collection]:
        return self.store.user_collections(user.id)

    def create_collection(self, user: User, name: str, description: str = "", *, is_public: bool = False) -> Collection:
        """A new collection; its slug comes from the name (made unique among the member's collections).

        Raises InvalidInput (name, description) or PermissionDenied (banned, too many collections).
        """
        self._check_active(user)
        clean = _clean_name(name)
        text = _clean_text(description, "description", MAX_DESCRIPTION_LENGTH)
        if self.store.count_collections(user.id) >= MAX_COLLECTIONS:
            raise PermissionDenied(f"you have {MAX_COLLECTIONS} collections, the limit; delete one first")
        return self.store.create_collection(user.id, clean, slugify(clean), text, is_public, self.clock.now())

    def own_collection(self, user: User, slug: str) -> Collection:
        """One of the member's own collections; NotFound otherwise."""
        collection = self.store.get_collection(user.id, slug) if _SLUG_RE.match(slug) else None
        if collection is None:
            raise NotFound(f"you have no collection at {slug[:80]!r}")
        return collection

    def update_collection(self, user: User, slug: str, *, name: str, description: str, is_public: bool) -> Collection:
        """Rename, describe, publish or hide a collection (its address stays)."""
        self._check_active(user)
        collection = self.own_collection(user, slug)
        return self.store.update_collection(
            collection.id,
            name=_clean_name(name),
            description=_clean_text(description, "description", MAX_DESCRIPTION_LENGTH),
            is_public=is_public,
            now=self.clock.now(),
        )

    def delete_collection(self, user: User, slug: str) -> None:
        self.store.delete_collection(self.own_collection(user, slug).id)

    def add_to_collection(self, user: User, slug: str, arxiv_id: str) -> bool:
        """Add a paper the hub has; False when it was already there. Raises PaperNotFound, InvalidArxivId."""
        self._check_active(user)
        collection = self.own_collection(user, slug)
        canonical = parse_arxiv_ref(arxiv_id).arxiv_id
        if self.store.get_paper(canonical) is None:
            raise PaperNotFound(canonical)
        self._check_room(collection, 1)
        return bool(self.store.add_items(collection.id, [canonical], self.clock.now()))

    def remove_from_collection(self, user: User, slug: str, arxiv_id: str) -> bool:
        collection = self.own_collection(user, slug)
        return self.store.remove_item(collection.id, parse_arxiv_ref(arxiv_id).arxiv_id, self.clock.now())

    def set_note(self, user: User, slug: str, arxiv_id: str, note: str) -> None:
        """The member's plain-text note on a paper of their collection (empty clears it)."""
        self._check_active(user)
        collection = self.own_collection(user, slug)
        text = _clean_text(note, "note", MAX_NOTE_LENGTH)
        canonical = parse_arxiv_ref(arxiv_id).arxiv_id
        if not self.store.set_item_note(collection.id, canonical, text, self.clock.now()):
            raise NotFound(f"arXiv {canonical} is not in the collection {collection.name!r}")

    def visible_collection(self, viewer: User | None, username: str, slug: str) -> tuple[User, Collection]:
        """A collection `viewer` may see: public ones, and their own. Everything else, including a private
        collection of someone else, is the same NotFound."""
        missing = NotFound(f"@{username[:64]} has no public collection at {slug[:80]!r}")
        owner = self.store.get_user_by_username(username)
        if owner is None or owner.is_banned or owner.deleted_at is not None or not _SLUG_RE.match(slug):
            raise missing
        collection = self.store.get_collection(owner.id, slug)
        if collection is None or not (collection.is_public or (viewer is not None and viewer.id == owner.id)):
            raise missing
        return owner, collection

    def collection_page(self, viewer: User | None, username: str, slug: str, page: int = 1) -> CollectionPage:
        if page < 1:
            raise InvalidInput("page numbers start at 1")
        owner, collection = self.visible_collection(viewer, username, slug)
        size = COLLECTION_PAGE_SIZE
        items = self.store.collection_items(collection.id, limit=size, offset=(page - 1) * size)
        views = self.store.paper_views([i.arxiv_id for i in items])
        entries = [LibraryEntry(i, views[i.arxiv_id]) for i in items if i.arxiv_id in views]
        is_owner = viewer is not None and viewer.id == owner.id
        return CollectionPage(owner, collection, entries, page, size, is_owner)

    def public_collections(self, owner: User) -> list[Collection]:
        return [c for c in self.store.user_collections(owner.id) if c.is_public]

    def _check_active(self, user: User) -> None:
        if user.is_banned or user.deleted_at is not None:
            raise PermissionDenied("this account cannot change its library")

    def _check_room(self, collection: Collection, adding: int) -> None:
        if collection.item_count + adding > MAX_ITEMS:
            raise PermissionDenied(f"a collection holds at most {MAX_ITEMS} papers; {collection.name!r} is full")

    # -- export ------------------------------------------------------------------------------------------

    def export_collection(self, viewer: User | None, username: str, slug: str, fmt: ReferenceFormat) -> str:
        """A collection as a BibTeX, RIS or CSL-JSON file, most recently added first, notes included."""
        _owner, collection = self.visible_collection(viewer, username, slug)
        items = self.store.collection_items(collection.id, limit=MAX_ITEMS)
        papers = self._visible_papers([i.arxiv_id for i in items])
        return export_references(
            [papers[i.arxiv_id] for i in items if i.arxiv_id in papers],
            fmt,
            notes={i.arxiv_id: i.note for i in items if i.note},
        )

    def export_library(self, user: User, fmt: ReferenceFormat) -> str:
        """Every paper of every collection of the member, each once, most recently added first."""
        ids = self.store.saved_paper_ids(user.id, LIBRARY_EXPORT_LIMIT)
        papers = self._visible_papers(ids)
        return export_references([papers[i] for i in ids if i in papers], fmt)

    def _visible_papers(self, ids: list[str]) -> dict[str, Paper]:
        """The papers among `ids` that people may see (papers a moderator hid are left out of every export)."""
        return {arxiv_id: view.paper for arxiv_id, view in self.store.paper_views(ids).items()}

    # -- import ------------------------------------------------------------------------------------------

    def import_references(self, user: User, data: bytes, collection_name: str = IMPORTED_NAME) -> ImportReport:
        """Read a BibTeX or RIS file (format detected from its content) and put the arXiv papers it cites into
        the member's collection named `collection_name` (created when missing, private). Papers the hub lacks are
        fetched from arXiv, up to IMPORT_FETCH_LIMIT per import; the others are reported. Imported papers count
        as saved, so they seed the for-you ranking.

        Raises InvalidInput (too large, not BibTeX or RIS, no arXiv ids), RateLimited, PermissionDenied.
        """
        self._check_active(user)
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidInput(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
        self.rate_limiter.hit("library_import", str(user.id), IMPORT_RATE)
        parsed = parse_references(data)
        if not parsed.arxiv_ids:
            raise InvalidInput(
                f"the {parsed.format_name} file has {parsed.entries} entries but none names an arXiv paper "
                "(we look at eprint, arXiv URLs, DOIs 10.48550/arXiv.… and journal fields “arXiv:…”)"
            )
        name = _clean_name(collection_name or IMPORTED_NAME)
        now = self.clock.now()
        collection = self.store.ensure_collection(user.id, slugify(name), name, now)
        known = set(self.store.get_papers(parsed.arxiv_ids))
        report = ImportReport(collection, entries=parsed.entries, without_id=parsed.without_id)
        missing = [i for i in parsed.arxiv_ids if i not in known]
        report.fetched = self._fetch_missing(missing[:IMPORT_FETCH_LIMIT])
        report.unknown = [i for i in missing if i not in report.fetched]
        wanted = [i for i in parsed.arxiv_ids if i in known or i in report.fetched]
        self._check_room(collection, len(wanted) - len(self.store.items_among(collection.id, wanted)))
        report.added = self.store.add_items(collection.id, wanted, now)
        added = set(report.added)
        report.already = [i for i in wanted if i not in added]
        report.collection = self.store.get_collection(user.id, collection.slug) or collection
        return report

    def _fetch_missing(self, arxiv_ids: list[str]) -> list[str]:
        fetched: list[str] = []
        for arxiv_id in arxiv_ids:
            try:
                paper = self.arxiv.fetch(arxiv_id)
            except SourceUnavailable as exc:
                log.warning("library import: arXiv unavailable (%s); not fetching more", exc)
                break
            except (SourceError, InvalidInput) as exc:
                log.warning("library import: arXiv %s: %s", arxiv_id, exc)
                continue
            if paper is not None:
                changed = self.store.upsert_papers([paper]).changed_ids
                self.search_engine.index_ids(list(changed))
                fetched.append(arxiv_id)
        return fetched

    # -- your data ---------------------------------------------------------------------------------------

    def account_export(self, user: User) -> dict[str, Any]:
        """Everything the hub keeps about the account, as JSON-ready data (no secrets)."""
        data = self.store.account_data(user.id)
        return {
            "format": "dailypapers-account-export",
            "version": 1,
            "exported_at": self.clock.now().isoformat(),
            **data,
        }

    def delete_account(self, user: User, *, confirm_username: str, remove_comments: bool) -> None:
        """Delete the account; `confirm_username` must be the username, typed. See LibraryStore.delete_account
        for what goes and what stays. Raises InvalidInput when the confirmation does not match."""
        if confirm_username.strip() != user.username:
            raise InvalidInput("type your username exactly to confirm the deletion")
        self.store.delete_account(user.id, remove_comments=remove_comments, now=self.clock.now())
        log.info("account %d deleted (comments %s)", user.id, "removed" if remove_comments else "kept")
