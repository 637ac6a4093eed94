"""Digest delivery speed: 10,000 confirmed subscribers (half with accounts and upvotes, so they get personal picks)
sent one daily digest through a local SMTP sink. Target: build + plan + delivery in <= 60 s.

Run: `.venv/bin/python bench/digest_speed.py [--subscribers N] [--profile]`. Reads
../shared/data/hf-daily-papers.jsonl.gz through `hub.import_lines` when present, otherwise generates synthetic
papers. The sink (aiosmtpd on 127.0.0.1, accepts everything) runs in a child process so it does not share the
sender's interpreter lock. The baseline, measured in the same run, is plain smtplib sending one subscriber's
message, the very bytes the sender sent, as many times over one connection: the floor of what Python's SMTP
client and this sink can do.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import hashlib
import io
import json
import multiprocessing as mp
import os
import pstats
import random
import re
import smtplib
import socket
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.files import read_lines
from dailypapers.adapters.sql.schema import subscribers, users, votes
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub, migrate_database

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "hf-daily-papers.jsonl.gz"
SEND_AT = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)  # a Friday: the daily digest of 2026-08-21 (cutoff 08:00 UTC)
TARGET_SECONDS = 60.0
UPVOTES_PER_USER = 12
VECTOR_DIM = 64


# -- the SMTP sink (child process) -------------------------------------------------------------------------


class _Counter:
    def __init__(self, count: Synchronized[int]) -> None:
        self.count = count

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.count.get_lock():
            self.count.value += 1
        return "250 2.0.0 OK"


def _serve(port: int, count: Synchronized[int], ready: Any, stop: Any) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_Counter(count), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Sink:
    """aiosmtpd on 127.0.0.1 in a child process, counting accepted messages."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self.port = free_port()
        self.count: Synchronized[int] = ctx.Value("i", 0)
        self.ready, self.stop = ctx.Event(), ctx.Event()
        self.process = ctx.Process(target=_serve, args=(self.port, self.count, self.ready, self.stop), daemon=True)

    def __enter__(self) -> Sink:
        self.process.start()
        if not self.ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.process.join(10)

    @property
    def received(self) -> int:
        return int(self.count.value)


# -- data --------------------------------------------------------------------------------------------------


def synthetic(path: Path, days: int = 120, per_day: int = 17) -> None:
    """Hugging Face daily-papers style records ending on the digest's feed day."""
    words = ("vision", "language", "robot", "graph", "audio", "proof", "quantum", "protein", "agent", "diffusion")
    rng = random.Random(7)
    with gzip.open(path, "wt") as out:
        for d in range(days):
            day = date(2026, 8, 20) - timedelta(days=d)
            for n in range(per_day):
                topic = rng.sample(words, 2)
                record = {
                    "arxiv_id": f"{day:%y%m}.{d * per_day + n:05d}",
                    "title": f"Synthetic {topic[0]} {topic[1]} paper {d}-{n}",
                    "abstract": f"We study {topic[0]} and {topic[1]}. " * 30,
                    "authors": [f"Author {n}", f"Author {d}"],
                    "published": day.isoformat(),
                    "daily_date": day.isoformat(),
                    "submitted_on_daily_at": f"{day.isoformat()}T06:{n:02d}:00.000Z",
                    "upvotes": rng.randint(0, 120),
                    "num_comments": 0,
                    "github": None,
                }
                out.write(json.dumps(record) + "\n")


