"""Search quality on PostgreSQL: nDCG@10 / Recall@100 of pgsearch's keyword rankings on SciFact (train split).

Run: `.venv/bin/python -m bench.pg_quality` — starts PostgreSQL from the pgserver wheel in a temporary directory
(or uses `--database postgresql://…`, which must be an empty database), loads the corpus, and evaluates each
keyword ranking method (`--methods idf,ts_rank,ts_rank_cd`) and, with `--embedder`, semantic and hybrid search.
`--match-budgets` / `--candidates` sweep the bounds on keyword work (0: unbounded); SciFact is small (5,183
abstracts), so budgets far below the defaults show what the bounds cost where they bite.
Compare with bench/search_quality.py, the SQLite path (tantivy bm25) on the same data. The last line is JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.search_quality import SCIFACT, corpus_papers, ndcg_at, query_text, read_jsonl, read_qrels, recall_at
from dailypapers.pgsearch import PgKeywordConfig, PgSearch
from dailypapers.ports.search import MODES, SearchMode
from dailypapers.search.embedders import make_embedder
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database


def evaluate(
    search: PgSearch, mode: SearchMode, queries: dict[str, str], qrels: dict[str, dict[str, int]]
) -> dict[str, Any]:
    ndcgs, recalls, started = [], [], time.perf_counter()
    for qid, relevant in qrels.items():
        ranked = [doc for doc, _ in search.rank(query_text(queries[qid]), mode, depth=100)]
        ndcgs.append(ndcg_at(ranked, relevant))
        recalls.append(recall_at(ranked, relevant))
    elapsed = time.perf_counter() - started
    return {
        "ndcg@10": round(sum(ndcgs) / len(ndcgs), 4),
        "recall@100": round(sum(recalls) / len(recalls), 4),
        "ms_per_query": round(1000 * elapsed / len(ndcgs), 2),
    }


def postgres_url(work: Path) -> str:
    pgserver = importlib.import_module("pgserver")  # a dev dependency: PostgreSQL 16 + pgvector from a wheel

    server = pgserver.get_server(work, cleanup_mode="stop")
    server.psql("CREATE DATABASE dp_quality;")
    return str(server.get_uri()).replace("/postgres?", "/dp_quality?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SCIFACT / "corpus.jsonl.gz")
    parser.add_argument("--queries", type=Path, default=SCIFACT / "queries-train.jsonl")
    parser.add_argument("--qrels", type=Path, default=SCIFACT / "qrels-train.tsv")
    parser.add_argument("--database", help="an empty PostgreSQL database (default: a temporary pgserver)")
    parser.add_argument("--methods", default="idf,ts_rank,ts_rank_cd")
    parser.add_argument("--normalizations", default="1", help="comma-separated ts_rank normalisation flags")
    parser.add_argument("--title-weights", default="0.5")
    defaults = PgKeywordConfig()
    parser.add_argument("--match-budgets", default=str(defaults.match_budget), help="comma-separated; 0: unbounded")
    parser.add_argument("--candidates", default=str(defaults.candidates), help="comma-separated; 0: unbounded")
    parser.add_argument("--embedder", default="none", help="transformer, static or none")
    parser.add_argument("--model", default="")
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus} (the SciFact data lives beside the project, in ../shared/data)")

    queries = {str(q["_id"]): q["text"] for q in read_jsonl(args.queries)}
    qrels = {q: rel for q, rel in read_qrels(args.qrels).items() if q in queries}
    work = Path(tempfile.mkdtemp(prefix="dp-pgquality-"))
    settings = Settings(database_url=args.database or postgres_url(work), embedder="none")
    migrate_database(settings)
    hub = make_hub(settings)
    papers = corpus_papers(args.corpus)
    for start in range(0, len(papers), 2000):
        hub.store.upsert_papers(papers[start : start + 2000])
    embedder = make_embedder(args.embedder, model=args.model, models_dir=args.models_dir)
    engine = hub.store.engine  # type: ignore[attr-defined]
    search = PgSearch(hub.store, engine, embedder)
    search.refresh_statistics(force=True)
    if embedder is not None:
        report = search.backfill()
        print(f"embedded {report.embedded} papers at {report.per_second:.1f}/s", file=sys.stderr)
    results: dict[str, Any] = {}
    sweep = [
        (method, norm, title, budget, candidates)
        for method in args.methods.split(",")
        for norm in (int(n) for n in args.normalizations.split(","))
        for title in (float(t) for t in args.title_weights.split(","))
        for budget in (int(b) for b in args.match_budgets.split(","))
        for candidates in (int(c) for c in args.candidates.split(","))
    ]
    for method, norm, title, budget, candidates in sweep:
        search.keyword = dataclasses.replace(
            defaults,
            method=method,
            normalization=norm,
            title_weight=title,
            match_budget=budget,
            candidates=candidates,
        )
        name = f"keyword/{method}/norm={norm}/title={title:g}/budget={budget}/candidates={candidates}"
        results[name] = evaluate(search, "keyword", queries, qrels)
        print(name, results[name], file=sys.stderr)
        if embedder is not None:
            for mode in MODES[1:]:
                results[f"{mode}/{method}"] = evaluate(search, mode, queries, qrels)
                print(mode, results[f"{mode}/{method}"], file=sys.stderr)
    engine.dispose()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
