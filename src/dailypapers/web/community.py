"""Community routes: /submit, upvotes (HTML form, fetch and the bearer-token API) and /trending. No rules here.

The Hub decides (usecases/voting.py); these routes parse forms, pick HTML, JSON or a redirect, and re-show a form
with its error. Every POST is CSRF-protected; the /api/v1 routes take a `write` token (or a session + CSRF header).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from dailypapers.domain.errors import InvalidInput, InvalidPeriod, PermissionDenied, RateLimited
from dailypapers.domain.models import PaperView
from dailypapers.domain.periods import parse_day
from dailypapers.ports.votes import VoteState
from dailypapers.usecases.voting import TRENDING_DAYS, TRENDING_MAX_DAYS
from dailypapers.web import activity_charts, author_views, present
from dailypapers.web.api_models import ERROR_RESPONSES, ErrorBody, PaperOut
from dailypapers.web.auth import (
    AUTH_RESPONSES,
    ApiCredentials,
    CsrfProtected,
    CurrentUser,
    RequireUser,
    WriteUser,
)
from dailypapers.web.enrichment import card_extras
from dailypapers.web.pages import HubDep, back_to, parse_page, wants_json
from dailypapers.web.templating import render

html = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["dailypapers API v1"], dependencies=[ApiCredentials])
router = APIRouter()
FormText = Annotated[str, Form()]
_FORM_LIMIT = 4096  # longer than any id or URL we accept; the Hub gives the precise message


# -- submissions -------------------------------------------------------------------------------------------


@html.get("/submit", name="submit")
def submit_form(request: Request, hub: HubDep, user: RequireUser, arxiv: str = "") -> Response:
    return _submit_page(request, hub, {"arxiv": arxiv[:_FORM_LIMIT]})


@html.post("/submit", dependencies=[CsrfProtected])
def submit(
    request: Request,
    hub: HubDep,
    user: RequireUser,
    arxiv: FormText = "",
    github_repo: FormText = "",
    project_page: FormText = "",
) -> Response:
    """Submit a paper; success and duplicates (the existing entry) go to the paper's page, problems re-show the
    form with why."""
    values = {"arxiv": arxiv, "github_repo": github_repo, "project_page": project_page}
    values = {name: value[:_FORM_LIMIT] for name, value in values.items()}
    if not arxiv.strip():
        return _submit_page(request, hub, values, "Enter an arXiv id or URL.", 400)
    try:
        result = hub.submit_paper(
            user, arxiv[:_FORM_LIMIT], github_repo=github_repo or None, project_page=project_page or None
        )
    except InvalidInput as exc:  # a bad id or URL, or a paper too old: say so next to the form
        return _submit_page(request, hub, values, str(exc), 400)
    except PermissionDenied as exc:
        return _submit_page(request, hub, values, str(exc), 403)
    except RateLimited as exc:
        response = _submit_page(request, hub, values, str(exc), 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return RedirectResponse(present.paper_url(result.paper.arxiv_id), status_code=303)


def _submit_page(
    request: Request, hub: HubDep, values: dict[str, str], error: str | None = None, status: int = 200
) -> Response:
    context = {
        "title": "Submit a paper",
        "nav_current": "/submit",
        "values": {"github_repo": "", "project_page": "", **values},
        "error": error,
        "max_age_days": hub.settings.submission_max_age_days,
        "per_day": hub.settings.submissions_per_day,
    }
    return render(request, "submit.html", context, status)


# -- upvotes -----------------------------------------------------------------------------------------------


def _desired(raw: str) -> bool | None:
    """The form's `upvote` field: "1" upvote, "0" withdraw, absent or empty: toggle."""
    if not raw:
        return None
    if raw not in ("0", "1"):
        raise InvalidInput("upvote must be 1 (upvote) or 0 (withdraw the upvote)")
    return raw == "1"


@html.post("/papers/{arxiv_id:path}/upvote", dependencies=[CsrfProtected], name="upvote")
def upvote(
    request: Request, hub: HubDep, user: RequireUser, arxiv_id: str, upvote: FormText = "", next: FormText = ""
) -> Response:
    """The upvote button. Without JavaScript: a 303 back to the page it was on (`back_to`). With (static/post_form.js,
    which asks for JSON): {upvoted, upvotes}. The form says which state it wants, so a double submit is harmless."""
    state = hub.set_upvote(user, arxiv_id, _desired(upvote))
    if wants_json(request):
        return JSONResponse({"arxiv_id": state.arxiv_id, "upvoted": state.upvoted, "upvotes": state.upvotes})
    return RedirectResponse(back_to(request, next, present.paper_url(state.arxiv_id)), status_code=303)


class VoteOut(BaseModel):
    arxiv_id: str = Field(description="The paper, canonical id without version.")
    upvoted: bool = Field(description="Whether the caller's account now upvotes the paper.")
    upvotes: int = Field(description="The paper's upvotes as pages show them (every vote, imported ones too).")

    @classmethod
    def of(cls, state: VoteState) -> VoteOut:
        return cls(arxiv_id=state.arxiv_id, upvoted=state.upvoted, upvotes=state.upvotes)


_ArxivPath = Annotated[str, Path(description="arXiv id, any version suffix accepted", max_length=64)]
_VOTE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    404: {"description": "No such paper."},
    429: {"description": "Too many votes; see Retry-After."},
}


@api.post("/papers/{arxiv_id:path}/upvote", response_model=VoteOut, responses=_VOTE_RESPONSES)
def api_upvote(hub: HubDep, user: WriteUser, arxiv_id: _ArxivPath) -> VoteOut:
    """Upvote a paper as the token's account (idempotent: upvoting twice is one vote). Scope `write`."""
    return VoteOut.of(hub.set_upvote(user, arxiv_id, True))


