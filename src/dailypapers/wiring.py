"""make_hub(settings): the one place that chooses adapters for the ports."""

from __future__ import annotations

from dailypapers.adapters.arxiv import ArxivClient
from dailypapers.adapters.clock import SystemClock
from dailypapers.adapters.github import GitHubClient
from dailypapers.adapters.mail import make_mailer
from dailypapers.adapters.ratelimit import LimitsRateLimiter
from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.migrate import pending_revisions, upgrade
from dailypapers.adapters.sql.ratelimits import SqlLimitsStorage
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.hub import Hub
from dailypapers.ports import ArxivSource, Clock, GitHubSource, Mailer
from dailypapers.settings import Settings


def make_hub(
    settings: Settings,
    *,
    arxiv: ArxivSource | None = None,
    clock: Clock | None = None,
    mailer: Mailer | None = None,
    github: GitHubSource | None = None,
) -> Hub:
    """Build a Hub from settings; tests pass the network edges (arXiv, clock, mailer, GitHub) to replace them."""
    engine = create_engine(settings.database_url)
    store = SqlStore(engine)
    return Hub(
        settings,
        store,
        arxiv or ArxivClient(settings),
        clock or SystemClock(),
        mailer or make_mailer(settings),
        github or GitHubClient(settings),
        # Counters live in the database so every web process on every host enforces the same limits.
        LimitsRateLimiter(SqlLimitsStorage(engine)),
    )


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
