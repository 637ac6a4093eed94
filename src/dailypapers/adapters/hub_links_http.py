"""HubLinksClient: the HubLinksSource port over the Hugging Face Hub's listings (`/api/models?filter=arxiv:ID`,
`/api/datasets?…`, `/api/spaces?…`), politely: one throttle, retries with backoff, Link-header paging to count."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from dailypapers import __version__
from dailypapers.adapters.arxiv_http import Sleep, Throttle, user_agent
from dailypapers.adapters.retrying import send
from dailypapers.domain.enrichment import HubLinks, HubRepo
from dailypapers.domain.errors import SourceError
from dailypapers.settings import Settings

KEPT = 24  # the most liked of each kind are kept and shown; the rest only counted
PAGE = 1000  # the Hub's largest listing page
MAX_PAGES = 5  # counted up to 5,000 of a kind: a paper cited more often shows "5,000" (a lower bound)
_KINDS = (("models", "models"), ("datasets", "datasets"), ("spaces", "spaces"))


class HubLinksClient:
    """One per process; `sleep` and `transport` are injectable for tests."""

    def __init__(
        self, settings: Settings, *, sleep: Sleep = time.sleep, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = settings.hf_hub_url.rstrip("/")
        self.max_retries = settings.upstream_max_retries
        self.throttle = Throttle(settings.upstream_min_interval_seconds, sleep=sleep)
        self._sleep = sleep
        agent = user_agent(settings) if settings.contact_email else f"dailypapers/{__version__}"
        self._http = httpx.Client(
            timeout=settings.http_timeout_seconds,
            headers={"User-Agent": agent, "Accept": "application/json"},
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubLinksClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def links(self, arxiv_id: str) -> HubLinks:
        found: dict[str, tuple[tuple[HubRepo, ...], int]] = {}
        for kind, path in _KINDS:
            found[kind] = self._listing(path, arxiv_id)
        return HubLinks(
            models=found["models"][0],
            datasets=found["datasets"][0],
            spaces=found["spaces"][0],
            num_models=found["models"][1],
            num_datasets=found["datasets"][1],
            num_spaces=found["spaces"][1],
        )

    def _listing(self, path: str, arxiv_id: str) -> tuple[tuple[HubRepo, ...], int]:
        """The most liked repositories of one kind citing the paper, and how many cite it (pages followed)."""
        url: str | None = f"{self.base_url}/api/{path}"
        params: dict[str, str] | None = {
            "filter": f"arxiv:{arxiv_id}",
            "sort": "likes",
            "direction": "-1",
            "limit": str(PAGE),
        }
        kept: list[HubRepo] = []
        count = 0
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = send(
                lambda target=url, query=params: self._http.get(target, params=query),  # type: ignore[misc]
                label=f"Hugging Face Hub at {httpx.URL(url).host}",
                throttle=self.throttle,
                sleep=self._sleep,
                max_retries=self.max_retries,
            )
            if response.status_code >= 400:
                raise SourceError(f"the Hub answered HTTP {response.status_code} for {path} citing {arxiv_id}")
            items = _items(response.content, path)
            count += len(items)
            kept += [repo for item in items[: max(0, KEPT - len(kept))] if (repo := _repo(item, path)) is not None]
            following = response.links.get("next", {}).get("url")
            url, params = (str(response.url.join(following)), None) if following else (None, None)
        return tuple(kept), count


def _items(body: bytes, path: str) -> list[Mapping[str, Any]]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SourceError(f"the Hub's {path} listing is not JSON") from None
    if not isinstance(data, list):
        raise SourceError(f"the Hub's {path} listing is not a JSON array")
    return [item for item in data if isinstance(item, Mapping)]


def _repo(item: Mapping[str, Any], path: str) -> HubRepo | None:
    """The fields pages and the HF-shaped API show; items without an `owner/name` id are dropped."""
    repo_id = item.get("id") or item.get("modelId")
    if not isinstance(repo_id, str) or not 0 < len(repo_id) <= 200:
        return None
    card = _mapping(item.get("cardData"))
    runtime = _mapping(item.get("runtime"))
    return HubRepo(
        id=repo_id,
        likes=_count(item.get("likes")),
        downloads=_count(item.get("downloads")),
        pipeline_tag=_short(item.get("pipeline_tag")) if path == "models" else None,
        sdk=_short(item.get("sdk")) if path == "spaces" else None,
        emoji=_short(card.get("emoji"), 8) if path == "spaces" else None,
        running=path == "spaces" and runtime.get("stage") == "RUNNING",
        short_description=_short(card.get("short_description"), 200),
    )


def _count(value: object) -> int:
    return max(0, int(value)) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _short(value: object, limit: int = 64) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
