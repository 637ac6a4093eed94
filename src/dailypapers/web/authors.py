"""Author and organization pages, claiming authorship, editing a paper's links, generated avatars: routes only.

The rules are the Hub's (hub.authors, hub.authorship, hub.paper_links); these routes parse forms, build the views
(web/author_views.py) and redirect. Every POST is CSRF-protected and answers a 303 back to where it came from.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import User
from dailypapers.usecases.authors import ListPage
from dailypapers.web import author_views, present
from dailypapers.web.auth import CsrfProtected, CurrentUser, RequireUser
from dailypapers.web.avatars import avatar_svg
from dailypapers.web.caching import cached_response
from dailypapers.web.discussion import parse_id
from dailypapers.web.pages import HubDep, paper_context, parse_page
from dailypapers.web.templating import render

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
FormText = Annotated[str, Form(max_length=4096)]
AVATAR_MAX_AGE = 86_400  # an avatar depends on the name only; a day spares the server without pinning mistakes


def _list_context(request: Request, hub: HubDep, user: User | None, papers: ListPage, base_url: str) -> dict[str, Any]:
    """Cards of a paged paper list with the viewer's votes and saves, and the paging links."""
    ids = [view.paper.arxiv_id for view in papers.views]

    def url(page: int) -> str:
        return base_url if page <= 1 else f"{base_url}?p={page}"

    return {
        "items": papers.views,
        "authors_of": {
            view.paper.arxiv_id: author_views.author_links(
                view.paper.authors[: present.AUTHORS_SHOWN], papers.verified[view.paper.arxiv_id]
            )
            for view in papers.views
            if view.paper.arxiv_id in papers.verified
        },
        "total": papers.total,
        "first_rank": (papers.page - 1) * papers.page_size + 1,
        "marks": hub.viewer.marks(user, ids),  # the member's votes and saves on the page, one query
        "newer_page_url": url(papers.page - 1) if papers.page > 1 else None,
        "older_page_url": url(papers.page + 1) if papers.has_more else None,
    }


@router.get("/authors/{name:path}", name="author")
def author_page(request: Request, hub: HubDep, user: CurrentUser, name: str, p: str | None = None) -> Response:
    """Papers listing this name, newest first; look-alike spellings as links; the verified members' profiles."""
    page = hub.authors.author_page(name, parse_page(p))
    feed = "/feeds/author/" + quote(page.name, safe="")
    context = {
        "title": page.name,
        "author": page,
        "variants": [(present.Link(v.name, present.author_url(v.name)), v) for v in page.variants],
        "following": bool(hub.is_following_authors(user, [page.name])),
        "self_url": present.author_url(page.name),
        "feed_atom": f"{feed}.atom",
        "feed_rss": f"{feed}.rss",
    }
    base = present.author_url(page.name)
    return render(request, "author.html", context | _list_context(request, hub, user, page.papers, base))


@router.get("/orgs/{name}", name="organization")
def organization_page(request: Request, hub: HubDep, user: CurrentUser, name: str, p: str | None = None) -> Response:
    page = hub.authors.organization_page(name, parse_page(p))
    org = page.organization
    context = {
        "title": org.fullname or org.name,
        "org": org,
        "latest_day_url": present.period_url(hub.latest_day(), org=org.name),
    }
    base = present.org_url(org.name)
    return render(request, "organization.html", context | _list_context(request, hub, user, page.papers, base))


@router.get("/avatar.svg", name="avatar")
def avatar(request: Request, name: str = "") -> Response:
    """An initials avatar drawn here for any name (web/avatars.py): no reader's browser asks a third party."""
    body = avatar_svg(name[:100]).encode()
    return cached_response(request, body, "image/svg+xml", max_age=AVATAR_MAX_AGE)


# -- claims ------------------------------------------------------------------------------------------------


@router.post("/papers/{arxiv_id:path}/claim", name="claim_authorship", dependencies=[CsrfProtected])
def claim_authorship(
    request: Request, hub: HubDep, user: RequireUser, arxiv_id: str, author: FormText = ""
) -> Response:
    """File a claim to be `author` (the name as listed) of the paper; an admin reviews it at /admin/claims."""
    if not author.strip():
        raise InvalidInput("choose the author name you claim, as the paper lists it")
    claim = hub.authorship.claim(user, arxiv_id, author)
    return RedirectResponse(present.paper_url(claim.arxiv_id) + "#authorship", status_code=303)


@router.post("/settings/papers/{claim_id}/visibility", name="claimed_paper_visibility", dependencies=[CsrfProtected])
def claimed_paper_visibility(
    request: Request, hub: HubDep, user: RequireUser, claim_id: str, hidden: FormText = ""
) -> Response:
    """Show (`hidden=0`) or hide (`hidden=1`) one of the member's verified papers on the profile."""
    if hidden not in ("0", "1"):
        raise InvalidInput("hidden must be 1 (hide the paper from your profile) or 0 (show it)")
    number = parse_id(claim_id, "claim id")
    if number is None:
        raise InvalidInput("name the claim")
    hub.authorship.set_hidden(user, number, hidden == "1")
    return RedirectResponse(present.user_url(user.username) + "#papers", status_code=303)


# -- links -------------------------------------------------------------------------------------------------


@router.post("/papers/{arxiv_id:path}/links", name="edit_paper_links", dependencies=[CsrfProtected])
def edit_paper_links(
    request: Request,
    hub: HubDep,
    user: RequireUser,
    arxiv_id: str,
    github_repo: FormText = "",
    project_page: FormText = "",
    organization: FormText = "",
) -> Response:
    """Set the code link, project page and organization (a verified author, the submitter or an admin); a bad value
    re-shows the paper page with the form, the values typed and the reason."""
    values = {"github_repo": github_repo, "project_page": project_page, "organization": organization}
    try:
        view = hub.paper_links.edit(user, arxiv_id, values)
    except InvalidInput as exc:
        view = hub.paper_view(arxiv_id)
        context = paper_context(view, hub, user) | author_views.paper_authorship(hub, view, user)
        context |= {"links_error": str(exc), "links_typed": values}
        return render(request, "paper.html", context, 400)
    return RedirectResponse(present.paper_url(view.paper.arxiv_id) + "#links", status_code=303)
