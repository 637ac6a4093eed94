"""Authorship: a member claims an author slot of a paper, an admin approves or rejects it, the member is told.

Only an approved claim verifies; a pending or rejected one gives no rights. One slot has at most one verified member
and a member holds at most one live claim per paper (the store enforces both, so rival approvals cannot race). What
verification grants elsewhere — editing a paper's links — is usecases/paper_links.py's rule.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from email.message import EmailMessage

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.authors import clean_author_name
from dailypapers.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PaperNotFound,
    PermissionDenied,
    SourceError,
)
from dailypapers.domain.models import AuthorClaim, ClaimStatus, Paper, PaperView, User
from dailypapers.domain.paging import Paginated
from dailypapers.ports import Clock, Mailer, PaperStore, RateLimiter
from dailypapers.ports.authors import ClaimStore
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 500
REVIEW_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class ClaimReview:
    """One pending claim as an admin reviews it: the claim, the paper, and who (if anyone) holds the slot."""

    claim: AuthorClaim
    paper: Paper
    holder: User | None  # the member already verified as this author; approving would conflict


@dataclass(frozen=True, slots=True)
class ReviewPage(Paginated):
    reviews: list[ClaimReview]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class ClaimedPaper:
    """A paper on a member's profile: the approved claim (its `hidden` flag) and the paper with its counts."""

    claim: AuthorClaim
    view: PaperView


