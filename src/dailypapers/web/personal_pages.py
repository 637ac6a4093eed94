"""The personal pages: /for-you with its slider, follows, keyword rules, saved searches, "not interested".

Routes only parse forms and pick a page, a redirect or JSON; the rules are the Hub's (usecases/personal.py). Every
POST is CSRF-protected and answers 303 back to where the form was (or JSON for fetch); GET never changes state.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers.domain.errors import Conflict, InvalidInput
from dailypapers.domain.models import User
from dailypapers.usecases.accounts import safe_next_path
from dailypapers.usecases.for_you import FOR_YOU_DAYS
from dailypapers.web.auth import CsrfProtected, RequireUser
from dailypapers.web.pages import HubDep, back_to, wants_json
from dailypapers.web.sanity import RowId
from dailypapers.web.templating import render

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]
FOR_YOU_SIZE = 50
_FORM_LIMIT = 4096


def _back(next_path: str, default: str) -> RedirectResponse:
    return RedirectResponse(safe_next_path(next_path) if next_path else default, status_code=303)


# -- /for-you ----------------------------------------------------------------------------------------------


@router.get("/for-you", name="for_you")
def for_you_page(request: Request, hub: HubDep, user: RequireUser) -> Response:
    """The member's ranked list; a first visit goes to the onboarding picks instead."""
    prefs = hub.for_you_preferences(user)
    if prefs.onboarded_at is None:
        return RedirectResponse("/for-you/start", status_code=303)
    items = hub.for_you.rank(user, limit=FOR_YOU_SIZE)
    ids = [item.view.paper.arxiv_id for item in items]
    context = {
        "title": "For you",
        "nav_current": "/for-you",
        "items": items,
        "days": FOR_YOU_DAYS,
        "weight_percent": round(prefs.trending_weight * 100),
        "marks": hub.viewer.marks(user, ids),
        "feed_url": f"/feeds/for-you/{hub.for_you_feed_key(user)}.atom",
        "has_rules": not hub.personal_rules(user.id).is_empty,
    }
    return render(request, "for_you.html", context)


@router.post("/for-you/weight", dependencies=[CsrfProtected])
def set_weight(hub: HubDep, user: RequireUser, trending_weight: FormText = "") -> Response:
    """The slider: 0–100, the percent of the ranking that is community trending."""
    raw = trending_weight.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or int(raw) > 100:
        raise InvalidInput("the trending share is a whole number from 0 to 100")
    hub.set_trending_weight(user, int(raw) / 100)
    return RedirectResponse("/for-you", status_code=303)


@router.get("/for-you/start", name="for_you_start")
def onboarding_page(request: Request, hub: HubDep, user: RequireUser) -> Response:
    choices = hub.onboarding_choices()
    followed = {f.value for f in hub.follows(user) if f.kind == "category"}
    context = {"title": "Set up your feed", "nav_current": "/for-you", "choices": choices, "followed": followed}
    return render(request, "onboarding.html", context)


