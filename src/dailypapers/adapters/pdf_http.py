"""ArxivPdfClient: the PdfSource port — arXiv PDFs for thumbnails, fetched with the arXiv interval and User-Agent,
streamed with a size cap and a deadline; knows nothing of rendering."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

import httpx

from dailypapers.adapters.arxiv_http import Sleep, Throttle, parse_retry_after, user_agent
from dailypapers.domain.enrichment import Unusable
from dailypapers.domain.errors import ConfigError, SourceError, SourceUnavailable
from dailypapers.settings import Settings

_GONE = frozenset({403, 404, 410})  # withdrawn, unknown, or not offered as PDF


class ArxivPdfClient:
    """One request per paper through the throttle (no retries here: a failed paper is retried by the enrichment's
    schedule, hours later). `throttle` lets it share the pace of the process's other arXiv clients."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Sleep = time.sleep,
        throttle: Throttle | None = None,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = settings.arxiv_pdf_url.rstrip("/")
        self.max_bytes = settings.thumbnail_max_bytes
        self.deadline = settings.thumbnail_timeout_seconds
        self.throttle = throttle or Throttle(settings.arxiv_min_interval_seconds, sleep=sleep)
        self._monotonic = monotonic
        self._http = httpx.Client(
            timeout=min(settings.http_timeout_seconds, settings.thumbnail_timeout_seconds),
            headers={"User-Agent": user_agent(settings), "Accept": "application/pdf"},
            transport=transport,
            follow_redirects=True,
        )

    def close(self) -> None:
        self._http.close()

    def pdf(self, arxiv_id: str) -> bytes:
        url = f"{self.base_url}/{quote(arxiv_id, safe='/')}"
        self.throttle.wait()
        started = self._monotonic()
        try:
            with self._http.stream("GET", url) as response:
                status = response.status_code
                if status == 429 or status >= 500:
                    wait = parse_retry_after(response.headers.get("Retry-After"))
                    raise SourceUnavailable(f"arXiv answered HTTP {status} for the PDF of {arxiv_id}", wait)
                if status in _GONE:
                    raise SourceError(f"arXiv has no PDF of {arxiv_id} (HTTP {status})")
                if status >= 400:
                    raise SourceError(f"arXiv answered HTTP {status} for the PDF of {arxiv_id}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise Unusable(f"the PDF of {arxiv_id} is {int(declared):,} bytes (limit {self.max_bytes:,})")
                parts: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise Unusable(f"the PDF of {arxiv_id} is over {self.max_bytes:,} bytes")
                    if self._monotonic() - started > self.deadline:
                        raise SourceError(f"the PDF of {arxiv_id} took over {self.deadline:g} s; skipped")
                    parts.append(chunk)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ConfigError(f"{url!r} is not a usable PDF URL: {exc}") from None
        except httpx.TimeoutException:
            raise SourceError(f"the PDF of {arxiv_id} did not arrive in time; skipped") from None
        except httpx.TransportError as exc:
            raise SourceUnavailable(f"arXiv is unreachable for PDFs: {type(exc).__name__}: {exc}") from None
        except httpx.HTTPError as exc:  # a body that cannot be decoded, a redirect loop…: this paper's problem
            raise SourceError(f"the PDF of {arxiv_id} could not be read: {type(exc).__name__}: {exc}") from None
        body = b"".join(parts)
        if not body.startswith(b"%PDF-"):
            kind = response.headers.get("Content-Type", "unknown type")
            raise SourceError(f"arXiv's answer for {arxiv_id} is not a PDF ({kind}, {len(body):,} bytes)")
        return body

    def __enter__(self) -> ArxivPdfClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
