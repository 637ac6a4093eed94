"""Author and organization pages: the papers listing a name (with its look-alike spellings and verified members)
and the papers of an organization. Read-only; claims are usecases/authorship.py's.
"""

from __future__ import annotations

from dataclasses import dataclass

from dailypapers.domain.authors import NameVariant, clean_author_name, initials_key, name_variants, organization_lookup
from dailypapers.domain.errors import InvalidInput, NotFound
from dailypapers.domain.models import Organization, PaperView, User
from dailypapers.domain.paging import Paginated
from dailypapers.ports import PaperStore, UpstreamStore
from dailypapers.ports.authors import AuthorStore, ClaimStore

PAGE_SIZE = 20
MAX_SPELLINGS = 50  # spellings sharing an initials key looked at; common keys ("j wang") have hundreds


@dataclass(frozen=True, slots=True)
class ListPage(Paginated):
    """One page of papers, newest published first, with the verified authors of those papers."""

    views: list[PaperView]
    total: int
    page: int
    page_size: int
    verified: dict[str, dict[str, User]]  # arXiv id → author name → verified member


@dataclass(frozen=True, slots=True)
class AuthorPage:
    name: str
    papers: ListPage
    variants: list[NameVariant]  # other spellings, offered as links and never merged
    members: list[User]  # members verified as this name (namesakes may be several)


@dataclass(frozen=True, slots=True)
class OrganizationPage:
    organization: Organization  # fullname and avatar when an upstream gave them
    papers: ListPage


class AuthorDirectory:
    """Author and organization pages; built by the Hub as `hub.authors`."""

    def __init__(
        self, authors: AuthorStore, papers: PaperStore, claims: ClaimStore, organizations: UpstreamStore
    ) -> None:
        self.authors = authors
        self.papers = papers
        self.claims = claims
        self.org_details = organizations

    def author_page(self, raw_name: str, page: int = 1, page_size: int = PAGE_SIZE) -> AuthorPage:
        """The papers listing this exact name; NotFound when no paper lists it or a look-alike, or past the end."""
        name = clean_author_name(raw_name)
        total = self.authors.count_author_papers(name)
        spellings = self.authors.author_spellings(initials_key(name), limit=MAX_SPELLINGS)
        variants = name_variants(name, spellings)
        if total == 0 and not variants:
            raise NotFound(f"no paper in this hub lists an author named {name[:100]!r}")
        ids = self.authors.author_paper_ids(name, limit=page_size, offset=_offset(page, page_size, total))
        return AuthorPage(name, self._list(ids, total, page, page_size), variants, self.claims.verified_members(name))

    def organization_page(self, raw_name: str, page: int = 1, page_size: int = PAGE_SIZE) -> OrganizationPage:
        """The papers of an organization; NotFound when the hub knows neither it nor a paper of it."""
        name = organization_lookup(raw_name)
        if name is None:
            raise InvalidInput("name an organization, e.g. /orgs/google")
        total = self.authors.count_organization_papers(name)
        org = self.org_details.organizations([name]).get(name)
        if total == 0 and org is None:
            raise NotFound(f"no paper in this hub belongs to an organization named {name!r}")
        ids = self.authors.organization_paper_ids(name, limit=page_size, offset=_offset(page, page_size, total))
        return OrganizationPage(org or Organization(name), self._list(ids, total, page, page_size))

    def organizations(self) -> list[Organization]:
        """Every organization the hub knows (the HF-compatible API names them by a derived id)."""
        return self.authors.all_organizations()

    def _list(self, ids: list[str], total: int, page: int, page_size: int) -> ListPage:
        views = self.papers.paper_views(ids)
        return ListPage(
            [views[i] for i in ids if i in views], total, page, page_size, self.claims.verified_authors(ids)
        )


def _offset(page: int, page_size: int, total: int) -> int:
    if page < 1:
        raise InvalidInput("page numbers start at 1")
    if page > 1 and (page - 1) * page_size >= total:
        raise NotFound(f"page {page} is past the end: there are {total} papers, {page_size} to a page")
    return (page - 1) * page_size