class Authorship:
    """Claims and verified authors; built by the Hub as `hub.authorship`."""

    def __init__(
        self,
        settings: Settings,
        claims: ClaimStore,
        papers: PaperStore,
        mailer: Mailer,
        rate_limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.claims = claims
        self.papers = papers
        self.mailer = mailer
        self.rate_limiter = rate_limiter
        self.clock = clock

    # -- members -----------------------------------------------------------------------------------------

    def claim(self, user: User, arxiv_id: str, author: str) -> AuthorClaim:
        """File `user`'s claim to be `author` (a name as the paper lists it) of a paper; it waits for an admin.

        Raises PermissionDenied (banned), PaperNotFound, InvalidInput (not an author of the paper), Conflict (the
        slot has a verified member, the member already claims an author of this paper, or an admin rejected this
        very claim before), RateLimited.
        """
        if user.is_banned:
            raise PermissionDenied("this account is banned")
        paper = self._paper(arxiv_id)
        name = clean_author_name(author)
        if name not in {" ".join(a.split()) for a in paper.authors}:
            raise InvalidInput(f"{name[:100]!r} is not an author of arXiv {paper.arxiv_id}; pick a name as listed")
        existing = self.claims.paper_claims(paper.arxiv_id)
        holder = next((c for c in existing if c.is_verified and c.author == name), None)
        if holder is not None and holder.user.id != user.id:
            raise Conflict(f"another member is already verified as {name} on this paper")
        mine = [c for c in existing if c.user.id == user.id]
        if any(c.status != "rejected" for c in mine):
            raise Conflict("you already have a pending or approved claim on this paper")
        if any(c.author == name for c in mine):
            raise Conflict(f"an admin already rejected your claim to be {name} on this paper")
        self.rate_limiter.hit("claim", str(user.id), self.settings.rate_limit_claim)
        return self.claims.add_claim(paper.arxiv_id, name, user.id, self.clock.now())

    def paper_claims(self, arxiv_id: str) -> list[AuthorClaim]:
        """Every claim on a paper (the paper page shows the viewer's own and the verified ones)."""
        return self.claims.paper_claims(parse_arxiv_ref(arxiv_id).arxiv_id)

    def verified_authors(self, arxiv_ids: list[str]) -> dict[str, dict[str, User]]:
        """arXiv id → author name → verified member, for the given papers (only those with a verified author)."""
        return self.claims.verified_authors(arxiv_ids)

    def author_comments(self, arxiv_ids: list[str]) -> set[str]:
        """The papers among these on which a verified author has a visible comment (HF's isAuthorParticipating)."""
        return self.claims.papers_with_author_comments(arxiv_ids)

    def is_verified_author(self, user: User, arxiv_id: str) -> bool:
        verified = self.claims.verified_authors([arxiv_id]).get(arxiv_id, {})
        return any(member.id == user.id for member in verified.values())

    def profile_papers(self, member: User, viewer: User | None) -> list[ClaimedPaper]:
        """The member's verified papers, newest claim first; others do not see the ones the member hid."""
        own = viewer is not None and viewer.id == member.id
        claims = [c for c in self.claims.user_claims(member.id) if c.is_verified and (own or not c.hidden)]
        views = self.papers.paper_views([c.arxiv_id for c in claims])
        return [ClaimedPaper(c, views[c.arxiv_id]) for c in claims if c.arxiv_id in views]

    def member_claims(self, member: User) -> list[AuthorClaim]:
        """Every claim of a member, newest first (the owner's profile lists the undecided and refused ones)."""
        return self.claims.user_claims(member.id)

    def set_hidden(self, user: User, claim_id: int, hidden: bool) -> AuthorClaim:
        """Show or hide one of the member's verified papers on the profile; NotFound for anyone else's claim."""
        claim = self.claims.get_claim(claim_id)
        if claim is None or claim.user.id != user.id or not claim.is_verified:
            raise NotFound(f"you have no verified paper with claim id {claim_id}")
        self.claims.set_claim_hidden(claim_id, hidden)
        return claim

    # -- admins ------------------------------------------------------------------------------------------

    def review_queue(self, admin: User, page: int = 1, page_size: int = REVIEW_PAGE_SIZE) -> ReviewPage:
        """Pending claims, oldest first, with their papers and any member already verified in the slot."""
        _require_admin(admin)
        if page < 1:
            raise InvalidInput("page numbers start at 1")
        claims = self.claims.claims_with_status("pending", limit=page_size, offset=(page - 1) * page_size)
        papers = self.papers.get_papers([c.arxiv_id for c in claims])
        verified = self.claims.verified_authors([c.arxiv_id for c in claims])
        reviews = [
            ClaimReview(c, papers[c.arxiv_id], verified.get(c.arxiv_id, {}).get(c.author))
            for c in claims
            if c.arxiv_id in papers
        ]
        return ReviewPage(reviews, self.claims.count_claims("pending"), page, page_size)

    def approve(self, admin: User, claim_id: int) -> AuthorClaim:
        """Verify a pending claim (audited) and tell the member; Conflict when the slot is taken, NotFound."""
        return self._decide(admin, claim_id, "approved", "")

    def reject(self, admin: User, claim_id: int, reason: str = "") -> AuthorClaim:
        """Reject a pending claim, or withdraw an approved one (audited), and tell the member."""
        return self._decide(admin, claim_id, "rejected", reason)

    def _decide(self, admin: User, claim_id: int, target: ClaimStatus, reason: str) -> AuthorClaim:
        _require_admin(admin)
        text = " ".join(reason.split())
        if len(text) > MAX_REASON_CHARS:
            raise InvalidInput(f"a reason can be at most {MAX_REASON_CHARS} characters long")
        claim = self.claims.get_claim(claim_id)
        if claim is None:
            raise NotFound(f"there is no claim {claim_id}")
        expected = claim.status
        if target == "approved" and expected != "pending":
            raise Conflict(f"claim {claim_id} is {expected}, not pending")
        if target == "rejected" and expected == "rejected":
            raise Conflict(f"claim {claim_id} is already rejected")
        now = self.clock.now()
        if not self.claims.decide_claim(claim_id, target, expected=expected, actor_id=admin.id, reason=text, now=now):
            raise Conflict(f"claim {claim_id} was decided by someone else meanwhile; reload the page")
        decided = self.claims.get_claim(claim_id)
        assert decided is not None  # just updated
        self._tell_member(decided, was=expected)
        return decided

    def _tell_member(self, claim: AuthorClaim, *, was: str) -> None:
        """Mail the decision. It is stored and shown on the site either way, so a mail failure is logged, not raised."""
        member = claim.user
        if member.is_deleted or member.is_banned:
            return
        paper = self.papers.get_paper(claim.arxiv_id)
        try:
            self.mailer.send(decision_message(self.settings, claim, paper, withdrawn=was == "approved"))
        except SourceError as exc:
            log.warning("could not mail @%s about claim %d: %s", member.username, claim.id, exc)

    def _paper(self, arxiv_id: str) -> Paper:
        ref = parse_arxiv_ref(arxiv_id)
        paper = self.papers.get_paper(ref.arxiv_id)
        if paper is None:
            raise PaperNotFound(ref.arxiv_id)
        return paper


def decision_message(settings: Settings, claim: AuthorClaim, paper: Paper | None, *, withdrawn: bool) -> EmailMessage:
    """The mail telling a member an admin decided their claim: plain text with an HTML alternative, no tracking."""
    base = settings.base_url.rstrip("/")
    title = paper.title if paper else claim.arxiv_id
    paper_link = f"{base}/papers/{claim.arxiv_id}"
    if claim.is_verified:
        subject = f"You are a verified author of arXiv {claim.arxiv_id}"
        lines = [
            f"An admin of {settings.site_name} approved your claim: you are verified as {claim.author} on",
            f"“{title}”.",
            "",
            "Your name on the paper now links to your profile, the paper is listed there, and you can keep its code",
            f"link, project page and organization right from the paper's page: {paper_link}",
        ]
    else:
        subject = f"Your authorship claim on arXiv {claim.arxiv_id}"
        verb = "withdrew your verification" if withdrawn else "did not approve your claim"
        lines = [f"An admin of {settings.site_name} {verb} as {claim.author} on", f"“{title}”."]
        if claim.reason:
            lines += ["", f"Reason: {claim.reason}"]
        lines += ["", f"The paper: {paper_link}"]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = claim.user.email
    message.set_content("\n".join(lines) + "\n")
    body = "<br>\n".join(html.escape(line) for line in lines)
    message.add_alternative(f"<p>{body}</p>\n", subtype="html")
    return message


def _require_admin(user: User) -> None:
    if user.is_banned or not user.is_admin:
        raise PermissionDenied("only admins review authorship claims")