@router.post("/for-you/start", dependencies=[CsrfProtected])
def finish_onboarding(
    hub: HubDep,
    user: RequireUser,
    category: FormList = [],  # noqa: B006 - FastAPI copies defaults per request
    paper: FormList = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    """Follow the ticked categories, save the ticked papers; with nothing ticked it is "skip"."""
    hub.finish_onboarding(user, [c[:64] for c in category], [p[:64] for p in paper])
    return RedirectResponse("/for-you", status_code=303)


@router.post("/papers/{arxiv_id:path}/not-interested", dependencies=[CsrfProtected], name="not_interested")
def not_interested(
    request: Request, hub: HubDep, user: RequireUser, arxiv_id: str, undo: FormText = "", next: FormText = ""
) -> Response:
    """Hide the paper from the member's for-you list (undo=1 brings it back). JSON for static/personal.js."""
    canonical = hub.set_not_interested(user, arxiv_id, value=undo != "1")
    if wants_json(request):
        return JSONResponse({"arxiv_id": canonical, "not_interested": undo != "1"})
    return _back(next, "/for-you")


# -- follows -----------------------------------------------------------------------------------------------


@router.get("/settings/follows", name="follows")
def follows_page(request: Request, hub: HubDep, user: RequireUser, author: str = "") -> Response:
    """Followed authors and categories; `?author=Name` shows what the hub knows of that name before following."""
    return _follows_page(request, hub, user, author=author[:200])


def _follows_page(
    request: Request, hub: HubDep, user: User, *, author: str = "", error: str | None = None, status: int = 200
) -> Response:
    hint = None
    if author.strip() and error is None:
        try:
            hint = hub.author_hint(author)
        except InvalidInput as exc:
            error, status = str(exc), 400
    follows = hub.follows(user)
    context: dict[str, Any] = {
        "title": "Follows",
        "authors": [f for f in follows if f.kind == "author"],
        "categories": [f for f in follows if f.kind == "category"],
        "hint": hint,
        "author": author,
        "error": error,
        "hint_followed": bool(hint and hub.is_following_authors(user, [hint.label])),
    }
    return render(request, "follows.html", context, status)


@router.post("/settings/follows/author", dependencies=[CsrfProtected])
def follow_author(
    request: Request, hub: HubDep, user: RequireUser, name: FormText = "", next: FormText = "", remove: FormText = ""
) -> Response:
    try:
        if remove == "1":
            hub.unfollow(user, "author", name[:_FORM_LIMIT])
        else:
            hub.follow_author(user, name[:_FORM_LIMIT])
    except InvalidInput as exc:
        return _follows_page(request, hub, user, author=name[:200], error=str(exc), status=400)
    return RedirectResponse(back_to(request, next, "/settings/follows"), status_code=303)


@router.post("/settings/follows/category", dependencies=[CsrfProtected])
def follow_category(
    request: Request,
    hub: HubDep,
    user: RequireUser,
    category: FormText = "",
    next: FormText = "",
    remove: FormText = "",
) -> Response:
    try:
        if remove == "1":
            hub.unfollow(user, "category", category[:64])
        else:
            hub.follow_category(user, category[:64])
    except InvalidInput as exc:
        return _follows_page(request, hub, user, error=str(exc), status=400)
    return _back(next, "/settings/follows")


# -- keyword rules -----------------------------------------------------------------------------------------


@router.get("/settings/rules", name="keyword_rules")
def rules_page(request: Request, hub: HubDep, user: RequireUser) -> Response:
    return _rules_page(request, hub, user)


def _rules_page(
    request: Request, hub: HubDep, user: User, error: str | None = None, status: int = 200, phrase: str = ""
) -> Response:
    rules = hub.keyword_rules(user)
    context = {
        "title": "Keyword rules",
        "include": [r for r in rules if r.kind == "include"],
        "exclude": [r for r in rules if r.kind == "exclude"],
        "error": error,
        "phrase": phrase,
    }
    return render(request, "rules.html", context, status)


@router.post("/settings/rules", dependencies=[CsrfProtected])
def add_rule(request: Request, hub: HubDep, user: RequireUser, kind: FormText = "", phrase: FormText = "") -> Response:
    try:
        hub.add_keyword_rule(user, kind[:20], phrase[:_FORM_LIMIT])
    except InvalidInput as exc:
        return _rules_page(request, hub, user, str(exc), 400, phrase[:200])
    return RedirectResponse("/settings/rules", status_code=303)


@router.post("/settings/rules/{rule_id}/delete", dependencies=[CsrfProtected])
def delete_rule(hub: HubDep, user: RequireUser, rule_id: RowId) -> Response:
    hub.remove_keyword_rule(user, rule_id)
    return RedirectResponse("/settings/rules", status_code=303)


# -- saved searches ----------------------------------------------------------------------------------------


@router.get("/settings/searches", name="saved_searches")
def saved_searches_page(request: Request, hub: HubDep, user: RequireUser) -> Response:
    return _searches_page(request, hub, user)


def _searches_page(request: Request, hub: HubDep, user: User, error: str | None = None, status: int = 200) -> Response:
    searches = hub.saved_searches(user)
    context = {
        "title": "Saved searches",
        "searches": [(s, "/search?" + urlencode({"q": s.query})) for s in searches],
        "matches": hub.saved_search_matches(user.id, limit=20) if searches else [],
        "feed_url": f"/feeds/saved/{hub.saved_searches_feed_key(user)}.atom",
        "error": error,
    }
    return render(request, "saved_searches.html", context, status)


@router.post("/settings/searches", dependencies=[CsrfProtected])
def save_search(request: Request, hub: HubDep, user: RequireUser, q: FormText = "", name: FormText = "") -> Response:
    """The search page's "Save this search" form; a bad query or a taken name re-shows the list with why."""
    try:
        hub.save_search(user, name[:_FORM_LIMIT], q[:_FORM_LIMIT])
    except InvalidInput as exc:
        return _searches_page(request, hub, user, str(exc), 400)
    except Conflict as exc:
        return _searches_page(request, hub, user, str(exc), 409)
    return RedirectResponse("/settings/searches", status_code=303)


@router.post("/settings/searches/{search_id}/delete", dependencies=[CsrfProtected])
def delete_search(hub: HubDep, user: RequireUser, search_id: RowId) -> Response:
    hub.delete_saved_search(user, search_id)
    return RedirectResponse("/settings/searches", status_code=303)


def author_follow_url(name: str) -> str:
    """The follows page showing one author's hint and follow button (linked from paper pages and search)."""
    return "/settings/follows?" + urlencode({"author": name})
