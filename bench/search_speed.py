"""Search speed at scale: p50 / p95 / p99 latency of keyword, semantic and hybrid queries, index size and RSS.

Run: `.venv/bin/python bench/search_speed.py [--papers 1000000] [--embedder static|random]`.

The corpus generator: papers are made by recombining sentences of the shared arXiv abstracts
(../shared/data/arxiv-papers.jsonl.gz, read in place): each synthetic abstract takes 4–9 sentences drawn at
random (seeded) from the whole pool, its title is a random real title, and dates, categories and code links
are drawn from the real ones, so term statistics stay realistic. A million abstracts cannot be embedded by
MiniLM on 2 cores in a benchmark's time (≈ 7 hours at 40/s), so the corpus vectors come from the static
embedder (default; real text, 256 dims) or from random unit vectors (`--embedder random`, 384 dims, MiniLM's
size); query embedding time of the chosen embedder is included in every semantic / hybrid latency, and MiniLM's
own query time is printed separately. `--model DIR` picks another static model (e.g. one distilled with `--dims 0`,
384 dims like MiniLM, so memory figures match the default embedder's). Papers go through SearchService's keyword
upsert and VectorIndex.add, with their part vectors (title and each sentence, made as `dailypapers embed` makes
them; `--no-parts` leaves them out), so hybrid and semantic latencies include the part rescoring's reads.

The ANN recall@10 is measured against exact search over the float32 vectors (kept as a running top-10 per query
while the corpus is built). Latencies and RSS are measured in a fresh process that opens the saved indexes as the
web process does (`--serve DIR`), so `serve_rss_mb` is what the web process holds with this index loaded.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from dailypapers.domain.models import Paper
from dailypapers.domain.query import parse_query
from dailypapers.search.embedders import Embedder, Vectors, embed_documents, make_embedder, normalise
from dailypapers.search.service import SearchService, paper_facts, text_hash
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

ARXIV = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-papers.jsonl.gz"
QUERIES = [
    "diffusion models for video generation",
    "large language model reasoning",
    "robot manipulation reinforcement learning",
    "vision transformer efficient attention",
    "retrieval augmented generation",
    "graph neural networks molecules",
    "speech recognition low resource",
    "3D gaussian splatting",
    "federated learning privacy",
    "image segmentation medical",
]


class RandomEmbedder:
    """Random unit vectors of MiniLM's size: stands in for corpus vectors we cannot compute in time."""

    name, dim = "random-384", 384

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)

    def embed(self, texts: Sequence[str]) -> Vectors:
        return normalise(self.rng.standard_normal((len(texts), self.dim), dtype=np.float32))


