"""Hub: every use case of dailypapers (import, harvest, fetch, feeds, paper pages); web, CLI and worker call it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice

import orjson

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import BadResumptionToken, InvalidInput, NotFound, PaperNotFound
from dailypapers.domain.merging import merge_paper
from dailypapers.domain.models import (
    FeedEntry,
    FeedItem,
    FeedQuery,
    ImportRecord,
    ImportReport,
    Paper,
    PaperView,
    UpsertResult,
)
from dailypapers.domain.paging import Paginated
from dailypapers.domain.periods import Period, PeriodKind, parse_period, period_containing
from dailypapers.domain.query import SearchFilters
from dailypapers.domain.ranking import repo_from_url
from dailypapers.domain.records import FormatName, detect_format, parse_record
from dailypapers.ports import (
    ArxivSource,
    Clock,
    GitHubSource,
    Mailer,
    ProgressSink,
    RateLimiter,
    SearchEngine,
    Store,
    UpstreamSource,
)
from dailypapers.ports.backup import DatabaseBackup
from dailypapers.ports.enrichment import ChatModel, HubLinksSource, KeywordExtractor, PdfSource, ThumbnailRenderer
from dailypapers.ports.search import SearchResults
from dailypapers.ports.taste import TextTaste
from dailypapers.settings import Settings
from dailypapers.usecases.accounts import AccountsMixin
from dailypapers.usecases.activity import PaperActivity
from dailypapers.usecases.authors import AuthorDirectory
from dailypapers.usecases.authorship import Authorship
from dailypapers.usecases.backup import Backups
from dailypapers.usecases.digests import DigestsMixin
from dailypapers.usecases.discussion import DiscussionMixin
from dailypapers.usecases.enrichment import Enricher
from dailypapers.usecases.for_you import ForYou
from dailypapers.usecases.freshness import Freshness
from dailypapers.usecases.library import LibraryMixin
from dailypapers.usecases.paper_links import PaperLinkEditor
from dailypapers.usecases.personal import PersonalMixin
from dailypapers.usecases.trends import TopicTrends
from dailypapers.usecases.upstream import UpstreamSync
from dailypapers.usecases.viewer import Viewer
from dailypapers.usecases.voting import VotingMixin

log = logging.getLogger(__name__)

IMPORT_BATCH = 2000
INDEX_BATCH = 20_000
SEARCH_PAGE_MAX = 100


@dataclass(frozen=True, slots=True)
class FeedPage(Paginated):
    """A day / week / month page: its items, where the neighbouring non-empty periods are, and paging."""

    period: Period
    items: list[FeedItem]
    total: int
    page: int
    page_size: int
    previous: Period | None
    next: Period | None
    organization: str | None = None  # the page shows this organization's papers only (`?org=`)


class _NoProgress:
    def advance(self, amount: int) -> None:
        pass


class Hub(AccountsMixin, PersonalMixin, LibraryMixin, VotingMixin, DiscussionMixin, DigestsMixin):
    """The application: one instance per process, built by wiring.make_hub from settings.

    Papers, import, harvest and feeds live here; the community use cases come from the mixins in usecases/.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        arxiv: ArxivSource,
        clock: Clock,
        mailer: Mailer,
        github: GitHubSource,
        rate_limiter: RateLimiter,
        search_engine: SearchEngine,
        upstream_source: UpstreamSource,
        chat: ChatModel,
        pdfs: PdfSource,
        hub_links: HubLinksSource,
        keyword_extractor: Callable[[], KeywordExtractor],
        thumbnail_renderer: ThumbnailRenderer,
        taste: TextTaste,
        backup: DatabaseBackup | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.arxiv = arxiv
        self.clock = clock
        self.mailer = mailer
        self.github = github
        self.rate_limiter = rate_limiter
        self.search_engine = search_engine
        # Following upstream hubs' daily feeds (`sync`, the worker's job); see usecases/upstream.py.
        self.upstream = UpstreamSync(settings, store, store, upstream_source, arxiv, search_engine, clock)
        self.trends = TopicTrends(store, search_engine, clock)
        self.activity = PaperActivity(store, store, clock, lambda: self.trending_params)
        # AI summaries, keywords, thumbnails and Hub links (`enrich`, the worker's job); see usecases/enrichment.py.
        self.enrichment = Enricher(
            settings,
            store,
            store,
            chat,
            pdfs,
            hub_links,
            keyword_extractor,
            thumbnail_renderer,
            search_engine,
            clock,
        )
        self.viewer = Viewer(store, clock)  # the member's votes, saves and follows on a page, one query
        self.freshness = Freshness(store, clock)  # what cached public pages are valid for
        self.backups = Backups(backup)  # `dailypapers backup` / `restore`
        # Authors: author and organization pages, authorship claims, links kept right by authors.
        self.authors = AuthorDirectory(store, store, store, store)
        self.authorship = Authorship(settings, store, store, mailer, rate_limiter, clock)
        self.paper_links = PaperLinkEditor(settings, store, store, store, search_engine, rate_limiter, clock)
        self.for_you = ForYou(store, search_engine, taste, clock, self.trending_params)

    # -- papers ------------------------------------------------------------------------------------------

    def paper(self, arxiv_id: str) -> Paper:
        """The paper for any id form, as visitors may see it; raises InvalidArxivId, PaperNotFound or NotFound
        (hidden by a moderator)."""
        return self.paper_view(arxiv_id).paper

    def feed_entry(self, arxiv_id: str) -> FeedEntry | None:
        return self.store.get_feed_entry(arxiv_id)

    def paper_view(self, arxiv_id: str) -> PaperView:
        """The paper with its feed entry and upvotes; raises InvalidArxivId, PaperNotFound or NotFound (hidden)."""
        ref = parse_arxiv_ref(arxiv_id)
        view = self.store.paper_views([ref.arxiv_id]).get(ref.arxiv_id)  # hidden papers are absent from views
        if view is None:
            if self.store.get_paper(ref.arxiv_id) is not None:
                raise NotFound(f"arXiv {ref.arxiv_id} was removed from this hub by its moderators")
            raise PaperNotFound(ref.arxiv_id)
        return view

    def paper_views(self, arxiv_ids: list[str]) -> dict[str, PaperView]:
        """Several papers with entries and upvotes in one query; unknown ids are absent."""
        return self.store.paper_views(arxiv_ids)

    def github_stars(self, papers: Iterable[Paper]) -> dict[str, int]:
        """The last known GitHub star count of each paper's code repository (fetched, or an upstream's), by id."""
        repos = {p.arxiv_id: repo for p in papers if p.github_repo and (repo := repo_from_url(p.github_repo))}
        stars = self.store.repo_stars(list(repos.values()))
        return {arxiv_id: stars[repo] for arxiv_id, repo in repos.items() if repo in stars}

    def list_papers(self, *, limit: int, after: tuple[datetime, str] | None = None) -> list[Paper]:
        """Every visible paper, newest first, for cursor-paged listings."""
        return self.store.list_papers(limit=limit, after=after)

    def search(
        self,
        text: str,
        *,
        mode: str = "hybrid",
        page: int = 1,
        page_size: int = 20,
        filters: SearchFilters | None = None,
    ) -> tuple[SearchResults, dict[str, PaperView]]:
        """One page of results (hybrid, keyword or semantic) with the papers to show; InvalidInput for bad queries."""
        results = self.search_engine.search(text, mode=mode, page=page, page_size=page_size, filters=filters)
        return results, self.store.paper_views([hit.arxiv_id for hit in results.hits])

    def search_papers(self, text: str, *, limit: int, mode: str = "hybrid") -> list[PaperView]:
        """The best `limit` papers for a query, for APIs, feeds and exports; raises InvalidInput for bad queries."""
        views: list[PaperView] = []
        page = 1
        while len(views) < limit:
            results, found = self.search(text, mode=mode, page=page, page_size=min(SEARCH_PAGE_MAX, limit))
            views += [found[hit.arxiv_id] for hit in results.hits if hit.arxiv_id in found]
            if not results.has_more:
                break
            page += 1
        return views[:limit]

    def similar_papers(self, arxiv_id: str, k: int = 5) -> list[PaperView]:
        """Nearest papers by meaning (vector neighbours), the paper itself excluded; empty without vectors."""
        ref = parse_arxiv_ref(arxiv_id)
        ids = [doc for doc, _score in self.search_engine.similar(ref.arxiv_id, k)]
        views = self.store.paper_views(ids)
        return [views[i] for i in ids if i in views]

    def daily_items(self, query: FeedQuery, *, limit: int, offset: int = 0) -> tuple[list[FeedItem], int]:
        """Feed items for an API listing, with the total count for paging."""
        return self.store.feed_items(query, limit=limit, offset=offset), self.store.count_feed_items(query)

    def fetch_paper(self, arxiv_id: str) -> Paper:
        """Fetch one paper from the arXiv API and store it (merged with what we had); raises PaperNotFound."""
        ref = parse_arxiv_ref(arxiv_id)
        fetched = self.arxiv.fetch(ref.arxiv_id)
        if fetched is None:
            raise PaperNotFound(ref.arxiv_id)
        self.search_engine.index_ids(self.store.upsert_papers([fetched]).changed_ids)
        stored = self.store.get_paper(ref.arxiv_id)
        assert stored is not None  # just written
        return stored

    # -- import ------------------------------------------------------------------------------------------

    def import_lines(
        self,
        lines: Iterable[tuple[int, bytes]],
        fmt: FormatName | None = None,
        progress: ProgressSink | None = None,
    ) -> ImportReport:
        """Import numbered JSON lines; bad lines are rejected with their number, the rest is upserted."""
        report = ImportReport()
        sink = progress or _NoProgress()
        records = self._parse_lines(lines, fmt, report)
        # The search index commits once per INDEX_BATCH papers, not per database batch: each commit of the
        # keyword index waits for its segment merges, which made indexing most of a bulk import's time.
        new: list[Paper] = []  # stored exactly as parsed: indexed without reading them back
        changed: list[str] = []  # merged with what was stored: the index reads the stored version
        try:
            while batch := list(islice(records, IMPORT_BATCH)):
                result, papers = self._store_batch(batch, report)
                new += [papers[i] for i in result.inserted_ids]
                changed += result.updated_ids
                sink.advance(len(batch))
                if len(new) + len(changed) >= INDEX_BATCH:
                    self._index(new, changed)
                    new, changed = [], []
        finally:
            self._index(new, changed)  # also after a failure: what was stored gets indexed
        return report

    def _index(self, new: list[Paper], changed: list[str]) -> None:
        self.search_engine.index_papers(new)
        self.search_engine.index_ids(changed)

    def _parse_lines(
        self, lines: Iterable[tuple[int, bytes]], fmt: FormatName | None, report: ImportReport
    ) -> Iterator[ImportRecord]:
        for number, line in lines:
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
                if fmt is None:
                    fmt = detect_format(obj) if isinstance(obj, dict) else "papers"
                yield parse_record(fmt, obj)
            except orjson.JSONDecodeError as exc:
                report.rejected.append((f"line {number}", f"invalid JSON: {exc}"))
            except InvalidInput as exc:
                report.rejected.append((f"line {number}", str(exc)))

    def _store_batch(self, batch: list[ImportRecord], report: ImportReport) -> tuple[UpsertResult, dict[str, Paper]]:
        """Upsert a batch of records and their feed entries; the caller brings the search index in step."""
        # Records of a daily feed (an exported upstream's) are mirrored: the latest answer of the upstream decides
        # each paper's day and counts, as for `sync` (usecases/upstream.py).
        mirrored = [r for r in batch if r.feed_entry is not None and r.feed_entry.is_mirrored]
        plain = [r for r in batch if r.feed_entry is None or not r.feed_entry.is_mirrored]
        papers: dict[str, Paper] = {}
        for record in plain:  # the same paper twice in one batch: merge before storing
            seen = papers.get(record.paper.arxiv_id)
            papers[record.paper.arxiv_id] = merge_paper(seen, record.paper) if seen else record.paper
        result = self.store.upsert_papers(list(papers.values()))
        entries = [r.feed_entry for r in plain if r.feed_entry is not None]
        if entries:
            report.feed_added += self.store.add_feed_entries(entries)
        if mirrored:
            mirror = self.store.mirror_records(mirrored)
            report.feed_added += mirror.entries_added
            fresh = set(mirror.papers.inserted_ids) - papers.keys()
            for record in mirrored:  # as parsed: the search index takes new papers without reading them back
                if record.paper.arxiv_id in fresh:
                    papers[record.paper.arxiv_id] = record.paper
            result = UpsertResult(
                result.inserted_ids + tuple(sorted(fresh)),
                tuple(dict.fromkeys(result.updated_ids + mirror.papers.updated_ids)),
                result.skipped + mirror.papers.skipped,
            )
        report.inserted += len(result.inserted_ids)
        report.updated += result.updated
        report.skipped += len(batch) - len(result.inserted_ids) - result.updated
        return result, papers

    # -- harvest -----------------------------------------------------------------------------------------

    def harvest(self, sets: list[str] | None = None, progress: ProgressSink | None = None) -> ImportReport:
        """Incremental OAI-PMH harvest of each set, resumable after a crash at any page."""
        report = ImportReport()
        for set_spec in sets or self.settings.harvest_set_list:
            report.add(self._harvest_set(set_spec, progress or _NoProgress()))
        return report

    def _harvest_set(self, set_spec: str, progress: ProgressSink) -> ImportReport:
        token_key, from_key = f"oai:{set_spec}:resumption_token", f"oai:{set_spec}:from"
        # The date the current list was started: a resumed list finishes the run that began then, so the next
        # incremental run must start from that day, not from the day of the resume.
        list_started_key = f"oai:{set_spec}:list_started"
        from_text = self.store.get_state(from_key)
        from_date = (
            date.fromisoformat(from_text)
            if from_text
            else self.today() - timedelta(days=self.settings.harvest_initial_days)
        )
        token = self.store.get_state(token_key)
        if token:
            log.info("harvest %s: resuming from a saved resumption token", set_spec)
        else:
            self.store.set_state(list_started_key, self.today().isoformat())
        report = ImportReport()
        while True:
            try:
                page = self.arxiv.list_records(set_spec, None if token else from_date, token)
            except BadResumptionToken:
                if token is None:
                    raise  # not about a saved token: retrying would loop forever
                log.warning("harvest %s: saved resumption token expired; restarting from %s", set_spec, from_date)
                self.store.set_state(token_key, None)
                self.store.set_state(list_started_key, self.today().isoformat())
                token = None
                continue
            result, _papers = self._store_batch([ImportRecord(p) for p in page.papers], report)
            # Keyword index in step with every page; vectors are queued for the worker (MiniLM embeds ~40/s).
            self.search_engine.index_ids(result.changed_ids)
            inserted = list(result.inserted_ids)
            report.rejected.extend(page.rejected)
            self._auto_submit(inserted, page.papers)
            progress.advance(len(page.papers))
            token = page.resumption_token
            # Saved after every page so a killed harvest resumes here instead of starting over.
            self.store.set_state(token_key, token)
            if not token:
                break
        # The next run asks for records changed since the day this list began (OAI `from` is inclusive).
        self.store.set_state(from_key, self.store.get_state(list_started_key) or self.today().isoformat())
        log.info(
            "harvest %s: %d new, %d updated, %d unchanged, %d rejected",
            set_spec,
            report.inserted,
            report.updated,
            report.skipped,
            len(report.rejected),
        )
        return report

    def _auto_submit(self, inserted_ids: list[str], papers: Iterable[Paper]) -> None:
        wanted = set(self.settings.auto_submit_category_list)
        if not wanted or not inserted_ids:
            return
        new = set(inserted_ids)
        now = self.clock.now()
        entries = [
            FeedEntry(p.arxiv_id, now.date(), now, submitted_by=None, source="auto")
            for p in papers
            if p.arxiv_id in new and wanted.intersection(p.categories)
        ]
        if entries:
            self.store.add_feed_entries(entries)

    # -- feeds -------------------------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock.now().date()

    def latest_day(self) -> Period:
        """The most recent day with papers on the feed (not in the future); today when the feed is empty."""
        latest = self.store.latest_feed_date(on_or_before=self.today())
        return period_containing("date", latest or self.today())

    def feed(self, kind: PeriodKind, slug: str, page: int = 1, organization: str | None = None) -> FeedPage:
        """A day, week or month page, of one organization's papers if given; raises InvalidPeriod for malformed
        slugs or page numbers."""
        return self.feed_for(parse_period(kind, slug), page, organization)

    def feed_for(self, period: Period, page: int = 1, organization: str | None = None) -> FeedPage:
        if page < 1:
            raise InvalidInput("page numbers start at 1")
        size = self.settings.page_size
        query = FeedQuery(period.start, period.end, organization=organization)
        items = self.store.feed_items(query, limit=size, offset=(page - 1) * size)
        total = self.store.count_feed_items(query)
        before, after = self.store.neighbour_feed_dates(period.start, period.end, organization=organization)
        return FeedPage(
            period=period,
            items=items,
            total=total,
            page=page,
            page_size=size,
            previous=period_containing(period.kind, before) if before else None,
            next=period_containing(period.kind, after) if after else None,
            organization=organization,
        )
