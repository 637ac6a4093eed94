"""UpstreamSync: follow the daily feed of HF-compatible hubs (`dailypapers sync` and the worker's job)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dailypapers.domain.errors import InvalidInput, InvalidRecord, SourceError
from dailypapers.domain.models import ImportRecord
from dailypapers.domain.upstream_records import parse_daily_item, upstream_label
from dailypapers.ports import ArxivSource, Clock, PaperStore, ProgressSink, SearchEngine
from dailypapers.ports.upstream import UpstreamSource, UpstreamStore
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

MAX_BACKFILL_DAYS = 3660  # ten years: a typo in --from should not queue a century of requests
# Papers the search index takes in one go: each keyword-index commit costs ~0.2 s, more than storing a day.
INDEX_BATCH = 1000


@dataclass(slots=True)
class SyncReport:
    """What a sync did, over every upstream and day."""

    days: int = 0
    entries: int = 0  # upstream entries read (malformed ones included)
    added: int = 0
    moved: int = 0
    updated: int = 0
    new_papers: int = 0
    completed: int = 0  # new papers completed from arXiv (categories, versions, DOI…)
    pages: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (upstream day / id, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (upstream, why it was given up this run)

    @property
    def changed(self) -> int:
        return self.added + self.moved + self.updated


@dataclass(frozen=True, slots=True)
class UpstreamStatus:
    """How the last sync of one upstream went, for the empty front page and `sync`'s output."""

    base_url: str
    label: str  # "Hugging Face" or the upstream's host
    last_ok: datetime | None
    last_error: str | None  # set when the latest attempt failed


def _day_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class _NoProgress:
    def advance(self, amount: int) -> None:
        pass


