"""Search quality: nDCG@10 and Recall@100 of keyword, semantic and hybrid search on a BEIR-layout data set.

Run: `.venv/bin/python bench/search_quality.py` (defaults to ../shared/data/scifact, train split), or pass
`--corpus corpus.jsonl[.gz] --queries queries.jsonl --qrels qrels.tsv` for any BEIR-style set. Papers go into a
fresh SQLite hub and are indexed through SearchService — the code path the server uses. `--cache DIR` keeps the
index directory so a second run re-uses the vectors (only changed texts are re-embedded); `--embed-cache FILE.npz`
keeps every text's vector (keyed by a hash of the text) outside the project, so tuning runs embed each text once —
the vectors are the configured embedder's own, the cache only skips recomputing them. The last line printed
is one JSON object: {"keyword": {"ndcg@10": …, "recall@100": …}, "semantic": {…}, "hybrid": {…}}.
`--known-item N` measures known-item search instead: MRR@10 and p95 of four sets of N queries of a few words
describing one paper of arxiv-papers (see `known_item_queries`), bm25 alone against the shipped keyword ranking
(coverage and adjacent pairs), `--known-modes keyword,hybrid` for hybrid too, `--seed` for other papers.
The data is read in place and never copied into the project.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gzip
import hashlib
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dailypapers.domain.models import Paper
from dailypapers.domain.query import ParsedQuery, parse_query
from dailypapers.hub import Hub
from dailypapers.ports.search import SearchMode
from dailypapers.search.embedders import Embedder, Vectors, embed_documents, make_embedder
from dailypapers.search.fusion import FusionConfig
from dailypapers.search.keyword import KeywordConfig
from dailypapers.search.service import SearchService
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "data" / "scifact"
MODES: tuple[SearchMode, ...] = ("keyword", "semantic", "hybrid")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as rows:
        reader = csv.reader(rows, delimiter="\t")
        next(reader)  # header
        for row in reader:
            if len(row) >= 3 and int(row[2]) > 0:
                qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    return qrels


def read_benchmark(queries: Path, qrels: Path) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """The queries (id → text) and the judgements of those queries."""
    texts = {str(q["_id"]): q["text"] for q in read_jsonl(queries)}
    return texts, {q: rel for q, rel in read_qrels(qrels).items() if q in texts}


@contextmanager
def scratch_hub(prefix: str) -> Iterator[tuple[Hub, Path]]:
    """A migrated SQLite hub in a new temporary directory (and that directory), removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        settings = Settings(database_url=f"sqlite:///{work / 'hub.db'}")
        migrate_database(settings)
        yield make_hub(settings), work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 100) -> float:
    return len(set(ranked[:k]) & relevant.keys()) / len(relevant) if relevant else 0.0


