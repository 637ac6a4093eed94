"""Topic-trends speed: a year of weekly counts for one topic, from the index (target: p95 <= 200 ms), uncached and
cached, against the baseline of one keyword search per week; checks each count against the search's total.

    .venv/bin/python bench/trends_speed.py [--db URL] [--rounds 5] [--postgres]

Without --db it imports ../shared/data/arxiv-papers.jsonl.gz and hf-daily-papers.jsonl.gz (83.6k papers, 9.9k on
the feed) into a fresh SQLite hub in a temporary directory (~2 minutes); --db reuses a hub that has them (its
search index beside it). --postgres does the same import into a pgserver PostgreSQL (pip extra `dev`) and measures
PgSearch too. Skips with a message when the shared data is absent. Figures: per round, p50 / p95 over every topic
and repetition; the worst round is reported.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from dailypapers.adapters.files import read_lines
from dailypapers.domain.query import SearchFilters, parse_query
from dailypapers.domain.trends import window_weeks
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FILES = ("arxiv-papers.jsonl.gz", "hf-daily-papers.jsonl.gz")
TOPICS = (
    "agents",
    "diffusion",
    "reinforcement learning",
    '"large language model"',
    "robot manipulation",
    "cat:cs.RO",
    "video generation has:code",
    "benchmark -survey",
    "author:Wang",
    "gaussian splatting",
    "mixture of experts",
    "reasoning",
)
TARGET_MS = 200.0


def build(url: str) -> None:
    settings = Settings(database_url=url, embedder="none")
    migrate_database(settings)
    hub = make_hub(settings)
    for name in FILES:
        started = time.perf_counter()
        report = hub.import_lines(read_lines(DATA / name))
        seconds = time.perf_counter() - started
        print(f"  imported {name}: {report.inserted} new, {report.updated} updated in {seconds:.0f} s")
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure(hub: Hub, rounds: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Worst round's (p50, p95) in ms for each way of getting a year of weekly counts of one topic."""
    today = hub.clock.now().date()
    weeks = window_weeks(hub.store.newest_published(today) or today, 12)
    start, count = weeks[0].start, len(weeks)
    queries = {topic: parse_query(topic) for topic in TOPICS}

    def engine(topic: str) -> object:
        return hub.search_engine.count_by_week(queries[topic], start=start, weeks=count)

    def per_week_searches(topic: str) -> object:
        return [
            hub.search_engine.search(
                topic, mode="keyword", page_size=1, filters=SearchFilters(start=w.start, end=w.end)
            ).total
            for w in weeks
        ]

    def uncached(topic: str) -> object:
        hub.trends.cache.clear()
        return hub.trends.weekly(topic)

    def cached(topic: str) -> object:
        return hub.trends.weekly(topic)

    ways: dict[str, Callable[[str], object]] = {
        "engine.count_by_week": engine,
        "trends.weekly, uncached": uncached,
        "trends.weekly, cached": cached,
        "baseline: 53 keyword searches": per_week_searches,
    }
    for topic in TOPICS:  # correctness first: every week equals the search total
        counts = hub.search_engine.count_by_week(queries[topic], start=start, weeks=count)
        assert counts == per_week_searches(topic), f"{topic}: weekly counts differ from the search totals"
    worst: dict[str, tuple[float, float]] = {}
    for name, way in ways.items():
        if way is cached:
            for topic in TOPICS:  # the uncached runs before emptied the cache: fill it, or these would be misses
                hub.trends.weekly(topic)
        for _ in range(rounds):
            samples = [timed(lambda t=topic, w=way: w(t)) for _ in range(repeat) for topic in TOPICS]  # type: ignore[misc]
            p50 = statistics.median(samples)
            p95 = statistics.quantiles(samples, n=20)[-1]
            previous = worst.get(name, (0.0, 0.0))
            worst[name] = (max(previous[0], p50), max(previous[1], p95))
    return worst


def report(label: str, figures: dict[str, tuple[float, float]]) -> None:
    baseline = figures["baseline: 53 keyword searches"][1]
    print(f"\n{label}: a year (53 weeks) of weekly counts for one topic, {len(TOPICS)} topics")
    print(f"  {'way':32} {'p50 ms':>8} {'p95 ms':>8} {'p95 vs baseline':>16}")
    for name, (p50, p95) in figures.items():
        print(f"  {name:32} {p50:8.1f} {p95:8.1f} {baseline / p95:15.1f}x")
    for name in ("engine.count_by_week", "trends.weekly, uncached"):
        p95 = figures[name][1]
        print(f"  {name}: p95 {p95:.1f} ms {'meets' if p95 <= TARGET_MS else 'MISSES'} the {TARGET_MS:.0f} ms target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a hub that already holds the shared data (SQLite URL)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the topic list per round")
    parser.add_argument("--postgres", action="store_true", help="also import into pgserver and measure PgSearch")
    parser.add_argument("--no-sqlite", action="store_true", help="with --postgres: measure PostgreSQL only")
    parser.add_argument("--pgdata", type=Path, help="with --postgres: keep the cluster here and reuse it next time")
    args = parser.parse_args()
    if not all((DATA / name).exists() for name in FILES):
        print(f"skipped: the shared data is not at {DATA}")
        sys.exit(0)
    with tempfile.TemporaryDirectory() as tmp:
        if not (args.postgres and args.no_sqlite):
            url = args.db or f"sqlite:///{tmp}/hub.db"
            if not args.db:
                print("importing the shared data into SQLite …")
                build(url)
            hub = make_hub(Settings(database_url=url, embedder="none"))
            report("SQLite + tantivy", measure(hub, args.rounds, args.repeat))
            hub.store.engine.dispose()  # type: ignore[attr-defined]
        if args.postgres:
            pgserver = importlib.import_module("pgserver")  # a dev dependency: PostgreSQL 16 from a wheel

            pgdata = args.pgdata or Path(tmp) / "pg"
            server = pgserver.get_server(pgdata, cleanup_mode="stop")
            try:
                pg_url = make_url(server.get_uri()).set(database="trends").render_as_string(hide_password=False)
                if "trends" not in server.psql("SELECT datname FROM pg_database;"):
                    server.psql("CREATE DATABASE trends;")
                    print("\nimporting the shared data into PostgreSQL …")
                    build(pg_url)
                pg = make_hub(Settings(database_url=pg_url, embedder="none"))
                pg.search_engine.refresh_statistics(force=True)  # type: ignore[attr-defined]
                report("PostgreSQL (PgSearch)", measure(pg, args.rounds, args.repeat))
                pg.store.engine.dispose()  # type: ignore[attr-defined]
            finally:
                server.cleanup()


if __name__ == "__main__":
    main()