class UpstreamSync:
    """Mirrors upstream days into the feed: every entry on the day it was fetched for, the latest answer winning.

    Papers new to the hub are created from the upstream record and completed from the arXiv API (one request per
    50 papers); an arXiv failure leaves them as the upstream described them, to be completed at the next sync of
    their day. A malformed entry is logged and skipped; an unreachable upstream ends that upstream's run.
    """

    def __init__(
        self,
        settings: Settings,
        store: UpstreamStore,
        papers: PaperStore,
        source: UpstreamSource,
        arxiv: ArxivSource,
        search: SearchEngine,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.papers = papers
        self.source = source
        self.arxiv = arxiv
        self.search = search
        self.clock = clock
        self._unindexed: dict[str, None] = {}  # changed papers the search index has not taken yet (ordered set)

    @property
    def upstreams(self) -> list[str]:
        return self.settings.upstream_list

    def recent_days(self) -> list[date]:
        """Today and the `upstream_recent_days` before it (the scheduled sync's window)."""
        today = self.clock.now().date()
        return _day_range(today - timedelta(days=max(0, self.settings.upstream_recent_days)), today)

    def plan(self, start: date | None, end: date | None) -> list[date]:
        """The days a sync covers: the recent window without dates, else start…end; InvalidInput when wrong."""
        if start is None and end is None:
            return self.recent_days()
        today = self.clock.now().date()
        first, last = start or end or today, end or today
        if first > last:
            raise InvalidInput(f"--from {first} is after --to {last}")
        if last > today + timedelta(days=1):
            raise InvalidInput(f"--to {last} is in the future (today is {today})")
        if (last - first).days >= MAX_BACKFILL_DAYS:
            raise InvalidInput(f"at most {MAX_BACKFILL_DAYS} days per sync; split the range")
        return _day_range(first, last)

    def sync(
        self, start: date | None = None, end: date | None = None, *, progress: ProgressSink | None = None
    ) -> SyncReport:
        """Sync the days `plan` names from every upstream. A backfill (explicit dates) is resumable: run again
        with the same range after an interruption and it continues after the last day it finished."""
        days = self.plan(start, end)
        report = SyncReport()
        try:
            self._sync_days(days, bool(start or end), report, progress or _NoProgress())
        finally:
            self._index(force=True)  # also after a failure: what was stored gets indexed
        return report

    def _sync_days(self, days: list[date], backfill: bool, report: SyncReport, sink: ProgressSink) -> None:
        for base in self.upstreams:
            resume_key = f"upstream:{base}:backfill:{days[0]}:{days[-1]}" if backfill else None
            done = self.papers.get_state(resume_key) if resume_key else None
            todo = [d for d in days if done is None or d > date.fromisoformat(done)]
            sink.advance(len(days) - len(todo))
            arxiv_ok = True
            for day in todo:
                try:
                    arxiv_ok = self._sync_day(base, day, report, arxiv_ok)
                except SourceError as exc:
                    # Unreachable, refusing, or answering what is not a daily-papers list (a wrong URL): the next
                    # days would fare the same, so this upstream's run ends; a backfill resumes from this day.
                    self._failed(base, f"{day}: {exc}", report)
                    break
                if resume_key:
                    self.papers.set_state(resume_key, day.isoformat())
                sink.advance(1)
            else:
                if resume_key:
                    self.papers.set_state(resume_key, None)
                self.papers.set_state(f"upstream:{base}:last_ok", self.clock.now().isoformat())
                self.papers.set_state(f"upstream:{base}:last_error", None)

    def _index(self, ids: tuple[str, ...] = (), *, force: bool = False) -> None:
        """Queue changed papers for the search index; hand them over by the thousand and at the end of a sync."""
        self._unindexed.update(dict.fromkeys(ids))
        if self._unindexed and (force or len(self._unindexed) >= INDEX_BATCH):
            batch, self._unindexed = list(self._unindexed), {}
            self.search.index_ids(batch)

    def _failed(self, base: str, reason: str, report: SyncReport) -> None:
        report.failed.append((base, reason))
        self.papers.set_state(f"upstream:{base}:last_error", reason[:1000])

    def _sync_day(self, base: str, day: date, report: SyncReport, arxiv_ok: bool) -> bool:
        """One upstream day into the store; returns whether arXiv may still be asked this run."""
        answer = self.source.daily(base, day)
        now = self.clock.now()
        records: list[ImportRecord] = []
        for position, item in enumerate(answer.items):
            try:
                records.append(parse_daily_item(item, day=day, base_url=base, synced_at=now))
            except InvalidRecord as exc:
                where = f"{base} {day} #{position + 1}"
                log.warning("upstream %s: skipped a malformed entry: %s", where, exc)
                report.rejected.append((where, str(exc)))
        result = self.store.mirror_records(records) if records else None
        report.days += 1
        report.pages += answer.pages
        report.entries += len(answer.items)
        if result is None:
            return arxiv_ok
        report.added += result.entries_added
        report.moved += result.entries_moved
        report.updated += result.entries_updated
        report.new_papers += len(result.papers.inserted_ids)
        self._index(result.papers.changed_ids)
        if arxiv_ok:
            arxiv_ok = self._complete(list(dict.fromkeys(r.paper.arxiv_id for r in records)), report)
        return arxiv_ok

    def _complete(self, arxiv_ids: list[str], report: SyncReport) -> bool:
        """Fill what upstream records lack (categories, version, DOI…) from arXiv, as `fetch` does.

        A paper without categories has never been seen by arXiv's API here: those are the ones to ask for, so a
        failed completion is retried at the next sync of the day. False when arXiv failed (not asked again this
        run: the sync itself goes on).
        """
        stored = self.papers.get_papers(arxiv_ids)
        missing = [i for i in arxiv_ids if i in stored and not stored[i].categories]
        if not missing:
            return True
        try:
            fetched = self.arxiv.fetch_many(missing)
        except SourceError as exc:
            log.warning("arXiv could not complete %d upstream papers: %s; retried at the next sync", len(missing), exc)
            return False
        if fetched:
            self._index(self.papers.upsert_papers(list(fetched.values())).changed_ids)
            report.completed += len(fetched)
        return True

    def status(self) -> list[UpstreamStatus]:
        """Each configured upstream's last successful sync and, when the latest attempt failed, why."""
        statuses = []
        for base in self.upstreams:
            ok = self.papers.get_state(f"upstream:{base}:last_ok")
            statuses.append(
                UpstreamStatus(
                    base,
                    upstream_label(base),
                    datetime.fromisoformat(ok) if ok else None,
                    self.papers.get_state(f"upstream:{base}:last_error"),
                )
            )
        return statuses
