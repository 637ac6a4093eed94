"""A fake GitHub REST API on 127.0.0.1: GET /repos/{owner}/{repo} in the real JSON shape, with ETags (304 for a
matching If-None-Match, which GitHub does not charge), the X-RateLimit-* headers, a spendable budget that answers
403 like GitHub when spent, renamed repositories (301) and scriptable failures. It records every request."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from dailypapers.settings import Settings
from tests.fakes.loopback import LoopbackServer, QuietHandler


def repo_json(full_name: str, stars: int, repo_id: int) -> dict[str, Any]:
    """The fields of GitHub's repository object a client might read (the real one has ~80 more)."""
    owner, name = full_name.split("/")
    return {
        "id": repo_id,
        "node_id": f"R_kgDO{repo_id:08d}",
        "name": name,
        "full_name": full_name,
        "private": False,
        "owner": {"login": owner, "id": repo_id + 1000, "type": "Organization"},
        "html_url": f"https://github.com/{full_name}",
        "description": f"Code for {name}",
        "fork": False,
        "url": f"https://api.github.com/repos/{full_name}",
        "created_at": "2026-08-01T10:00:00Z",
        "updated_at": "2026-08-20T10:00:00Z",
        "pushed_at": "2026-08-20T09:00:00Z",
        "homepage": None,
        "size": 1234,
        "stargazers_count": stars,
        "watchers_count": stars,
        "language": "Python",
        "forks_count": stars // 10,
        "archived": False,
        "disabled": False,
        "open_issues_count": 3,
        "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT"},
        "topics": [],
        "visibility": "public",
        "default_branch": "main",
        "subscribers_count": stars // 20,
    }


@dataclass
class Scripted:
    """The next matching request gets this answer instead of the real one."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]


class FakeGitHub(LoopbackServer):
    """Repositories in `stars` ("owner/name" → count); `limit` requests per window, like GitHub's 60 / 5,000."""

    def __init__(self, limit: int = 60, reset_in: int = 3600) -> None:
        self.stars: dict[str, int] = {}
        self.renamed: dict[str, str] = {}  # old full name → new full name (answers 301 to /repositories/{id})
        self.limit = limit
        self.remaining = limit
        self.reset_at = int(time.time()) + reset_in
        self.received: list[Received] = []
        self._script: deque[Scripted] = deque()
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()
        super().__init__(_handler(self), "fake-github")

    def set_stars(self, full_name: str, stars: int) -> None:
        with self._lock:
            self.stars[full_name] = stars
            self._ids.setdefault(full_name.lower(), 100 + len(self._ids))

    def script(self, *responses: Scripted) -> None:
        with self._lock:
            self._script.extend(responses)

    def etag_of(self, full_name: str) -> str:
        return self._etag(self._body(self._find(full_name.lower()) or full_name))

    # -- answering -------------------------------------------------------------------------------------

    def _find(self, lowered: str) -> str | None:
        return next((name for name in self.stars if name.lower() == lowered), None)

    def _body(self, full_name: str) -> bytes:
        return json.dumps(repo_json(full_name, self.stars[full_name], self._ids[full_name.lower()])).encode()

    @staticmethod
    def _etag(body: bytes) -> str:
        return f'W/"{hashlib.sha256(body).hexdigest()[:40]}"'

    def _rate_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
            "X-RateLimit-Used": str(self.limit - self.remaining),
            "X-RateLimit-Resource": "core",
        }

    def respond(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.received.append(Received(path, headers))
            if self._script:
                scripted = self._script.popleft()
                return scripted.status, scripted.headers, scripted.body
            parts = path.strip("/").split("/")
            if len(parts) == 2 and parts[0] == "repositories":  # where a rename redirects to
                full = next((n for n, i in self._ids.items() if str(i) == parts[1]), None)
                found = self._find(full) if full else None
            elif len(parts) == 3 and parts[0] == "repos":
                lowered = f"{parts[1]}/{parts[2]}".lower()
                if lowered in self.renamed:
                    target = self._find(self.renamed[lowered].lower())
                    assert target is not None
                    location = f"{self.base_url}/repositories/{self._ids[target.lower()]}"
                    return 301, {"Location": location}, b'{"message": "Moved Permanently"}'
                found = self._find(lowered)
            else:
                return 404, {}, b'{"message": "Not Found"}'
            if found is None:
                body = b'{"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}'
                return 404, self._rate_headers(), body
            body = self._body(found)
            etag = self._etag(body)
            if headers.get("if-none-match") == etag:
                return 304, {"ETag": etag, **self._rate_headers()}, b""  # conditional hits are free
            if self.remaining <= 0:
                message = b'{"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": "x"}'
                return 403, self._rate_headers(), message
            self.remaining -= 1
            return 200, {"ETag": etag, **self._rate_headers()}, body


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra, body = fake.respond(self.path, headers)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

    return Handler


@pytest.fixture(name="github_server")
def github_server_fixture() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture(name="github_settings")
def github_settings_fixture(settings: Settings, github_server: FakeGitHub) -> Settings:
    return settings.with_overrides(github_api_url=github_server.base_url, github_token="ghp_test_token")
