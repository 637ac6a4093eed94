"""ArxivClient: the ArxivSource port over arXiv's OAI-PMH and query API; formats and HTTP live in arxiv_*.py."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from functools import partial
from types import TracebackType

import httpx

from dailypapers.adapters.arxiv_atom import parse_feed, parse_feed_many
from dailypapers.adapters.arxiv_http import PoliteClient, Sleep, Throttle
from dailypapers.adapters.arxiv_oai import list_records_params, parse_list_records
from dailypapers.domain.models import HarvestPage, Paper
from dailypapers.settings import Settings

__all__ = ["ArxivClient"]

FETCH_BATCH = 50  # ids per query API request: one polite request completes a whole feed day


class ArxivClient:
    """Harvests with OAI-PMH and fetches single papers from the Atom API, politely, through one throttle.

    Raises SourceUnavailable, BadResumptionToken or SourceError as the ArxivSource port says. `sleep` is
    injectable so tests do not wait; `throttle` lets several clients in one process share one pace.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Sleep = time.sleep,
        throttle: Throttle | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.http = PoliteClient(settings, sleep=sleep, throttle=throttle, transport=transport)

    def list_records(self, set_spec: str, from_date: date | None, resumption_token: str | None) -> HarvestPage:
        params = list_records_params(set_spec, from_date, resumption_token)
        return self.http.get(self.settings.arxiv_oai_url, params, parse_list_records)

    def fetch(self, arxiv_id: str) -> Paper | None:
        # max_results guards against the API's default page of 10 should it ever match more than the id.
        params = {"id_list": arxiv_id, "max_results": "1"}
        return self.http.get(self.settings.arxiv_api_url, params, lambda body: parse_feed(body, arxiv_id))

    def fetch_many(self, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
        found: dict[str, Paper] = {}
        ids = list(dict.fromkeys(arxiv_ids))
        for start in range(0, len(ids), FETCH_BATCH):
            chunk = ids[start : start + FETCH_BATCH]
            params = {"id_list": ",".join(chunk), "max_results": str(len(chunk))}
            found.update(self.http.get(self.settings.arxiv_api_url, params, partial(parse_feed_many, arxiv_ids=chunk)))
        return found

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
