"""create_app(hub): builds the FastAPI app; the one place where domain errors become HTTP statuses."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from dailypapers import __version__
from dailypapers.domain.errors import (
    Conflict,
    DailyPapersError,
    Gone,
    InvalidInput,
    NotFound,
    NotSignedIn,
    PaperNotFound,
    PermissionDenied,
    RateLimited,
)
from dailypapers.hub import Hub
from dailypapers.web import (
    account_pages,
    admin,
    admin_claims,
    api_v1,
    auth,
    authors,
    citations,
    community,
    discussion,
    enrichment,
    feeds,
    hf_api,
    hf_links,
    library_pages,
    page_slots,
    pages,
    personal_pages,
    search_pages,
    trends_pages,
)
from dailypapers.web.member_pages import MemberPageMiddleware
from dailypapers.web.page_cache import PageCacheMiddleware
from dailypapers.web.sanity import refuse_nul
from dailypapers.web.security import SecurityHeadersMiddleware
from dailypapers.web.subscriptions import router as subscriptions_router
from dailypapers.web.templating import make_templates, render

STATIC_DIR = Path(__file__).parent / "static"
API_PREFIX = "/api/"

_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    429: "Too many requests",
    500: "Internal error",
}


def create_app(hub: Hub) -> FastAPI:
    """A web app serving `hub`; build one per process (the CLI hands it to uvicorn)."""
    # refuse_nul runs first on every route: no field anywhere accepts a NUL character (web/sanity.py).
    app = FastAPI(title=hub.settings.site_name, version=__version__, dependencies=[Depends(refuse_nul)])
    app.state.hub = hub
    app.state.templates = make_templates()
    auth.install(app)  # csrf_token() / current_user() in templates, the anonymous CSRF cookie
    account_area = page_slots.install(app.state.templates.env)  # members' buttons, header and token as slots
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(hf_links.router)  # POST /api/papers/{id}/links before hf_api's GET /api/papers/{id:path}
    app.include_router(hf_api.router)
    app.include_router(api_v1.router)
    app.include_router(feeds.router)
    app.include_router(citations.router)  # before pages: its /papers/{id:path} would swallow /papers/{id}.bib
    app.include_router(account_pages.router)
    app.include_router(discussion.router)  # comment POSTs; /papers/{id}/comments before pages' /papers/{id:path}
    app.include_router(admin.router)
    app.include_router(admin_claims.router)  # /admin/claims: authorship claims waiting for review
    app.include_router(authors.router)  # /authors, /orgs, /avatar.svg, claim and link POSTs on papers
    app.include_router(community.router)  # /submit, /trending, upvote POSTs (HTML and /api/v1)
    app.include_router(personal_pages.router)  # /for-you, follows, rules, saved searches
    app.include_router(library_pages.router)  # collections, save, exports, account data
    app.include_router(subscriptions_router)  # digests; before pages, whose /subscribe was the placeholder
    app.include_router(search_pages.router)  # /search (HTML); the JSON search is in api_v1
    app.include_router(trends_pages.router)  # /trends, /trends.csv, /api/v1/trends
    app.include_router(enrichment.router)  # /thumbnails/{id}.webp
    app.include_router(pages.router)
    app.add_exception_handler(InvalidInput, _domain_error(400))
    app.add_exception_handler(NotSignedIn, _domain_error(401))
    app.add_exception_handler(PermissionDenied, _domain_error(403))
    app.add_exception_handler(NotFound, _domain_error(404))
    app.add_exception_handler(Gone, _domain_error(410))  # the most specific class's handler wins
    app.add_exception_handler(Conflict, _domain_error(409))
    app.add_exception_handler(RateLimited, _domain_error(429))
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)  # a bug: still the API's JSON shape, or the error page
    inline = hub.settings.database_url.startswith("sqlite")
    app.add_middleware(  # inside the page cache: it gets members' GETs (HEAD already turned into GET)
        MemberPageMiddleware,
        hub=hub,
        account=account_area,
        max_bytes=hub.settings.page_cache_mb * 1024 * 1024,
        inline=inline,
    )
    app.add_middleware(
        PageCacheMiddleware,
        token=hub.freshness.token,
        max_bytes=hub.settings.page_cache_mb * 1024 * 1024,
        inline_token=inline,
    )
    # Swagger UI and ReDoc load their scripts from a CDN, which the pages' CSP would block.
    app.add_middleware(SecurityHeadersMiddleware, csp_exempt=[p for p in (app.docs_url, app.redoc_url) if p])
    return app


def error_code(exc: Exception) -> str:
    """`InvalidPeriod` → `invalid_period`: the machine-readable code of a domain error in JSON bodies."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def _domain_error(status: int) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DailyPapersError)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else {}
        if request.url.path.startswith(API_PREFIX):
            if isinstance(exc, NotSignedIn):  # RFC 6750: a 401 names the scheme that would be accepted
                headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return _json_error(status, error_code(exc), str(exc), headers)
        if isinstance(exc, PaperNotFound):
            return render(request, "paper_missing.html", {"title": "Paper not here yet", "arxiv_id": exc.arxiv_id}, 404)
        if isinstance(exc, NotSignedIn) and request.method == "GET":
            # A page that needs an account sends people to sign in and brings them back afterwards.
            return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)
        response = _error_page(request, status, str(exc))
        response.headers.update(headers)
        return response

    return handler


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing errors (unknown path, wrong method) get the same page or JSON shape as domain errors."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(API_PREFIX):
        code = _TITLES.get(exc.status_code, "error").lower().replace(" ", "_")
        return _json_error(exc.status_code, code, str(exc.detail), exc.headers)
    message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
    response = _error_page(request, exc.status_code, message)
    response.headers.update(exc.headers or {})
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    """FastAPI's parameter checks answer in our 400 shape, not its own 422 list, so every client sees one format."""
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'][1:]) or 'request'}: {error['msg']}" for error in exc.errors()
    )
    if request.url.path.startswith(API_PREFIX):
        return _json_error(400, "invalid_parameter", problems)
    return _error_page(request, 400, problems)


async def _server_error(request: Request, exc: Exception) -> Response:
    """Uncaught exceptions (Starlette logs them and re-raises after this answer): the body says as little as a
    500 should, in the same shape as every other error, so API clients never have to parse plain text."""
    message = "the server failed to answer this request; it has been logged"
    if request.url.path.startswith(API_PREFIX):
        return _json_error(500, "internal_error", message)
    try:
        return _error_page(request, 500, message)
    except Exception:  # the page itself failed to render (the database is down): plain text, not a second trace
        return Response(message, status_code=500, media_type="text/plain")


def _json_error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def _error_page(request: Request, status: int, message: str) -> Response:
    title = _TITLES.get(status, "Error")
    return render(request, "error.html", {"title": title, "status": status, "message": message}, status)
