"""UpstreamClient: the UpstreamSource port over HTTP — an HF-compatible `GET /api/daily_papers`, politely."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from types import TracebackType

import httpx
import orjson

from dailypapers.adapters.arxiv_http import PoliteClient, Sleep
from dailypapers.adapters.arxiv_xml import MalformedResponse
from dailypapers.domain.errors import SourceError
from dailypapers.ports.upstream import UpstreamDay
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the most Hugging Face's API gives per page
MAX_PAGES = 50  # 5,000 entries a day: far above any real day; stops a server that ignores `p` from looping us


def _parse_page(body: bytes) -> list[object]:
    """A daily-papers page must be a JSON array; anything else is retried as a malformed answer (a proxy's page)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedResponse(f"not JSON: {exc}") from None
    if not isinstance(data, list):
        raise MalformedResponse(f"expected a JSON array of daily papers, got {type(data).__name__}")
    return data


class UpstreamClient:
    """Reads the daily feed of HF-compatible hubs: one throttle per upstream (`upstream_min_interval_seconds`),
    dailypapers' User-Agent with the operator contact, timeouts, 429 / 5xx retried with backoff honouring
    Retry-After. `sleep` and `transport` are injectable for tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._transport = transport
        self._clients: dict[str, PoliteClient] = {}
        self._lock = threading.Lock()

    def _client(self, base_url: str) -> PoliteClient:
        # One client, hence one throttle, per upstream: the request rate is promised per upstream.
        with self._lock:
            client = self._clients.get(base_url)
            if client is None:
                client = PoliteClient(
                    self.settings,
                    sleep=self._sleep,
                    transport=self._transport,
                    label=f"upstream {base_url}",
                    interval=self.settings.upstream_min_interval_seconds,
                    max_retries=self.settings.upstream_max_retries,
                    retry_server_errors=True,
                    # The worker logs one line when an upstream stays unreachable; each retry is a debug detail.
                    retry_log_level=logging.DEBUG,
                )
                self._clients[base_url] = client
            return client

    def daily(self, base_url: str, day: date) -> UpstreamDay:
        client = self._client(base_url)
        url = f"{base_url}/api/daily_papers"
        items: list[object] = []
        first_ids: set[str] = set()
        for page in range(MAX_PAGES):
            params = {"date": day.isoformat(), "limit": str(PAGE_SIZE), "p": str(page)}
            batch = client.get(url, params, _parse_page)
            marker = orjson.dumps(batch[0]).decode()[:500] if batch else ""
            if marker and marker in first_ids:
                # The same page again: the server ignores `p`. Keep what we have rather than loop.
                log.warning("upstream %s repeats page %d of %s; stopping there", base_url, page, day)
                return UpstreamDay(day, tuple(items), page)
            first_ids.add(marker)
            items += batch
            if len(batch) < PAGE_SIZE:
                return UpstreamDay(day, tuple(items), page + 1)
        raise SourceError(f"upstream {base_url} has more than {MAX_PAGES * PAGE_SIZE} entries on {day}; stopped")

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def __enter__(self) -> UpstreamClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
