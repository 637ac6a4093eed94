"""Account pages: sign-in by emailed link, sign-out, settings (display name, API tokens, email digest), profiles,
whoami.

Every state change here is a POST behind CsrfProtected; the Hub does the work, web/auth.py owns cookies.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from dailypapers.domain.digest import FREQUENCY_LABELS
from dailypapers.domain.errors import InvalidInput, SourceError
from dailypapers.domain.models import ApiToken, User
from dailypapers.hub import Hub
from dailypapers.usecases.accounts import SIGN_IN_LINK_PATH, safe_next_path
from dailypapers.web.auth import (
    AUTH_RESPONSES,
    ApiCredentials,
    CsrfProtected,
    CurrentUser,
    ReadUser,
    RequireUser,
    authenticate,
    clear_session_cookie,
    session_token,
    set_session_cookie,
)
from dailypapers.web.sanity import RowId
from dailypapers.web.templating import render

html = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)  # pages stay out of OpenAPI
api = APIRouter(prefix="/api", tags=["accounts"], dependencies=[ApiCredentials])

NO_STORE = {"Cache-Control": "no-store"}  # pages with secrets (a new token, a sign-in link) stay out of caches


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]
FormText = Annotated[str, Form()]


def _client(request: Request) -> str:
    # Behind a reverse proxy, run uvicorn with --proxy-headers so this is the visitor's address.
    return request.client.host if request.client else "unknown"


# -- sign in / out -----------------------------------------------------------------------------------------


@html.get("/signin", name="signin")
def signin_form(request: Request, user: CurrentUser, next: str | None = None) -> Response:
    return _signin_page(request, user, next_path=safe_next_path(next))


def _signin_page(
    request: Request, user: User | None, *, next_path: str, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    context = {"title": "Sign in", "next": next_path, "email": email, "error": error, "signed_in_as": user}
    return render(request, "signin.html", context, status)


@html.post("/signin", dependencies=[CsrfProtected])
def signin_request(
    request: Request, hub: HubDep, user: CurrentUser, email: FormText = "", next: FormText = "/"
) -> Response:
    """Mail a sign-in link. The answer is the same whether or not an account exists for the address."""
    next_path = safe_next_path(next)
    try:
        address = hub.request_sign_in(email, client=_client(request), next_path=next_path)
    except InvalidInput as exc:
        return _signin_page(request, user, next_path=next_path, email=email[:320], error=str(exc), status=400)
    except SourceError:
        message = "We could not send the mail just now. Please try again in a few minutes."
        return _signin_page(request, user, next_path=next_path, email=email[:320], error=message, status=503)
    context = {"title": "Check your email", "email": address, "minutes": hub.settings.login_link_minutes}
    return render(request, "signin_sent.html", context)


@html.get(SIGN_IN_LINK_PATH, name="signin_confirm")
def signin_link(request: Request, hub: HubDep, token: str = "", next: str | None = None) -> Response:
    """The emailed link shows a button; only its POST signs in, so mail scanners that open links use nothing."""
    email = hub.sign_in_link_email(token) if token else None
    if email is None:
        return _invalid_link(request)
    context = {"title": "Sign in", "token": token, "email": email, "next": safe_next_path(next)}
    response = render(request, "signin_confirm.html", context)
    response.headers.update(NO_STORE)
    return response


def _invalid_link(request: Request) -> Response:
    response = render(request, "signin_invalid.html", {"title": "Sign-in link not valid"}, 400)
    response.headers.update(NO_STORE)
    return response


@html.post(SIGN_IN_LINK_PATH, dependencies=[CsrfProtected])
def signin_complete(request: Request, hub: HubDep, token: FormText = "", next: FormText = "/") -> Response:
    try:
        _user, session = hub.complete_sign_in(token, previous_session=session_token(request))
    except InvalidInput:
        return _invalid_link(request)
    response = RedirectResponse(safe_next_path(next), status_code=303)
    set_session_cookie(response, request, session)
    return response


@html.post("/signout", dependencies=[CsrfProtected])
def signout(request: Request, hub: HubDep) -> Response:
    session = session_token(request)
    if session:
        hub.sign_out(session)
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, request)
    return response


# -- settings ----------------------------------------------------------------------------------------------


@html.get("/settings", name="settings")
def settings_page(request: Request, hub: HubDep, user: RequireUser) -> Response:
    return settings_response(request, hub, user)


def settings_response(
    request: Request,
    hub: Hub,
    user: User,
    *,
    new_token: tuple[ApiToken, str] | None = None,
    error: str | None = None,
    status: int = 200,
    digest_form: dict[str, str] | None = None,
) -> Response:
    context: dict[str, Any] = {
        "title": "Settings",
        "user": user,
        "tokens": hub.api_tokens(user),
        "new_token": new_token,
        "error": error,
        # The email digest section: the account's own subscription (None: never subscribed) and the form values.
        "subscription": hub.account_subscription(user),
        "digest_frequencies": tuple(FREQUENCY_LABELS.items()),
        "digest_form": digest_form,
    }
    response = render(request, "settings.html", context, status)
    response.headers.update(NO_STORE)
    return response


@html.post("/settings/profile", dependencies=[CsrfProtected])
def settings_profile(request: Request, hub: HubDep, user: RequireUser, display_name: FormText = "") -> Response:
    try:
        hub.set_display_name(user, display_name)
    except InvalidInput as exc:
        return settings_response(request, hub, user, error=str(exc), status=400)
    return RedirectResponse("/settings", status_code=303)


@html.post("/settings/tokens", dependencies=[CsrfProtected])
def settings_create_token(
    request: Request, hub: HubDep, user: RequireUser, name: FormText = "", scope: FormText = "read"
) -> Response:
    """The new secret is shown on this response only (never stored, never redirected through a URL)."""
    try:
        created = hub.create_api_token(user, name, scope)
    except InvalidInput as exc:
        return settings_response(request, hub, user, error=str(exc), status=400)
    return settings_response(request, hub, user, new_token=created)


@html.post("/settings/tokens/{token_id}/revoke", dependencies=[CsrfProtected])
def settings_revoke_token(hub: HubDep, user: RequireUser, token_id: RowId) -> Response:
    hub.revoke_api_token(user, token_id)
    return RedirectResponse("/settings", status_code=303)


# -- profiles ----------------------------------------------------------------------------------------------


@html.get("/u/{username}", name="profile")
def profile_page(request: Request, hub: HubDep, viewer: CurrentUser, username: str) -> Response:
    profile = hub.profile(username)
    own = viewer is not None and viewer.id == profile.user.id
    context = {
        "title": profile.user.display_name,
        "profile": profile,
        "feed_key": hub.for_you_feed_key(profile.user),
        # Verified authorship first, as on Hugging Face; the owner also sees hidden ones (to show them again).
        "claimed": hub.authorship.profile_papers(profile.user, viewer),
        "own": own,
        "open_claims": [c for c in hub.authorship.member_claims(profile.user) if not c.is_verified] if own else [],
    }
    return render(request, "profile.html", context)


# -- API ---------------------------------------------------------------------------------------------------


class AccessToken(BaseModel):
    role: str = Field(description="`read` or `write`; a browser session has `write`.")


class WhoAmIAuth(BaseModel):
    type: str = Field(description="`access_token` (an API token) or `session` (a browser).")
    accessToken: AccessToken


class WhoAmI(BaseModel):
    """The signed-in account, shaped like Hugging Face's `whoami-v2` so its clients can read it."""

    type: str = "user"
    id: str
    name: str = Field(description="The username.")
    fullname: str = Field(description="The display name.")
    isPro: bool = False
    avatarUrl: str | None = None
    orgs: list[str] = Field(default_factory=list)
    auth: WhoAmIAuth


@api.get("/whoami-v2", response_model=WhoAmI, responses=AUTH_RESPONSES)
def whoami(request: Request, user: ReadUser) -> WhoAmI:
    """Who the API token (or browser session) belongs to."""
    auth = authenticate(request)
    return WhoAmI(
        id=str(user.id),
        name=user.username,
        fullname=user.display_name,
        auth=WhoAmIAuth(
            type="access_token" if auth.via == "token" else "session",
            accessToken=AccessToken(role="write" if "write" in auth.scopes else "read"),
        ),
    )


router = APIRouter()  # what app.py includes: the pages and the API route
router.include_router(html)
router.include_router(api)
