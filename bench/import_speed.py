"""Import throughput: `dailypapers import` (parse + merge + upsert + indexes) against a plain executemany baseline.

Run: `make bench` or `.venv/bin/python bench/import_speed.py [PATH] [--limit N]`. Reads
../shared/data/arxiv-papers.jsonl.gz when present, otherwise generates synthetic records.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson

from dailypapers.adapters.files import read_lines
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv-papers.jsonl.gz"


def synthetic(path: Path, count: int) -> None:
    with gzip.open(path, "wt") as out:
        for n in range(count):
            record = {
                "arxiv_id": f"24{n // 99999 % 12 + 1:02d}.{n % 99999:05d}",
                "title": f"Synthetic paper {n} on attention",
                "abstract": "We study transformers. " * 40,
                "authors": [f"Author {n % 977}", f"Author {n % 131}"],
                "categories": ["cs.CL", "cs.LG"],
                "published": "2024-05-01",
                "github": None,
                "upvotes": n % 50,
            }
            out.write(json.dumps(record) + "\n")


def baseline(path: Path, limit: int | None) -> tuple[int, float]:
    """Decode the same lines and executemany them into an unindexed table: the floor of what SQLite can do."""
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "baseline.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE papers (arxiv_id, title, abstract, authors, published)")
        started = time.perf_counter()
        rows = []
        for number, line in read_lines(path):
            if limit and number > limit:
                break
            obj = orjson.loads(line)
            rows.append(
                (obj["arxiv_id"], obj["title"], obj["abstract"], orjson.dumps(obj["authors"]), obj["published"])
            )
        with conn:
            conn.executemany("INSERT INTO papers VALUES (?, ?, ?, ?, ?)", rows)
        elapsed = time.perf_counter() - started
        conn.close()
    return len(rows), elapsed


def full_import(path: Path, limit: int | None) -> tuple[int, float, float]:
    """The real import into a migrated database, then the same file again (every line a no-op merge)."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db")
        migrate_database(settings)
        hub = make_hub(settings)

        def lines() -> Iterator[tuple[int, bytes]]:
            return ((n, line) for n, line in read_lines(path) if not limit or n <= limit)

        started = time.perf_counter()
        report = hub.import_lines(lines())
        first = time.perf_counter() - started
        started = time.perf_counter()
        hub.import_lines(lines())
        again = time.perf_counter() - started
    return report.inserted, first, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="only the first N lines")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.path
        if path is None and SHARED.exists():
            path = SHARED
        elif path is None:
            print(f"{SHARED} not found: using 50,000 synthetic records")
            path = Path(tmp) / "synthetic.jsonl.gz"
            synthetic(path, 50_000)
        print(f"input: {path}")
        count, base_seconds = baseline(path, args.limit)
        inserted, first, again = full_import(path, args.limit)
    base_rate, rate, rerun_rate = count / base_seconds, inserted / first, count / again
    print(f"baseline executemany, unindexed table: {count:>7} rows  {base_seconds:6.2f} s  {base_rate:8.0f} rows/s")
    print(f"dailypapers import (fresh database):   {inserted:>7} papers {first:6.2f} s  {rate:8.0f} papers/s")
    print(f"dailypapers import (same file again):  {count:>7} papers {again:6.2f} s  {rerun_rate:8.0f} papers/s")
    verdict = "met" if rate >= 5000 else "MISSED"
    print(f"ratio import / baseline: {rate / base_rate:.2f}   target >= 5000 papers/s: {verdict}")


if __name__ == "__main__":
    main()
