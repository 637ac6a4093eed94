"""Who is asking, and may they: session cookies, API tokens, scopes and CSRF for every web route. No SQL here.

The contract other web modules code against:

- ``current_user(request) -> User | None`` and ``CurrentUser = Annotated[User | None, Depends(current_user)]``.
  A request is authenticated by exactly one of:
  * an ``Authorization: Bearer dp_…`` header (an API token; the header is the only place a token is read —
    ``?token=`` and cookies are never consulted for it). When the header is present, cookies are ignored,
    and an unknown / revoked token means "anonymous" (RequireUser then says the token is bad);
  * the signed session cookie ``dp_session`` (``HttpOnly``, ``SameSite=Lax``, ``Secure`` when base_url is
    https) naming a server-side session, stored hashed and revocable.
  Banned accounts, revoked or expired sessions and revoked tokens are ``None``. The result is cached per request.
- ``RequireUser = Annotated[User, Depends(require_user)]``: raises NotSignedIn (app.py: 303 to /signin?next=
  for GET pages, 401 elsewhere / JSON under /api/).
- ``require_scope(scope)``: a dependency for API routes, e.g. ``user: Annotated[User, Depends(require_scope(
  "write"))]`` (or the aliases ``ReadUser`` / ``WriteUser``). A bearer token must carry the scope (else
  PermissionDenied → 403); a session user has every scope, but a session-authenticated unsafe request must then
  pass the CSRF check too — so a route guarded by require_scope is CSRF-safe without CsrfProtected.
- ``CsrfProtected = Depends(verify_csrf)``: put it on every state-changing HTML route, first:
  ``@router.post("/x", dependencies=[CsrfProtected])``. The token comes from the form field ``csrf_token`` or
  the ``X-CSRF-Token`` header; a missing or wrong token raises PermissionDenied (→ 403). Requests carrying a
  bearer token are exempt (cookies are ignored for them, so there is no ambient credential to forge with).
  A route that must accept foreign POSTs (RFC 8058 one-click unsubscribe) says so with
  ``openapi_extra=CSRF_EXEMPT``; tests/web/test_csrf_all_routes.py checks every other unsafe route.
- Templates get ``csrf_token()`` — ``<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">`` — and
  ``current_user()`` (User or None). The token is an HMAC of the session, or for anonymous visitors of a random
  id kept in the signed ``dp_anon`` cookie, which AuthCookieMiddleware sets on the response that first needs it.
- ``ApiCredentials``: a dependency on every API router (``APIRouter(dependencies=[ApiCredentials])``): a request
  whose bearer token is unknown or revoked is 401 on every API route, public reads included.
- ``AUTH_RESPONSES``: the 401 / 403 entries for the OpenAPI ``responses=`` of such API routes.
- Sign-in routes use ``set_session_cookie`` / ``clear_session_cookie`` and ``session_token``.

``install(app)`` (called by create_app) registers the template globals and the middleware.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Annotated, Any, Literal

import jinja2
from fastapi import Depends, FastAPI, Request
from itsdangerous import BadSignature, Signer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.domain.errors import DailyPapersError, NotSignedIn, PermissionDenied
from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.usecases.accounts import SCOPES
from dailypapers.web.api_models import ErrorBody

SESSION_COOKIE = "dp_session"
ANON_COOKIE = "dp_anon"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_EXEMPT: dict[str, Any] = {"x-csrf-exempt": True}  # openapi_extra of a route that takes foreign POSTs
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ANON_COOKIE_DAYS = 30
VALUES_KEPT = 4096  # checked cookie values and CSRF tokens kept per process (a few hundred bytes each)
KEPT_VALUE_CHARS = 256  # longer values are checked each time, so odd cookies cannot fill memory

# OpenAPI `responses` for routes behind RequireUser / require_scope: `responses={**ERROR_RESPONSES, **AUTH_RESPONSES}`.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid session or API token (`Authorization: Bearer dp_…`)."},
    403: {
        "model": ErrorBody,
        "description": "The token lacks the scope, or a session request lacks its CSRF token.",
    },
}

_AUTH_KEY = "dp_auth"  # request.state: the cached Auth
_NEW_ANON_KEY = "dp_new_anon"  # request.state: an anonymous id to set as a cookie on the response
PERSONAL_STATE = "dp_personal"  # request.state: the page shows a user or a CSRF token, so no shared caching
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True, slots=True)
class Auth:
    """How a request is authenticated: by `session`, by `token` (with its scopes), or not at all."""

    user: User | None
    via: Literal["session", "token"] | None
    scopes: frozenset[str]
    bad_token: bool = False  # a bearer token was sent and is unknown or revoked


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _signer(settings: Settings, purpose: str) -> Signer:
    return _signer_for(settings.secret_key, purpose)


@functools.lru_cache(maxsize=16)
def _signer_for(secret_key: str, purpose: str) -> Signer:
    # Kept: every signed-in request unsigns its cookie, and a Signer derives its key anew per call otherwise.
    return Signer(secret_key, salt=f"dailypapers.{purpose}")


def _unsign(settings: Settings, purpose: str, value: str | None) -> str | None:
    if not value:
        return None
    if len(value) > KEPT_VALUE_CHARS:  # no cookie of ours is this long: checked, never kept
        return _verified.__wrapped__(settings.secret_key, purpose, value)
    return _verified(settings.secret_key, purpose, value)


@functools.lru_cache(maxsize=VALUES_KEPT)
def _verified(secret_key: str, purpose: str, value: str) -> str | None:
    # Kept: every signed-in request checks its cookie (~20 µs of HMAC), and the answer for a value under a key never
    # changes (these signatures carry no timestamp). Whether the session behind it is live is read every time.
    try:
        return _signer_for(secret_key, purpose).unsign(value).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header ("" for an empty one); None without such a header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def session_token(request: Request) -> str | None:
    """The session secret in a correctly signed session cookie (whether or not the session is still live)."""
    return session_of(_hub(request).settings, request.cookies.get(SESSION_COOKIE))


def session_of(settings: Settings, cookie: str | None) -> str | None:
    """The session secret in a session cookie's value, when it is correctly signed (live or not)."""
    return _unsign(settings, "session", cookie)


