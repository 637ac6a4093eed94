"""Members' pages near the visitors' speed: one shared render per data version, then per request one statement (the
session, the member's marks, the data version) and a splice.

Pages that opt in to the page cache (`CachedPage`: day, week, month, home, paper) differ between members only in
slots (web/page_slots.py): the header's account area, the CSRF token and each button's pressed state. The first
signed-in request for such a URL is rendered in full as before and teaches this middleware that the route is
shareable; from the next one on, the route is rendered once per freshness token for a stand-in member, with no
cookie, no Authorization header and a SlotRecorder, and kept in pieces under (path, query). A member's request is
then answered with one statement (`hub.viewer.member_page`: the session's member, the data version the shared render
is checked against, and the member's marks among the page's papers and authors unless the copy kept for this
session and page is still current by the member's marks version) and the splice: no routing, no template but the
account area's.

Members whose page differs beyond the slots (admins; on a paper page its commenters, claimants, verified authors and
submitter, whom the route names with `SlotRecorder.render_apart`), expired sessions, and pages whose shared render
failed or showed the stand-in outside a slot get a full render, as every signed-in request did before. Requests with
an Authorization header never come here. Responses stay `private, no-cache` with no ETag: they carry a CSRF token.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.web.auth import assume_member, remember_session_user, session_csrf_token, session_of
from dailypapers.web.page_cache import FRESHNESS_STATE, SHAREABLE_STATE, session_cookie
from dailypapers.web.page_slots import RECORDER_STATE, SlotRecorder, SlottedPage, stand_in_member

KNOWN_KEYS = 4096  # URLs known to be shareable (bounded: made-up query strings must not grow it)
_DROPPED_HEADERS = (b"content-length", b"cache-control", b"etag", b"vary")
_PRIVATE = [(b"cache-control", b"private, no-cache"), (b"vary", b"Cookie, Authorization")]
AccountRenderer = Callable[[User, str | None], bytes]


@dataclass(frozen=True, slots=True)
class _Shared:
    token: str
    headers: list[tuple[bytes, bytes]]
    page: SlottedPage | None  # None: not shareable under this token (members get full renders until it moves)

    @property
    def size(self) -> int:
        return self.page.size if self.page else 0


class MemberPageMiddleware:
    """Serves signed-in GETs of shareable pages from a shared render spliced per member (see the module docstring).
    Sits inside PageCacheMiddleware, which answers visitors and turns HEAD into GET before this."""

    def __init__(self, app: ASGIApp, hub: Hub, account: AccountRenderer, *, max_bytes: int, inline: bool) -> None:
        self.app = app
        self.hub = hub
        self.account = account
        self.max_bytes = max_bytes
        self.inline = inline  # SQLite: one short read on the loop beats a thread hop
        self.pages: OrderedDict[tuple[str, bytes], _Shared] = OrderedDict()
        self.size = 0
        self.known: OrderedDict[tuple[str, bytes], None] = OrderedDict()
        self._rendering: dict[tuple[str, bytes], asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cookie = session_cookie(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if cookie is None or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"])
        if key not in self.pages and key not in self.known:
            await self._learn(key, scope, receive, send)
            return
        session = session_of(self.hub.settings, cookie)
        shared = self.pages.get(key)
        for attempt in range(2):  # a stale page is rendered again once; if the token moves meanwhile, a full render
            if shared is not None:
                body = await self._call(self._personal, shared, session, scope)
                if body is None:  # this member sees the page otherwise
                    break
                if body is not False:
                    self.pages.move_to_end(key)
                    await _send(send, shared.headers, body)
                    return
            if attempt == 0:
                shared = await self._share(key, scope, receive)
        await self.app(scope, receive, send)

    async def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        return function(*args) if self.inline else await run_in_threadpool(function, *args)

    def _personal(self, shared: _Shared, session: str | None, scope: Scope) -> bytes | bool | None:
        """The member's page; False when the shared render is stale, None when this member needs a full render."""
        page = shared.page
        if page is None:  # not shareable under its token: a full render, unless the token has moved since
            return False if self.hub.freshness.token() != shared.token else None
        if session is None:  # a cookie that is not ours: a full render (a visitor's page)
            return None
        read = self.hub.viewer.member_page(session, page.paper_ids, page.authors)  # one statement
        if self.hub.freshness.token_of(read.version) != shared.token:
            return False
        user = read.user
        if user is None or user.is_admin or user.is_banned or user.id in page.apart:
            remember_session_user(Request(scope), user)  # the full render after this does not ask again
            return None
        token = session_csrf_token(self.hub.settings, session)
        return page.splice(read.marks, token, lambda nav_current: self.account(user, nav_current))

    async def _learn(self, key: tuple[str, bytes], scope: Scope, receive: Receive, send: Send) -> None:
        """A full render; if its route is shareable, the next request for the URL gets a shared render."""
        state: dict[str, Any] = scope.setdefault("state", {})
        await self.app(scope, receive, send)
        if state.get(SHAREABLE_STATE):
            self.known[key] = None
            while len(self.known) > KNOWN_KEYS:
                self.known.popitem(last=False)

    async def _share(self, key: tuple[str, bytes], scope: Scope, receive: Receive) -> _Shared | None:
        """Render the page for the stand-in member and keep it in pieces; concurrent requests wait for one render."""
        if key in self._rendering:
            await self._rendering[key].wait()
            return self.pages.get(key)
        done = self._rendering[key] = asyncio.Event()
        try:
            shared = await self._render_shared(scope, receive)
            if shared is None:  # the route no longer marks the page shareable (an error before its dependency)
                self.known.pop(key, None)
            else:
                self._keep(key, shared)
            return shared
        finally:
            done.set()
            del self._rendering[key]

    async def _render_shared(self, scope: Scope, receive: Receive) -> _Shared | None:
        recorder = SlotRecorder()
        state: dict[str, Any] = {RECORDER_STATE: recorder}
        assume_member(state, stand_in_member())
        # No credentials of the asking member reach the shared render: it shows the stand-in, and only it.
        headers = [(n, v) for n, v in scope["headers"] if n not in (b"cookie", b"authorization")]
        start: Message = {}
        chunks: list[bytes] = []

        async def collect(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app({**scope, "headers": headers, "state": state}, receive, collect)
        token = state.get(FRESHNESS_STATE)  # read by the route before its data
        if token is None:
            return None
        kept = [(n, v) for n, v in start.get("headers", []) if n not in _DROPPED_HEADERS]
        if start.get("status") != 200 or any(n == b"set-cookie" for n, _ in kept):
            return _Shared(str(token), kept, None)
        return _Shared(str(token), kept, recorder.page(b"".join(chunks)))

    def _keep(self, key: tuple[str, bytes], shared: _Shared) -> None:
        if shared.size > self.max_bytes // 4:  # one huge page must not empty the cache
            return
        old = self.pages.pop(key, None)
        if old is not None:
            self.size -= old.size
        self.pages[key] = shared
        self.size += shared.size
        while self.size > self.max_bytes and self.pages:
            _, evicted = self.pages.popitem(last=False)
            self.size -= evicted.size


async def _send(send: Send, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": 200, "headers": [*headers, length, *_PRIVATE]})
    await send({"type": "http.response.body", "body": body})
