"""Enricher: AI summaries, keywords, first-page thumbnails and linked Hub artefacts (`dailypapers enrich`, the
worker's job), and what pages read of them. Nothing here runs on a page request except the reads at the end."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.enrichment import (
    EnrichKind,
    EnrichReport,
    HubLinks,
    Summary,
    Thumbnail,
    Unusable,
    clean_keywords,
    parse_answer,
    retry_at,
    summary_messages,
)
from dailypapers.domain.errors import PaperNotFound, SourceError, SourceUnavailable
from dailypapers.domain.models import Paper
from dailypapers.ports import Clock, PaperStore, ProgressSink, SearchEngine
from dailypapers.ports.enrichment import (
    ChatModel,
    EnrichmentStore,
    HubLinksSource,
    KeywordExtractor,
    PdfSource,
    ThumbnailRenderer,
)
from dailypapers.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

PAUSE_FIRST = timedelta(minutes=1)
PAUSE_MAX = timedelta(hours=1)
FEED_ONLY: frozenset[EnrichKind] = frozenset({"thumbnail", "hub_links"})  # PDFs and Hub calls: feed papers only


class _NoProgress:
    def advance(self, amount: int) -> None:
        pass


class _Stopped(Exception):
    """A service of this kind is unavailable: the kind ends for this run (no paper is blamed)."""


class Enricher:
    """Fills papers' AI summary, keywords, thumbnail and Hub links; each kind is switched by a setting.

    A paper that fails a kind is tried again on a schedule (1 h, 4 h, 16 h, then given up); a service that is down
    pauses its kind for this process (1, 2, 4 … minutes, at most an hour) instead of failing every paper.
    """

    def __init__(
        self,
        settings: Settings,
        store: EnrichmentStore,
        papers: PaperStore,
        chat: ChatModel,
        pdfs: PdfSource,
        hub: HubLinksSource,
        extractor: Callable[[], KeywordExtractor],
        renderer: ThumbnailRenderer,
        search: SearchEngine,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.papers = papers
        self.chat = chat
        self.pdfs = pdfs
        self.hub = hub
        self._make_extractor = extractor  # yake loads its stopword lists: only when keywords are made
        self._extractor: KeywordExtractor | None = None
        self.renderer = renderer
        self.search = search
        self.clock = clock
        self._paused: dict[str, tuple[datetime, int]] = {}  # kind -> (until, pauses in a row)

    # -- what runs ---------------------------------------------------------------------------------------

    def kinds(self) -> list[EnrichKind]:
        """The kinds switched on; summaries only with a chat endpoint (none configured: no summary, no pretence)."""
        s = self.settings
        wanted: list[tuple[EnrichKind, bool]] = [
            ("summary", s.enrich_summaries and self.chat.configured),
            ("keywords", s.enrich_keywords),
            ("thumbnail", s.enrich_thumbnails),
            ("hub_links", s.enrich_hub_links),
        ]
        return [kind for kind, on in wanted if on]

    def enrich(self, arxiv_ids: Sequence[str], *, progress: ProgressSink | None = None) -> EnrichReport:
        """Every switched-on kind for these papers now, whatever their schedule says (they were asked for by name);
        PaperNotFound before any work when one is unknown."""
        ids = list(dict.fromkeys(parse_arxiv_ref(i).arxiv_id for i in arxiv_ids))
        found = self.papers.get_papers(ids)
        for arxiv_id in ids:
            if arxiv_id not in found:
                raise PaperNotFound(arxiv_id)
        report, sink = EnrichReport(), progress or _NoProgress()
        for kind in self.kinds():
            self._run(kind, [found[i] for i in ids], report, sink, explicit=True)
        return report

    def backlog_size(self, *, limit: int = 100_000) -> int:
        """How many (paper, kind) pairs the backlog holds now, for a progress bar (counted up to `limit`)."""
        now = self.clock.now()
        return sum(len(self._due(kind, now, limit)) for kind in self.kinds())

    def run_backlog(self, *, limit: int | None = None, progress: ProgressSink | None = None) -> EnrichReport:
        """Work through each kind's backlog (feed papers first, latest first), `limit` papers per kind at most
        (None: all). Resumable: what is done is recorded per paper, so a killed run continues where it stopped."""
        report, sink = EnrichReport(), progress or _NoProgress()
        batch = max(1, min(self.settings.enrich_batch, limit or self.settings.enrich_batch))
        for kind in self.kinds():
            if self._is_paused(kind, report):
                continue
            done = 0
            seen: set[str] = set()
            while limit is None or done < limit:
                ids = [
                    i for i in self._due(kind, self.clock.now(), min(batch, (limit or batch) - done)) if i not in seen
                ]
                if not ids:
                    break
                seen.update(ids)
                papers = self.papers.get_papers(ids)
                if not self._run(kind, [papers[i] for i in ids if i in papers], report, sink, explicit=False):
                    break
                done += len(ids)
        return report

    def _due(self, kind: EnrichKind, now: datetime, limit: int) -> list[str]:
        if kind == "hub_links":
            refresh = timedelta(hours=max(1, self.settings.hub_links_refresh_hours))
            since = now - timedelta(days=max(1, self.settings.hub_links_feed_days))
            return self.store.hub_links_due(feed_since=since, stale_before=now - refresh, now=now, limit=limit)
        return self.store.enrichment_backlog(kind, now, limit=limit, feed_only=kind in FEED_ONLY)

    # -- one kind over some papers -----------------------------------------------------------------------

    def _run(
        self, kind: EnrichKind, papers: list[Paper], report: EnrichReport, sink: ProgressSink, *, explicit: bool
    ) -> bool:
        """Do `kind` for each paper; False when the kind stopped (its service is down)."""
        step = getattr(self, f"_{kind}")
        reindex: list[str] = []
        try:
            for paper in papers:
                try:
                    changed = step(paper, report, explicit)
                except _Stopped:
                    raise
                except Unusable as exc:
                    self._fail(paper.arxiv_id, kind, str(exc), report, give_up=True)
                except SourceError as exc:
                    self._fail(paper.arxiv_id, kind, str(exc), report)
                else:
                    if changed:
                        reindex.append(paper.arxiv_id)
                sink.advance(1)
        except _Stopped as stop:
            report.stopped.append((kind, str(stop)))
            return False
        finally:
            # Keyword and summary changes reach the search index in one commit per batch, not one per paper.
            self.search.index_ids(reindex)
        self._paused.pop(kind, None)
        return True

    def _call(self, kind: EnrichKind, action: Callable[[], T]) -> T:
        """Call a service; an outage pauses the kind (and stops it for this run) instead of failing the paper."""
        try:
            return action()
        except SourceUnavailable as exc:
            self._pause(kind, exc)
            raise _Stopped(str(exc)) from None

    def _summary(self, paper: Paper, report: EnrichReport, explicit: bool) -> bool:
        if paper.ai_summary:  # an upstream's (or an earlier run's) summary is kept, never regenerated
            report.count("summary", report.skipped)
            self.store.mark_enriched(paper.arxiv_id, "summary", self.clock.now())
            return False
        text, model = self._call("summary", lambda: self.chat.complete(summary_messages(paper.title, paper.abstract)))
        sentence, keywords = parse_answer(text, max_chars=self.settings.llm_summary_max_chars)
        stored = self.store.save_summary(paper.arxiv_id, Summary(sentence, model, keywords))
        self.store.mark_enriched(paper.arxiv_id, "summary", self.clock.now())
        report.count("summary", report.done if stored else report.skipped)
        return stored

    def _keywords(self, paper: Paper, report: EnrichReport, explicit: bool) -> bool:
        current = self.papers.get_paper(paper.arxiv_id) or paper  # a summary written this run may bring keywords
        if current.ai_keywords:  # the upstream's or the LLM's: nothing to extract
            self.store.mark_enriched(paper.arxiv_id, "keywords", self.clock.now())
            report.count("keywords", report.skipped)
            return False
        if self._extractor is None:
            self._extractor = self._make_extractor()
        keywords = clean_keywords(self._extractor.keywords(paper.title, paper.abstract))
        self.store.save_keywords(paper.arxiv_id, keywords)
        self.store.mark_enriched(paper.arxiv_id, "keywords", self.clock.now())
        report.count("keywords", report.done)
        return keywords != current.keywords

    def _thumbnail(self, paper: Paper, report: EnrichReport, explicit: bool) -> bool:
        pdf = self._call("thumbnail", lambda: self.pdfs.pdf(paper.arxiv_id))
        image, width, height = self.renderer.render(pdf)
        now = self.clock.now()
        self.store.save_thumbnail(paper.arxiv_id, image, width, height, now)
        self.store.mark_enriched(paper.arxiv_id, "thumbnail", now)
        report.count("thumbnail", report.done)
        return False

    def _hub_links(self, paper: Paper, report: EnrichReport, explicit: bool) -> bool:
        links = self._call("hub_links", lambda: self.hub.links(paper.arxiv_id))
        now = self.clock.now()
        self.store.save_hub_links(paper.arxiv_id, dataclasses.replace(links, fetched_at=now))
        self.store.mark_enriched(paper.arxiv_id, "hub_links", now)
        report.count("hub_links", report.done)
        return False

    # -- failures and pauses -----------------------------------------------------------------------------

    def _fail(
        self, arxiv_id: str, kind: EnrichKind, reason: str, report: EnrichReport, *, give_up: bool = False
    ) -> None:
        now = self.clock.now()
        states = self.store.enrichment_states(arxiv_id)
        before = states[kind].attempts if kind in states and states[kind].done_at is None else 0
        when = None if give_up else retry_at(before + 1, now)
        self.store.mark_enrich_failed(arxiv_id, kind, reason, now, when)
        report.failed.append((arxiv_id, kind, reason))
        then = f"next try {when:%Y-%m-%d %H:%M}" if when else "given up"
        log.warning("enrich %s %s: %s; %s", kind, arxiv_id, reason, then)

    def _pause(self, kind: str, exc: SourceUnavailable) -> None:
        _until, pauses = self._paused.get(kind, (self.clock.now(), 0))
        delay = min(PAUSE_MAX, PAUSE_FIRST * 2**pauses)
        if exc.retry_after:
            delay = max(delay, timedelta(seconds=exc.retry_after))
        self._paused[kind] = (self.clock.now() + delay, pauses + 1)
        log.warning("enrich %s paused for %d min: %s", kind, delay.total_seconds() // 60, exc)

    def _is_paused(self, kind: str, report: EnrichReport) -> bool:
        paused = self._paused.get(kind)
        if paused is None or self.clock.now() >= paused[0]:
            return False
        report.stopped.append((kind, f"paused until {paused[0]:%H:%M} after its service failed"))
        return True

    # -- what pages read ---------------------------------------------------------------------------------

    def thumbnails(self, arxiv_ids: Sequence[str]) -> dict[str, Thumbnail]:
        """The stored thumbnails of these papers (one query; the images stay in the database)."""
        return self.store.thumbnails(arxiv_ids) if arxiv_ids else {}

    def hub_links(self, arxiv_id: str) -> HubLinks | None:
        return self.store.hub_links(arxiv_id)

    def thumbnail_image(self, arxiv_id: str) -> tuple[bytes, Thumbnail] | None:
        return self.store.thumbnail_image(parse_arxiv_ref(arxiv_id).arxiv_id)
