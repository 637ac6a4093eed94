"""One HTTP request through a throttle, retried on 429 / 5xx and network failures with backoff (Retry-After
honoured); for the enrichment's clients, which need the response itself (a POST body, a Link header)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx

from dailypapers.adapters.arxiv_http import RETRY_AFTER_CAP, Sleep, Throttle, parse_retry_after
from dailypapers.domain.errors import ConfigError, SourceUnavailable

log = logging.getLogger(__name__)

BACKOFF_CAP = 60.0


def send(
    request: Callable[[], httpx.Response],
    *,
    label: str,
    throttle: Throttle,
    sleep: Sleep,
    max_retries: int,
    backoff_base: float = 2.0,
) -> httpx.Response:
    """The first answer that is neither 429 nor 5xx; SourceUnavailable once `max_retries` retries are spent (or
    the server asks for a wait longer than RETRY_AFTER_CAP). Other statuses are the caller's to judge."""
    attempts = max(0, max_retries) + 1
    detail, retry_after = "no attempt made", None
    for attempt in range(attempts):
        throttle.wait()
        try:
            response = request()
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ConfigError(f"{label}: not a usable http(s) URL: {exc}") from None
        except httpx.TimeoutException:
            detail, retry_after = "no answer in time", None
        except httpx.HTTPError as exc:  # connection refused or cut, a body that cannot be decoded…
            detail, retry_after = f"{type(exc).__name__}: {exc}", None
        else:
            if response.status_code != 429 and response.status_code < 500:
                return response
            detail = f"HTTP {response.status_code}"
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > RETRY_AFTER_CAP:
                raise SourceUnavailable(f"{label} answered {detail} and asks to wait {retry_after:.0f} s", retry_after)
        if attempt + 1 == attempts:
            break
        delay = retry_after if retry_after is not None else min(BACKOFF_CAP, backoff_base * 2**attempt)
        log.debug("%s: %s; retry %d/%d in %.0f s", label, detail, attempt + 1, attempts - 1, delay)
        if delay > 0:
            sleep(delay)
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    raise SourceUnavailable(f"{label} is unavailable after {tries}: {detail}", retry_after)