def authenticate(request: Request) -> Auth:
    """Resolve (once per request) who sent it; see the module docstring for the rules."""
    cached: Auth | None = getattr(request.state, _AUTH_KEY, None)
    if cached is not None:
        return cached
    hub = _hub(request)
    token = bearer_token(request)
    if token is not None:
        found = hub.authenticate_api_token(token)
        auth = Auth(found[0], "token", found[1].scopes) if found else Auth(None, None, frozenset(), bad_token=True)
    else:
        session = session_token(request)
        auth = _session_auth(hub.user_for_session(session) if session else None)
    setattr(request.state, _AUTH_KEY, auth)
    return auth


def _session_auth(user: User | None) -> Auth:
    return Auth(user, "session", frozenset(SCOPES)) if user else Auth(None, None, frozenset())


def remember_session_user(request: Request, user: User | None) -> None:
    """Record who the request's session cookie names, read by the caller itself (web/member_pages.py reads it in
    one statement with the page's marks), so `authenticate` does not ask again. Only for requests without an
    Authorization header, whose user `authenticate` would read from the session cookie alone."""
    setattr(request.state, _AUTH_KEY, _session_auth(user))


def assume_member(state: dict[str, Any], user: User) -> None:
    """Authenticate a request as `user` whatever it carries: the stand-in of a shared render (web/member_pages.py),
    whose request has no credentials at all."""
    state[_AUTH_KEY] = Auth(user, "session", frozenset(SCOPES))


def current_user(request: Request) -> User | None:
    return authenticate(request).user


def require_user(request: Request) -> User:
    auth = authenticate(request)
    if auth.user is None:
        if auth.bad_token:
            raise NotSignedIn("the API token in the Authorization header is unknown or revoked")
        raise NotSignedIn("sign in to do this")
    return auth.user


def check_api_credentials(request: Request) -> None:
    """Every API route's first dependency: credentials that are sent must be good. A bogus or revoked bearer token
    is NotSignedIn (401) even on a public read, as Hugging Face's API answers bad credentials; no header is an
    anonymous read."""
    if authenticate(request).bad_token:
        raise NotSignedIn("the API token in the Authorization header is unknown or revoked")


CurrentUser = Annotated[User | None, Depends(current_user)]
ApiCredentials = Depends(check_api_credentials)
RequireUser = Annotated[User, Depends(require_user)]

_scope_dependencies: dict[str, Callable[[Request], Awaitable[User]]] = {}


def require_scope(scope: str) -> Callable[[Request], Awaitable[User]]:
    """A dependency giving the user when the request may act with `scope` (`read` or `write`)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; use one of {SCOPES}")
    if scope in _scope_dependencies:  # one callable per scope, so FastAPI's per-request cache applies
        return _scope_dependencies[scope]

    async def dependency(request: Request) -> User:
        user = await run_in_threadpool(require_user, request)
        auth = authenticate(request)
        if auth.via == "token" and scope not in auth.scopes:
            raise PermissionDenied(f"this API token lacks the `{scope}` scope; create one with it on /settings")
        if auth.via == "session":
            await verify_csrf(request)
        return user

    dependency.__name__ = f"require_scope_{scope}"
    _scope_dependencies[scope] = dependency
    return dependency


ReadUser = Annotated[User, Depends(require_scope("read"))]
WriteUser = Annotated[User, Depends(require_scope("write"))]


# -- CSRF --------------------------------------------------------------------------------------------------


def _csrf(settings: Settings, kind: str, binding: str) -> str:
    if len(binding) > KEPT_VALUE_CHARS:
        return _csrf_for.__wrapped__(settings.secret_key, kind, binding)
    return _csrf_for(settings.secret_key, kind, binding)


@functools.lru_cache(maxsize=VALUES_KEPT)
def _csrf_for(secret_key: str, kind: str, binding: str) -> str:
    # Kept like _verified: a pure function of its arguments that every signed-in page asks for.
    return hmac.new(_csrf_key(secret_key), f"{kind}:{binding}".encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=16)
def _csrf_key(secret_key: str) -> bytes:
    return hashlib.sha256(f"dailypapers.csrf:{secret_key}".encode()).digest()


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this response: bound to the session, else to the anonymous cookie (made
    here when missing, and set on the response by AuthCookieMiddleware)."""
    settings = _hub(request).settings
    setattr(request.state, PERSONAL_STATE, True)
    session = session_token(request)
    if session:
        return session_csrf_token(settings, session)
    anon = _unsign(settings, "anon", request.cookies.get(ANON_COOKIE)) or getattr(request.state, _NEW_ANON_KEY, None)
    if anon is None:
        anon = secrets.token_urlsafe(32)
        setattr(request.state, _NEW_ANON_KEY, anon)
    return _csrf(settings, "anon", anon)


