"""Slots: the parts of a page that differ from member to member, recorded in one shared render and filled per request.

A shared render (web/member_pages.py) renders a page for a stand-in member with a `SlotRecorder` in request.state.
Templates mark what depends on the member, and only that:

- ``{% call(on) mark_slot(marks, "upvoted", paper.arxiv_id) %}…{% endcall %}``: a button with two states; the
  shared render keeps both (``on`` False and True), a member's request picks one by their marks (`PageMarks`
  field `upvoted`, `saved` or `followed_authors`). A normal render just renders the member's state.
- ``{% call account_slot() %}…{% endcall %}``: the header's account area; per request, `_user_area.html` alone is
  rendered for the member (a tiny compiled template, not the page).
- ``csrf_token()`` gives a marker that the splice replaces with the member's token.

Markers carry a random per-process nonce, so no stored text can fake one, and everything put back in is either
rendered by the autoescaping templates or the hex CSRF token (escaped anyway): no member data reaches the HTML raw.
A render in which the stand-in's name appears outside a slot is refused (None) and the member gets a full render.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jinja2
from markupsafe import Markup, escape

from dailypapers.domain.models import User
from dailypapers.usecases.viewer import PageMarks

RECORDER_STATE = "dp_slot_recorder"  # request.state: the SlotRecorder of a shared render
MARK_KINDS = ("upvoted", "saved", "followed_authors")  # the PageMarks fields a button can follow
ACCOUNT_TEMPLATE = "_user_area.html"
ACCOUNTS_KEPT = 4096  # rendered account areas kept per process (a few hundred bytes each)
_NONCE = secrets.token_hex(16)  # per process: page text cannot contain it by chance, and cannot guess it
_SLOT = re.compile(rf"<!--dp-slot:{_NONCE}:(\d+)-->".encode())
CSRF_MARK = f"dp-csrf-{_NONCE}"
_CSRF_MARK = CSRF_MARK.encode()


def stand_in_member() -> User:
    """Whom a shared render shows the page to: a member with no id, marks, comments or claims of their own."""
    name = f"dp-stand-in-{_NONCE}"
    return User(id=-1, email="", username=name, display_name=name, created_at=datetime(2000, 1, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class _Mark:
    kind: str
    key: str
    off: bytes
    on: bytes


@dataclass(frozen=True, slots=True)
class _Account:
    nav_current: str | None  # the one layout variable _user_area.html reads


@dataclass
class SlotRecorder:
    """Collects a shared render's slots; the page's text gets a marker where each goes."""

    slots: list[_Mark | _Account] = field(default_factory=list)
    apart: set[int] = field(default_factory=set)  # members who see this page otherwise: full render for them

    def _marker(self, slot: _Mark | _Account) -> Markup:
        self.slots.append(slot)
        return Markup(f"<!--dp-slot:{_NONCE}:{len(self.slots) - 1}-->")  # noqa: S704 - hex and a number, no input

    def render_apart(self, user_ids: Iterable[int]) -> None:
        self.apart.update(user_ids)

    def page(self, body: bytes) -> SlottedPage | None:
        """The rendered page split at its markers; None when the stand-in shows outside a slot (so not shared) or a
        button's two states differ in their number of CSRF tokens."""
        pieces = _SLOT.split(body)
        texts, indexes = pieces[0::2], [int(i) for i in pieces[1::2]]
        if sorted(indexes) != list(range(len(self.slots))):
            return None
        stand_in = stand_in_member().username.encode()
        marks = [s for s in self.slots if isinstance(s, _Mark)]
        if any(stand_in in text for text in texts) or any(stand_in in m.off + m.on for m in marks):
            return None
        page = SlottedPage(
            paper_ids=tuple(dict.fromkeys(m.key for m in marks if m.kind != "followed_authors")),
            authors=tuple(dict.fromkeys(m.key for m in marks if m.kind == "followed_authors")),
            apart=frozenset(self.apart),
        )
        page.add(texts[0])
        for slot, text in zip((self.slots[i] for i in indexes), texts[1:], strict=True):
            if isinstance(slot, _Mark):
                if not page.add_mark(slot):
                    return None
            else:
                page.accounts.append((len(page.parts), slot.nav_current))
                page.parts.append(b"")
            page.add(text)
        return page


def _pieces(text: bytes) -> list[bytes]:
    """`text` split at its CSRF markers, with an empty piece where each was: [a, "", b] for a·CSRF·b."""
    pieces: list[bytes] = []
    for n, segment in enumerate(text.split(_CSRF_MARK)):
        pieces.extend((b"", segment) if n else (segment,))
    return pieces