def corpus_papers(path: Path) -> list[Paper]:
    """BEIR documents as papers: the id becomes the paper id, dates are made up (they do not rank)."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        Paper(str(doc["_id"]), doc.get("title") or "", doc.get("text") or "", (), base + timedelta(minutes=n))
        for n, doc in enumerate(read_jsonl(path))
    ]


class CachingEmbedder:
    """The configured embedder with a text → vector cache in an .npz file (benchmark-only: tuning runs).

    Whole papers (embed_documents: the paper's vector and its part vectors) are cached per (title, abstract), so
    an embedder's own way of making part vectors (late chunking, one tokenization) is what the cache replays.
    """

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner, self.path = inner, path
        self.cache: dict[int, npt.NDArray[np.float32]] = {}
        self.documents: dict[int, tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]] = {}
        if path.exists():
            saved = np.load(path)
            self.cache = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
            if "doc_keys" in saved:  # each saved[name] reads the whole array again: read each once
                docs, parts = saved["doc_vectors"], saved["part_vectors"]
                bounds = np.cumsum([0, *saved["part_counts"].tolist()])
                for n, key in enumerate(saved["doc_keys"].tolist()):
                    self.documents[key] = (docs[n], parts[bounds[n] : bounds[n + 1]])
        self.fresh = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @staticmethod
    def _key(text: str) -> int:
        return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")

    def embed(self, texts: Sequence[str]) -> Vectors:
        keys = [self._key(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if todo:
            first = dict(zip(keys, texts, strict=True))
            for key, vector in zip(todo, self.inner.embed([first[k] for k in todo]), strict=True):
                self.cache[key] = vector
            self.fresh += len(todo)
        return np.stack([self.cache[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)

    def embed_documents(self, documents: Sequence[tuple[str, str]]) -> tuple[Vectors, list[Vectors]]:
        keys = [self._key(f"{title}\x00{abstract}") for title, abstract in documents]
        todo = [n for n, k in enumerate(keys) if k not in self.documents]
        if todo:
            docs, parts = embed_documents(self.inner, [documents[n] for n in todo], parts=True)
            assert parts is not None
            for row, n in enumerate(todo):
                self.documents[keys[n]] = (docs[row], parts[row])
            self.fresh += len(todo)
        found = [self.documents[k] for k in keys]
        return np.stack([d for d, _ in found]), [p for _, p in found]

    def save(self) -> None:
        if self.fresh:
            keys = np.array(list(self.cache) or [0], dtype=np.uint64)
            vectors = np.stack(list(self.cache.values()) or [np.zeros(self.dim, np.float32)])
            docs = list(self.documents.items())
            np.savez(
                self.path,
                keys=keys,
                vectors=vectors,
                doc_keys=np.array([k for k, _ in docs], dtype=np.uint64),
                doc_vectors=np.stack([d for _, (d, _) in docs]) if docs else np.zeros((0, self.dim), np.float32),
                part_counts=np.array([len(p) for _, (_, p) in docs], dtype=np.int64),
                part_vectors=np.concatenate([p for _, (_, p) in docs]) if docs else np.zeros((0, self.dim)),
            )


def query_text(text: str) -> ParsedQuery:
    """Benchmark queries are natural language: every word is a plain word (no field syntax), cut to 250 chars."""
    words = "".join(ch if ch.isalnum() or ch in " -" else " " for ch in text)[:250]
    return parse_query(words.replace(" -", " ").strip() or "empty")


def evaluate(service: SearchService, queries: dict[str, str], qrels: dict[str, dict[str, int]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for mode in MODES:
        if mode != "keyword" and not service.semantic_ready:
            continue
        ndcgs, recalls, started = [], [], time.perf_counter()
        for qid, relevant in qrels.items():
            ranked = [doc for doc, _ in service.rank(query_text(queries[qid]), mode, depth=100)]
            ndcgs.append(ndcg_at(ranked, relevant))
            recalls.append(recall_at(ranked, relevant))
        elapsed = time.perf_counter() - started
        results[mode] = {
            "ndcg@10": round(sum(ndcgs) / len(ndcgs), 4),
            "recall@100": round(sum(recalls) / len(recalls), 4),
            "ms_per_query": round(1000 * elapsed / len(ndcgs), 2),
        }
        print(
            f"{mode:8s} nDCG@10 {results[mode]['ndcg@10']:.4f}  Recall@100 {results[mode]['recall@100']:.4f}"
            f"  ({results[mode]['ms_per_query']} ms/query)",
            file=sys.stderr,
        )
    return results


# -- known-item search: a few words that describe one arXiv paper -------------------------------------------------

ARXIV = SCIFACT.parent / "arxiv-papers.jsonl.gz"
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{3,}")
_COMMON = frozenset(
    (
        *("this", "that", "with", "from", "these", "those", "their", "which", "while", "where", "using", "used"),
        *("based", "show", "shows", "propose", "proposed", "paper", "results", "method", "methods", "approach"),
        *("approaches", "model", "models", "data", "task", "tasks", "novel", "existing", "performance"),
    )
)


def known_item_queries(papers: Sequence[Paper], count: int, seed: int = 17) -> dict[str, dict[str, str]]:
    """Query sets of one query per sampled paper, as a reader who remembers a paper by a few words might type it:

    - `own`: 3 of its 10 most distinctive words (tf-idf over the corpus), in random order;
    - `slip`: 2 of those and a distinctive word of another sampled paper (a word remembered wrong);
    - `vague`: 4 of its words at random (any weight; many of these name no paper at all).

    Built from the paper's own title and abstract, never from any keywords, so indexing keywords is measured, not
    fed its own answer. `phrases` (two of its yake keyphrases) is added by `keyphrase_queries`.
    """
    docs = {p.arxiv_id: [w.lower() for w in _WORD.findall(f"{p.title} {p.abstract}")] for p in papers}
    frequency = Counter(w for words in docs.values() for w in set(words))
    rng = random.Random(seed)
    chosen = rng.sample(sorted(docs), min(count, len(docs)))
    sets: dict[str, dict[str, str]] = {"own": {}, "slip": {}, "vague": {}}
    for arxiv_id in chosen:
        counts = Counter(w for w in docs[arxiv_id] if w not in _COMMON)
        scored = sorted(counts, key=lambda w: -counts[w] * math.log(len(docs) / frequency[w]))[:10]
        if len(scored) < 3:
            continue
        sets["own"][arxiv_id] = " ".join(rng.sample(scored, 3))
        sets["vague"][arxiv_id] = " ".join(rng.sample(sorted(counts), min(4, len(counts))))
        other = docs[rng.choice(chosen)]
        foreign = [w for w in other if w not in counts and w not in _COMMON and frequency[w] < 2000]
        words = rng.sample(scored, 2) + ([rng.choice(foreign)] if foreign else [])
        rng.shuffle(words)
        sets["slip"][arxiv_id] = " ".join(words)
    return sets


def keyphrase_queries(papers: Sequence[Paper], ids: Sequence[str], seed: int = 17) -> dict[str, str]:
    """Two of each paper's five best yake keyphrases that share no word: "the keywords that describe it"."""
    rng = random.Random(seed + 1)
    by_id = {p.arxiv_id: p for p in papers}
    queries = {}
    with ProcessPoolExecutor(max(1, os.cpu_count() or 1)) as pool:
        found = pool.map(_yake_keywords, [(by_id[i].title, by_id[i].abstract) for i in ids], chunksize=20)
        for arxiv_id, keywords in zip(ids, found, strict=True):
            pairs = [
                (a, b)
                for n, a in enumerate(keywords[:5])
                for b in keywords[n + 1 : 5]
                if not set(a.lower().split()) & set(b.lower().split())
            ]
            if pairs:
                queries[arxiv_id] = " ".join(rng.choice(pairs))
    return queries


_EXTRACTOR: Any = None


def _yake_keywords(text: tuple[str, str]) -> tuple[str, ...]:
    """The hub's keywords of one paper (yake, then clean_keywords), in a worker process of its own."""
    global _EXTRACTOR
    from dailypapers.adapters.enrich_local import YakeExtractor
    from dailypapers.domain.enrichment import clean_keywords

    if _EXTRACTOR is None:
        _EXTRACTOR = YakeExtractor()
    return clean_keywords(_EXTRACTOR.keywords(*text))


def known_item(args: argparse.Namespace) -> None:
    """MRR@10 and p95 of the known-item query sets over arxiv-papers, per mode and keyword configuration."""
    rows = list(read_jsonl(args.known_corpus))[: args.known_papers]
    base = datetime(2024, 1, 1, tzinfo=UTC)
    papers = [
        Paper(str(r["arxiv_id"]), r["title"], r["abstract"], tuple(r.get("authors") or ()), base + timedelta(minutes=n))
        for n, r in enumerate(rows)
    ]
    sets = known_item_queries(papers, args.known_item, seed=args.seed)
    sets["phrases"] = keyphrase_queries(papers, sorted(sets["own"]), seed=args.seed)
    if args.index_keywords:
        papers = with_yake_keywords(papers, args.keywords_cache)
    embedder = make_embedder(args.embedder, model=args.model, models_dir=args.models_dir)
    cached = CachingEmbedder(embedder, args.embed_cache) if embedder and args.embed_cache else None
    embedder = cached or embedder
    with scratch_hub("dp-known-") as (hub, work):
        for start in range(0, len(papers), 2000):
            hub.store.upsert_papers(papers[start : start + 2000])
        results: dict[str, Any] = {}
        ranking = f"coverage {args.coverage_weight:g}, pairs {args.pair_boost:g}"  # the shipped one by default
        configs = {
            "bm25 (before)": KeywordConfig(coverage_weight=0, pair_boost=0),
            ranking: KeywordConfig(coverage_weight=args.coverage_weight, pair_boost=args.pair_boost),
        }
        configs.update({f"keyword boost {b:g}": KeywordConfig(keyword_boost=b) for b in args.keyword_boosts})
        for label, config in configs.items():
            fusion = FusionConfig(short_query_words=args.short_words, short_keyword_weight=args.short_keyword_weight)
            service = SearchService(hub.store, work / "search", embedder, keyword=config, fusion=fusion)
            if not results:
                service.reindex()
                if "hybrid" in args.known_modes and service.vectors is not None:
                    service.backfill()
            modes: list[SearchMode] = [m for m in MODES if m in args.known_modes] if label == ranking else ["keyword"]
            for mode in modes:
                row = {name: known_item_figures(service, mode, queries) for name, queries in sets.items()}
                results[f"{mode}, {label}"] = row
                figures = "  ".join(f"{name} {mrr:.4f} / {p95:.1f} ms" for name, (mrr, p95) in row.items())
                print(f"known-item {mode:7s} {label:22s} MRR@10 / p95: {figures}", file=sys.stderr)
        if cached is not None:
            cached.save()
    sizes = {name: len(queries) for name, queries in sets.items()}
    print(json.dumps({"known_item": results, "papers": len(papers), "queries": sizes, "seed": args.seed}))


def known_item_figures(service: SearchService, mode: SearchMode, queries: dict[str, str]) -> tuple[float, float]:
    """MRR@10 of one query set in one mode, and the 95th percentile of its `rank` times in ms."""
    ranks, times = [], []
    for arxiv_id, text in queries.items():
        started = time.perf_counter()
        ranked = [doc for doc, _ in service.rank(query_text(text), mode, depth=10 if mode == "keyword" else 100)][:10]
        times.append(time.perf_counter() - started)
        ranks.append(1 / (ranked.index(arxiv_id) + 1) if arxiv_id in ranked else 0.0)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))] * 1000
    return round(sum(ranks) / len(ranks), 4), round(p95, 1)


