"""make_hub(settings): the one place that chooses adapters for the ports."""

from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from dailypapers.adapters.arxiv import ArxivClient
from dailypapers.adapters.clock import SystemClock
from dailypapers.adapters.enrich_local import PdfiumRenderer, YakeExtractor
from dailypapers.adapters.github import GitHubClient
from dailypapers.adapters.hub_links_http import HubLinksClient
from dailypapers.adapters.llm_http import ChatClient
from dailypapers.adapters.mail import make_mailer
from dailypapers.adapters.mail_render import MailRenderer
from dailypapers.adapters.pdf_http import ArxivPdfClient
from dailypapers.adapters.ratelimit import LimitsRateLimiter
from dailypapers.adapters.sql.backup import SqlBackup
from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.migrate import pending_revisions, upgrade
from dailypapers.adapters.sql.ratelimits import SqlLimitsStorage
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.adapters.text_taste import TfidfSvmTaste
from dailypapers.adapters.upstream_http import UpstreamClient
from dailypapers.domain.errors import ConfigError
from dailypapers.hub import Hub
from dailypapers.ports import ArxivSource, Clock, GitHubSource, Mailer, SearchEngine, Store, UpstreamSource
from dailypapers.ports.enrichment import ChatModel, HubLinksSource, PdfSource
from dailypapers.search import SearchService
from dailypapers.search.embedders import make_embedder
from dailypapers.search.fusion import FusionConfig
from dailypapers.settings import Settings

log = logging.getLogger(__name__)


def make_hub(
    settings: Settings,
    *,
    arxiv: ArxivSource | None = None,
    clock: Clock | None = None,
    mailer: Mailer | None = None,
    github: GitHubSource | None = None,
    upstream: UpstreamSource | None = None,
    chat: ChatModel | None = None,
    pdfs: PdfSource | None = None,
    hub_links: HubLinksSource | None = None,
) -> Hub:
    """Build a Hub from settings; tests pass the network edges (arXiv, clock, mailer, GitHub, upstreams, the chat
    model, PDFs, Hub listings) to replace them."""
    engine = create_engine(settings.database_url)
    store = SqlStore(engine)
    search = make_search(settings, store, engine)
    arxiv_source = arxiv or ArxivClient(settings)
    # PDFs for thumbnails come from arXiv too: one pace for every request this process makes to arXiv.
    arxiv_pace = arxiv_source.http.throttle if isinstance(arxiv_source, ArxivClient) else None
    hub = Hub(
        settings,
        store,
        arxiv_source,
        clock or SystemClock(),
        mailer or make_mailer(settings),
        github or GitHubClient(settings),
        # Counters live in the database so every web process on every host enforces the same limits.
        LimitsRateLimiter(SqlLimitsStorage(engine)),
        search,
        upstream or UpstreamClient(settings),
        chat or ChatClient(settings),
        pdfs or ArxivPdfClient(settings, throttle=arxiv_pace),
        hub_links or HubLinksClient(settings),
        YakeExtractor,
        PdfiumRenderer(),
        TfidfSvmTaste(),
        SqlBackup(engine, settings.pg_bin_dir),
    )
    hub.digest_renderer = MailRenderer(settings, thumbnails=store.thumbnails)
    hub.paper_vectors = search  # the search engine's stored embeddings rank digest "picked for you" papers
    return hub


def search_root(settings: Settings) -> Path:
    """Where the search indexes live: the setting, else beside the SQLite file, else data/search."""
    if settings.search_dir:
        return Path(settings.search_dir)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).with_suffix(".search")
    return Path("data/search")


def make_search(settings: Settings, store: Store, engine: sa.Engine | None = None) -> SearchEngine:
    """The search engine; a default model that is not built yet only disables semantic search, with a warning.

    On PostgreSQL the index lives in the database (pgsearch), shared by every process on every host; on SQLite
    it is files beside the database (search.SearchService).
    """
    try:
        embedder = make_embedder(
            settings.embedder,
            model=settings.embedder_model,
            models_dir=Path(settings.embedder_models_dir),
            url=settings.embedder_url,
            api_key=settings.embedder_api_key,
            timeout=settings.http_timeout_seconds,
            threads=settings.embedder_threads,
        )
    except ConfigError as exc:
        if settings.embedder_model:  # a model the operator named explicitly must load, or we stop
            raise
        log.warning("%s; semantic search is off until the model is built (make models)", exc)
        embedder = None
    if engine is not None and engine.dialect.name == "postgresql":
        from dailypapers.pgsearch import PgSearch

        return PgSearch(store, engine, embedder)
    # part_weight 0: whole-paper vectors only, no title / sentence vectors to embed (see the setting's help).
    fusion = FusionConfig() if settings.search_sentence_vectors else FusionConfig(part_weight=0.0)
    return SearchService(store, search_root(settings), embedder, fusion=fusion)


def migrate_database(settings: Settings) -> None:
    """Bring the configured database to the newest schema."""
    engine = create_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def database_is_current(settings: Settings) -> bool:
    engine = create_engine(settings.database_url)
    try:
        return not pending_revisions(engine)
    finally:
        engine.dispose()
