"""Backfill speed of `sync` from a fake HF-compatible upstream on 127.0.0.1, at the polite rates and unthrottled.

Run: `.venv/bin/python -m bench.upstream_sync [--days N] [--rounds N]`. The upstream serves real Hugging Face
daily-papers days (the latest snapshot of each paper in ../shared/data/hf-daily-papers.jsonl.gz, in the API's
shape) or synthetic days when that file is absent; new papers are completed from a fake arXiv API. Prints days per
minute and the request rates kept, worst of the rounds, for:

- polite: the defaults — at most 1 request/s to the upstream, 3 s between arXiv requests (one per day's new papers);
- upstream only: 1 request/s to the upstream, the papers already complete (no arXiv requests);
- unthrottled: no intervals (the parse + store ceiling: the baseline the polite figures are compared with).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
import time
from collections import defaultdict
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
from tests.fakes.arxiv_server import FakeArxiv, paper_record
from tests.fakes.hf_server import FakeHub, hf_item

from dailypapers.domain.models import FeedQuery
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "hf-daily-papers.jsonl.gz"


def api_item(record: dict[str, Any]) -> dict[str, Any]:
    """A line of the export in the shape `GET /api/daily_papers` answers."""
    day = date.fromisoformat(record["daily_date"])
    item = hf_item(
        record["arxiv_id"],
        day,
        upvotes=record["upvotes"] or 0,
        comments=record["num_comments"] or 0,
        submitter=record["submitted_by"],
        organization=record["organization"],
        title=record["title"],
        githubRepo=record["github"],
        githubStars=record["github_stars"],
        projectPage=record["project_page"],
    )
    item["paper"]["summary"] = item["summary"] = record["abstract"]
    item["paper"]["authors"] = [{"_id": str(n), "name": a, "hidden": False} for n, a in enumerate(record["authors"])]
    item["paper"]["publishedAt"] = record["published_at"]
    return item


def load_days(count: int) -> dict[date, list[dict[str, Any]]]:
    """The last `count` days of the export (latest snapshot of each paper), or synthetic days of 25 papers."""
    if not SHARED.exists():
        print(f"{SHARED} not found: synthetic days of 25 papers")
        return {
            date(2026, 7, 1 + d): [hf_item(f"2607.{d:02d}{n:03d}", date(2026, 7, 1 + d)) for n in range(25)]
            for d in range(count)
        }
    latest: dict[str, dict[str, Any]] = {}
    with gzip.open(SHARED, "rb") as lines:
        for line in lines:
            record = orjson.loads(line)
            seen = latest.get(record["arxiv_id"])
            if seen is None or record["snapshot_time"] >= seen["snapshot_time"]:
                latest[record["arxiv_id"]] = record
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for record in latest.values():
        days[date.fromisoformat(record["daily_date"])].append(api_item(record))
    return {day: days[day] for day in sorted(days)[-count:]}


def run(
    work: Path, days: dict[date, list[dict[str, Any]]], *, upstream_interval: float, arxiv_interval: float, known: bool
) -> dict[str, float]:
    """One backfill into a fresh database; seconds, days/min, requests and their rates."""
    db = work / f"bench-{time.monotonic_ns()}.db"
    with FakeHub() as upstream, FakeArxiv() as arxiv:
        upstream.days.update(days)
        for items in days.values():
            for item in items:
                arxiv.set_api_paper(paper_record(item["paper"]["id"], categories=["cs.CL"]))
        settings = Settings(
            database_url=f"sqlite:///{db}",
            embedder="none",
            upstreams=upstream.base_url,
            upstream_min_interval_seconds=upstream_interval,
            arxiv_api_url=arxiv.api_url,
            arxiv_min_interval_seconds=arxiv_interval,
            search_dir=str(work / f"search-{db.stem}"),
        )
        migrate_database(settings)
        hub = make_hub(settings)
        first, last = min(days), max(days)
        if known:  # the papers are already complete: only the upstream is asked
            hub.upstream.sync(first, last)
            arxiv.received.clear()
            upstream.received.clear()
            with hub.store.engine.begin() as conn:  # type: ignore[attr-defined]
                conn.exec_driver_sql("DELETE FROM feed_entries")
        started = time.perf_counter()
        report = hub.upstream.sync(first, last)
        seconds = time.perf_counter() - started
        assert not report.failed, report.failed
        entries = hub.store.count_feed_items(FeedQuery(first, last))
        hub.store.engine.dispose()  # type: ignore[attr-defined]
        gaps = [b.at - a.at for a, b in pairwise(upstream.received)]
        arxiv_calls = len(arxiv.received)
    return {
        "seconds": seconds,
        "days_per_min": len(days) / seconds * 60,
        "entries": entries,
        "upstream_requests": len(upstream.received),
        # Requests per second over the span they took (the first one goes at once, so N requests span N-1 gaps).
        "upstream_per_s": len(gaps) / sum(gaps) if gaps else 0.0,
        "min_gap": min(gaps) if gaps else 0.0,
        "arxiv_requests": arxiv_calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    days = load_days(args.days)
    print(f"{len(days)} days, {sum(len(v) for v in days.values())} entries ({min(days)} … {max(days)})")
    configs = {
        "polite (defaults)": {"upstream_interval": 1.0, "arxiv_interval": 3.0, "known": False},
        "upstream only": {"upstream_interval": 1.0, "arxiv_interval": 3.0, "known": True},
        "unthrottled": {"upstream_interval": 0.0, "arxiv_interval": 0.0, "known": False},
    }
    work = Path(tempfile.mkdtemp(prefix="dp-sync-bench-"))
    results: dict[str, dict[str, float]] = {}
    try:
        for name, config in configs.items():
            rounds = [run(work, days, **config) for _ in range(args.rounds)]  # type: ignore[arg-type]
            results[name] = min(rounds, key=lambda r: r["days_per_min"])  # the worst round
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ceiling = results["unthrottled"]["days_per_min"]
    header = f"{'configuration':<20} {'days/min':>9} {'vs ceiling':>10} {'upstream req/s':>15} {'min gap s':>10}"
    print(f"{header} arXiv req")
    for name, r in results.items():
        print(
            f"{name:<20} {r['days_per_min']:>9.1f} {r['days_per_min'] / ceiling:>10.3f} "
            f"{r['upstream_per_s']:>15.2f} {r['min_gap']:>10.3f} {r['arxiv_requests']:>9.0f}"
        )


if __name__ == "__main__":
    main()