@dataclass(slots=True)
class SlottedPage:
    """A shared render as a list of pieces, every button in its "off" state: a member's request copies the list,
    puts in the "on" pieces of their marks (same length, so indexes hold), their account area and their token at
    the CSRF places, and joins it. No scan of the page's bytes per request."""

    paper_ids: tuple[str, ...]  # what the marks query must ask for
    authors: tuple[str, ...]
    apart: frozenset[int]
    parts: list[bytes] = field(default_factory=list)
    csrf_at: list[int] = field(default_factory=list)
    accounts: list[tuple[int, str | None]] = field(default_factory=list)
    on: dict[tuple[str, str], list[tuple[int, list[bytes]]]] = field(default_factory=dict)
    size: int = 0

    def add(self, text: bytes) -> None:
        for n, piece in enumerate(_pieces(text)):
            if n % 2:
                self.csrf_at.append(len(self.parts))
            self.parts.append(piece)
        self.size += len(text)

    def add_mark(self, mark: _Mark) -> bool:
        start, on = len(self.parts), _pieces(mark.on)
        self.add(mark.off)
        if len(on) != len(self.parts) - start:
            return False
        self.on.setdefault((mark.kind, mark.key), []).append((start, on))
        self.size += len(mark.on)
        return True

    def splice(self, marks: PageMarks, csrf: str, account: Callable[[str | None], bytes]) -> bytes:
        """The page as this member sees it: their buttons' states, their account area (`account(nav_current)`, with
        the CSRF marker), their CSRF token."""
        out = self.parts.copy()
        for kind in MARK_KINDS:
            for key in getattr(marks, kind):
                for start, on in self.on.get((kind, key), ()):
                    out[start : start + len(on)] = on
        token = str(escape(csrf)).encode()
        for at in self.csrf_at:
            out[at] = token
        for at, nav_current in self.accounts:
            out[at] = account(nav_current).replace(_CSRF_MARK, token)
        return b"".join(out)


def recorder_of(request: Any) -> SlotRecorder | None:
    """The request's SlotRecorder when it is a shared render (routes name members to render apart with it)."""
    recorder: SlotRecorder | None = getattr(request.state, RECORDER_STATE, None)
    return recorder


def _recorder(context: jinja2.runtime.Context) -> SlotRecorder | None:
    request = context.get("request")
    return recorder_of(request) if request is not None else None


@jinja2.pass_context
def mark_slot(context: jinja2.runtime.Context, marks: PageMarks, kind: str, key: str, caller: Any) -> Markup:
    """A button following one of the member's marks (see the module docstring)."""
    recorder = _recorder(context)
    if recorder is None:
        return caller(key in getattr(marks, kind))  # type: ignore[no-any-return]  # the block, autoescaped
    if kind not in MARK_KINDS:
        raise ValueError(f"unknown mark {kind!r}; use one of {MARK_KINDS}")
    return recorder._marker(_Mark(kind, key, str(caller(False)).encode(), str(caller(True)).encode()))


@jinja2.pass_context
def account_slot(context: jinja2.runtime.Context, caller: Any) -> Markup:
    """The header's account area (see the module docstring)."""
    recorder = _recorder(context)
    if recorder is None:
        return caller()  # type: ignore[no-any-return]
    return recorder._marker(_Account(context.get("nav_current")))


def install(env: jinja2.Environment) -> Callable[[User, str | None], bytes]:
    """Register the slot globals and make `csrf_token()` give the marker in shared renders; call after auth's
    install. Returns the account area's renderer for the splice: (member, nav_current) → HTML with the CSRF marker,
    kept for the last members seen (a member's name changes the User, so a kept area is never stale)."""
    real_csrf = env.globals["csrf_token"]

    @jinja2.pass_context
    def csrf_token(context: jinja2.runtime.Context) -> str:
        return CSRF_MARK if _recorder(context) is not None else real_csrf(context)  # type: ignore[operator]

    env.globals.update(mark_slot=mark_slot, account_slot=account_slot, csrf_token=csrf_token)
    template = env.get_template(ACCOUNT_TEMPLATE)  # compiled once; the splice renders only this

    @functools.lru_cache(maxsize=ACCOUNTS_KEPT)
    def account(member: User, nav_current: str | None) -> bytes:
        html = template.render(nav_current=nav_current, current_user=lambda: member, csrf_token=lambda: CSRF_MARK)
        return html.encode()

    return account
