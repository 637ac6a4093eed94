"""The library pages: collections, the save button, BibTeX / RIS / CSL-JSON export and import, account data.

The Hub decides (usecases/library.py); these routes parse forms, pick HTML, JSON, a file or a redirect, and re-show
a form with its error. Every POST is CSRF-protected. Pages of someone's private collection are 404, like a missing
one. Owner-only actions live under /library/c/{slug}/…, where the collection is looked up among the signed-in
member's own, so no URL can name another member's collection to change it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from dailypapers.domain.errors import InvalidInput, PermissionDenied
from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.references import FORMATS, ReferenceFormat
from dailypapers.usecases.accounts import safe_next_path
from dailypapers.usecases.library import IMPORTED_NAME, MAX_IMPORT_BYTES
from dailypapers.web import present
from dailypapers.web.auth import CsrfProtected, CurrentUser, RequireUser, clear_session_cookie
from dailypapers.web.pages import HubDep, back_to, parse_page, wants_json
from dailypapers.web.templating import render

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
FormText = Annotated[str, Form()]
NO_STORE = {"Cache-Control": "no-store"}
_FORM_LIMIT = 4096  # over every length the Hub accepts, so it gives the precise message
_EXTENSIONS: dict[str, ReferenceFormat] = {ext: fmt for fmt, (ext, _media) in FORMATS.items()}
_IMPORT_SLACK = 64 * 1024  # multipart headers and the other fields around the file


def _back(next_path: str, fallback: str) -> str:
    return safe_next_path(next_path) if next_path else fallback


def collection_url(username: str, slug: str) -> str:
    # Usernames and slugs are both [a-z0-9-] (deleted accounts have no pages), so nothing needs quoting.
    return f"/u/{username}/c/{slug}"


# -- the save button ---------------------------------------------------------------------------------------


def _desired(raw: str) -> bool | None:
    """The form's `save` field: "1" save, "0" unsave, absent or empty: toggle."""
    if not raw:
        return None
    if raw not in ("0", "1"):
        raise InvalidInput("save must be 1 (save) or 0 (remove from Saved)")
    return raw == "1"


@router.post("/papers/{arxiv_id:path}/save", dependencies=[CsrfProtected], name="save_paper")
def save(
    request: Request, hub: HubDep, user: RequireUser, arxiv_id: str, save: FormText = "", next: FormText = ""
) -> Response:
    """The save button. Without JavaScript: a 303 back to the page it was on (`back_to`). With (static/post_form.js,
    which asks for JSON): {arxiv_id, saved}. The form says which state it wants, so a double submit is harmless."""
    state = hub.set_saved(user, arxiv_id[:_FORM_LIMIT], _desired(save))
    if wants_json(request):
        return JSONResponse({"arxiv_id": state.arxiv_id, "saved": state.saved})
    return RedirectResponse(back_to(request, next, present.paper_url(state.arxiv_id)), status_code=303)


# -- my library --------------------------------------------------------------------------------------------


@router.get("/library", name="library")
def library(request: Request, hub: HubDep, user: RequireUser) -> Response:
    return _library_page(request, hub, user)


def _library_page(request: Request, hub: Hub, user: User, *, error: str | None = None, status: int = 200) -> Response:
    context = {
        "title": "Your library",
        "nav_current": "/library",
        "user": user,
        "collections": hub.collections(user),
        "error": error,
        "imported_name": IMPORTED_NAME,
        "max_import_mb": MAX_IMPORT_BYTES // (1024 * 1024),
    }
    response = render(request, "library.html", context, status)
    response.headers.update(NO_STORE)
    return response


@router.get("/library/new", name="library_new")
def new_collection_form(request: Request, user: RequireUser) -> Response:
    return _collection_form(request, user, {"name": "", "description": "", "visibility": "private"})


def _collection_form(
    request: Request,
    user: User,
    values: dict[str, str],
    *,
    slug: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "title": "Edit collection" if slug else "New collection",
        "user": user,
        "values": values,
        "slug": slug,
        "error": error,
    }
    return render(request, "collection_form.html", context, status)


@router.post("/library/new", dependencies=[CsrfProtected])
def create_collection(
    request: Request,
    hub: HubDep,
    user: RequireUser,
    name: FormText = "",
    description: FormText = "",
    visibility: FormText = "private",
) -> Response:
    values = {"name": name[:_FORM_LIMIT], "description": description[:_FORM_LIMIT], "visibility": visibility}
    try:
        collection = hub.create_collection(user, values["name"], values["description"], is_public=_public(visibility))
    except (InvalidInput, PermissionDenied) as exc:
        return _collection_form(request, user, values, error=str(exc), status=400)
    return RedirectResponse(collection_url(user.username, collection.slug), status_code=303)


