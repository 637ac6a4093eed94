"""Admin review of authorship claims: the queue at /admin/claims and the approve / reject form POSTs.

Who may decide, and what a decision does (audit entry, mail to the member), is hub.authorship's rule; these routes
parse forms and redirect back to the queue.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.domain.errors import InvalidInput
from dailypapers.web import author_views
from dailypapers.web.auth import CsrfProtected, RequireUser
from dailypapers.web.discussion import parse_id
from dailypapers.web.pages import HubDep, parse_page
from dailypapers.web.templating import render

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
ReasonField = Annotated[str, Form(max_length=2_000)]


def _claim_id(raw: str) -> int:
    number = parse_id(raw, "claim id")
    if number is None:
        raise InvalidInput("name the claim")
    return number


def _to_queue(page: str) -> Response:
    return RedirectResponse("/admin/claims" + (f"?p={page}" if page.isdigit() and page != "1" else ""), status_code=303)


@router.get("/admin/claims", name="admin_claims")
def review_queue(request: Request, hub: HubDep, user: RequireUser, p: str | None = None) -> Response:
    page = parse_page(p)
    queue = hub.authorship.review_queue(user, page)
    rows = [
        (review, author_views.author_links(review.paper.authors, {}), review.claim.author) for review in queue.reviews
    ]
    context = {
        "title": "Authorship claims",
        "queue": queue,
        "rows": rows,
        "page": page,
        "newer_url": f"/admin/claims?p={page - 1}" if page > 1 else None,
        "older_url": f"/admin/claims?p={page + 1}" if queue.has_more else None,
    }
    return render(request, "admin_claims.html", context)


@router.post("/admin/claims/{claim_id}/approve", name="admin_approve_claim", dependencies=[CsrfProtected])
def approve_claim(
    request: Request, hub: HubDep, user: RequireUser, claim_id: str, p: Annotated[str, Form()] = ""
) -> Response:
    hub.authorship.approve(user, _claim_id(claim_id))
    return _to_queue(p)


@router.post("/admin/claims/{claim_id}/reject", name="admin_reject_claim", dependencies=[CsrfProtected])
def reject_claim(
    request: Request,
    hub: HubDep,
    user: RequireUser,
    claim_id: str,
    reason: ReasonField = "",
    p: Annotated[str, Form()] = "",
) -> Response:
    """Reject a pending claim, or withdraw an approved one; the reason goes into the mail and the audit log."""
    hub.authorship.reject(user, _claim_id(claim_id), reason)
    return _to_queue(p)
