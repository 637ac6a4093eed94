"""Polite HTTP to arXiv (and upstream hubs): one throttle, a contact User-Agent, and the retry policy; no formats."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx

from dailypapers import __version__
from dailypapers.adapters.arxiv_xml import MalformedResponse
from dailypapers.domain.errors import ConfigError, SourceError, SourceUnavailable
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], None]

# Longest Retry-After we wait out in-process; a longer one is handed to the caller (the worker reschedules).
RETRY_AFTER_CAP = 300.0
BACKOFF_CAP = 60.0
_RETRY_AFTER_STATUSES = frozenset({429, 503})  # arXiv answers 503 + Retry-After when harvested too fast


class Throttle:
    """At most one request every `interval` seconds through this object, whichever thread asks."""

    def __init__(
        self, interval: float, *, sleep: Sleep = time.sleep, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self._sleep = sleep
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._next = float("-inf")

    def wait(self) -> None:
        """Block until this caller's slot; slots are handed out under the lock, sleeping happens outside it."""
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


def user_agent(settings: Settings) -> str:
    """arXiv asks harvesters to say who they are and how to reach them."""
    base = f"dailypapers/{__version__}"
    return f"{base} (+mailto:{settings.contact_email})" if settings.contact_email else base


@dataclass(frozen=True, slots=True)
class _Failure:
    detail: str
    malformed: bool = False
    retry_after: float | None = None


class PoliteClient:
    """GETs through the throttle, retrying 503 / 429, network errors and malformed bodies up to a limit.

    Raises SourceUnavailable (unreachable or still refusing, with `retry_after` when the server gave one),
    SourceError (another HTTP error or bodies that stay malformed) or whatever `parse` raises otherwise. The
    defaults are arXiv's (its interval and retry budget); `label`, `interval`, `max_retries` and
    `retry_server_errors` (retry every 5xx, not only 503) and `retry_log_level` serve other sources (upstream hubs).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Sleep = time.sleep,
        throttle: Throttle | None = None,
        transport: httpx.BaseTransport | None = None,
        label: str = "arXiv",
        interval: float | None = None,
        max_retries: int | None = None,
        retry_server_errors: bool = False,
        retry_log_level: int = logging.INFO,
    ) -> None:
        interval = settings.arxiv_min_interval_seconds if interval is None else interval
        self.label = label
        self.max_retries = max(0, settings.arxiv_max_retries if max_retries is None else max_retries)
        self._retry_server_errors = retry_server_errors
        self._retry_log_level = retry_log_level
        self._sleep = sleep
        self._backoff_base = max(1.0, interval)
        self.throttle = throttle or Throttle(interval, sleep=sleep)
        self._timeout = settings.http_timeout_seconds
        self._http = httpx.Client(
            timeout=settings.http_timeout_seconds,
            headers={"User-Agent": user_agent(settings)},
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, params: Mapping[str, str], parse: Callable[[bytes], T]) -> T:
        attempts = self.max_retries + 1
        failure = _Failure("no attempt made")
        for attempt in range(attempts):
            self.throttle.wait()
            outcome = self._attempt(url, params, parse)
            if not isinstance(outcome, _Failure):
                return outcome
            failure = outcome
            if attempt + 1 == attempts:
                break
            delay = failure.retry_after if failure.retry_after is not None else self._backoff(attempt)
            log.log(
                self._retry_log_level,
                "%s %s: %s; retry %d/%d in %.0f s",
                self.label,
                _host(url),
                failure.detail,
                attempt + 1,
                attempts - 1,
                delay,
            )
            if delay > 0:
                self._sleep(delay)
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if failure.malformed:
            raise SourceError(
                f"{self.label} at {_host(url)} kept sending malformed responses ({tries}): {failure.detail}"
            )
        raise SourceUnavailable(
            f"{self.label} at {_host(url)} is unavailable after {tries}: {failure.detail}", failure.retry_after
        )

    def _attempt(self, url: str, params: Mapping[str, str], parse: Callable[[bytes], T]) -> T | _Failure:
        try:
            response = self._http.get(url, params=params)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ConfigError(f"{url!r} is not a usable http(s) URL: {exc}") from None
        except httpx.TimeoutException:
            return _Failure(f"no answer within {self._timeout:g} s")
        except httpx.TransportError as exc:
            # Connection refused, DNS failure, connection cut mid-body: all "try again later".
            return _Failure(f"{type(exc).__name__}: {exc}")
        status = response.status_code
        if status in _RETRY_AFTER_STATUSES or (self._retry_server_errors and status >= 500):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > RETRY_AFTER_CAP:
                raise SourceUnavailable(
                    f"{self.label} at {_host(url)} answered {status} and asks to wait {retry_after:.0f} s",
                    retry_after,
                )
            return _Failure(f"HTTP {status}", retry_after=retry_after)
        if status >= 400:
            raise SourceError(f"{self.label} at {_host(url)} answered HTTP {status} for {response.url}")
        try:
            return parse(response.content)
        except MalformedResponse as exc:
            return _Failure(str(exc), malformed=True)

    def _backoff(self, attempt: int) -> float:
        return float(min(BACKOFF_CAP, self._backoff_base * 2**attempt))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except httpx.InvalidURL:
        return url
