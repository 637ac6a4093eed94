"""Public pages at static-file speed: anonymous HTML rendered once per data change, ETag / 304, HEAD on every GET.

A route opts in with `dependencies=[CachedPage]` when what it shows a visitor depends only on its URL and the data:
the dependency reads the freshness token (data version and date, usecases/freshness.py) *before* the route reads
the data, and the middleware keeps the rendered bytes under (path, query) with that token. A later anonymous request
for the same URL is answered from memory after one read of the token — no routing, no queries, no template — and
a changed token (a vote, an import, a hidden comment, in any process on any host) sends it to the route again.

Anonymous means no session cookie and no Authorization header; a response that set a cookie or showed a user or a
CSRF token (auth.py flags those) is never kept. The cache is per process, bounded by bytes, least recently used
out first, so odd query strings cannot grow it. Search result pages (`CachedSearchPage`) are kept too, but may fill
at most 1/SEARCH_SHARE of it, the least recently used of them out first: a stream of distinct queries (a crawler)
cannot push the day and paper pages out. HEAD runs the GET route and drops the body (any GET route, not only
cached ones: pages, API, feeds and static files).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.hub import Hub
from dailypapers.web.auth import PERSONAL_STATE, SESSION_COOKIE

FRESHNESS_STATE = "dp_page_freshness"  # request.state: the freshness token a cacheable route read before its data
SEARCH_STATE = "dp_page_search"  # request.state: the page is a search result page (kept within its share)
SEARCH_SHARE = 4  # search result pages fill at most a quarter of the cache
SHAREABLE_STATE = "dp_page_shareable"  # request.state: the route shows every member the same page but for slots
# Revalidate every time (the data may change any second) and keep shared caches from mixing in signed-in pages.
CACHE_HEADERS = [(b"cache-control", b"no-cache"), (b"vary", b"Cookie, Authorization")]


def credentials(scope: Scope) -> str:
    """What a request carries to say who sends it: "token" (an Authorization header), "session" (a session
    cookie, what a signed-in browser sends) or "none"."""
    if any(name == b"authorization" for name, _ in scope["headers"]):
        return "token"
    return "none" if session_cookie(scope) is None else "session"


def session_cookie(scope: Scope) -> str | None:
    """The session cookie's value (unchecked) when the request has one and no Authorization header, else None."""
    cookie = b""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return None
        if name == b"cookie":
            cookie = value
    return cookie_parser(cookie.decode("latin-1")).get(SESSION_COOKIE) if cookie else None


def is_anonymous(scope: Scope) -> bool:
    """No session cookie and no Authorization header: the request can only get the visitors' page."""
    return credentials(scope) == "none"


def _mark_cacheable(request: Request) -> None:
    setattr(request.state, SHAREABLE_STATE, True)  # members' requests too: web/member_pages.py learns it here
    if is_anonymous(request.scope):
        hub: Hub = request.app.state.hub
        setattr(request.state, FRESHNESS_STATE, hub.freshness.token())


def _mark_search_cacheable(request: Request) -> None:
    _mark_cacheable(request)
    setattr(request.state, SEARCH_STATE, True)


CachedPage = Depends(_mark_cacheable)
CachedSearchPage = Depends(_mark_search_cacheable)  # results depend on the URL and the data (vectors: see docs)


@dataclass(frozen=True, slots=True)
class _Entry:
    token: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    search: bool = False


def _etag(body: bytes) -> bytes:
    # Weak: the bytes are a function of the data version, not promised byte-identical across releases.
    return b'W/"' + hashlib.blake2b(body, digest_size=16, person=b"dp-page").hexdigest().encode() + b'"'


def _matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if not if_none_match:
        return False
    ours = etag.removeprefix(b"W/")
    return any(
        tag.strip() in (b"*", ours) or tag.strip().removeprefix(b"W/") == ours for tag in if_none_match.split(b",")
    )


class PageCacheMiddleware:
    """Serves kept anonymous pages while their token holds; answers HEAD like GET without the body."""

    def __init__(self, app: ASGIApp, token: Callable[[], str], *, max_bytes: int, inline_token: bool = True) -> None:
        self.app = app
        self.token = token
        self.max_bytes = max_bytes
        self.inline_token = inline_token  # SQLite: a primary-key read on the loop beats a thread hop
        self.entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self.size = 0
        self.search_size = 0  # bytes of the kept search result pages, at most max_bytes // SEARCH_SHARE
        self._rendering: dict[tuple[str, bytes], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            scope.setdefault("state", {})  # shared with the copy, so auth's flags stay visible here
            scope = {**scope, "method": "GET"}
            send = _without_body(send)
        if self.max_bytes <= 0 or not is_anonymous(scope):
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"])
        if key in self.entries and await self._serve_kept(key, scope, send):
            return
        if key in self._rendering:  # the page is being rendered for this token: wait for it, not render again
            await self._rendering[key].wait()
            if key in self.entries and await self._serve_kept(key, scope, send):
                return
        stale = key in self.entries  # known cacheable: others asking meanwhile wait for this render
        done = self._rendering.setdefault(key, asyncio.Event()) if stale else None
        try:
            await self._render(key, scope, receive, send)
        finally:
            if done is not None:
                done.set()
                self._rendering.pop(key, None)

    async def _current_token(self) -> str:
        return self.token() if self.inline_token else await run_in_threadpool(self.token)

    async def _serve_kept(self, key: tuple[str, bytes], scope: Scope, send: Send) -> bool:
        entry = self.entries[key]
        if await self._current_token() != entry.token:
            return False
        self.entries.move_to_end(key)
        await self._send(entry, scope, send)
        return True

    async def _send(self, entry: _Entry, scope: Scope, send: Send) -> None:
        if _matches(_header(scope, b"if-none-match"), entry.etag):
            headers = [(b"etag", entry.etag), *CACHE_HEADERS]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
        await send({"type": "http.response.body", "body": entry.body})

    async def _render(self, key: tuple[str, bytes], scope: Scope, receive: Receive, send: Send) -> None:
        """Run the route; when it marked the page cacheable, hold the response back, keep it and send it."""
        state: dict[str, Any] = scope.setdefault("state", {})
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            token = state.get(FRESHNESS_STATE)
            if message["type"] == "http.response.start":
                if token is None or message["status"] != 200:
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = list(start.get("headers", []))
            body = b"".join(chunks)
            keep = not state.get(PERSONAL_STATE) and not any(name == b"set-cookie" for name, _ in headers)
            if not keep:
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            etag = _etag(body)
            headers = [h for h in headers if h[0] not in (b"cache-control", b"etag")]
            entry = _Entry(
                str(state[FRESHNESS_STATE]),
                start["status"],
                [*headers, (b"etag", etag), *CACHE_HEADERS],
                body,
                etag,
                bool(state.get(SEARCH_STATE)),
            )
            self._keep(key, entry)
            await self._send(entry, scope, send)

        await self.app(scope, receive, capture)

    def _keep(self, key: tuple[str, bytes], entry: _Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:  # one huge page must not empty the cache
            return
        self._drop(key)
        self.entries[key] = entry
        self.size += len(entry.body)
        self.search_size += len(entry.body) if entry.search else 0
        while self.search_size > self.max_bytes // SEARCH_SHARE:  # the oldest search page out, not a day page
            self._drop(next(k for k, kept in self.entries.items() if kept.search))
        while self.size > self.max_bytes and self.entries:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple[str, bytes]) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
            self.search_size -= len(old.body) if old.search else 0


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _without_body(send: Send) -> Send:
    """HEAD: the GET response's status and headers (Content-Length included), no body bytes."""

    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_head