class HashedVectors:
    """Deterministic title-word vectors standing in for the search embeddings (hashing trick, 64 dimensions): the
    picks code does the same work (load, normalize, one matrix product) whatever produced the vectors."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def paper_vectors(self, arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        out = {}
        for arxiv_id, paper in self.hub.store.get_papers(list(arxiv_ids)).items():
            vector = np.zeros(VECTOR_DIM, dtype=np.float32)
            for word in re.findall(r"[a-z]{4,}", paper.title.lower()):
                vector[int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest()) % VECTOR_DIM] += 1.0
            out[arxiv_id] = vector.tolist()
        return out


def seed_subscribers(hub: Hub, count: int) -> tuple[int, int]:
    """`count` active daily subscribers; every other one has an account with upvotes on recent papers."""
    engine: sa.Engine = hub.store.engine  # type: ignore[attr-defined]
    confirmed = SEND_AT - timedelta(days=2)
    with engine.connect() as conn:
        recent = list(conn.execute(sa.text("SELECT arxiv_id FROM papers ORDER BY published DESC LIMIT 600")).scalars())
    rng = random.Random(42)
    user_rows: list[dict[str, Any]] = []
    vote_rows: list[dict[str, Any]] = []
    subscriber_rows: list[dict[str, Any]] = []
    for n in range(count):
        email = f"reader{n:05d}@example.net"
        linked = n % 2 == 0
        if linked:
            user_id = len(user_rows) + 1
            user_rows.append(
                {
                    "id": user_id,
                    "email": email,
                    "username": f"reader{n:05d}",
                    "display_name": f"Reader {n}",
                    "created_at": confirmed - timedelta(days=30),
                }
            )
            for arxiv_id in rng.sample(recent, UPVOTES_PER_USER):
                vote_rows.append({"user_id": user_id, "arxiv_id": arxiv_id, "created_at": confirmed})
        subscriber_rows.append(
            {
                "email": email,
                "user_id": user_rows[-1]["id"] if linked else None,
                "frequency": "daily",
                "categories": [],
                "include_keywords": [],
                "exclude_keywords": [],
                "status": "active",
                "created_at": confirmed,
                "confirmed_at": confirmed,
                "status_changed_at": confirmed,
            }
        )
    with engine.begin() as conn:
        conn.execute(users.insert(), user_rows)
        conn.execute(votes.insert(), vote_rows)
        conn.execute(subscribers.insert(), subscriber_rows)
    return len(subscriber_rows), len(user_rows)


# -- measurements ------------------------------------------------------------------------------------------


def baseline(port: int, message: bytes, count: int) -> float:
    """Plain smtplib: the same wire bytes `count` times over one connection (8BITMIME, as the sender used)."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for n in range(count):
            smtp.sendmail(
                "digest@papers.example.org", [f"reader{n:05d}@example.net"], message, mail_options=["BODY=8BITMIME"]
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the digest run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sink() as sink:
        path = SHARED
        if not path.exists():
            print(f"{SHARED} not found: using synthetic papers")
            path = Path(tmp) / "synthetic.jsonl.gz"
            synthetic(path)
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            search_dir=f"{tmp}/search",
            embedder="none",
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_tls="none",
            mail_from="Daily Papers <digest@papers.example.org>",
            base_url="https://papers.example.org",
            secret_key="bench-secret-key-0123456789-abcdefghijklmnop",  # noqa: S106 - a throwaway hub
            digest_send_rate=0.0,
        )
        migrate_database(settings)
        hub = make_hub(settings, clock=FixedClock(SEND_AT))
        hub.paper_vectors = HashedVectors(hub)
        started = time.perf_counter()
        imported = hub.import_lines(read_lines(path))
        print(f"feed: {imported.inserted} papers from {path.name} in {time.perf_counter() - started:.1f} s")
        count, linked = seed_subscribers(hub, args.subscribers)
        print(f"subscribers: {count} confirmed, {linked} with accounts and {UPVOTES_PER_USER} upvotes each")

        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        digest, _created, plan = hub.prepare_digest("daily")
        built = time.perf_counter() - started
        report = hub.deliver_digests()
        total = time.perf_counter() - started
        if profiler:
            profiler.disable()

        delivered = hub._digests.delivery_counts(digest.id)
        personal = _personal_count(hub, digest.id)
        sample = _sample_message(hub, digest.id)
        base_seconds = baseline(sink.port, sample, report.sent) if report.sent else 0.0
        received = sink.received

    send_seconds = total - built
    rate = report.sent / total if total else 0.0
    print(
        f"digest {digest.period}: {len(digest.paper_ids)} ranked papers; planned {plan.planned} mails "
        f"({personal} with personal picks), nothing to send for {plan.nothing_to_send}"
    )
    print(f"ledger: {delivered}; sink received {received} messages (digest + baseline)")
    print(f"build + plan:           {built:6.2f} s")
    send_rate = report.sent / send_seconds if send_seconds else 0.0
    print(f"delivery:               {send_seconds:6.2f} s  {send_rate:7.0f} mails/s")
    print(
        f"total:                  {total:6.2f} s  {rate:7.0f} mails/s   target <= {TARGET_SECONDS:.0f} s: "
        f"{'met' if total <= TARGET_SECONDS and report.sent == plan.planned else 'MISSED'}"
    )
    if base_seconds:
        print(
            f"baseline smtplib, same message, one connection: {base_seconds:6.2f} s  "
            f"{report.sent / base_seconds:7.0f} mails/s   (delivery / baseline: {send_seconds / base_seconds:.2f}x)"
        )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(30)
        print(out.getvalue())


def _personal_count(hub: Hub, digest_id: int) -> int:
    engine: sa.Engine = hub.store.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT content FROM digest_deliveries WHERE digest_id = :d"), {"d": digest_id})
        return sum(1 for (content,) in rows if json.loads(content).get("picks"))


def _sample_message(hub: Hub, digest_id: int) -> bytes:
    """One digest of this run as the sender wrote it on the wire (8bit: the sink announces 8BITMIME)."""
    delivery = hub._digests.get_delivery(digest_id, 1)
    digest = hub._digests.get_digest(digest_id)
    subscriber = hub._digests.get_subscriber(1)
    assert delivery is not None
    assert digest is not None
    assert subscriber is not None
    views = hub.store.paper_views(list(delivery.selection.paper_ids))
    wire = hub._renderer().batch().wire(hub.digest_mail(digest, subscriber, delivery.selection, views))
    assert wire is not None
    return wire.data(True)


if __name__ == "__main__":
    main()
