"""Ports for email digests: subscribers, digests (frozen rankings), the send ledger, suppressions, mail rendering and
paper vectors for personal picks, with the small values they exchange."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Literal, Protocol, runtime_checkable

from dailypapers.domain.digest import Frequency, Pick, Selection, Topics
from dailypapers.domain.models import PaperView
from dailypapers.ports.accounts import Mailer

SubscriberStatus = Literal["pending", "active", "unsubscribed", "bounced"]
DeliveryState = Literal["pending", "sent", "failed"]


@dataclass(frozen=True, slots=True)
class Subscriber:
    """An address on the list; only `active` ones (confirmed by the mailed link) get digests."""

    id: int
    email: str
    frequency: Frequency
    topics: Topics
    status: SubscriberStatus
    created_at: datetime
    confirmed_at: datetime | None = None
    user_id: int | None = None  # the account with this address, for personal picks

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class Digest:
    """One scheduled digest: the trending ranking frozen at `cutoff` (so rebuilding it gives the same list)."""

    id: int
    frequency: Frequency
    period: str
    cutoff: datetime
    paper_ids: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """A row of the send ledger: one digest to one subscriber, with the content chosen when it was planned."""

    id: int
    digest_id: int
    subscriber_id: int
    state: DeliveryState
    selection: Selection
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = None


class DigestStore(Protocol):
    """Subscribers, confirmation links, digests, the send ledger and the suppression list.

    Any method can raise StorageError. Confirmation links arrive hashed (sha256 hex), as sign-in links do.
    """

    # -- subscribers

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None: ...

    def get_subscriber_by_email(self, email: str) -> Subscriber | None: ...

    def ensure_subscriber(self, email: str, frequency: Frequency, topics: Topics, now: datetime) -> Subscriber:
        """The subscriber of `email`, created `pending` with these preferences when missing (else unchanged)."""
        ...

    def add_subscription_token(
        self,
        subscriber_id: int,
        token_hash: str,
        frequency: Frequency,
        topics: Topics,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        """Store a confirmation link with the preferences it confirms."""
        ...

    def peek_subscription_token(self, token_hash: str, now: datetime) -> Subscriber | None:
        """The subscriber of a valid (unused, unexpired) link, without using it."""
        ...

    def confirm_subscription(self, token_hash: str, now: datetime) -> Subscriber | None:
        """Use a valid link: apply its preferences and make the subscriber active, in one transaction. None for
        unknown, used or expired links, and for suppressed addresses. Of two concurrent calls, one succeeds."""
        ...

    def unsubscribe(self, subscriber_id: int, now: datetime) -> bool:
        """Make a subscriber `unsubscribed` (pending deliveries are then skipped); False when it already was not
        receiving (unsubscribed, bounced) or does not exist."""
        ...

    def set_subscription(
        self, email: str, user_id: int, frequency: Frequency, topics: Topics, now: datetime
    ) -> Subscriber | None:
        """Subscribe a signed-in account's own (already verified) address with these preferences, active at once,
        creating or updating its subscriber in one transaction. None when the address is suppressed."""
        ...

    def is_suppressed(self, email: str) -> bool: ...

    # -- digests

    def get_or_create_digest(
        self, frequency: Frequency, period: str, cutoff: datetime, paper_ids: Sequence[str], now: datetime
    ) -> tuple[Digest, bool]:
        """The digest of (frequency, period), created with this ranking when missing; (digest, whether new).
        An existing digest keeps its ranking: the snapshot is taken once."""
        ...

    def get_digest(self, digest_id: int) -> Digest | None: ...

    def latest_digest(self, frequency: Frequency) -> Digest | None: ...

    # -- the send ledger

    def subscribers_to_plan(
        self, digest_id: int, frequency: Frequency, confirmed_before: datetime, *, after_id: int, limit: int
    ) -> list[Subscriber]:
        """Active, unsuppressed subscribers of `frequency` confirmed at or before the cutoff who have no ledger row
        for the digest, by id after `after_id`; `user_id` is filled from the account with the same address."""
        ...

    def sent_paper_ids(self, subscriber_ids: Sequence[int]) -> dict[int, set[str]]:
        """Papers already mailed to each subscriber (by a delivery marked sent)."""
        ...

    def recent_upvotes(self, user_ids: Sequence[int], limit: int) -> dict[int, list[str]]:
        """Each account's `limit` most recent upvotes, newest first (as Store.user_upvotes, for many at once)."""
        ...

    def add_deliveries(self, digest_id: int, planned: Sequence[tuple[int, Selection]], now: datetime) -> int:
        """Insert pending ledger rows; a (digest, subscriber) that already has one keeps it. Returns how many
        were added."""
        ...

    def due_deliveries(self, now: datetime, *, after_id: int, limit: int) -> list[Delivery]:
        """Pending rows whose next attempt is due, by id after `after_id`."""
        ...

    def get_delivery(self, digest_id: int, subscriber_id: int) -> Delivery | None: ...

    def mark_sent(self, delivery_id: int, now: datetime) -> bool:
        """pending → sent and remember its papers as sent to the subscriber, in one transaction; False when the
        row was no longer pending."""
        ...

    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: datetime) -> int:
        """Count a failed attempt and schedule the next; returns the attempts so far."""
        ...

    def mark_failed(self, delivery_id: int, error: str, now: datetime) -> None:
        """pending → failed (attempts exhausted, or the subscriber left before it went out)."""
        ...

    def mark_bounced(self, delivery_id: int, error: str, now: datetime) -> None:
        """pending → failed, the subscriber → bounced, and the address onto the suppression list, in one
        transaction."""
        ...

    def delivery_counts(self, digest_id: int) -> dict[str, int]:
        """Ledger rows of a digest per state."""
        ...