def _public(visibility: str) -> bool:
    if visibility not in ("public", "private"):
        raise InvalidInput("visibility must be public or private")
    return visibility == "public"


@router.get("/library.{ext}", name="library_export")
def export_library(hub: HubDep, user: RequireUser, ext: str) -> Response:
    """Every paper of every collection of the member, as a download."""
    fmt = _format(ext)
    return _file(hub.export_library(user, fmt), fmt, f"library.{ext}")


def _format(ext: str) -> ReferenceFormat:
    fmt = _EXTENSIONS.get(ext)
    if fmt is None:
        raise InvalidInput(f"export formats are .bib (BibTeX), .ris (RIS) and .json (CSL-JSON), not .{ext[:20]}")
    return fmt


def _file(text: str, fmt: ReferenceFormat, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-cache"}
    return Response(text.encode("utf-8"), media_type=FORMATS[fmt][1], headers=headers)


# -- import ------------------------------------------------------------------------------------------------


def _limit_upload(request: Request) -> None:
    """Refuse an announced oversized upload before the form (and its CSRF token) is even parsed. Uploads without
    a Content-Length are bounded by reading at most the limit below; put a body limit in the reverse proxy too."""
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > MAX_IMPORT_BYTES + _IMPORT_SLACK:
        raise HTTPException(413, _too_large())


@router.post("/library/import", dependencies=[Depends(_limit_upload), CsrfProtected], name="library_import")
async def import_file(
    request: Request,
    hub: HubDep,
    user: RequireUser,
    file: Annotated[UploadFile | None, File()] = None,
    name: FormText = IMPORTED_NAME,
) -> Response:
    """A BibTeX or RIS upload; the answer lists what went into which collection and what was not found."""
    if file is None or not file.filename:
        error = "Choose a BibTeX (.bib) or RIS (.ris) file to import."
        return await run_in_threadpool(_library_page, request, hub, user, error=error, status=400)
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return await run_in_threadpool(_library_page, request, hub, user, error=_too_large(), status=413)
    try:
        # The Hub is synchronous (database, arXiv): run it in the thread pool, as FastAPI does for sync routes.
        report = await run_in_threadpool(hub.import_references, user, data, name[:_FORM_LIMIT] or IMPORTED_NAME)
    except (InvalidInput, PermissionDenied) as exc:
        error = f"{file.filename[:100]}: {exc}"
        return await run_in_threadpool(_library_page, request, hub, user, error=error, status=400)
    context = {"title": "Import done", "user": user, "report": report, "filename": file.filename[:200]}
    response = render(request, "library_import.html", context)
    response.headers.update(NO_STORE)
    return response


def _too_large() -> str:
    return f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it and import the parts."


# -- one collection ----------------------------------------------------------------------------------------


@router.get("/u/{username}/c/{slug}.{ext}", name="collection_export")
def export_collection(hub: HubDep, viewer: CurrentUser, username: str, slug: str, ext: str) -> Response:
    fmt = _format(ext)
    text = hub.export_collection(viewer, username, slug, fmt)
    return _file(text, fmt, f"{slug}.{ext}")


@router.get("/u/{username}/c/{slug}", name="collection")
def collection_page(
    request: Request, hub: HubDep, viewer: CurrentUser, username: str, slug: str, p: str | None = None
) -> Response:
    page = hub.collection_page(viewer, username, slug, parse_page(p))
    base = collection_url(page.owner.username, page.collection.slug)
    context: dict[str, Any] = {
        "title": page.collection.name,
        "page": page,
        "collection_url": base,
        "exports": [(label, f"{base}.{FORMATS[fmt][0]}") for fmt, label in _EXPORT_LABELS],
        "marks": hub.viewer.marks(viewer, [e.view.paper.arxiv_id for e in page.entries]),
        "newer_page_url": f"{base}?p={page.page - 1}" if page.page > 1 else None,
        "older_page_url": f"{base}?p={page.page + 1}" if page.has_more else None,
    }
    response = render(request, "collection.html", context)
    if not page.collection.is_public:
        response.headers.update(NO_STORE)
    return response


_EXPORT_LABELS: tuple[tuple[ReferenceFormat, str], ...] = (
    ("bibtex", "BibTeX"),
    ("ris", "RIS"),
    ("csl-json", "CSL-JSON"),
)


@router.get("/library/c/{slug}/edit", name="collection_edit")
def edit_form(request: Request, hub: HubDep, user: RequireUser, slug: str) -> Response:
    collection = hub.own_collection(user, slug)
    values = {
        "name": collection.name,
        "description": collection.description,
        "visibility": "public" if collection.is_public else "private",
    }
    return _collection_form(request, user, values, slug=collection.slug)


@router.post("/library/c/{slug}/edit", dependencies=[CsrfProtected])
def edit(
    request: Request,
    hub: HubDep,
    user: RequireUser,
    slug: str,
    name: FormText = "",
    description: FormText = "",
    visibility: FormText = "private",
) -> Response:
    values = {"name": name[:_FORM_LIMIT], "description": description[:_FORM_LIMIT], "visibility": visibility}
    try:
        collection = hub.update_collection(
            user, slug, name=values["name"], description=values["description"], is_public=_public(visibility)
        )
    except (InvalidInput, PermissionDenied) as exc:
        return _collection_form(request, user, values, slug=slug, error=str(exc), status=400)
    return RedirectResponse(collection_url(user.username, collection.slug), status_code=303)


@router.post("/library/c/{slug}/delete", dependencies=[CsrfProtected])
def delete(hub: HubDep, user: RequireUser, slug: str) -> Response:
    hub.delete_collection(user, slug)
    return RedirectResponse("/library", status_code=303)


@router.post("/library/c/{slug}/add", dependencies=[CsrfProtected])
def add(hub: HubDep, user: RequireUser, slug: str, arxiv: FormText = "", next: FormText = "") -> Response:
    if not arxiv.strip():
        raise InvalidInput("enter an arXiv id or URL to add")
    hub.add_to_collection(user, slug, arxiv[:_FORM_LIMIT])
    return RedirectResponse(_back(next, collection_url(user.username, slug)), status_code=303)


@router.post("/library/c/{slug}/items/{arxiv_id:path}/remove", dependencies=[CsrfProtected])
def remove(hub: HubDep, user: RequireUser, slug: str, arxiv_id: str) -> Response:
    hub.remove_from_collection(user, slug, arxiv_id)
    return RedirectResponse(collection_url(user.username, slug), status_code=303)


@router.post("/library/c/{slug}/items/{arxiv_id:path}/note", dependencies=[CsrfProtected])
def note(hub: HubDep, user: RequireUser, slug: str, arxiv_id: str, note: FormText = "") -> Response:
    hub.set_note(user, slug, arxiv_id, note[:_FORM_LIMIT])
    anchor = "#paper-" + arxiv_id.replace("/", "-")
    return RedirectResponse(collection_url(user.username, slug) + anchor, status_code=303)


# -- your data ---------------------------------------------------------------------------------------------


@router.get("/settings/data", name="settings_data")
def data_page(request: Request, user: RequireUser) -> Response:
    return _data_page(request, user)


def _data_page(request: Request, user: User, *, error: str | None = None, status: int = 200) -> Response:
    response = render(request, "settings_data.html", {"title": "Your data", "user": user, "error": error}, status)
    response.headers.update(NO_STORE)
    return response


@router.get("/settings/data/export.json", name="account_export")
def account_export(hub: HubDep, user: RequireUser) -> Response:
    """Everything about the account as one JSON download (GET: it changes nothing; never cached)."""
    body = json.dumps(hub.account_export(user), ensure_ascii=False, indent=2) + "\n"
    filename = f"dailypapers-{user.username}.json"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', **NO_STORE}
    return Response(body.encode("utf-8"), media_type="application/json", headers=headers)


@router.post("/settings/data/delete", dependencies=[CsrfProtected], name="account_delete")
def delete_account(
    request: Request, hub: HubDep, user: RequireUser, confirm: FormText = "", comments: FormText = ""
) -> Response:
    if comments not in ("keep", "remove"):
        return _data_page(request, user, error="Choose what happens to your comments.", status=400)
    try:
        hub.delete_account(user, confirm_username=confirm[:_FORM_LIMIT], remove_comments=comments == "remove")
    except InvalidInput as exc:
        return _data_page(request, user, error=str(exc), status=400)
    # A redirect, not a page: this request's cached sign-in still names the account, the next one names no one.
    response = RedirectResponse("/account-deleted", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/account-deleted", name="account_deleted")
def account_deleted(request: Request) -> Response:
    return render(request, "account_deleted.html", {"title": "Account deleted"})
