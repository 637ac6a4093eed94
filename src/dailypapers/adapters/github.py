"""GitHub REST client for repository star counts (ETag-cached, rate-limit aware); knows nothing of papers.

GET {github_api_url}/repos/{owner}/{name} → `stargazers_count`. A conditional request with the last ETag costs
nothing against the rate limit when the repository is unchanged (304). After a 403 / 429, or when
X-RateLimit-Remaining reaches 0, the client makes no request until the reset time GitHub gave.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx

from dailypapers import __version__
from dailypapers.adapters.arxiv_http import parse_retry_after
from dailypapers.domain.errors import InvalidInput, SourceError, SourceUnavailable
from dailypapers.domain.ranking import repo_from_url
from dailypapers.ports.votes import RepoStars
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

_REPO_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_GONE = frozenset({404, 410, 451})  # missing, deleted, or taken down for legal reasons: no stars to show
DEFAULT_BLOCK_SECONDS = 60.0  # a 403 / 429 that says nothing about when to come back
MAX_REDIRECTS = 2  # a renamed repository answers 301 to /repositories/{id}


def normalize_repo(repo: str) -> str:
    """`owner/name` (lower-cased) from "owner/name" or a github.com repository URL; InvalidInput otherwise.

    A URL on any other host is refused, so the token is only ever sent for GitHub repositories.
    """
    if "://" in repo or repo.lower().startswith(("github.com/", "www.github.com/")):
        url = repo if "://" in repo else f"https://{repo}"
        name = repo_from_url(url)
        if name is None:
            raise InvalidInput(f"{repo[:200]!r} is not a GitHub repository URL (https://github.com/OWNER/NAME)")
        return name
    if not _REPO_RE.match(repo) or any(part in (".", "..") for part in repo.split("/")):
        raise InvalidInput(f"{repo[:200]!r} is not a GitHub repository name (OWNER/NAME)")
    return repo.lower()


class GitHubClient:
    """The GitHubSource port over httpx; one per process, safe to share between threads."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = settings.github_api_url.rstrip("/")
        self._clock = clock
        self._lock = threading.Lock()
        self._blocked_until = 0.0
        self.remaining: int | None = None  # what the last answer said; None before the first
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"dailypapers/{__version__}",  # GitHub rejects requests without one
        }
        if settings.github_token:
            headers["Authorization"] = f"Bearer {settings.github_token}"
        # Redirects are followed by hand, and only on the API's own host, so the token never leaves it.
        self._http = httpx.Client(
            timeout=settings.http_timeout_seconds, headers=headers, transport=transport, follow_redirects=False
        )
        self._api_origin = httpx.URL(self.base_url).copy_with(path="/", query=None, fragment=None)

    def close(self) -> None:
        self._http.close()

    @property
    def blocked_for(self) -> float:
        """Seconds until the rate limit lets the next request through (0 when it would go now)."""
        with self._lock:
            return max(0.0, self._blocked_until - self._clock())

    def repo_stars(self, repo: str, etag: str | None = None) -> RepoStars | None:
        name = normalize_repo(repo)
        wait = self.blocked_for
        if wait > 0:
            raise SourceUnavailable(f"GitHub rate limit reached; next request allowed in {wait:.0f} s", wait)
        url = f"{self.base_url}/repos/{quote(name, safe='/')}"
        headers = {"If-None-Match": etag} if etag else {}
        response = self._get(url, headers)
        if response.status_code == 304:
            return RepoStars(name, None, response.headers.get("ETag") or etag, not_modified=True)
        if response.status_code in _GONE:
            return None
        if response.status_code != 200:
            raise SourceError(f"GitHub answered HTTP {response.status_code} for {name}")
        try:
            stars = response.json()["stargazers_count"]
        except (ValueError, KeyError, TypeError):
            raise SourceError(f"GitHub's answer for {name} has no stargazers_count") from None
        if not isinstance(stars, int) or isinstance(stars, bool) or stars < 0:
            raise SourceError(f"GitHub's stargazers_count for {name} is not a count: {stars!r}")
        return RepoStars(name, stars, response.headers.get("ETag"))

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self._http.get(url, headers=headers)
            except httpx.TimeoutException:
                raise SourceUnavailable(f"GitHub did not answer within {self._http.timeout.read} s") from None
            except httpx.TransportError as exc:
                raise SourceUnavailable(f"GitHub is unreachable: {type(exc).__name__}: {exc}") from None
            self._note_rate_limit(response)
            if response.status_code in (403, 429):
                wait = self.blocked_for
                raise SourceUnavailable(
                    f"GitHub answered {response.status_code} (rate limit); pausing GitHub requests for {wait:.0f} s",
                    wait,
                )
            if response.status_code >= 500:
                raise SourceUnavailable(f"GitHub answered HTTP {response.status_code}")
            if response.status_code not in (301, 302, 307, 308):
                return response
            target = response.url.join(response.headers.get("Location", ""))
            if target.copy_with(path="/", query=None, fragment=None) != self._api_origin:
                raise SourceError(f"GitHub redirected to another host ({target.host}); not following")
            url = str(target)
        raise SourceError("GitHub redirected too many times")

    def _note_rate_limit(self, response: httpx.Response) -> None:
        """Remember the budget GitHub reports; block until its reset when it is spent or a 403 / 429 came."""
        remaining = _int_header(response, "X-RateLimit-Remaining")
        reset = _int_header(response, "X-RateLimit-Reset")  # epoch seconds
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        refused = response.status_code in (403, 429)
        now = self._clock()
        until = 0.0
        if retry_after is not None and (refused or remaining == 0):
            until = now + retry_after
        elif (refused or remaining == 0) and reset is not None:
            until = float(reset)
        elif refused:
            until = now + DEFAULT_BLOCK_SECONDS
        with self._lock:
            if remaining is not None:
                self.remaining = remaining
            if until > self._blocked_until:
                self._blocked_until = until
        if until > now:
            log.warning("GitHub rate limit: no requests for %.0f s (remaining=%s)", until - now, remaining)


def _int_header(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name, "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None
