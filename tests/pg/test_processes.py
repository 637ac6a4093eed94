"""Many processes on one PostgreSQL: two real worker processes harvest each arXiv page once; serve --workers 2."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.worker import LAST_HARVEST_KEY
from tests.fakes.arxiv_server import FakeArxiv, Scripted, paper_record

CLI = [sys.executable, "-c", "from dailypapers.cli import main; main()"]


def hub_env(database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    env.update(
        DAILYPAPERS_DATABASE_URL=database_url,
        DAILYPAPERS_EMBEDDER="none",
        DAILYPAPERS_GITHUB_REFRESH_HOURS="0",
        DAILYPAPERS_LOG_LEVEL="INFO",
        DAILYPAPERS_UPSTREAMS="",  # tests never reach the internet (the default upstream is Hugging Face)
        DAILYPAPERS_ENRICH_THUMBNAILS="0",  # nor arXiv's PDFs
        DAILYPAPERS_ENRICH_HUB_LINKS="0",  # nor the Hub's listings
        DAILYPAPERS_ENRICH_KEYWORDS="0",
    )
    env.update({f"DAILYPAPERS_{k.upper()}": v for k, v in settings.items()})
    return env


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen([*CLI, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def slow_harvest(postgres_url: str, **settings: str) -> Iterator[tuple[FakeArxiv, dict[str, str]]]:
    """A fake arXiv with six of today's papers on three slow pages — the first harvest stays running while another
    worker wakes up several times — and the workers' environment pointing at it (plus `settings`)."""
    today = date.today().isoformat()
    with FakeArxiv(page_size=2) as arxiv:
        arxiv.add_records(*(paper_record(f"2608.{n:05d}", datestamp=today, created=today) for n in range(1, 7)))
        arxiv.script(*(Scripted(delay=0.4) for _ in range(3)))
        yield (
            arxiv,
            hub_env(
                postgres_url,
                arxiv_oai_url=arxiv.oai_url,
                arxiv_api_url=arxiv.api_url,
                arxiv_min_interval_seconds="0",
                worker_idle_seconds="0.1",
                **settings,
            ),
        )


def test_two_worker_processes_fetch_each_harvest_page_once(postgres_url: str, tmp_path: Path) -> None:
    with slow_harvest(postgres_url) as (arxiv, env):
        engine = create_engine(postgres_url)
        store = SqlStore(engine)
        try:
            with (
                running(["worker"], env, tmp_path / "worker-1.log"),
                running(["worker"], env, tmp_path / "worker-2.log"),
            ):
                wait_for(lambda: store.get_state(LAST_HARVEST_KEY) is not None, 60, "the harvest")
                time.sleep(1.5)  # both workers go round several more times: nothing is fetched again
            assert store.count_papers() == 6
        finally:
            engine.dispose()
        pages = arxiv.oai_queries()
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in (1, 2)]
    assert len(pages) == 3, (pages, logs)
    assert len({tuple(sorted(q.items())) for q in pages}) == 3  # every page once: no page fetched twice
    assert sum(log.count("harvest done") for log in logs) == 1, logs


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_with_two_worker_processes_answers(postgres_url: str, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with running(["serve", "--workers", "2", "--port", str(port)], hub_env(postgres_url), log):
        base = f"http://127.0.0.1:{port}"

        def answering() -> bool:
            try:
                return httpx.get(base + "/", timeout=2, follow_redirects=True).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answering, 60, "serve --workers 2 to answer")
        started = re.compile(r"Started server process \[(\d+)\]")
        wait_for(lambda: len(set(started.findall(log.read_text()))) == 2, 30, "two server processes")
        for _ in range(10):
            assert httpx.get(base + "/api/v1/feed", timeout=5).status_code < 500
    assert "Traceback" not in log.read_text()
