"""Domain values of dailypapers: frozen dataclasses only, no I/O and no framework imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from dailypapers.domain.ranking import TrendingParams

ARXIV_ABS_URL = "https://arxiv.org/abs/{}"
ARXIV_PDF_URL = "https://arxiv.org/pdf/{}"


@dataclass(frozen=True, slots=True)
class Paper:
    """An arXiv paper as the hub knows it; `version` 0 means no source told us the version."""

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    published: datetime
    version: int = 0
    updated: datetime | None = None
    categories: tuple[str, ...] = ()  # primary category first
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    github_repo: str | None = None
    project_page: str | None = None
    imported_upvotes: int = 0  # the upstream's count (Hugging Face or another hub); community votes come on top
    # What an upstream says beyond arXiv's metadata (Hugging Face's paper object):
    ai_summary: str | None = None
    ai_summary_model: str | None = None
    ai_keywords: tuple[str, ...] = ()
    thumbnail_url: str | None = None
    media_urls: tuple[str, ...] = ()
    withdrawn_at: datetime | None = None
    # Set by an author, the submitter or an admin (usecases/paper_links.py): once `links_edited_at` is set, the
    # code link, project page and organization are theirs, and imports or syncs no longer change them.
    edited_organization: str | None = None
    links_edited_at: datetime | None = None

    # Made by this hub's enrichment (usecases/enrichment.py), never by a source: keyphrases extracted locally.
    keywords: tuple[str, ...] = ()

    @property
    def shown_keywords(self) -> tuple[str, ...]:
        """The keywords pages show and search indexes: the upstream's or the LLM's, else the local ones."""
        return self.ai_keywords or self.keywords

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def abs_url(self) -> str:
        return ARXIV_ABS_URL.format(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        return ARXIV_PDF_URL.format(self.arxiv_id)

    @property
    def last_changed(self) -> datetime:
        return self.updated or self.published


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """A paper's place on the daily feed: it is on a day's page because it was submitted that day."""

    arxiv_id: str
    feed_date: date
    submitted_at: datetime
    submitted_by: str | None = None  # a user name (the upstream's for mirrored entries); None for automatic ones
    source: str = "user"  # "user", "auto" (category rule), "import" (a file), "upstream" (synced from a hub)
    imported_comments: int = 0  # the upstream's comment count; local comments are counted apart
    organization: str | None = None  # an Organization.name
    submitter_id: int | None = None  # the account, for user submissions
    upstream: str | None = None  # base URL of the hub it was synced from ("https://huggingface.co")
    submitter_fullname: str | None = None  # the upstream submitter's display name
    submitter_avatar_url: str | None = None
    upstream_synced_at: datetime | None = None  # when the upstream gave this answer; an older one never wins

    @property
    def is_mirrored(self) -> bool:
        """An entry that an upstream (a sync or an imported file) decides: its latest answer moves and recounts it."""
        return self.source in ("import", "upstream")


@dataclass(frozen=True, slots=True)
class Organization:
    """An organization as an upstream names it on feed entries (`name`), with what pages show of it."""

    name: str
    fullname: str | None = None
    avatar_url: str | None = None


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One card of a feed page: the entry, its paper and the upvotes shown."""

    entry: FeedEntry
    paper: Paper
    upvotes: int
    organization: Organization | None = None  # details of entry.organization, when known


@dataclass(frozen=True, slots=True)
class PaperView:
    """A paper with what pages and APIs show beside it: its feed entry (if submitted) and upvotes."""

    paper: Paper
    entry: FeedEntry | None
    upvotes: int
    organization: Organization | None = None  # details of entry.organization, when known


FeedOrder = Literal["upvotes", "recent", "trending"]


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """Which feed entries to list: a date span (open ends allowed), optionally one submitter's or organization's,
    in an order.

    `upvotes`: most upvoted first, then earliest submitted; `recent`: latest submitted first; `trending`: highest
    trending score (ranking.py) at `as_of` under `trending` first (the hub fills both from its clock and settings;
    left out, they are the current time and ranking.DEFAULT_PARAMS).
    """

    start: date | None = None
    end: date | None = None
    submitter: str | None = None
    order: FeedOrder = "upvotes"
    as_of: datetime | None = None
    trending: TrendingParams | None = None
    organization: str | None = None  # the entry's organization, or the one an author set on the paper


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """What one line of an import file becomes: a paper, and for daily-feed formats its feed entry."""

    paper: Paper
    feed_entry: FeedEntry | None = None
    organization: Organization | None = None  # details of feed_entry.organization, when the record has them
    github_stars: int | None = None  # the upstream's star count of paper.github_repo


@dataclass(slots=True)
class ImportReport:
    """Tally of an import or harvest run; `rejected` holds (line number or record id, reason)."""

    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    feed_added: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.inserted + self.updated + self.skipped + len(self.rejected)

    def add(self, other: ImportReport) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.skipped += other.skipped
        self.feed_added += other.feed_added
        self.rejected.extend(other.rejected)


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What a batch upsert did; `inserted_ids` lets callers act on papers that are new to the hub."""

    inserted_ids: tuple[str, ...] = ()
    updated_ids: tuple[str, ...] = ()
    skipped: int = 0

    @property
    def updated(self) -> int:
        return len(self.updated_ids)

    @property
    def changed_ids(self) -> tuple[str, ...]:
        return self.inserted_ids + self.updated_ids


@dataclass(frozen=True, slots=True)
class HarvestPage:
    """One OAI-PMH ListRecords response, parsed."""

    papers: tuple[Paper, ...]
    resumption_token: str | None
    rejected: tuple[tuple[str, str], ...] = ()
    complete_list_size: int | None = None


# -- community ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    """An account; `username` is the public handle (the `user` of Hugging Face's `submittedBy`)."""

    id: int
    email: str
    username: str
    display_name: str
    created_at: datetime
    is_admin: bool = False
    banned_at: datetime | None = None
    deleted_at: datetime | None = None  # a deleted account keeps a scrubbed row so its votes stay counted

    @property
    def initials(self) -> str:
        words = [w for w in self.display_name.split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or self.username[:1].upper()

    @property
    def is_banned(self) -> bool:
        return self.banned_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A personal API token as listed on the settings page; the secret itself is shown once and never stored."""

    id: int
    user_id: int
    name: str
    prefix: str
    scopes: frozenset[str]
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment of a paper's thread; `author` is None once the account is deleted."""

    id: int
    arxiv_id: str
    author: User | None
    parent_id: int | None
    body: str  # markdown source
    created_at: datetime
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    hidden_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One moderation action, as shown on the admin page."""

    id: int
    actor: str | None  # username of the admin, None for the system
    action: str
    target: str  # "paper:ID", "comment:ID" or "user:NAME" (the name at the time; scrubbed when the account goes)
    detail: str
    created_at: datetime
    subject_id: int | None = None  # the account an entry concerns (bans): stable, whatever becomes of its name
    subject: str | None = None  # that account's username now
    subject_deleted: bool = False


ClaimStatus = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True, slots=True)
class AuthorClaim:
    """A member's claim to be one author of a paper (`author`: the name as the paper lists it); only an approved
    claim verifies the member as that author."""

    id: int
    arxiv_id: str
    author: str
    user: User
    status: ClaimStatus
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None  # the deciding admin's username
    reason: str = ""  # the admin's note with a rejection
    hidden: bool = False  # the member keeps the paper off the profile

    @property
    def is_verified(self) -> bool:
        return self.status == "approved"
