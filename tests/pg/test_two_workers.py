"""Two real worker processes on one PostgreSQL (issue 7, item 3): every subscriber gets the digest exactly once
through a real SMTP server (aiosmtpd on 127.0.0.1), and every arXiv harvest page is fetched exactly once from the
fake arXiv server, while both workers go round their jobs every 0.1 s and compete for the leases."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.digest import Topics
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from dailypapers.worker import LAST_HARVEST_KEY
from tests.digest.conftest import free_port
from tests.pg.test_processes import running, slow_harvest, wait_for
from tests.web import seed

SUBSCRIBERS = 30
SEND_RATE = 20  # mails per second: the run takes ~1.5 s, so the other worker finds the lease taken many times


class Sink:
    """Keeps (recipient, Message-ID) of every message it accepts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = re.search(rb"^Message-ID: (\S+)\r$", envelope.content, re.M | re.I)
        with self.lock:
            self.received.append((envelope.rcpt_tos[0], found.group(1).decode() if found else ""))
        return "250 2.0.0 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


def _seed_digest(settings: Settings) -> int:
    """Feed papers in the window of the current daily digest and SUBSCRIBERS confirmed subscribers; returns the
    number of feed papers. The workers use the real clock, so the window is today's."""
    hub = make_hub(settings)
    try:
        slot = hub.digest_slot("daily")
        ids = [f"2608.3{n:04d}" for n in range(6)]
        seed.store(
            hub,
            [seed.paper(i, imported_upvotes=60 - n) for n, i in enumerate(ids)],
            [seed.entry(i, slot.start, minute=n) for n, i in enumerate(ids)],
        )
        confirmed = slot.cutoff - timedelta(days=1)
        store = hub._digests
        for n in range(SUBSCRIBERS):
            subscriber = store.ensure_subscriber(f"reader{n:02d}@example.org", "daily", Topics(), confirmed)
            store.add_subscription_token(
                subscriber.id, f"token-{n}", "daily", Topics(), confirmed, confirmed + timedelta(hours=48)
            )
            assert store.confirm_subscription(f"token-{n}", confirmed) is not None
        return len(ids)
    finally:
        hub.store.engine.dispose()  # type: ignore[attr-defined]


def test_two_workers_send_each_digest_once_and_fetch_each_harvest_page_once(postgres_url: str, tmp_path: Path) -> None:
    feed_papers = _seed_digest(Settings(database_url=postgres_url, embedder="none"))
    sink, port = Sink(), free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    engine = create_engine(postgres_url)
    store = SqlStore(engine)
    try:
        with slow_harvest(
            postgres_url,
            smtp_host="127.0.0.1",
            smtp_port=str(port),
            smtp_tls="none",
            mail_from="Paper Club <digest@papers.example.org>",
            base_url="http://papers.example.org",
            digest_send_rate=str(SEND_RATE),
        ) as (arxiv, env):
            with (
                running(["worker"], env, tmp_path / "worker-1.log"),
                running(["worker"], env, tmp_path / "worker-2.log"),
            ):
                wait_for(lambda: sink.count() >= SUBSCRIBERS, 90, "the digests")
                wait_for(lambda: store.get_state(LAST_HARVEST_KEY) is not None, 60, "the harvest")
                time.sleep(1.5)  # both workers go round many more times: nothing is sent or fetched again
            pages = arxiv.oai_queries()
        digest = store.latest_digest("daily")
        assert digest is not None
        counts = store.delivery_counts(digest.id)
        papers = store.count_papers()
    finally:
        smtp.stop()
        engine.dispose()
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in (1, 2)]
    # Digests: one mail per subscriber, one Message-ID each, and the ledger agrees.
    per_address = Counter(to for to, _ in sink.received)
    assert sorted(per_address) == [f"reader{n:02d}@example.org" for n in range(SUBSCRIBERS)], logs
    assert set(per_address.values()) == {1}, per_address
    assert len({mid for _, mid in sink.received}) == SUBSCRIBERS
    assert counts == {"sent": SUBSCRIBERS}
    sent_logged = [int(n) for log in logs for n in re.findall(r"digest daily \S+: (\d+) sent", log)]
    assert sum(sent_logged) == SUBSCRIBERS, logs
    # Harvest: every page once, one harvest in all.
    assert len(pages) == 3, (pages, logs)
    assert len({tuple(sorted(q.items())) for q in pages}) == 3
    assert sum(log.count("harvest done") for log in logs) == 1, logs
    assert papers == feed_papers + 6
    for log in logs:
        assert "Traceback" not in log
        assert "digest run failed" not in log


def test_two_processes_racing_for_a_free_lease_get_it_once(postgres_url: str) -> None:
    # The race the workers run at start-up, made likely: both find no lease row and insert one at the same moment.
    stores = [SqlStore(create_engine(postgres_url)) for _ in range(2)]
    now = datetime.now(UTC)
    try:
        for n in range(30):
            won = _race(stores, f"race-{n}", now)
            assert sorted(won) == [False, True], n
    finally:
        for store in stores:
            store.engine.dispose()


def _race(stores: list[SqlStore], name: str, now: datetime) -> list[bool]:
    """Both stores ask for the free lease `name` at once, each from its own thread and connection."""
    barrier = threading.Barrier(len(stores))
    won = [False] * len(stores)

    def take(i: int) -> None:
        barrier.wait()
        won[i] = stores[i].acquire_lease(name, f"holder-{i}", now, timedelta(seconds=60))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won
