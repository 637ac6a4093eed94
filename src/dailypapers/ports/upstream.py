"""Ports for following upstream hubs: the store of mirrored feed entries and organizations, and the upstream client."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from dailypapers.domain.models import ImportRecord, Organization, UpsertResult


@dataclass(frozen=True, slots=True)
class MirrorResult:
    """What storing a batch of upstream records changed; all zeros (and no paper changes) when nothing did."""

    papers: UpsertResult = field(default_factory=UpsertResult)
    entries_added: int = 0  # papers that were not on the feed
    entries_moved: int = 0  # mirrored entries the upstream put on another day
    entries_updated: int = 0  # same day, new counts, submitter or organization (a new answer time alone is none)
    entries_stale: int = 0  # the stored entry holds a newer upstream answer: left as it is
    counts_changed: tuple[str, ...] = ()  # ids whose upstream upvotes changed

    @property
    def changed(self) -> bool:
        return bool(
            self.papers.changed_ids or self.entries_added or self.entries_moved or self.entries_updated
        ) or bool(self.counts_changed)


@dataclass(frozen=True, slots=True)
class UpstreamDay:
    """One day of an upstream's daily feed as it answered: the JSON items of every page, unparsed."""

    day: date
    items: tuple[object, ...]
    pages: int = 1  # pages it took (requests, retries not counted)


class UpstreamStore(Protocol):
    """Entries mirrored from upstream hubs (and files exported from them) and organizations.

    Any method can raise StorageError.
    """

    def mirror_records(self, records: Sequence[ImportRecord]) -> MirrorResult:
        """Store upstream records in one transaction, the latest upstream answer winning.

        Papers are upserted (merged as merging.merge_paper says). A record's feed entry (it must have one)
        replaces a stored mirrored entry (source "import" or "upstream") unless the stored one's
        `upstream_synced_at` is newer: day, submitter, counts and organization all follow the upstream, and the
        paper's `imported_upvotes` becomes the record's count. An automatic entry ("auto") is taken over the same
        way. A member's submission ("user") keeps its day and submitter and takes the upstream counts: a paper is
        on the feed once. Within the batch, the later record of a paper wins at equal times. Organizations are
        upserted; an upstream star count is stored for a repository GitHub was never asked about.
        """
        ...

    def organizations(self, names: Sequence[str]) -> dict[str, Organization]:
        """The known organizations among `names`, keyed by name."""
        ...


class UpstreamSource(Protocol):
    """An HF-compatible hub's `GET /api/daily_papers` (Hugging Face, or another dailypapers hub).

    Raises SourceUnavailable when the upstream cannot be reached or keeps failing (after its retries), SourceError
    when it answers something that is not a daily-papers list (or an error it will repeat, such as a 404). Items
    are checked by the caller (domain/upstream_records.py), so one malformed item never costs the day.
    """

    def daily(self, base_url: str, day: date) -> UpstreamDay:
        """Every item the upstream files under `day`, following pages until a short one."""
        ...