def load_pool(limit: int | None) -> tuple[list[str], list[dict[str, Any]]]:
    sentences: list[str] = []
    records: list[dict[str, Any]] = []
    with gzip.open(ARXIV, "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if limit and n >= limit:
                break
            record = json.loads(line)
            records.append({k: record.get(k) for k in ("title", "categories", "published", "github", "authors")})
            sentences.extend(s for s in re.split(r"(?<=[.!?])\s+", record["abstract"] or "") if len(s) > 20)
    return sentences, records


def generate(count: int, sentences: list[str], records: list[dict[str, Any]], start: int = 0) -> list[Paper]:
    rng = random.Random(start)
    papers = []
    for n in range(start, start + count):
        base = records[rng.randrange(len(records))]
        abstract = " ".join(rng.choice(sentences) for _ in range(rng.randint(4, 9)))
        published = datetime.fromisoformat(base["published"]).replace(tzinfo=UTC)
        github = (base.get("github") or [None])[0]
        papers.append(
            Paper(
                f"9{n // 100000:03d}.{n % 100000:05d}",
                base["title"],
                abstract,
                tuple(base.get("authors") or ())[:5],
                published,
                categories=tuple(base.get("categories") or ()),
                github_repo=github,
            )
        )
    return papers


def percentiles(samples: list[float]) -> dict[str, float]:
    values = np.array(samples) * 1000
    return {f"p{p}": round(float(np.percentile(values, p)), 2) for p in (50, 95, 99)}


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it is not inherited from the forking parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def bench_embedder(kind: str, model: str) -> Embedder:
    embedder = make_embedder("static", model=model) if kind == "static" else RandomEmbedder()
    assert embedder is not None
    return embedder


def measure(root: Path, embedder_kind: str, model: str, repeat: int) -> dict[str, Any]:
    """Query latencies and RSS of a process that only opens the saved indexes (what the web process does)."""
    work = root.parent
    settings = Settings(database_url=f"sqlite:///{work / 'hub.db'}")
    hub = make_hub(settings)
    service = SearchService(hub.store, root, bench_embedder(embedder_kind, model))
    service.semantic_ready  # noqa: B018 — loads the vector index, as the first query would
    results: dict[str, Any] = {"open_rss_mb": peak_rss_mb()}
    parsed = [parse_query(q) for q in QUERIES]
    filtered = [parse_query(q + " year:2025 cat:cs.CV") for q in QUERIES]
    narrow = [parse_query(q + " year:2024 cat:cs.RO has:code") for q in QUERIES]
    for mode in ("keyword", "semantic", "hybrid"):
        for label, queries in (("", parsed), ("_filtered", filtered), ("_narrow", narrow)):
            samples = []
            for _ in range(repeat):
                for query in queries:
                    t = time.perf_counter()
                    service.rank(query, mode, depth=100)
                    samples.append(time.perf_counter() - t)
            results[mode + label] = percentiles(samples)
            print(f"{mode + label:18s} {results[mode + label]}", file=sys.stderr)
    results["serve_rss_mb"] = peak_rss_mb()
    # The default embedder's own query time, and the RSS of this process holding MiniLM instead of the static model
    # (what a web process running the default embedder holds, with this index loaded and every query above run).
    minilm_dir = Path("data/models/all-minilm-l6-v2-int8")
    if (minilm_dir / "model.json").exists():
        service.embedder = None
        gc.collect()  # the static model's token table goes back to the system (a large allocation)
        minilm = make_embedder("transformer", model=str(minilm_dir))
        assert minilm is not None
        samples = []
        for _ in range(repeat):
            for q in QUERIES:
                t = time.perf_counter()
                minilm.embed([q])
                samples.append(time.perf_counter() - t)
        results["minilm_query_embed"] = percentiles(samples)
        results["rss_with_minilm_instead_mb"] = current_rss_mb()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1_000_000)
    parser.add_argument("--embedder", default="static", choices=["static", "random"])
    parser.add_argument("--model", default="", help="static model name or directory")
    parser.add_argument("--no-parts", action="store_true", help="paper vectors only (no sentence part vectors)")
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20, help="runs of the query list per mode")
    parser.add_argument("--work", type=Path, help="build in this (new) directory and keep it, to measure again")
    parser.add_argument("--serve", type=Path, help="only measure an index kept by --work (its DIR/search)")
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(measure(args.serve, args.embedder, args.model, args.repeat)))
        return
    if not ARXIV.exists():
        sys.exit(f"{ARXIV} not found (the shared data lives beside the project, in ../shared/data)")

    if args.work:
        args.work.mkdir(parents=True)  # a new directory: never build over an old corpus
    work = args.work or Path(tempfile.mkdtemp(prefix="dp-speed-"))
    settings = Settings(database_url=f"sqlite:///{work / 'hub.db'}")
    migrate_database(settings)
    hub = make_hub(settings)
    sentences, records = load_pool(None)
    embedder = bench_embedder(args.embedder, args.model)
    service = SearchService(hub.store, work / "search", embedder, embed_on_index=True)
    assert service.vectors is not None
    query_vectors = embedder.embed(QUERIES)
    exact_scores = np.full((len(QUERIES), 10), -np.inf, dtype=np.float32)
    exact_ids = np.zeros((len(QUERIES), 10), dtype=object)
    started, done = time.perf_counter(), 0
    embed_seconds = 0.0
    while done < args.papers:
        batch = generate(min(args.batch, args.papers - done), sentences, records, start=done)
        service.keyword.upsert(batch, heap=512_000_000)
        t = time.perf_counter()
        documents = [(p.title, p.abstract) for p in batch]
        vectors, parts = embed_documents(embedder, documents, parts=not args.no_parts)
        facts = [paper_facts(p) for p in batch]
        service.vectors.add([p.arxiv_id for p in batch], vectors, [text_hash(p) for p in batch], parts, facts)
        embed_seconds += time.perf_counter() - t
        scores = np.concatenate([exact_scores, query_vectors @ vectors.T], axis=1)
        ids = np.concatenate([exact_ids, np.array([[p.arxiv_id for p in batch]] * len(QUERIES), dtype=object)], 1)
        best = np.argsort(-scores, axis=1)[:, :10]
        exact_scores, exact_ids = np.take_along_axis(scores, best, 1), np.take_along_axis(ids, best, 1)
        done += len(batch)
        print(f"\rindexed {done:,} papers ({done / (time.perf_counter() - started):.0f}/s)", end="", file=sys.stderr)
    service.save()
    build = time.perf_counter() - started
    print(file=sys.stderr)

    results: dict[str, Any] = {"papers": args.papers, "embedder": embedder.name, "build_s": round(build, 1)}
    results["part_rows"] = service.vectors.parts_rows
    results["embed_and_index_vectors_per_s"] = round(args.papers / embed_seconds, 1) if embed_seconds else None
    found = [service.vectors.search(v, 10) for v in query_vectors]
    recall = [len({d for d, _ in hits} & set(exact_ids[n])) / 10 for n, hits in enumerate(found)]
    results["ann_recall@10"] = round(float(np.mean(recall)), 3)
    results["build_peak_rss_mb"] = peak_rss_mb()
    command = [sys.executable, __file__, "--serve", str(work / "search"), "--embedder", args.embedder]
    command += ["--model", args.model]
    served = subprocess.run([*command, "--repeat", str(args.repeat)], check=True, capture_output=True, text=True)
    sys.stderr.write(served.stderr)
    results.update(json.loads(served.stdout.strip().splitlines()[-1]))
    results["keyword_index_mb"] = round(dir_size(work / "search" / "keyword") / 1e6, 1)
    results["vector_index_mb"] = round(dir_size(work / "search" / "vectors") / 1e6, 1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
