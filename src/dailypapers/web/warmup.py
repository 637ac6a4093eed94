"""Warm-up of a web process before it takes connections: templates compiled, search loaded, hot pages rendered.

A process that starts cold answers its first requests 10-50x slower (template compilation, SQL statement
compilation, opening the keyword index, the embedder's first run) and a burst of visitors on a fresh process piles
up behind them. serving.py runs this before the process binds its socket, so no request ever meets a cold process.
"""

from __future__ import annotations

import logging
import time

import httpx
from fastapi import FastAPI

from dailypapers.domain.errors import DailyPapersError
from dailypapers.domain.periods import period_containing
from dailypapers.hub import Hub
from dailypapers.web import present

log = logging.getLogger(__name__)


async def warm_up(app: FastAPI) -> None:
    """Compile every template, run one hybrid search, render the home, latest day, week and month pages."""
    started = time.perf_counter()
    hub: Hub = app.state.hub
    env = app.state.templates.env
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html") and not name.startswith("mail/")):
        env.get_template(name)
    try:  # opens the keyword searcher, loads the vectors, runs the embedder once
        hub.search("warm up", mode="hybrid", page_size=1)
        day = hub.latest_day()
    except DailyPapersError as exc:
        log.warning("warm-up skipped the search and pages: %s", exc)
        return
    urls = ["/", present.period_url(day)]
    urls += [present.period_url(period_containing(kind, day.start)) for kind in ("week", "month")]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://warm-up") as client:
        for url in urls:  # anonymous: the responses stay in the page cache for the first visitors
            await client.get(url)
    log.info("web process warm in %.2f s (templates, search, %d pages)", time.perf_counter() - started, len(urls))
