"""Digest subscription pages: subscribe (double opt-in), confirm, one-click unsubscribe, view in browser, admin
preview, and a signed-in account's own subscription in /settings (no confirmation mail: signing in proved the
address). Views call the Hub's DigestsMixin and render; the rules (tokens, rate limits, no enumeration) live there.
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.domain.digest import FREQUENCY_LABELS
from dailypapers.domain.errors import InvalidInput
from dailypapers.hub import Hub
from dailypapers.usecases.digests import DigestsMixin
from dailypapers.web.account_pages import settings_response
from dailypapers.web.auth import CSRF_EXEMPT, CsrfProtected, CurrentUser, RequireUser
from dailypapers.web.templating import render

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

# The digest pages carry the mail's inlined styles (style attributes); they load nothing and run no script.
DIGEST_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
FREQUENCY_CHOICES = tuple(FREQUENCY_LABELS.items())


def _hub(request: Request) -> DigestsMixin:
    return cast(DigestsMixin, request.app.state.hub)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _form_context(**values: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "title": "Email digests",
        "frequencies": FREQUENCY_CHOICES,
        "email": "",
        "frequency": "daily",
        "categories": "",
        "include": "",
        "exclude": "",
        "error": None,
    }
    context.update(values)
    return context


@router.get("/subscribe", name="subscribe")
def subscribe_form(request: Request, user: CurrentUser) -> Response:
    return render(request, "subscribe.html", _form_context(email=user.email if user else ""))


@router.post("/subscribe", dependencies=[CsrfProtected])
def subscribe(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    frequency: Annotated[str, Form(max_length=32)] = "daily",
    categories: Annotated[str, Form(max_length=2000)] = "",
    include: Annotated[str, Form(max_length=2000)] = "",
    exclude: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Same answer for new, pending and existing addresses: "check your inbox"."""
    values = {"email": email, "frequency": frequency, "categories": categories, "include": include, "exclude": exclude}
    try:
        address = _hub(request).subscribe(
            email, frequency, categories=categories, include=include, exclude=exclude, client=_client(request)
        )
    except InvalidInput as exc:
        return render(request, "subscribe.html", _form_context(**values, error=str(exc)), 400)
    return render(request, "subscribe_sent.html", {"title": "Check your inbox", "email": address})


@router.post("/settings/subscription", dependencies=[CsrfProtected])
def settings_subscription(
    request: Request,
    user: RequireUser,
    frequency: Annotated[str, Form(max_length=32)] = "daily",
    categories: Annotated[str, Form(max_length=2000)] = "",
    include: Annotated[str, Form(max_length=2000)] = "",
    exclude: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Subscribe the account's own address or change frequency and topics; active at once."""
    hub = cast(Hub, request.app.state.hub)
    try:
        hub.set_account_subscription(user, frequency, categories=categories, include=include, exclude=exclude)
    except InvalidInput as exc:
        form = {"frequency": frequency, "categories": categories, "include": include, "exclude": exclude}
        return settings_response(request, hub, user, error=str(exc), status=400, digest_form=form)
    return RedirectResponse("/settings#digest", status_code=303)


@router.post("/settings/subscription/unsubscribe", dependencies=[CsrfProtected])
def settings_unsubscribe(request: Request, user: RequireUser) -> Response:
    _hub(request).unsubscribe_account(user)
    return RedirectResponse("/settings#digest", status_code=303)


@router.get("/subscribe/confirm/{token}")
def confirm_form(request: Request, token: str) -> Response:
    """A GET never confirms (mail scanners follow links): it shows a button that POSTs."""
    subscriber = _hub(request).subscription_for_link(token)
    if subscriber is None:
        return render(request, "subscribe_invalid.html", {"title": "Link not valid"}, 400)
    return render(
        request,
        "subscribe_confirm.html",
        {"title": "Confirm your subscription", "email": subscriber.email, "token": token},
    )


@router.post("/subscribe/confirm/{token}", dependencies=[CsrfProtected])
def confirm(request: Request, token: str) -> Response:
    try:
        subscriber = _hub(request).confirm_subscription(token)
    except InvalidInput:
        return render(request, "subscribe_invalid.html", {"title": "Link not valid"}, 400)
    return render(
        request,
        "subscribe_done.html",
        {"title": "Subscribed", "subscriber": subscriber, "kind": dict(FREQUENCY_CHOICES)[subscriber.frequency]},
    )


@router.get("/unsubscribe/{token}")
def unsubscribe_form(request: Request, token: str) -> Response:
    subscriber = _hub(request).unsubscribe_target(token)  # InvalidInput → 400 page
    return render(
        request,
        "unsubscribe.html",
        {"title": "Unsubscribe", "email": subscriber.email, "token": token, "active": subscriber.is_active},
    )


@router.post("/unsubscribe/{token}", openapi_extra=CSRF_EXEMPT)
def unsubscribe(request: Request, token: str) -> Response:
    """RFC 8058 one-click: mail providers POST `List-Unsubscribe=One-Click` with no cookie and no CSRF token. The
    signed token is the credential; the worst a forged POST can do is what the link's owner asked for."""
    subscriber = _hub(request).unsubscribe(token)
    return render(request, "unsubscribe_done.html", {"title": "Unsubscribed", "email": subscriber.email})


@router.get("/digest/preview")
def preview(request: Request, user: RequireUser, frequency: str = "daily") -> Response:
    html = _hub(request).digest_preview(user, frequency)  # PermissionDenied for non-admins
    return HTMLResponse(
        html, headers={"Content-Security-Policy": DIGEST_PAGE_CSP, "Cache-Control": "private, no-store"}
    )


@router.get("/digest/{digest_id}/view/{token}")
def view(request: Request, digest_id: int, token: str) -> Response:
    html = _hub(request).digest_page(digest_id, token)
    headers = {"Content-Security-Policy": DIGEST_PAGE_CSP, "Cache-Control": "private, no-store"}
    return HTMLResponse(html, headers={**headers, "X-Robots-Tag": "noindex"})
