"""Scale bench: the daily page, keyword and hybrid search on SQLite and PostgreSQL with N papers, side by side.

Run: `.venv/bin/python -m bench.pg_scale --papers 1000000 --work /tmp/dp-scale` (a --work folder keeps both
databases, so a second run with the same folder only measures). PostgreSQL comes from the pgserver wheel.

Corpus: bench/search_speed.py's generator (4–9 sentences recombined from the shared arXiv abstracts, real titles,
dates, categories and code links), 1% of papers on the daily feed. Vectors: the static embedder's own vectors,
composed rather than re-embedded — the static model mean-pools token vectors, so a paper's vector is the
normalised sum of the token-vector sums of its title and of its sentences, each pool sentence embedded once (equal
to embedding the whole text up to the tokens at sentence joins). Embedding 1M texts would take ~25 min here.

Loading: PostgreSQL by COPY (papers with the search trigger off, documents then written set-based, GIN and HNSW
built after the data; vectors by binary COPY), SQLite through the store and the search service's bulk upserts.
Each measurement is sequential requests through the Hub (what a web process does, without HTTP): p50 / p95 in ms
and req/s. `keyword_top10_overlap` compares PostgreSQL's bounded keyword candidates with ranking every match.
"""

# ruff: noqa: S608 - SQL text is built from constants and the quoted model name; the vector is a bind parameter

from __future__ import annotations

import argparse
import dataclasses
import importlib
import io
import json
import random
import shutil
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from bench.search_speed import generate, load_pool
from dailypapers.adapters.sql.rows import paper_values
from dailypapers.adapters.sql.schema import feed_entries, papers
from dailypapers.domain.models import Paper
from dailypapers.domain.query import parse_query
from dailypapers.hub import Hub
from dailypapers.pgsearch import PgSearch
from dailypapers.search import SearchService
from dailypapers.search.embedders import StaticEmbedder, make_embedder, normalise
from dailypapers.search.service import text_hash
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

BATCH = 20_000
FEED_EVERY = 100
VECTOR_NOTE = "static-model vectors composed from per-sentence token sums (not re-embedded per paper)"


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# -- corpus ----------------------------------------------------------------------------------------------


def sources(count: int, start: int, n_sentences: int, n_records: int) -> Iterator[tuple[int, list[int]]]:
    """The (record, sentence indexes) behind search_speed.generate's papers: the same seeded draws, in order."""
    rng = random.Random(start)
    for _ in range(count):
        record = rng.randrange(n_records)
        yield record, [rng.randrange(n_sentences) for _ in range(rng.randint(4, 9))]