def session_csrf_token(settings: Settings, session: str) -> str:
    """The CSRF token of a signed-in browser whose session secret is `session`, as `csrf_token` gives it."""
    return _csrf(settings, "session", session)


def _expected_tokens(request: Request) -> list[str]:
    settings = _hub(request).settings
    expected = []
    session = session_token(request)
    if session:
        expected.append(_csrf(settings, "session", session))
    anon = _unsign(settings, "anon", request.cookies.get(ANON_COOKIE))
    if anon:  # a form rendered before signing in (another tab) stays valid
        expected.append(_csrf(settings, "anon", anon))
    return expected


async def verify_csrf(request: Request) -> None:
    """Raise PermissionDenied unless an unsafe request carries this browser's CSRF token (or a bearer token)."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    supplied = request.headers.get(CSRF_HEADER)
    if not supplied and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    if not supplied:
        raise PermissionDenied("the form has no CSRF token; reload the page and submit it again")
    if not any(hmac.compare_digest(supplied, token) for token in _expected_tokens(request)):
        raise PermissionDenied(
            "the form's CSRF token does not belong to this browser session (it may be from before you signed in "
            "or out); reload the page and submit it again"
        )


CsrfProtected = Depends(verify_csrf)


def is_csrf_exempt(openapi_extra: dict[str, Any] | None) -> bool:
    return bool(openapi_extra and openapi_extra.get("x-csrf-exempt"))


# -- cookies -----------------------------------------------------------------------------------------------


def _secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def signed_session(settings: Settings, session: str) -> str:
    """The session cookie's value for a session token (tests use it to sign a client in directly)."""
    return _signer(settings, "session").sign(session).decode()


def set_session_cookie(response: Response, request: Request, session: str) -> None:
    settings = _hub(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        signed_session(settings, session),
        max_age=settings.session_days * 86400,
        path="/",
        secure=_secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    settings = _hub(request).settings
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_secure(settings), httponly=True, samesite="lax")


def _anon_cookie_header(settings: Settings, anon: str) -> str:
    cookie: SimpleCookie = SimpleCookie()
    cookie[ANON_COOKIE] = _signer(settings, "anon").sign(anon).decode()
    morsel = cookie[ANON_COOKIE]
    morsel["max-age"] = ANON_COOKIE_DAYS * 86400
    morsel["path"] = "/"
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    if _secure(settings):
        morsel["secure"] = True
    return morsel.OutputString()


class AuthCookieMiddleware:
    """Sets the anonymous CSRF cookie a rendered page asked for, and keeps personal pages out of shared caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                anon = state.get(_NEW_ANON_KEY)
                if anon:
                    headers.append("set-cookie", _anon_cookie_header(scope["app"].state.hub.settings, anon))
                if state.get(PERSONAL_STATE) and "cache-control" not in headers:
                    headers["Cache-Control"] = "private, no-cache"
            await send(message)

        await self.app(scope, receive, send_with_cookie)


# -- templates ---------------------------------------------------------------------------------------------


@jinja2.pass_context
def _template_csrf_token(context: jinja2.runtime.Context) -> str:
    return csrf_token(context["request"])


@jinja2.pass_context
def _template_current_user(context: jinja2.runtime.Context) -> User | None:
    request: Request = context["request"]
    try:
        user = authenticate(request).user
    except DailyPapersError:  # an error page rendered because the database is down must still render
        return None
    if user is not None:
        setattr(request.state, PERSONAL_STATE, True)
    return user


def install(app: FastAPI) -> None:
    """Template globals `csrf_token()` and `current_user()`, and the cookie middleware; call after templates."""
    app.state.templates.env.globals.update(csrf_token=_template_csrf_token, current_user=_template_current_user)
    app.add_middleware(AuthCookieMiddleware)