def with_yake_keywords(papers: list[Paper], cache: Path | None) -> list[Paper]:
    """The papers with the hub's yake keywords (~30 papers/s a core; `cache` keeps them between runs)."""
    cached = json.loads(cache.read_text()) if cache and cache.exists() else {}
    todo = [p for p in papers if p.arxiv_id not in cached]
    started = time.perf_counter()
    with ProcessPoolExecutor(max(1, os.cpu_count() or 1)) as pool:
        found = pool.map(_yake_keywords, [(p.title, p.abstract) for p in todo], chunksize=50)
        cached.update({p.arxiv_id: list(keywords) for p, keywords in zip(todo, found, strict=True)})
    if todo:
        rate = len(todo) / (time.perf_counter() - started)
        print(f"yake keywords for {len(todo)} papers: {rate:.1f}/s", file=sys.stderr)
    if cache:
        cache.write_text(json.dumps(cached))
    return [dataclasses.replace(p, keywords=tuple(cached[p.arxiv_id])) for p in papers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SCIFACT / "corpus.jsonl.gz")
    parser.add_argument("--queries", type=Path, default=SCIFACT / "queries-train.jsonl")
    parser.add_argument("--qrels", type=Path, default=SCIFACT / "qrels-train.tsv")
    parser.add_argument("--embedder", default="transformer", help="transformer, static, http or none")
    parser.add_argument("--model", default="", help="embedder model name or directory")
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    parser.add_argument("--cache", type=Path, help="keep the index directory here between runs")
    parser.add_argument("--fusion", default="blend", choices=["blend", "rrf"])
    parser.add_argument("--keyword-weight", type=float, default=FusionConfig().keyword_weight)
    parser.add_argument("--part-weight", type=float, default=FusionConfig().part_weight, help="0: no part vectors")
    parser.add_argument("--feedback-docs", type=int, default=FusionConfig().feedback_docs, help="0: no feedback")
    parser.add_argument("--feedback-weight", type=float, default=FusionConfig().feedback_weight)
    parser.add_argument("--short-words", type=int, default=FusionConfig().short_query_words, help="0: no shape")
    parser.add_argument("--short-keyword-weight", type=float, default=FusionConfig().short_keyword_weight)
    parser.add_argument("--title-boost", type=float, default=KeywordConfig().title_boost)
    parser.add_argument("--coverage-weight", type=float, default=KeywordConfig().coverage_weight, help="0: off")
    parser.add_argument("--pair-boost", type=float, default=KeywordConfig().pair_boost, help="0: off")
    parser.add_argument("--embed-cache", type=Path, help="an .npz of text vectors kept between runs")
    parser.add_argument(
        "--known-item", type=int, default=0, help="instead: N known-item queries over arxiv-papers, keyword mode"
    )
    parser.add_argument("--known-corpus", type=Path, default=ARXIV)
    parser.add_argument("--known-papers", type=int, default=10_000, help="corpus size for --known-item")
    parser.add_argument("--seed", type=int, default=17, help="--known-item: which papers are sampled (17: tuning)")
    parser.add_argument(
        "--known-modes",
        type=lambda text: text.split(","),
        default=["keyword"],
        help="--known-item: modes to measure, e.g. keyword,hybrid (hybrid embeds the corpus: --embedder static)",
    )
    parser.add_argument(
        "--index-keywords", action="store_true", help="--known-item: index yake keywords (~1 hour at 83.6k)"
    )
    parser.add_argument(
        "--keyword-boosts",
        type=lambda text: [float(b) for b in text.split(",") if b],
        default=[],
        help="--known-item: keywords-field boosts to compare too (with --index-keywords), e.g. 0.1,0.5",
    )
    parser.add_argument("--keywords-cache", type=Path, help="--known-item: a JSON file keeping yake's keywords")
    args = parser.parse_args()
    if args.known_item:
        if not args.known_corpus.exists():
            sys.exit(f"corpus not found: {args.known_corpus} (it lives beside the project, in ../shared/data)")
        known_item(args)
        return
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus} (the SciFact data lives beside the project, in ../shared/data)")

    queries, qrels = read_benchmark(args.queries, args.qrels)
    with scratch_hub("dp-quality-") as (hub, work):
        papers = corpus_papers(args.corpus)
        started = time.perf_counter()
        for start in range(0, len(papers), 2000):
            hub.store.upsert_papers(papers[start : start + 2000])
        print(f"stored {len(papers)} papers in {time.perf_counter() - started:.1f}s", file=sys.stderr)

        embedder = make_embedder(args.embedder, model=args.model, models_dir=args.models_dir)
        cached = CachingEmbedder(embedder, args.embed_cache) if embedder and args.embed_cache else None
        embedder = cached or embedder
        root = args.cache or work / "search"
        service = SearchService(
            hub.store,
            root,
            embedder,
            keyword=KeywordConfig(
                title_boost=args.title_boost, coverage_weight=args.coverage_weight, pair_boost=args.pair_boost
            ),
            fusion=FusionConfig(
                method=args.fusion,
                keyword_weight=args.keyword_weight,
                part_weight=args.part_weight,
                feedback_docs=args.feedback_docs,
                feedback_weight=args.feedback_weight,
                short_query_words=args.short_words,
                short_keyword_weight=args.short_keyword_weight,
            ),
        )
        started = time.perf_counter()
        service.reindex()
        print(f"keyword index: {time.perf_counter() - started:.1f}s", file=sys.stderr)
        report = service.backfill()
        if report.embedded:
            print(f"embedded {report.embedded} papers at {report.per_second:.1f}/s", file=sys.stderr)
        results = evaluate(service, queries, qrels)
        if cached is not None:
            cached.save()
    print(json.dumps({m: {k: v for k, v in r.items() if k != "ms_per_query"} for m, r in results.items()}))


if __name__ == "__main__":
    main()
