"""Entries mirrored from upstream hubs (the latest upstream answer wins) and organizations, in SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, chunks, storage_errors
from dailypapers.adapters.sql.paper_rows import upsert_papers_in
from dailypapers.adapters.sql.rows import entry_from_row, entry_values
from dailypapers.adapters.sql.schema import feed_entries, github_repos, organizations, papers
from dailypapers.domain.merging import merge_paper
from dailypapers.domain.models import FeedEntry, ImportRecord, Organization
from dailypapers.domain.ranking import repo_from_url
from dailypapers.ports.upstream import MirrorResult

# What a member's own submission takes from the upstream's answer: its counts, never its day or submitter.
_COUNT_FIELDS = ("imported_comments", "upstream", "upstream_synced_at")


def _newer(incoming: FeedEntry, stored: FeedEntry) -> bool:
    """Whether the incoming answer is at least as recent as the stored one (equal: the later one read wins)."""
    if stored.upstream_synced_at is None:
        return True
    return incoming.upstream_synced_at is not None and incoming.upstream_synced_at >= stored.upstream_synced_at


def _latest_per_paper(records: Sequence[ImportRecord]) -> dict[str, ImportRecord]:
    """One record per paper: the latest answer, the later one in the batch at equal (or unknown) times."""
    latest: dict[str, ImportRecord] = {}
    for record in records:
        entry = record.feed_entry
        if entry is None:
            raise ValueError(f"upstream record {record.paper.arxiv_id} has no feed entry")
        seen = latest.get(record.paper.arxiv_id)
        if seen is None or seen.feed_entry is None or _newer(entry, seen.feed_entry):
            latest[record.paper.arxiv_id] = record
    return latest


class SqlUpstreamStore(SqlBase):
    """The UpstreamStore port (ports/upstream.py)."""

    @storage_errors
    def mirror_records(self, records: Sequence[ImportRecord]) -> MirrorResult:
        latest = _latest_per_paper(records)
        with self._write() as conn:
            stored = self._entries(conn, list(latest))
            winners = {i: r for i, r in latest.items() if i not in stored or self._wins(r, stored[i])}
            counts = {i: r.paper.imported_upvotes for i, r in winners.items()}
            old_counts = self._counts(conn, list(winners))
            # A stale answer must not bring back an old summary or count: of papers the hub has, only the winners'
            # records are merged in (new papers are inserted from any record, with the winner's count).
            merged: dict[str, Any] = {}
            for record in records:
                arxiv_id = record.paper.arxiv_id
                if arxiv_id not in winners and arxiv_id in stored:
                    continue
                paper = dataclasses.replace(record.paper, imported_upvotes=counts.get(arxiv_id, 0))
                seen = merged.get(arxiv_id)
                merged[arxiv_id] = merge_paper(seen, paper) if seen else paper
            result = upsert_papers_in(conn, list(merged.values()))
            # The latest count replaces the stored one, down as well as up (the merge above only ever raises it).
            changed = tuple(i for i, old in old_counts.items() if old != counts[i])
            if changed:
                update = papers.update().where(papers.c.arxiv_id == sa.bindparam("b_id"))
                rows = [{"b_id": i, "count": counts[i]} for i in changed]
                conn.execute(update.values(imported_upvotes=sa.bindparam("count")), rows)
            new = [entry_values(r.feed_entry) for i, r in winners.items() if i not in stored and r.feed_entry]
            if new:
                conn.execute(feed_entries.insert(), new)
            moved = updated = 0
            for arxiv_id, record in winners.items():
                old = stored.get(arxiv_id)
                if old is None or record.feed_entry is None:
                    continue
                entry = self._combined(old, record.feed_entry)
                if entry != old:  # the answer's time is written too: it orders this answer after older ones
                    values = {k: v for k, v in entry_values(entry).items() if k != "arxiv_id"}
                    conn.execute(feed_entries.update().where(feed_entries.c.arxiv_id == arxiv_id).values(values))
                # ...but a new time alone is no change to report.
                if entry.feed_date != old.feed_date:
                    moved += 1
                elif (
                    dataclasses.replace(entry, upstream_synced_at=old.upstream_synced_at) != old or arxiv_id in changed
                ):
                    updated += 1
            self._save_organizations(conn, [r.organization for r in winners.values() if r.organization])
            self._seed_stars(conn, list(winners.values()))
        return MirrorResult(
            papers=result,
            entries_added=len(new),
            entries_moved=moved,
            entries_updated=updated,
            entries_stale=len(latest) - len(winners),
            counts_changed=changed,
        )

    @staticmethod
    def _wins(record: ImportRecord, stored: FeedEntry) -> bool:
        assert record.feed_entry is not None
        return _newer(record.feed_entry, stored)

    @staticmethod
    def _combined(old: FeedEntry, incoming: FeedEntry) -> FeedEntry:
        """The stored entry after the upstream's answer: a mirrored or automatic entry becomes the answer; a
        member's submission only takes the counts (and an organization it lacks)."""
        if old.is_mirrored or old.source == "auto":
            return incoming
        counts = {name: getattr(incoming, name) for name in _COUNT_FIELDS}
        return dataclasses.replace(old, **counts, organization=old.organization or incoming.organization)

    @staticmethod
    def _entries(conn: sa.Connection, ids: list[str]) -> dict[str, FeedEntry]:
        found: dict[str, FeedEntry] = {}
        for chunk in chunks(ids):
            for row in conn.execute(sa.select(feed_entries).where(feed_entries.c.arxiv_id.in_(chunk))):
                found[row.arxiv_id] = entry_from_row(row)
        return found

    @staticmethod
    def _counts(conn: sa.Connection, ids: list[str]) -> dict[str, int]:
        """The stored upstream upvotes of the papers the hub already has among `ids`."""
        found: dict[str, int] = {}
        for chunk in chunks(ids):
            query = sa.select(papers.c.arxiv_id, papers.c.imported_upvotes).where(papers.c.arxiv_id.in_(chunk))
            found.update((row.arxiv_id, row.imported_upvotes) for row in conn.execute(query))
        return found

    @staticmethod
    def _save_organizations(conn: sa.Connection, orgs: list[Organization]) -> None:
        """Insert unknown organizations; details an answer leaves out never erase known ones."""
        wanted = {org.name: org for org in orgs}
        known: dict[str, Organization] = {}
        for chunk in chunks(list(wanted)):
            for row in conn.execute(sa.select(organizations).where(organizations.c.name.in_(chunk))):
                known[row.name] = Organization(row.name, row.fullname, row.avatar_url)
        now = datetime.now(UTC)
        for name, org in wanted.items():
            old = known.get(name)
            if old is None:
                conn.execute(organizations.insert().values(name=name, **_org_details(org), updated_at=now))
                continue
            new = Organization(name, org.fullname or old.fullname, org.avatar_url or old.avatar_url)
            if new != old:
                update = organizations.update().where(organizations.c.name == name)
                conn.execute(update.values(**_org_details(new), updated_at=now))

    @staticmethod
    def _seed_stars(conn: sa.Connection, records: list[ImportRecord]) -> None:
        """The upstream's star count for repositories GitHub was never asked about (the refresh job asks it)."""
        stars: dict[str, int] = {}
        for record in records:
            repo = repo_from_url(record.paper.github_repo) if record.paper.github_repo else None
            if repo and record.github_stars is not None:
                stars[repo] = record.github_stars
        known: dict[str, Any] = {}
        for chunk in chunks(list(stars)):
            query = sa.select(github_repos.c.repo, github_repos.c.fetched_at, github_repos.c.stars)
            known.update((row.repo, row) for row in conn.execute(query.where(github_repos.c.repo.in_(chunk))))
        for repo, count in stars.items():
            row = known.get(repo)
            if row is None:
                conn.execute(github_repos.insert().values(repo=repo, stars=count))
            elif row.fetched_at is None and row.stars != count:
                conn.execute(github_repos.update().where(github_repos.c.repo == repo).values(stars=count))

    @storage_errors
    def organizations(self, names: Sequence[str]) -> dict[str, Organization]:
        found: dict[str, Organization] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(list(dict.fromkeys(names))):
                for row in conn.execute(sa.select(organizations).where(organizations.c.name.in_(chunk))):
                    found[row.name] = Organization(row.name, row.fullname, row.avatar_url)
        return found


def _org_details(org: Organization) -> dict[str, str | None]:
    return {"fullname": org.fullname, "avatar_url": org.avatar_url}