def token_sums(embedder: StaticEmbedder, texts: list[str], chunk: int = 20_000) -> npt.NDArray[np.float32]:
    """Per text, the sum of its token vectors (what the static model averages)."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for start in range(0, len(texts), chunk):
        encoded = embedder.tokenizer.encode_batch(texts[start : start + chunk], add_special_tokens=False)
        ids = [e.ids or [0] for e in encoded]
        lengths = np.array([len(i) for i in ids])
        flat = np.concatenate([np.asarray(i, dtype=np.int64) for i in ids])
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        out[start : start + len(ids)] = np.add.reduceat(embedder.vectors[flat], offsets, axis=0)
    return out


class Corpus:
    """Batches of synthetic papers with their vectors."""

    def __init__(self, embedder: StaticEmbedder) -> None:
        started = time.perf_counter()
        self.sentences, self.records = load_pool(None)
        self.sentence_sums = token_sums(embedder, self.sentences)
        self.title_sums = token_sums(embedder, [r["title"] for r in self.records])
        log(
            f"pool: {len(self.sentences):,} sentences, {len(self.records):,} titles embedded once "
            f"in {time.perf_counter() - started:.0f}s"
        )

    def batch(self, start: int, count: int) -> tuple[list[Paper], npt.NDArray[np.float32]]:
        batch = generate(count, self.sentences, self.records, start=start)
        drawn = list(sources(count, start, len(self.sentences), len(self.records)))
        vectors = np.zeros((count, self.sentence_sums.shape[1]), dtype=np.float32)
        for n, (record, chosen) in enumerate(drawn):
            # Same draws as generate(): the abstract is exactly these sentences (checked on the first paper).
            vectors[n] = self.title_sums[record] + self.sentence_sums[chosen].sum(axis=0)
        first_record, first_sentences = drawn[0]
        assert batch[0].abstract == " ".join(self.sentences[i] for i in first_sentences)
        assert batch[0].title == self.records[first_record]["title"]
        return batch, normalise(vectors)


# -- PostgreSQL ------------------------------------------------------------------------------------------

PAPER_COLUMNS = [*paper_values(Paper("0", "", "", (), datetime.now(UTC))), "created_at", "modified_at"]


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, (list, tuple)):
        value = json.dumps(list(value))
    elif isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def pg_copy_papers(raw: Any, batch: list[Paper], now: datetime) -> None:
    buffer = io.StringIO()
    for paper in batch:
        values = {**paper_values(paper), "created_at": now, "modified_at": now}
        buffer.write("\t".join(_copy_text(values[c]) for c in PAPER_COLUMNS) + "\n")
    feed = io.StringIO()
    for paper in batch[::FEED_EVERY]:
        row = (paper.arxiv_id, paper.published.date().isoformat(), paper.published.isoformat(), "import")
        feed.write("\t".join(row) + "\n")
    with raw.cursor() as cur:
        with cur.copy(f"COPY papers ({', '.join(PAPER_COLUMNS)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        with cur.copy("COPY feed_entries (arxiv_id, feed_date, submitted_at, source) FROM STDIN") as copy:
            copy.write(feed.getvalue())


def pg_copy_vectors(raw: Any, model: str, batch: list[Paper], vectors: npt.NDArray[np.float32]) -> None:
    """Binary COPY into search.vectors (pgvector's binary form: int16 dim, int16 0, big-endian float4s)."""
    out = io.BytesIO()
    out.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
    name = model.encode()
    big = vectors.astype(">f4")
    dim = vectors.shape[1]
    for paper, vector in zip(batch, big, strict=True):
        arxiv_id = paper.arxiv_id.encode()
        hashed = text_hash(paper)
        signed = hashed - (1 << 64) if hashed >= 1 << 63 else hashed
        out.write(struct.pack(">hi", 4, len(name)) + name + struct.pack(">i", len(arxiv_id)) + arxiv_id)
        out.write(struct.pack(">iq", 8, signed) + struct.pack(">ihh", 4 + 4 * dim, dim, 0) + vector.tobytes())
    out.write(struct.pack(">h", -1))
    with (
        raw.cursor() as cur,
        cur.copy("COPY search.vectors (model, arxiv_id, text_hash, embedding) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.write(out.getvalue())


# -- building --------------------------------------------------------------------------------------------


def settings_for(work: Path, backend: str, models_dir: Path, pg_url: str) -> Settings:
    url = pg_url if backend == "postgresql" else f"sqlite:///{work / 'hub.db'}"
    return Settings(
        database_url=url, embedder="static", embedder_models_dir=str(models_dir), search_dir=str(work / "search")
    )


def build(work: Path, count: int, models_dir: Path, pg_url: str, args: argparse.Namespace) -> dict[str, float]:
    embedder = make_embedder("static", models_dir=models_dir)
    assert isinstance(embedder, StaticEmbedder)
    corpus = Corpus(embedder)
    timings: dict[str, float] = {}
    hubs = {}
    for backend in args.backends:
        settings = settings_for(work, backend, models_dir, pg_url)
        migrate_database(settings)
        hubs[backend] = make_hub(settings)
    pg = hubs.get("postgresql")
    pg_engine: sa.Engine | None = pg.store.engine if pg is not None else None  # type: ignore[attr-defined]
    if pg_engine is not None:
        with pg_engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE papers DISABLE TRIGGER papers_search_document")
            conn.exec_driver_sql("DROP INDEX IF EXISTS search.ix_documents_document")
    sqlite = hubs.get("sqlite")
    service = sqlite.search_engine if sqlite is not None else None
    now = datetime.now(UTC)
    spent = {"generate": 0.0, "postgresql": 0.0, "sqlite": 0.0}
    for start in range(0, count, BATCH):
        t = time.perf_counter()
        batch, vectors = corpus.batch(start, min(BATCH, count - start))
        spent["generate"] += time.perf_counter() - t
        if pg_engine is not None:
            t = time.perf_counter()
            raw = pg_engine.raw_connection()
            try:
                pg_copy_papers(raw.driver_connection, batch, now)
                pg_copy_vectors(raw.driver_connection, embedder.name, batch, vectors)
                raw.commit()
            finally:
                raw.close()
            spent["postgresql"] += time.perf_counter() - t
        if sqlite is not None:
            assert isinstance(service, SearchService)
            assert service.vectors is not None
            t = time.perf_counter()
            with sqlite.store.engine.begin() as conn:  # type: ignore[attr-defined]
                conn.execute(
                    papers.insert(), [{**paper_values(p), "created_at": now, "modified_at": now} for p in batch]
                )
                conn.execute(
                    feed_entries.insert(),
                    [
                        {
                            "arxiv_id": p.arxiv_id,
                            "feed_date": p.published.date(),
                            "submitted_at": p.published,
                            "source": "import",
                        }
                        for p in batch[::FEED_EVERY]
                    ],
                )
            service.keyword.upsert(batch, heap=256_000_000)
            service.vectors.add([p.arxiv_id for p in batch], vectors, [text_hash(p) for p in batch])
            spent["sqlite"] += time.perf_counter() - t
        log(
            f"{start + len(batch):,} papers: generate {spent['generate']:.0f}s, postgresql copy "
            f"{spent['postgresql']:.0f}s, sqlite {spent['sqlite']:.0f}s"
        )
    timings.update({f"load_{k}_s": round(v, 1) for k, v in spent.items()})
    if service is not None:
        t = time.perf_counter()
        assert isinstance(service, SearchService)
        service.save()
        timings["sqlite_save_s"] = round(time.perf_counter() - t, 1)
    if pg_engine is not None:
        assert pg is not None
        timings.update(pg_indexes(pg_engine, pg.search_engine, args))
    return timings


def pg_indexes(engine: sa.Engine, search: Any, args: argparse.Namespace) -> dict[str, float]:
    """Keyword documents set-based, then the GIN and HNSW indexes on the full tables (faster than row by row)."""
    assert isinstance(search, PgSearch)
    assert search.vectors is not None
    timings = {}
    steps: list[tuple[str, Callable[[sa.Connection], object]]] = [
        ("documents", lambda c: c.exec_driver_sql("SELECT search.index_papers(NULL)")),
        (
            "gin",
            lambda c: c.exec_driver_sql("CREATE INDEX ix_documents_document ON search.documents USING gin (document)"),
        ),
        ("hnsw", search.vectors.ensure_index),
        ("analyze", lambda c: c.exec_driver_sql("ANALYZE")),
    ]
    for name, step in steps:
        t = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET maintenance_work_mem = '{args.maintenance_work_mem}'")
            conn.exec_driver_sql(f"SET max_parallel_maintenance_workers = {int(args.parallel)}")
            step(conn)
        timings[f"pg_{name}_s"] = round(time.perf_counter() - t, 1)
        log(f"postgresql: {name} in {timings[f'pg_{name}_s']:.0f}s")
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE papers ENABLE TRIGGER papers_search_document")
        conn.exec_driver_sql("DELETE FROM search.queue")
    t = time.perf_counter()
    search.refresh_statistics(force=True)
    timings["pg_statistics_s"] = round(time.perf_counter() - t, 1)
    log(f"postgresql: term statistics in {timings['pg_statistics_s']:.0f}s")
    return timings


# -- measuring -------------------------------------------------------------------------------------------


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


def make_queries(count: int) -> list[str]:
    """Three title words of random real papers (what visitors type: topical words, some of them common)."""
    _, records = load_pool(None)
    rng = random.Random(7)
    queries: list[str] = []
    while len(queries) < count:
        words = [w for w in records[rng.randrange(len(records))]["title"].split() if len(w) > 3 and w.isalpha()]
        if words:
            queries.append(" ".join(rng.sample(words, min(3, len(words)))))
    return queries


def measure(hub: Hub, queries: list[str]) -> dict[str, dict[str, float]]:
    day = hub.latest_day()
    hub.feed_for(day)  # warm-up: the first request opens indexes and connections
    for q in queries[:10]:
        hub.search(q, mode="hybrid")
    return {
        "daily_page": timed(lambda n: hub.feed_for(day), len(queries)),
        "keyword_search": timed(lambda n: hub.search(queries[n], mode="keyword"), len(queries)),
        "hybrid_search": timed(lambda n: hub.search(queries[n], mode="hybrid"), len(queries)),
    }


def keyword_overlap(search: PgSearch, queries: list[str]) -> float:
    """Mean top-10 overlap of the bounded keyword ranking with ranking every matching paper."""
    bounded = search.keyword
    exhaustive = dataclasses.replace(bounded, match_budget=0, candidates=0)
    shares = []
    for text in queries:
        parsed = parse_query(text)
        search.keyword = bounded
        fast = {d for d, _ in search.rank(parsed, "keyword", depth=10)}
        search.keyword = exhaustive
        full = {d for d, _ in search.rank(parsed, "keyword", depth=10)}
        search.keyword = bounded
        if full:
            shares.append(len(fast & full) / len(full))
    return round(sum(shares) / max(len(shares), 1), 3)


def start_postgres(pgdata: Path, shared_buffers: str) -> Any:
    """pgserver's PostgreSQL with a production-like cache (restarted once when the setting changes)."""
    pgserver = importlib.import_module("pgserver")  # a dev dependency: PostgreSQL 16 + pgvector from a wheel
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    if shared_buffers.lower() not in server.psql("SHOW shared_buffers;").lower():
        server.psql(f"ALTER SYSTEM SET shared_buffers = '{shared_buffers}';")
        server.psql("ALTER SYSTEM SET jit = off;")  # JIT compiles big ranking expressions: slower for short queries
        server.cleanup()
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    log(f"postgresql: shared_buffers {server.psql('SHOW shared_buffers;').split()[-3]}")
    return server


def vector_plan(search: PgSearch, text: str) -> str:
    """EXPLAIN of the semantic side's nearest-neighbour query: it must be an index scan on the HNSW index."""
    assert search.vectors is not None
    assert search.embedder is not None
    vectors = search.vectors
    literal = "[" + ",".join(f"{float(x):.7g}" for x in search.embedder.embed([text])[0]) + "]"
    distance = f"{vectors.column} <=> CAST(:q AS vector({vectors.dim}))"
    with search.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"EXPLAIN SELECT v.arxiv_id, {distance} AS distance FROM search.vectors AS v "
                f"WHERE v.model = {vectors.model_sql} ORDER BY {distance} LIMIT 100"
            ),
            {"q": literal},
        )
        return "\n".join(str(row[0])[:160] for row in rows)  # the query vector itself is cut off


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--work", type=Path, help="keep both databases here; reused when already built")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    parser.add_argument("--maintenance-work-mem", default="2GB", help="PostgreSQL memory for the GIN/HNSW builds")
    parser.add_argument("--parallel", type=int, default=1, help="parallel maintenance workers for the index builds")
    parser.add_argument("--shared-buffers", default="2GB", help="PostgreSQL's cache (pgserver's default: 128MB)")
    parser.add_argument("--overlap-queries", type=int, default=50)
    parser.add_argument("--match-budget", type=int, help="override KeywordConfig.match_budget (PostgreSQL)")
    parser.add_argument("--candidates", type=int, help="override KeywordConfig.candidates (PostgreSQL)")
    args = parser.parse_args()
    args.backends = [b for b in args.backends.split(",") if b]
    work = args.work or Path(tempfile.mkdtemp(prefix="dp-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    server = start_postgres(work / "pg", args.shared_buffers)
    if "dp_scale" not in server.psql("SELECT datname FROM pg_database;"):
        server.psql("CREATE DATABASE dp_scale;")
    pg_url = str(server.get_uri()).replace("/postgres?", "/dp_scale?")
    built = work / "built.json"
    if built.exists():
        info = json.loads(built.read_text())
        if info["papers"] != args.papers:
            sys.exit(f"{work} holds {info['papers']:,} papers, not {args.papers:,}: use another --work folder")
        log(f"reusing the {args.papers:,}-paper databases in {work}")
    else:
        started = time.perf_counter()
        info = {
            "papers": args.papers,
            "vectors": VECTOR_NOTE,
            **build(work, args.papers, args.models_dir, pg_url, args),
        }
        info["build_s"] = round(time.perf_counter() - started, 1)
        built.write_text(json.dumps(info))
    log(json.dumps(info))

    queries = make_queries(args.queries)
    results: dict[str, Any] = {"build": info}
    for backend in args.backends:
        hub = make_hub(settings_for(work, backend, args.models_dir, pg_url))
        if isinstance(hub.search_engine, PgSearch):
            overrides = {"match_budget": args.match_budget, "candidates": args.candidates}
            chosen = {name: value for name, value in overrides.items() if value is not None}
            hub.search_engine.keyword = dataclasses.replace(hub.search_engine.keyword, **chosen)
            results["keyword_config"] = dataclasses.asdict(hub.search_engine.keyword)
        log(f"measuring {backend}")
        results[backend] = measure(hub, queries)
        if isinstance(hub.search_engine, PgSearch):
            plan = vector_plan(hub.search_engine, queries[0])
            results["vector_plan_uses_hnsw"] = hub.search_engine.vectors.index_name in plan  # type: ignore[union-attr]
            log(f"postgresql vector plan:\n{plan}")
            if args.overlap_queries:
                results["keyword_top10_overlap"] = keyword_overlap(hub.search_engine, queries[: args.overlap_queries])
    print(f"\n{args.papers:,} papers, {args.queries} sequential requests each (one client); vectors: {VECTOR_NOTE}")
    print(f"{'':16} {'SQLite p50':>11} {'p95':>8} {'req/s':>7}   {'PostgreSQL p50':>15} {'p95':>8} {'req/s':>7}")
    empty = {"p50_ms": "-", "p95_ms": "-", "req_per_s": "-"}
    for what in ("daily_page", "keyword_search", "hybrid_search"):
        s, p = results.get("sqlite", {}).get(what, empty), results.get("postgresql", {}).get(what, empty)
        print(
            f"{what:16} {s['p50_ms']:>11} {s['p95_ms']:>8} {s['req_per_s']:>7}   "
            f"{p['p50_ms']:>15} {p['p95_ms']:>8} {p['req_per_s']:>7}"
        )
    if "keyword_top10_overlap" in results:
        print(f"PostgreSQL keyword top-10 overlap with ranking every match: {results['keyword_top10_overlap']}")
    if "vector_plan_uses_hnsw" in results:
        print(f"PostgreSQL semantic side uses the HNSW index (EXPLAIN): {results['vector_plan_uses_hnsw']}")
    print(json.dumps({"papers": args.papers, **results}))
    if args.work is None:
        server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
