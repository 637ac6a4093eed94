"""Authors keep their paper right: who may edit a paper's code link, project page and organization, and the edit.

The verified authors (usecases/authorship.py), the member who submitted it to the feed, and admins may; nobody
else, and a pending or rejected claim gives no right. URLs must be https without credentials; GitHub links are
normalised to https://github.com/OWNER/NAME (domain/authors.py). Every change is audited; from the first edit on,
imports and upstream syncs no longer change these fields (domain/merging.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.authors import PaperLinks, github_repo_url, https_url, organization_name
from dailypapers.domain.errors import InvalidInput, PaperNotFound, PermissionDenied
from dailypapers.domain.models import PaperView, User
from dailypapers.ports import Clock, PaperStore, RateLimiter, SearchEngine
from dailypapers.ports.authors import AuthorStore, ClaimStore
from dailypapers.settings import Settings

LINK_FIELDS = ("github_repo", "project_page", "organization")
_LABELS = {"github_repo": "code", "project_page": "project page", "organization": "organization"}


def current_links(view: PaperView) -> PaperLinks:
    """The links as pages show them now (the organization an author set, else the feed entry's)."""
    org = view.organization.name if view.organization else None
    return PaperLinks(view.paper.github_repo, view.paper.project_page, org)


class PaperLinkEditor:
    """Edit rights and edits of paper links; built by the Hub as `hub.paper_links`."""

    def __init__(
        self,
        settings: Settings,
        authors: AuthorStore,
        papers: PaperStore,
        claims: ClaimStore,
        search_engine: SearchEngine,
        rate_limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.authors = authors
        self.papers = papers
        self.claims = claims
        self.search_engine = search_engine
        self.rate_limiter = rate_limiter
        self.clock = clock

    def may_edit(self, user: User | None, view: PaperView, verified: Mapping[str, User] | None = None) -> bool:
        """Whether `user` may edit this paper's links: a verified author, its local submitter, or an admin.
        `verified` (author name → member, for this paper) saves the query when the caller has it."""
        if user is None or user.is_banned or user.is_deleted:
            return False
        if user.is_admin:
            return True
        entry = view.entry
        if entry is not None and entry.source == "user" and entry.submitter_id == user.id:
            return True
        if verified is None:
            verified = self.claims.verified_authors([view.paper.arxiv_id]).get(view.paper.arxiv_id, {})
        return any(member.id == user.id for member in verified.values())

    def edit(self, user: User, arxiv_id: str, changes: Mapping[str, str | None]) -> PaperView:
        """Set the given fields (`github_repo`, `project_page`, `organization`; an absent one stays, None or ""
        clears it). Returns the paper as now shown. Raises PaperNotFound, PermissionDenied, InvalidInput (a bad
        URL or name, said which), RateLimited."""
        view = self._view(arxiv_id)
        if not self.may_edit(user, view):
            raise PermissionDenied(
                "only a verified author of this paper, the member who submitted it, or an admin can edit its links"
            )
        unknown = set(changes) - set(LINK_FIELDS)
        if unknown:
            raise InvalidInput(f"unknown link field {sorted(unknown)[0]!r}; use {', '.join(LINK_FIELDS)}")
        before = current_links(view)
        after = PaperLinks(
            github_repo_url(changes["github_repo"]) if "github_repo" in changes else before.github_repo,
            https_url(changes["project_page"], "project page") if "project_page" in changes else before.project_page,
            organization_name(changes["organization"]) if "organization" in changes else before.organization,
        )
        if after == before:
            return view
        self.rate_limiter.hit("links", str(user.id), self.settings.rate_limit_links)
        detail = "; ".join(
            f"{_LABELS[name]}: {getattr(before, name) or '(none)'} → {getattr(after, name) or '(none)'}"
            for name in LINK_FIELDS
            if getattr(before, name) != getattr(after, name)
        )
        self.authors.set_paper_links(view.paper.arxiv_id, after, actor_id=user.id, detail=detail, now=self.clock.now())
        self.search_engine.index_ids([view.paper.arxiv_id])  # "has code" is a search filter
        return self._view(view.paper.arxiv_id)

    def _view(self, arxiv_id: str) -> PaperView:
        ref = parse_arxiv_ref(arxiv_id)
        view = self.papers.paper_views([ref.arxiv_id]).get(ref.arxiv_id)
        if view is None:
            raise PaperNotFound(ref.arxiv_id)
        return view
