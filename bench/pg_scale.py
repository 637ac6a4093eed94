"""Scale bench: the daily page and hybrid search on SQLite and PostgreSQL with N papers, side by side.

Run: `.venv/bin/python bench/pg_scale.py --papers 100000` (default 1,000,000). Papers are synthetic: titles and
abstracts recombined from ../shared/data/arxiv-papers.jsonl.gz when present (else generated words), spread over
a year, 1% of them on the daily feed. Vectors come from the static embedder (`make models`), computed once and
stored in both backends (faiss files for SQLite, pgvector HNSW for PostgreSQL). PostgreSQL comes from the
pgserver wheel in a temporary directory unless `--pg URL` names an empty database. Each measurement is
sequential requests through the Hub (what a web process does, without HTTP): p50 / p95 in ms and req/s.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dailypapers.hub import Hub
from dailypapers.models import FeedEntry, Paper
from dailypapers.pgsearch import PgSearch
from dailypapers.search import SearchService
from dailypapers.search.embedders import document_text, make_embedder
from dailypapers.search.service import text_hash
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

ARXIV = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-papers.jsonl.gz"
START = datetime(2025, 1, 1, 9, tzinfo=UTC)
BATCH = 2000


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def sources(limit: int = 20_000) -> list[tuple[str, str, list[str]]]:
    if ARXIV.exists():
        out = []
        with gzip.open(ARXIV, "rt", encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                out.append((row["title"], row["abstract"], row.get("categories") or ["cs.LG"]))
                if len(out) >= limit:
                    break
        return out
    rng = random.Random(1)
    words = [f"w{n}" for n in range(5000)]
    return [(" ".join(rng.sample(words, 8)), " ".join(rng.sample(words, 120)), ["cs.LG"]) for _ in range(2000)]


def synthetic(n: int, base: list[tuple[str, str, list[str]]]) -> Iterator[Paper]:
    """Paper n: title of one source, abstract spliced from two, so texts are realistic but not duplicates."""
    rng = random.Random(n)
    for i in range(n):
        title, abstract, categories = base[i % len(base)]
        other = base[rng.randrange(len(base))][1]
        half = abstract[: len(abstract) // 2] + " " + other[len(other) // 2 :]
        yield Paper(
            f"{2500 + i // 100_000}.{i % 100_000:05d}",
            title if i < len(base) else f"{title} ({i // len(base)})",
            half,
            ("Ada Lovelace", f"Author {i % 997}"),
            START + timedelta(minutes=i * 525_600 // max(n, 1)),
            categories=tuple(categories),
        )


def load(hub: Hub, papers: list[Paper], vectors: Any, feed_every: int = 100) -> None:
    for start in range(0, len(papers), BATCH):
        hub.store.upsert_papers(papers[start : start + BATCH])
        entries = [FeedEntry(p.arxiv_id, p.published.date(), p.published) for p in papers[start : start + BATCH]]
        hub.store.add_feed_entries(entries[::feed_every])


def timed(calls: Callable[[int], object], count: int) -> dict[str, float]:
    seconds = []
    for n in range(count):
        started = time.perf_counter()
        calls(n)
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {
        "p50_ms": round(1000 * statistics.median(seconds), 2),
        "p95_ms": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 2),
        "req_per_s": round(len(seconds) / sum(seconds), 1),
    }


def measure(hub: Hub, queries: list[str]) -> dict[str, dict[str, float]]:
    day = hub.latest_day()
    return {
        "daily_page": timed(lambda n: hub.feed_for(day), len(queries)),
        "hybrid_search": timed(lambda n: hub.search(queries[n], mode="hybrid"), len(queries)),
        "keyword_search": timed(lambda n: hub.search(queries[n], mode="keyword"), len(queries)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pg", help="an empty, migrated-or-not PostgreSQL database URL (default: pgserver)")
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dp-scale-"))
    if args.pg is None:
        pgserver = importlib.import_module("pgserver")
        server = pgserver.get_server(work / "pg", cleanup_mode="stop")
        server.psql("CREATE DATABASE dp_scale;")
        args.pg = str(server.get_uri()).replace("/postgres?", "/dp_scale?")
    embedder = make_embedder("static", models_dir=args.models_dir)
    assert embedder is not None
    base = sources()
    papers = list(synthetic(args.papers, base))
    started = time.perf_counter()
    vectors = embedder.embed([document_text(p.title, p.abstract) for p in papers])
    log(f"{len(papers)} papers embedded in {time.perf_counter() - started:.0f}s")
    hashes = [text_hash(p) for p in papers]
    ids = [p.arxiv_id for p in papers]

    hubs: dict[str, Hub] = {}
    for name, url in (("sqlite", f"sqlite:///{work / 'hub.db'}"), ("postgresql", args.pg)):
        settings = Settings(database_url=url, embedder="static", embedder_models_dir=str(args.models_dir))
        migrate_database(settings)
        hub = make_hub(settings)
        started = time.perf_counter()
        load(hub, papers, vectors)
        log(f"{name}: stored in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        engine = hub.search_engine
        if isinstance(engine, SearchService):
            engine.reindex()
            assert engine.vectors is not None
            try:
                for start in range(0, len(ids), 50_000):
                    part = slice(start, start + 50_000)
                    engine.vectors.add(ids[part], vectors[part], hashes[part])
                engine.save()
            except Exception as exc:  # report and measure the rest: hybrid then falls back to keyword
                log(f"sqlite: vectors not stored ({exc!r}); its hybrid search falls back to keyword")
        else:
            assert isinstance(engine, PgSearch)
            assert engine.vectors is not None
            with engine.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM search.queue")
                for start in range(0, len(ids), BATCH):
                    engine.vectors.upsert(
                        conn, ids[start : start + BATCH], vectors[start : start + BATCH], hashes[start : start + BATCH]
                    )
            with engine.engine.begin() as conn:
                conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
                engine.vectors.ensure_index(conn)
                conn.exec_driver_sql("ANALYZE")
            engine.refresh_statistics(force=True)
        log(f"{name}: search indexes built in {time.perf_counter() - started:.0f}s")
        hubs[name] = hub

    rng = random.Random(7)
    queries = []
    for _ in range(args.queries):
        words = [w for w in base[rng.randrange(len(base))][0].split() if len(w) > 3 and w.isalpha()]
        queries.append(" ".join(rng.sample(words, min(3, len(words)))) or "learning")
    results: dict[str, dict[str, Any]] = {}
    for name, hub in hubs.items():
        day = hub.latest_day()
        hub.feed_for(day)  # warm up
        for q in queries[:10]:
            hub.search(q, mode="hybrid")
        results[name] = measure(hub, queries)
    print(f"\n{args.papers:,} papers, {args.queries} sequential requests each (one client)")
    print(f"{'':16} {'SQLite p50':>11} {'p95':>8} {'req/s':>7}   {'PostgreSQL p50':>15} {'p95':>8} {'req/s':>7}")
    for what in ("daily_page", "hybrid_search", "keyword_search"):
        s, p = results["sqlite"][what], results["postgresql"][what]
        print(
            f"{what:16} {s['p50_ms']:>11} {s['p95_ms']:>8} {s['req_per_s']:>7}   "
            f"{p['p50_ms']:>15} {p['p95_ms']:>8} {p['req_per_s']:>7}"
        )
    print(json.dumps({"papers": args.papers, **results}))


if __name__ == "__main__":
    main()
