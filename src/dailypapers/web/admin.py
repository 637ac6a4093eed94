"""Moderation pages for admins: the /admin dashboard, the audit log, and the form POSTs that hide, unhide and ban.

Who may moderate is the Hub's rule (PermissionDenied → 403); these routes only parse forms and redirect. Every
form takes its target from a field rather than the path, so the dashboard's forms work without JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.domain.errors import InvalidInput
from dailypapers.hub import Hub
from dailypapers.web.auth import CsrfProtected, RequireUser
from dailypapers.web.discussion import parse_id
from dailypapers.web.pages import parse_page
from dailypapers.web.present import paper_url
from dailypapers.web.templating import render

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

AUDIT_PAGE_SIZE = 50
ReasonField = Annotated[str, Form(max_length=2_000)]


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _to_admin() -> Response:
    return RedirectResponse("/admin", status_code=303)


@router.get("/admin", name="admin")
def admin_home(request: Request, user: RequireUser) -> Response:
    hub = _hub(request)
    overview = hub.moderation_overview(user)
    pending = hub.authorship.review_queue(user, page_size=1).total
    return render(request, "admin.html", {"title": "Moderation", "overview": overview, "pending_claims": pending})


@router.get("/admin/audit", name="admin_audit")
def admin_audit(request: Request, user: RequireUser, p: str | None = None) -> Response:
    page = parse_page(p)
    log = _hub(request).audit_log(user, page=page, page_size=AUDIT_PAGE_SIZE)
    context = {
        "title": "Audit log",
        "log": log,
        "newer_url": f"/admin/audit?p={page - 1}" if page > 1 else None,
        "older_url": f"/admin/audit?p={page + 1}" if log.has_more else None,
    }
    return render(request, "admin_audit.html", context)


# -- papers ------------------------------------------------------------------------------------------------


@router.post("/admin/papers/hide", name="admin_hide_paper", dependencies=[CsrfProtected])
def hide_paper(
    request: Request, user: RequireUser, arxiv_id: Annotated[str, Form()] = "", reason: ReasonField = ""
) -> Response:
    _hub(request).hide_paper(user, _required(arxiv_id, "arXiv id"), reason)
    return _to_admin()


@router.post("/admin/papers/unhide", name="admin_unhide_paper", dependencies=[CsrfProtected])
def unhide_paper(
    request: Request, user: RequireUser, arxiv_id: Annotated[str, Form()] = "", reason: ReasonField = ""
) -> Response:
    _hub(request).unhide_paper(user, _required(arxiv_id, "arXiv id"), reason)
    return _to_admin()


# -- comments ----------------------------------------------------------------------------------------------


@router.post("/admin/comments/hide", name="admin_hide_comment", dependencies=[CsrfProtected])
def hide_comment(
    request: Request,
    user: RequireUser,
    comment_id: Annotated[str, Form()] = "",
    reason: ReasonField = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """`back=thread` (the button under a comment) returns to the paper page; otherwise to /admin."""
    hub = _hub(request)
    cid = _comment_id(comment_id)
    hub.hide_comment(user, cid, reason)
    if back == "thread":
        return RedirectResponse(paper_url(hub.comment(cid).arxiv_id) + "#comments", status_code=303)
    return _to_admin()


@router.post("/admin/comments/unhide", name="admin_unhide_comment", dependencies=[CsrfProtected])
def unhide_comment(
    request: Request, user: RequireUser, comment_id: Annotated[str, Form()] = "", reason: ReasonField = ""
) -> Response:
    _hub(request).unhide_comment(user, _comment_id(comment_id), reason)
    return _to_admin()


# -- accounts ----------------------------------------------------------------------------------------------


@router.post("/admin/users/ban", name="admin_ban_user", dependencies=[CsrfProtected])
def ban_user(
    request: Request, user: RequireUser, username: Annotated[str, Form()] = "", reason: ReasonField = ""
) -> Response:
    _hub(request).ban_user(user, _required(username, "username"), reason)
    return _to_admin()


@router.post("/admin/users/unban", name="admin_unban_user", dependencies=[CsrfProtected])
def unban_user(
    request: Request, user: RequireUser, username: Annotated[str, Form()] = "", reason: ReasonField = ""
) -> Response:
    _hub(request).unban_user(user, _required(username, "username"), reason)
    return _to_admin()


def _required(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidInput(f"enter the {what}")
    return value.strip()


def _comment_id(raw: str) -> int:
    cid = parse_id(raw, "comment id")
    if cid is None:
        raise InvalidInput("enter the comment id")
    return cid