@dataclass(frozen=True, slots=True)
class DigestMail:
    """Everything a digest mail shows, resolved: the renderer only lays it out."""

    digest: Digest
    subscriber: Subscriber
    trending: tuple[PaperView, ...]
    picks: tuple[tuple[PaperView, Pick], ...]
    unsubscribe_url: str
    view_url: str
    manage_url: str


class DigestRenderer(Protocol):
    """Lays a digest out as a mail and as a web page. Raises nothing of its own."""

    def message(self, mail: DigestMail) -> EmailMessage:
        """multipart/alternative (plain text + HTML with CSS inlined), with From / To / Subject, a Message-ID
        that depends only on (digest, subscriber), List-Unsubscribe headers, and a DKIM signature when set up."""
        ...

    def page(self, mail: DigestMail) -> str:
        """The HTML of the digest for "view in browser" and the admin preview."""
        ...

    def batch(self) -> DigestBatch:
        """A renderer for one delivery run, laying each distinct content out once."""
        ...


class WireMail(Protocol):
    """One mail ready for SMTP: its envelope recipient and its bytes."""

    @property
    def recipient(self) -> str: ...

    def data(self, eight_bit: bool) -> bytes:
        """The message in wire form (CRLF line ends, ASCII headers); `eight_bit`: the server announced 8BITMIME,
        so text parts may go unencoded."""
        ...


class DigestBatch(Protocol):
    """Writes the mails of one delivery run (one thread) in wire form."""

    def wire(self, mail: DigestMail) -> WireMail | None:
        """The mail `message(mail)` describes, ready for SMTP, or None when it needs the Mailer's
        `send(message)` (an address that is not ASCII needs SMTPUTF8)."""
        ...


@runtime_checkable
class WireMailer(Protocol):
    """A Mailer (a batch session) that also sends mails already in wire form."""

    def send_wire(self, mail: WireMail) -> None:
        """Send `mail` to its recipient from the configured From address; raises as `send` does."""
        ...


class PaperVectors(Protocol):
    """Embeddings of stored papers (from the search service), for personal picks."""

    def paper_vectors(self, arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        """The vector of each paper that has one; papers without are absent."""
        ...


@runtime_checkable
class MailSessions(Protocol):
    """A Mailer that can also send a batch over one connection (SmtpMailer). Mailers without it are used as they
    are, one `send` per message; the `send(message)` contract is the same inside a session."""

    def session(self) -> AbstractContextManager[Mailer]:
        """A mailer for the block: it keeps one connection for all its messages, reconnects after a failure and
        closes when the block ends."""
        ...
