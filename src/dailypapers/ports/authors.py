"""Ports for authors: the author-name index, organizations' papers, links edited by hand, authorship claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from dailypapers.domain.authors import PaperLinks
from dailypapers.domain.models import AuthorClaim, ClaimStatus, Organization, User


class AuthorStore(Protocol):
    """Who wrote what, and the papers of organizations. Any method can raise StorageError.

    Lists leave out papers hidden by moderators and put the newest published first.
    """

    def author_paper_ids(self, name: str, *, limit: int, offset: int = 0) -> list[str]:
        """Papers listing exactly this name (as written, white space tidied)."""
        ...

    def count_author_papers(self, name: str) -> int: ...

    def author_spellings(self, initials_key: str, *, limit: int) -> list[tuple[str, int]]:
        """The names sharing an initials key (domain/authors.py) with their paper counts, most papers first."""
        ...

    def organization_paper_ids(self, name: str, *, limit: int, offset: int = 0) -> list[str]:
        """Papers of an organization: the one an author set on the paper, else the feed entry's (an upstream's)."""
        ...

    def count_organization_papers(self, name: str) -> int: ...

    def all_organizations(self) -> list[Organization]:
        """Every organization the hub knows, by name (a few thousand at most: upstreams' and authors')."""
        ...

    def set_paper_links(self, arxiv_id: str, links: PaperLinks, *, actor_id: int, detail: str, now: datetime) -> None:
        """Set a paper's code link, project page and organization as edited by hand (imports and syncs leave them
        alone from then on), add an unknown organization by name, and write the audit entry, in one transaction."""
        ...


class ClaimStore(Protocol):
    """Authorship claims. Any method can raise StorageError.

    The database holds the rules that must survive races: one approved claim per (paper, author name) and one
    pending-or-approved claim per (paper, member); breaking either raises Conflict.
    """

    def add_claim(self, arxiv_id: str, author: str, user_id: int, now: datetime) -> AuthorClaim:
        """A new pending claim; Conflict when the member already has a pending or approved claim on the paper."""
        ...

    def get_claim(self, claim_id: int) -> AuthorClaim | None: ...

    def paper_claims(self, arxiv_id: str) -> list[AuthorClaim]:
        """Every claim on a paper, whatever its status, oldest first."""
        ...

    def user_claims(self, user_id: int) -> list[AuthorClaim]:
        """Every claim of a member, newest first."""
        ...

    def claims_with_status(self, status: ClaimStatus, *, limit: int, offset: int = 0) -> list[AuthorClaim]:
        """Claims in one status, oldest first (the review queue)."""
        ...

    def count_claims(self, status: ClaimStatus) -> int: ...

    def decide_claim(
        self, claim_id: int, status: ClaimStatus, *, expected: ClaimStatus, actor_id: int, reason: str, now: datetime
    ) -> bool:
        """Move a claim from `expected` to `status` with an audit entry, in one transaction; False when it was not
        in `expected` (someone decided first). Conflict when approving a slot another member holds."""
        ...

    def set_claim_hidden(self, claim_id: int, hidden: bool) -> None:
        """Keep an approved claim's paper off the member's profile, or show it again."""
        ...

    def verified_authors(self, arxiv_ids: Sequence[str]) -> dict[str, dict[str, User]]:
        """For each paper with verified authors: author name → the member verified as that author."""
        ...

    def verified_members(self, author: str) -> list[User]:
        """Members verified as this author name on at least one paper (namesakes can be several)."""
        ...

    def papers_with_author_comments(self, arxiv_ids: Sequence[str]) -> set[str]:
        """The papers among these whose verified authors have a visible comment on them."""
        ...