@api.delete("/papers/{arxiv_id:path}/upvote", response_model=VoteOut, responses=_VOTE_RESPONSES)
def api_withdraw_upvote(hub: HubDep, user: WriteUser, arxiv_id: _ArxivPath) -> VoteOut:
    """Withdraw the account's upvote (idempotent). Scope `write`."""
    return VoteOut.of(hub.set_upvote(user, arxiv_id, False))


class SubmissionIn(BaseModel):
    arxiv: str = Field(max_length=_FORM_LIMIT, description="arXiv id or abs / pdf URL, any version form.")
    github_repo: str | None = Field(default=None, max_length=_FORM_LIMIT, description="https://github.com/OWNER/NAME")
    project_page: str | None = Field(default=None, max_length=_FORM_LIMIT, description="An http(s) URL.")


class SubmissionOut(BaseModel):
    created: bool = Field(description="False when the paper was already on the feed (the existing entry).")
    paper: PaperOut


_SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    400: {"model": ErrorBody, "description": "Not an arXiv id, a bad URL, or a paper too old for the feed."},
    404: {"model": ErrorBody, "description": "arXiv does not know this id."},
    429: {"model": ErrorBody, "description": "Too many submissions; see Retry-After."},
}


@api.post("/submissions", response_model=SubmissionOut, responses=_SUBMIT_RESPONSES)
def api_submit(hub: HubDep, user: WriteUser, body: SubmissionIn) -> Response:
    """Submit a paper to today's feed as the token's account. Scope `write`; 201 when it joined the feed."""
    submission = hub.submit_paper(user, body.arxiv, github_repo=body.github_repo, project_page=body.project_page)
    out = SubmissionOut(created=submission.created, paper=PaperOut.of(hub.paper_view(submission.paper.arxiv_id)))
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if submission.created else 200)


class TrendingItemOut(BaseModel):
    score: float = Field(description="Trending score (docs/trending.md): decayed votes and star velocity.")
    paper: PaperOut


class TrendingOut(BaseModel):
    items: list[TrendingItemOut]
    total: int
    page: int
    days: int


@api.get("/trending", response_model=TrendingOut, responses=ERROR_RESPONSES)
def api_trending(
    hub: HubDep,
    days: Annotated[int, Query(ge=1, le=TRENDING_MAX_DAYS)] = TRENDING_DAYS,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> TrendingOut:
    """Papers submitted in the last `days` days, highest trending score first, with their scores."""
    result = hub.trending(days=days, page=page)
    items = [
        TrendingItemOut(
            score=result.scores.get(item.paper.arxiv_id, 0.0),
            paper=PaperOut.of(PaperView(item.paper, item.entry, item.upvotes, item.organization)),
        )
        for item in result.items
    ]
    return TrendingOut(items=items, total=result.total, page=page, days=days)


# -- trending ----------------------------------------------------------------------------------------------


@html.get("/trending", name="trending")
def trending(
    request: Request, hub: HubDep, user: CurrentUser, days: str = "", p: str | None = None, end: str = ""
) -> Response:
    window = _days(days)
    last_day = _end(end)
    page = hub.trending(window, parse_page(p), last_day)
    pages = max(1, -(-page.total // page.page_size))
    ids = [item.paper.arxiv_id for item in page.items]

    def url(days: int, p: int = 1, end: date | None = last_day) -> str:
        query = [f"days={days}"] if days != TRENDING_DAYS else []
        query += [f"end={end.isoformat()}"] if end else []
        query += [f"p={p}"] if p > 1 else []
        return "/trending" + ("?" + "&".join(query) if query else "")

    # An empty window (a hub whose newest papers are older than it) offers the latest window that has papers.
    latest = hub.activity.latest_window_end() if not page.total and page.page == 1 else None

    context = {
        "title": "Trending papers",
        "nav_current": "/trending",
        "trending": page,
        "params": hub.trending_params,
        "first_rank": (page.page - 1) * page.page_size + 1,
        "authors_of": author_views.card_authors(hub, [item.paper for item in page.items]),  # verified badges
        "pages": pages,
        "marks": hub.viewer.marks(user, ids),
        "windows": [present.Link(label, url(n), n == window) for n, label in _WINDOWS],
        "newer_page_url": url(window, page.page - 1) if page.page > 1 else None,
        "older_page_url": url(window, page.page + 1) if page.has_more else None,
        "reasons": activity_charts.trending_reasons(hub, page),  # why each card is there, with its small chart
        "past_window": last_day is not None and last_day < hub.today(),
        "now_url": url(window, end=None),
        "latest_url": url(window, end=latest) if latest and latest < page.start else None,
        "latest_day": latest,
        **card_extras(hub, [item.paper for item in page.items]),
    }
    return render(request, "trending.html", context)


_WINDOWS = ((1, "Today"), (3, "3 days"), (7, "Week"), (30, "Month"))


def _end(raw: str) -> date | None:
    """`end=YYYY-MM-DD`: the last day of a past window; empty means today."""
    if raw == "":
        return None
    try:
        return parse_day(raw)  # the hub's one day parser: YYYY-MM-DD within its calendar
    except InvalidPeriod as exc:
        raise InvalidPeriod(f"end: {exc}") from None


def _days(raw: str) -> int:
    if raw == "":
        return TRENDING_DAYS
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= TRENDING_MAX_DAYS:
        raise InvalidInput(f"days must be a whole number from 1 to {TRENDING_MAX_DAYS}, not {raw[:20]!r}")
    return int(raw)


router.include_router(html)
router.include_router(api)
