"""View models for authorship on pages: linked author names with verified badges, the viewer's claim and link-edit
rights on a paper page. Built by routes from what the Hub says; templates only format them. No routes here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dailypapers.domain.models import AuthorClaim, Paper, PaperView, User
from dailypapers.hub import Hub
from dailypapers.usecases.paper_links import current_links
from dailypapers.web import present


@dataclass(frozen=True, slots=True)
class AuthorLink:
    """One author name as pages show it: a link to its author page, and the verified member's profile if any."""

    name: str
    url: str
    member: User | None = None

    @property
    def member_url(self) -> str | None:
        return present.user_url(self.member.username) if self.member else None


def author_links(authors: tuple[str, ...] | list[str], verified: Mapping[str, User] | None = None) -> list[AuthorLink]:
    found = verified or {}
    return [AuthorLink(name, present.author_url(name), found.get(" ".join(name.split()))) for name in authors]


def card_authors(hub: Hub, papers: list[Paper]) -> dict[str, list[AuthorLink]]:
    """The `authors_of` of card lists: the first authors of the papers that have a verified author (one query)."""
    verified = hub.authorship.verified_authors([p.arxiv_id for p in papers])
    return {
        p.arxiv_id: author_links(p.authors[: present.AUTHORS_SHOWN], verified[p.arxiv_id])
        for p in papers
        if p.arxiv_id in verified
    }


@dataclass(frozen=True, slots=True)
class ClaimBox:
    """The paper page's authorship box for a signed-in member: their live claim, or the names they may claim."""

    mine: AuthorClaim | None  # pending or approved
    rejected: tuple[str, ...]  # names an admin already refused this member
    claimable: tuple[str, ...]  # names without a verified member, minus `rejected`


def paper_authorship(hub: Hub, view: PaperView, user: User | None) -> dict[str, Any]:
    """What paper.html needs beside the paper: linked authors, the claim box, and the link-edit form's state."""
    arxiv_id = view.paper.arxiv_id
    verified = hub.authorship.verified_authors([arxiv_id]).get(arxiv_id, {})
    box = None
    if user is not None and not user.is_banned:
        claims = [c for c in hub.authorship.paper_claims(arxiv_id) if c.user.id == user.id]
        mine = next((c for c in claims if c.status != "rejected"), None)
        rejected = tuple(c.author for c in claims if c.status == "rejected")
        names = dict.fromkeys(" ".join(a.split()) for a in view.paper.authors)
        claimable = tuple(n for n in names if n not in verified and n not in rejected)
        box = ClaimBox(mine, rejected, claimable)
    return {
        "author_links": author_links(view.paper.authors, verified),
        "claim_box": box,
        "organization": view.organization,
        "can_edit_links": hub.paper_links.may_edit(user, view, verified),
        "links": current_links(view),
    }
