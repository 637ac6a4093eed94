"""Email digests: double opt-in subscriptions, one-click unsubscribe, building digests at the cutoff, planning each
subscriber's mail into the send ledger, and delivering it exactly once, throttled, under a database lease.

Selection rules are digest.py's; layout is the DigestRenderer's; storage the DigestStore's. No HTTP here.

Delivery guarantees (the send ledger, `digest_deliveries`, UNIQUE(digest, subscriber)):
- a row becomes `sent` only after the mail server accepted the message (the Mailer returned);
- a run killed at any point resumes from the rows still `pending`; rows already `sent` are never sent again.
  The one window left is between the server's 250 and the commit of `sent` (milliseconds): a crash exactly there
  resends that one mail with the same Message-ID, which receivers can drop as a duplicate. That is why `sent` is
  committed per message and never for a group: with k messages accepted but not yet recorded, a crash would resend
  all k. The commit is made cheap instead (one UPDATE … RETURNING and one INSERT), and so is everything else per
  message: each distinct content is laid out once per run and each copy written straight to wire bytes;
- one sender at a time, by a lease in the database, renewed while it runs; a worker's run also builds and plans
  under it, so two workers never plan the same digest side by side (were they to, the ledger's UNIQUE and
  insert-or-ignore keep one row per subscriber);
- 4xx / network: the row stays pending with its attempts counted and a backed-off next attempt; 5xx: the
  address is marked bounced and suppressed;
- the subscriber is re-read right before each send, so an unsubscribe applies to the next message of a batch.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from dailypapers.domain.digest import (
    FREQUENCIES,
    Frequency,
    Pick,
    Selection,
    Slot,
    Topics,
    latest_slot,
    parse_frequency,
    parse_topics,
    parse_weekday,
    picks_from_similarity,
    select_trending,
    unit_vectors,
)
from dailypapers.domain.errors import (
    ConfigError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SourceError,
    SourceUnavailable,
)
from dailypapers.domain.models import FeedQuery, Paper, PaperView, User
from dailypapers.domain.ranking import TrendingParams
from dailypapers.domain.rules import PersonalSignals, liked_ids
from dailypapers.ports import Clock, Mailer, ProgressSink, RateLimiter, Store
from dailypapers.ports.digests import (
    Delivery,
    Digest,
    DigestBatch,
    DigestMail,
    DigestRenderer,
    DigestStore,
    MailSessions,
    PaperVectors,
    Subscriber,
    WireMailer,
)
from dailypapers.settings import Settings
from dailypapers.usecases.accounts import hash_secret, new_secret, normalize_email

if TYPE_CHECKING:
    from dailypapers.usecases.personal import SavedSearchMatch

log = logging.getLogger(__name__)


CONFIRM_HOURS = 48  # a confirmation link works once, within two days
CONFIRM_PATH = "/subscribe/confirm/"
UNSUBSCRIBE_PATH = "/unsubscribe/"
MANAGE_PATH = "/subscribe"
SNAPSHOT_SIZE = 200  # ranked papers frozen per digest: the trending section and the candidates for personal picks
LIKED_LIMIT = 200  # most recent likes (upvotes, saves) a subscriber's picks are compared with
NO_SIGNALS = PersonalSignals()
PLAN_BATCH = 500
SEND_BATCH = 200
LEASE_NAME = "digest-sender"
LEASE_TTL = timedelta(seconds=60)  # a killed sender's lease frees after this; a live one renews every TTL/3
MAX_BACKOFF = timedelta(hours=6)
MAX_CONSECUTIVE_DEFERRALS = 5  # this many 4xx / network failures in a row: the server is down, stop the run
PICK_MIN_SIMILARITY = 0.2
MAC_BYTES = 16  # 128-bit HMAC tags in unsubscribe and view links


# -- signed links ------------------------------------------------------------------------------------------


def _mac(secret_key: str, purpose: str, *parts: int) -> str:
    key = hashlib.sha256(f"dailypapers.domain.digest:{secret_key}".encode()).digest()
    message = ":".join([purpose, *map(str, parts)]).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def unsubscribe_token(secret_key: str, subscriber_id: int) -> str:
    """`ID.TAG`: stateless, so every mail can carry it, and unforgeable without the secret key."""
    return f"{subscriber_id}.{_mac(secret_key, 'unsubscribe', subscriber_id)}"


def view_token(secret_key: str, digest_id: int, subscriber_id: int) -> str:
    return f"{subscriber_id}.{_mac(secret_key, 'view', digest_id, subscriber_id)}"


def _token_subscriber(token: str, expected: Callable[[int], str]) -> int | None:
    head, _, _tag = token.partition(".")
    if not head.isdigit() or len(head) > 18:
        return None
    subscriber_id = int(head)
    return subscriber_id if hmac.compare_digest(token.encode(), expected(subscriber_id).encode()) else None


# -- reports -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PlanReport:
    planned: int = 0
    nothing_to_send: int = 0


@dataclass(slots=True)
class DeliveryReport:
    """What one delivery run did; `busy` when another process holds the sender lease."""

    sent: int = 0
    deferred: int = 0  # 4xx / network: retried later
    bounced: int = 0  # 5xx: suppressed
    failed: int = 0  # attempts exhausted
    skipped: int = 0  # unsubscribed or bounced before their turn
    busy: bool = False
    stopped: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DigestRun:
    """A by-hand or scheduled run of one frequency: the digest, its plan and the delivery (None for dry runs)."""

    frequency: Frequency
    period: str
    papers: int
    recipients: int
    nothing_to_send: int
    created: bool
    delivery: DeliveryReport | None = None


class _NoProgress:
    def advance(self, amount: int) -> None:
        pass


def confirmation_message(*, site_name: str, mail_from: str, to: str, link: str, frequency: Frequency) -> EmailMessage:
    """The double opt-in mail: one link, nothing sent until it is followed."""
    kind = "daily (weekdays)" if frequency == "daily" else "weekly"
    message = EmailMessage()
    message["Subject"] = f"Confirm your {site_name} digest"
    message["From"] = mail_from
    message["To"] = to
    message["Auto-Submitted"] = "auto-generated"
    text = (
        f"Someone — hopefully you — asked for the {kind} digest of trending papers from {site_name} at this "
        f"address, or to change its topics.\n\nConfirm here:\n\n{link}\n\n"
        f"The link works once, within {CONFIRM_HOURS} hours. If you did not ask, ignore this mail: nothing is "
        "sent until the link is used.\n"
    )
    message.set_content(text)
    site, href = html.escape(site_name), html.escape(link, quote=True)
    message.add_alternative(
        f"<p>Someone — hopefully you — asked for the {kind} digest of trending papers from {site} at this "
        "address, or to change its topics.</p>\n"
        f'<p><a href="{href}">Confirm the subscription</a></p>\n'
        f"<p>The link works once, within {CONFIRM_HOURS} hours. If you did not ask, ignore this mail: nothing is "
        "sent until the link is used.</p>\n",
        subtype="html",
    )
    return message


class DigestsMixin:
    """Mixed into hub.Hub, which provides the attributes below; `digest_renderer` and `paper_vectors` are set by
    wiring (no vectors: no personal picks)."""

    settings: Settings
    store: Store
    clock: Clock
    mailer: Mailer
    rate_limiter: RateLimiter
    digest_renderer: DigestRenderer | None = None
    paper_vectors: PaperVectors | None = None
    # Provided by PersonalMixin (saved-search alerts go into the "picked for you" section).
    saved_search_matches: Callable[..., list[SavedSearchMatch]]

    @property
    def _digests(self) -> DigestStore:
        return cast(DigestStore, self.store)

    def _renderer(self) -> DigestRenderer:
        if self.digest_renderer is None:
            raise ConfigError("no digest renderer is configured (wiring sets hub.digest_renderer)")
        return self.digest_renderer

    def _base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    # -- subscribing -------------------------------------------------------------------------------------

    def subscribe(
        self,
        email: str,
        frequency: str,
        *,
        categories: str | Sequence[str] = "",
        include: str = "",
        exclude: str = "",
        client: str,
    ) -> str:
        """Mail a confirmation link for these preferences; returns the normalized address.

        New, pending and already subscribed addresses take the same path (confirming an existing subscription
        updates its topics), so the answer tells nothing about who is subscribed; suppressed (bounced) addresses
        get no mail. Raises InvalidInput, RateLimited, SourceError when the mail fails.
        """
        address = normalize_email(email)
        freq = parse_frequency(frequency)
        topics = parse_topics(categories, include, exclude)
        rate = self.settings.rate_limit_subscribe
        self.rate_limiter.hit("subscribe", client, rate)
        self.rate_limiter.hit("subscribe_email", address, rate)
        if self._digests.is_suppressed(address):
            log.info("subscribe: %s is suppressed (bounced); no confirmation mail", address)
            return address
        now = self.clock.now()
        subscriber = self._digests.ensure_subscriber(address, freq, topics, now)
        token = new_secret()
        expires = now + timedelta(hours=CONFIRM_HOURS)
        self._digests.add_subscription_token(subscriber.id, hash_secret(token), freq, topics, now, expires)
        self.mailer.send(
            confirmation_message(
                site_name=self.settings.site_name,
                mail_from=self.settings.mail_from,
                to=address,
                link=f"{self._base_url()}{CONFIRM_PATH}{token}",
                frequency=freq,
            )
        )
        return address

    def subscription_for_link(self, token: str) -> Subscriber | None:
        """The subscriber of a still-valid confirmation link, without using it (its GET shows a button)."""
        return self._digests.peek_subscription_token(hash_secret(token), self.clock.now())

    def confirm_subscription(self, token: str) -> Subscriber:
        """Use a confirmation link; raises InvalidInput for unknown, used or expired links."""
        subscriber = self._digests.confirm_subscription(hash_secret(token), self.clock.now())
        if subscriber is None:
            raise InvalidInput(
                "this confirmation link is not valid: it was already used, has expired, or is incomplete"
            )
        return subscriber

    def unsubscribe_url(self, subscriber_id: int) -> str:
        return f"{self._base_url()}{UNSUBSCRIBE_PATH}{unsubscribe_token(self.settings.secret_key, subscriber_id)}"

    def unsubscribe_target(self, token: str) -> Subscriber:
        """The subscriber an unsubscribe link names; InvalidInput for a tampered or unknown link."""
        subscriber_id = _token_subscriber(token, lambda i: unsubscribe_token(self.settings.secret_key, i))
        subscriber = self._digests.get_subscriber(subscriber_id) if subscriber_id is not None else None
        if subscriber is None:
            raise InvalidInput("this unsubscribe link is not valid; copy the whole link from the mail")
        return subscriber

    def unsubscribe(self, token: str) -> Subscriber:
        """One-click unsubscribe (RFC 8058); repeating it is harmless. Raises InvalidInput for tampered links."""
        subscriber = self.unsubscribe_target(token)
        if self._digests.unsubscribe(subscriber.id, self.clock.now()):
            log.info("unsubscribed subscriber %d", subscriber.id)
        return self._digests.get_subscriber(subscriber.id) or subscriber

    # -- signed-in accounts (settings) -------------------------------------------------------------------

    def account_subscription(self, user: User) -> Subscriber | None:
        """The subscriber of the account's own address, whatever its status (None: never subscribed)."""
        return self._digests.get_subscriber_by_email(normalize_email(user.email))

    def set_account_subscription(
        self,
        user: User,
        frequency: str,
        *,
        categories: str | Sequence[str] = "",
        include: str = "",
        exclude: str = "",
    ) -> Subscriber:
        """Subscribe the account's address, or change its frequency and topics, at once: signing in by the mailed
        link already proved the address, so no confirmation mail. Raises InvalidInput (also for an address whose
        mail bounced: it stays suppressed)."""
        freq = parse_frequency(frequency)
        topics = parse_topics(categories, include, exclude)
        address = normalize_email(user.email)
        subscriber = self._digests.set_subscription(address, user.id, freq, topics, self.clock.now())
        if subscriber is None:
            raise InvalidInput(
                "mail to your address bounced, so digests to it are stopped; ask the site's admins to lift it"
            )
        log.info("account %d set its digest subscription (%s)", user.id, freq)
        return subscriber

    def unsubscribe_account(self, user: User) -> Subscriber | None:
        """Stop the digests to the account's address; harmless when it was not subscribed."""
        subscriber = self.account_subscription(user)
        if subscriber is None:
            return None
        if self._digests.unsubscribe(subscriber.id, self.clock.now()):
            log.info("account %d unsubscribed from digests", user.id)
        return self._digests.get_subscriber(subscriber.id)

    # -- building and planning ---------------------------------------------------------------------------

    def digest_slot(self, frequency: Frequency, now: datetime | None = None) -> Slot:
        name = self.settings.digest_timezone
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"digest timezone {name!r} is not an IANA time zone such as Europe/Paris") from None
        hour = self.settings.digest_hour
        if not 0 <= hour <= 23:
            raise ConfigError("the digest hour must be from 0 to 23")
        weekday = parse_weekday(self.settings.digest_weekly_day)
        return latest_slot(frequency, now or self.clock.now(), hour=hour, zone=zone, weekly_day=weekday)

    def digest_ranking(self, slot: Slot) -> list[str]:
        """Trending of the slot's feed days as of its cutoff, best first (the snapshot a digest freezes)."""
        params = TrendingParams(min_account_age_hours=float(self.settings.trending_min_account_age_hours))
        query = FeedQuery(slot.start, slot.end, order="trending", as_of=slot.cutoff, trending=params)
        items = self.store.feed_items(query, limit=SNAPSHOT_SIZE)
        return [i.paper.arxiv_id for i in items if i.entry.submitted_at <= slot.cutoff]

    def build_digest(self, frequency: Frequency, now: datetime | None = None) -> tuple[Digest, bool]:
        """The digest of the latest slot, snapshotting the ranking when it is first built; (digest, created)."""
        slot = self.digest_slot(frequency, now)
        latest = self._digests.latest_digest(frequency)
        if latest is not None and latest.period == slot.period:
            return latest, False
        return self._digests.get_or_create_digest(
            frequency, slot.period, slot.cutoff, self.digest_ranking(slot), self.clock.now()
        )

    def plan_digest(self, digest: Digest) -> PlanReport:
        """Write a pending ledger row with the chosen papers for every subscriber due this digest (resumable:
        subscribers already planned are skipped); subscribers with nothing new get no row and no mail."""
        report = PlanReport()
        # Saved-search alerts look back over the period (and a little more: weekday digests skip weekends);
        # papers already mailed to a subscriber are never repeated, so the overlap costs nothing.
        lookback = timedelta(days=8 if digest.frequency == "weekly" else 4)
        planner = _Planner(self, digest.paper_ids, alerts_since=digest.cutoff - lookback)
        after = 0
        while batch := self._digests.subscribers_to_plan(
            digest.id, digest.frequency, digest.cutoff, after_id=after, limit=PLAN_BATCH
        ):
            planned = planner.plan(batch)
            report.planned += self._digests.add_deliveries(digest.id, planned, self.clock.now())
            report.nothing_to_send += len(batch) - len(planned)
            after = batch[-1].id
        return report

    def selection_for(self, subscriber: Subscriber, paper_ids: Sequence[str]) -> Selection:
        """What `subscriber` would get from this ranking (used by previews and dry runs)."""
        return dict(_Planner(self, paper_ids).plan([subscriber])).get(subscriber.id, Selection())

    # -- delivering --------------------------------------------------------------------------------------

    def deliver_digests(
        self,
        *,
        holder: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        progress: ProgressSink | None = None,
    ) -> DeliveryReport:
        """Send every due pending ledger row, throttled to `digest_send_rate` messages per second, under the
        sender lease (another holder: `busy`, nothing sent)."""
        report = DeliveryReport()
        holder = holder or _new_holder()
        if not self.store.acquire_lease(LEASE_NAME, holder, self.clock.now(), LEASE_TTL):
            report.busy = True
            return report
        try:
            _Sender(self, holder, sleep, monotonic, progress or _NoProgress(), report).run()
        finally:
            self.store.release_lease(LEASE_NAME, holder)
        return report

    def digest_mail(
        self, digest: Digest, subscriber: Subscriber, selection: Selection, views: dict[str, PaperView]
    ) -> DigestMail:
        secret = self.settings.secret_key
        base = self._base_url()
        return DigestMail(
            digest=digest,
            subscriber=subscriber,
            trending=tuple(views[i] for i in selection.trending if i in views),
            picks=tuple((views[p.arxiv_id], p) for p in selection.picks if p.arxiv_id in views),
            unsubscribe_url=self.unsubscribe_url(subscriber.id),
            view_url=f"{base}/digest/{digest.id}/view/{view_token(secret, digest.id, subscriber.id)}",
            manage_url=f"{base}{MANAGE_PATH}",
        )

    # -- runs (worker and CLI) ---------------------------------------------------------------------------

    def run_digest(
        self, frequency: Frequency, *, dry_run: bool = False, progress: ProgressSink | None = None
    ) -> DigestRun:
        """Build the latest slot's digest (once), plan it, then deliver what is due. A dry run stores and sends
        nothing: it says how many subscribers would get a mail."""
        if dry_run:
            return self._dry_run(frequency)
        holder = _new_holder()
        if not self.store.acquire_lease(LEASE_NAME, holder, self.clock.now(), LEASE_TTL):
            # Another worker is building, planning or sending: it delivers this digest too.
            period = self.digest_slot(frequency).period
            return DigestRun(frequency, period, 0, 0, 0, False, DeliveryReport(busy=True))
        try:
            digest, created, plan = self.prepare_digest(frequency)
            delivery = self.deliver_digests(holder=holder, progress=progress)
        finally:
            self.store.release_lease(LEASE_NAME, holder)
        counts = self._digests.delivery_counts(digest.id)
        return DigestRun(
            frequency,
            digest.period,
            len(digest.paper_ids),
            sum(counts.values()),
            plan.nothing_to_send,
            created,
            delivery,
        )

    def prepare_digest(self, frequency: Frequency) -> tuple[Digest, bool, PlanReport]:
        """Build the latest slot's digest (once) and plan its ledger rows (once: a finished plan is recorded in
        job state; an interrupted one resumes). Returns (digest, created, what this call planned)."""
        digest, created = self.build_digest(frequency)
        plan_key = f"digest:{digest.id}:planned"
        plan = PlanReport()
        if created or self.store.get_state(plan_key) is None:
            plan = self.plan_digest(digest)
            self.store.set_state(plan_key, self.clock.now().isoformat())
        return digest, created, plan

    def _dry_run(self, frequency: Frequency) -> DigestRun:
        slot = self.digest_slot(frequency)
        latest = self._digests.latest_digest(frequency)
        existing = latest if latest is not None and latest.period == slot.period else None
        ranking = list(existing.paper_ids) if existing else self.digest_ranking(slot)
        planner = _Planner(self, ranking)
        recipients = empty = after = 0
        while batch := self._digests.subscribers_to_plan(
            existing.id if existing else -1, frequency, slot.cutoff, after_id=after, limit=PLAN_BATCH
        ):
            planned = planner.plan(batch)
            recipients += len(planned)
            empty += len(batch) - len(planned)
            after = batch[-1].id
        return DigestRun(frequency, slot.period, len(ranking), recipients, empty, created=existing is None)

    def pending_deliveries(self, digest: Digest) -> int:
        return self._digests.delivery_counts(digest.id).get("pending", 0)

    # -- pages -------------------------------------------------------------------------------------------

    def digest_page(self, digest_id: int, token: str) -> str:
        """ "View in browser": the mail a subscriber got, by the signed link in it; NotFound otherwise."""
        subscriber_id = _token_subscriber(token, lambda i: view_token(self.settings.secret_key, digest_id, i))
        digest = self._digests.get_digest(digest_id) if subscriber_id is not None else None
        delivery = self._digests.get_delivery(digest_id, subscriber_id) if digest and subscriber_id else None
        subscriber = self._digests.get_subscriber(subscriber_id) if delivery and subscriber_id else None
        if digest is None or delivery is None or subscriber is None:
            raise NotFound("there is no digest at this address; copy the whole link from the mail")
        views = self.store.paper_views(list(delivery.selection.paper_ids))
        return self._renderer().page(self.digest_mail(digest, subscriber, delivery.selection, views))

    def digest_preview(self, user: User, frequency: str = "daily") -> str:
        """An admin's preview of the next digest as `user` would get it (topics: none; picks: theirs)."""
        if not user.is_admin:
            raise PermissionDenied("only admins can preview digests")
        freq = parse_frequency(frequency)
        now = self.clock.now()
        # The digest that would go out now: the same window as a scheduled one, ending at this moment.
        today = now.date()
        days = 1 if freq == "daily" else 7
        year, week, _ = today.isocalendar()
        period = today.isoformat() if freq == "daily" else f"{year}-W{week:02d}"
        slot = Slot(freq, period, now, today - timedelta(days=days), today)
        ranking = self.digest_ranking(slot)
        digest = Digest(0, freq, slot.period, slot.cutoff, tuple(ranking), now)
        subscriber = Subscriber(0, user.email, freq, Topics(), "active", now, now, user.id)
        selection = self.selection_for(subscriber, ranking)
        views = self.store.paper_views(list(selection.paper_ids))
        return self._renderer().page(self.digest_mail(digest, subscriber, selection, views))


def _new_holder() -> str:
    """Names this run in the sender lease: unique across hosts, processes and runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def mail_session(mailer: Mailer) -> AbstractContextManager[Mailer]:
    """One connection for a batch where the mailer supports it (SmtpMailer), else the mailer as it is."""
    return mailer.session() if isinstance(mailer, MailSessions) else nullcontext(mailer)


@dataclass(frozen=True, slots=True)
class _Liked:
    """The recent likes (upvotes and saved papers) of a batch's accounts, with one similarity matrix for all of
    them: column `row[id]` of `similarity` holds the cosine of each candidate to liked paper `id` (papers without
    a vector have none)."""

    likes: dict[int, list[str]] = field(default_factory=dict)
    saved_only: dict[int, set[str]] = field(default_factory=dict)  # liked by saving, not upvoting: the why says so
    papers: tuple[Paper, ...] = ()
    row: dict[str, int] = field(default_factory=dict)
    similarity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))


class _Planner:
    """Chooses each subscriber's papers from one ranking: loads the ranking's papers and vectors once, and the
    liked papers of each batch of subscribers once (one query, one vector lookup, one matrix product)."""

    def __init__(self, hub: DigestsMixin, paper_ids: Sequence[str], alerts_since: datetime | None = None) -> None:
        self.hub = hub
        self.alerts_since = alerts_since
        found = hub.store.get_papers(list(paper_ids))
        self.snapshot: list[Paper] = [found[i] for i in paper_ids if i in found]
        self.papers_limit = hub.settings.digest_papers
        self.picks_limit = hub.settings.digest_picks
        self.candidates: tuple[Paper, ...] = ()
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        if hub.paper_vectors is not None and self.picks_limit > 0 and self.snapshot:
            vectors = hub.paper_vectors.paper_vectors([p.arxiv_id for p in self.snapshot])
            self.candidates, self.matrix = unit_vectors(self.snapshot, vectors)

    def plan(self, batch: Sequence[Subscriber]) -> list[tuple[int, Selection]]:
        sent = self.hub._digests.sent_paper_ids([s.id for s in batch])
        user_ids = [s.user_id for s in batch if s.user_id is not None]
        signals = self.hub.store.personal_signals(user_ids, LIKED_LIMIT) if user_ids else {}
        liked = self.liked(user_ids, signals)
        planned = []
        for subscriber in batch:
            personal = signals.get(subscriber.user_id, NO_SIGNALS) if subscriber.user_id is not None else NO_SIGNALS
            selection = self.select(subscriber, sent.get(subscriber.id, set()), liked, personal)
            if not selection.is_empty:
                planned.append((subscriber.id, selection))
        return planned

    def liked(self, user_ids: Sequence[int], signals: Mapping[int, PersonalSignals]) -> _Liked:
        vectors = self.hub.paper_vectors
        if not user_ids or not self.candidates or vectors is None:
            return _Liked()
        upvotes = self.hub._digests.recent_upvotes(user_ids, LIKED_LIMIT)
        likes, saved_only = {}, {}
        for user_id, upvoted in upvotes.items():
            personal = signals.get(user_id, NO_SIGNALS)
            likes[user_id] = liked_ids(upvoted, personal.saved, personal.disliked)
            saved_only[user_id] = set(personal.saved) - set(upvoted)
        ids = list(dict.fromkeys(i for liked in likes.values() for i in liked))
        found = self.hub.store.get_papers(ids)
        stored = [found[i] for i in ids if i in found]
        papers, matrix = unit_vectors(stored, vectors.paper_vectors([p.arxiv_id for p in stored]))
        if not papers:
            return _Liked(likes, saved_only)
        row = {p.arxiv_id: n for n, p in enumerate(papers)}
        return _Liked(likes, saved_only, papers, row, self.matrix @ matrix.T)

    def select(
        self, subscriber: Subscriber, already_sent: set[str], liked: _Liked, personal: PersonalSignals = NO_SIGNALS
    ) -> Selection:
        unwanted = already_sent | personal.disliked
        snapshot = self.snapshot
        if not personal.rules.is_empty:  # keyword rules filter the trending list as they filter the for-you page
            snapshot = [p for p in snapshot if personal.rules.allows(p)]
        trending = select_trending(snapshot, subscriber.topics, unwanted, self.papers_limit)
        taken = set(trending) | unwanted
        picks = self.explicit_picks(subscriber, personal, taken)
        taken.update(p.arxiv_id for p in picks)
        if len(picks) < self.picks_limit:
            picks += self.picks(subscriber, taken, liked, personal, self.picks_limit - len(picks))
        return Selection(tuple(trending), tuple(picks[: self.picks_limit]))

    def explicit_picks(self, subscriber: Subscriber, personal: PersonalSignals, taken: set[str]) -> list[Pick]:
        """What the member asked for by name comes first: new matches of their alerting saved searches, then this
        period's papers by authors / in categories they follow or matching their include keywords."""
        if subscriber.user_id is None or self.picks_limit <= 0:
            return []
        picks: list[Pick] = []
        chosen = set(taken)
        if personal.has_alerts:
            for match in self.hub.saved_search_matches(subscriber.user_id, self.alerts_since, self.picks_limit):
                paper = match.view.paper
                if paper.arxiv_id not in chosen and subscriber.topics.matches(paper):
                    picks.append(Pick(paper.arxiv_id, f"Matches your saved search “{match.search.name}”"))
                    chosen.add(paper.arxiv_id)
        for paper in self.snapshot:
            if len(picks) >= self.picks_limit:
                break
            reason = personal.rules.reason(paper) if not personal.rules.is_empty else None
            if reason and paper.arxiv_id not in chosen and personal.rules.allows(paper):
                picks.append(Pick(paper.arxiv_id, reason))
                chosen.add(paper.arxiv_id)
        return picks[: self.picks_limit]

    def picks(
        self, subscriber: Subscriber, taken: set[str], liked: _Liked, personal: PersonalSignals, limit: int
    ) -> list[Pick]:
        """ "Picked for you": candidates nearest to the papers the account upvoted or saved, newest first."""
        if subscriber.user_id is None:
            return []
        liked_ids = liked.likes.get(subscriber.user_id, [])
        columns = [liked.row[i] for i in liked_ids if i in liked.row]
        if not columns:
            return []
        exclude = taken | set(liked_ids)
        if subscriber.topics.exclude:
            unwanted = Topics(exclude=subscriber.topics.exclude)
            exclude.update(p.arxiv_id for p in self.candidates if not unwanted.matches(p))
        if not personal.rules.is_empty:
            exclude.update(p.arxiv_id for p in self.candidates if not personal.rules.allows(p))
        return picks_from_similarity(
            self.candidates,
            liked.similarity[:, columns],
            [liked.papers[c] for c in columns],
            exclude,
            limit,
            PICK_MIN_SIMILARITY,
            saved=liked.saved_only.get(subscriber.user_id, set()),
        )


class _Sender:
    """One delivery run: walks the due ledger rows in id order and sends each, throttled, renewing the lease."""

    def __init__(
        self,
        hub: DigestsMixin,
        holder: str,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        progress: ProgressSink,
        report: DeliveryReport,
    ) -> None:
        self.hub, self.holder, self.sleep, self.monotonic = hub, holder, sleep, monotonic
        self.progress, self.report = progress, report
        rate = hub.settings.digest_send_rate
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_send = monotonic()
        self.renewed = monotonic()
        self.deferrals = 0
        self.digests: dict[int, tuple[Digest, dict[str, PaperView]]] = {}
        self.mailer: Mailer = hub.mailer
        self.renderer = hub._renderer()
        self.batch: DigestBatch = self.renderer.batch()

    def run(self) -> None:
        # One SMTP connection for the whole run (reopened after failures), not one per message.
        with mail_session(self.hub.mailer) as mailer:
            self.mailer = mailer
            self._run()

    def _run(self) -> None:
        after = 0
        store = self.hub._digests
        while batch := store.due_deliveries(self.hub.clock.now(), after_id=after, limit=SEND_BATCH):
            for delivery in batch:
                after = delivery.id
                if not self._keep_lease():
                    self.report.stopped = "another sender took over the lease"
                    return
                self._deliver(delivery)
                if self.deferrals >= MAX_CONSECUTIVE_DEFERRALS:
                    self.report.stopped = "the mail server keeps deferring; the rest is retried next run"
                    return

    def _keep_lease(self) -> bool:
        if self.monotonic() - self.renewed < LEASE_TTL.total_seconds() / 3:
            return True
        self.renewed = self.monotonic()
        return self.hub.store.acquire_lease(LEASE_NAME, self.holder, self.hub.clock.now(), LEASE_TTL)

    def _digest(self, digest_id: int) -> tuple[Digest, dict[str, PaperView]]:
        if digest_id not in self.digests:
            digest = self.hub._digests.get_digest(digest_id)
            assert digest is not None  # ledger rows reference their digest
            self.digests[digest_id] = (digest, self.hub.store.paper_views(list(digest.paper_ids)))
        return self.digests[digest_id]

    def _deliver(self, delivery: Delivery) -> None:
        store, now = self.hub._digests, self.hub.clock.now()
        # Read right before sending: an unsubscribe (or a bounce) during the batch applies to the next message.
        subscriber = store.get_subscriber(delivery.subscriber_id)
        if subscriber is None or not subscriber.is_active:
            store.mark_failed(
                delivery.id, f"not sent: the subscriber is {subscriber.status if subscriber else 'gone'}", now
            )
            self.report.skipped += 1
            return
        digest, views = self._digest(delivery.digest_id)
        missing = [i for i in delivery.selection.paper_ids if i not in views]
        if missing:
            views = {**views, **self.hub.store.paper_views(missing)}
        send = self._prepare(self.hub.digest_mail(digest, subscriber, delivery.selection, views))
        self._throttle()
        try:
            send()
        except SourceUnavailable as exc:
            self._defer(delivery, str(exc))
            return
        except SourceError as exc:
            store.mark_bounced(delivery.id, str(exc), self.hub.clock.now())
            log.warning("digest to subscriber %d refused permanently, address suppressed: %s", subscriber.id, exc)
            self.report.bounced += 1
            self.deferrals = 0
            return
        # Only now, after the 250, and for this one message: see the module docstring.
        store.mark_sent(delivery.id, self.hub.clock.now())
        self.report.sent += 1
        self.deferrals = 0
        self.progress.advance(1)

    def _prepare(self, mail: DigestMail) -> Callable[[], None]:
        """Render before the throttle's wait; returns the send. Wire bytes for a session that takes them, an
        EmailMessage for any other Mailer (and for addresses that need SMTPUTF8)."""
        mailer = self.mailer
        if isinstance(mailer, WireMailer):
            wire = self.batch.wire(mail)
            if wire is not None:
                return lambda: mailer.send_wire(wire)
        message = self.renderer.message(mail)
        return lambda: mailer.send(message)

    def _throttle(self) -> None:
        wait = self.next_send - self.monotonic()
        if wait > 0:
            self.sleep(wait)
        self.next_send = max(self.next_send, self.monotonic()) + self.interval

    def _defer(self, delivery: Delivery, error: str) -> None:
        store, now = self.hub._digests, self.hub.clock.now()
        attempts = delivery.attempts + 1
        base = timedelta(minutes=self.hub.settings.digest_retry_minutes)
        wait = min(base * 2 ** (attempts - 1), MAX_BACKOFF)
        store.mark_retry(delivery.id, error, now + wait)
        self.deferrals += 1
        if attempts >= self.hub.settings.digest_max_attempts:
            store.mark_failed(delivery.id, f"gave up after {attempts} attempts: {error}", now)
            self.report.failed += 1
            return
        self.report.deferred += 1
        self.report.errors.append(f"subscriber {delivery.subscriber_id}: {error}")
        log.info("digest to subscriber %d deferred (%s); retry in %s", delivery.subscriber_id, error, wait)


def send_due_digests(hub: DigestsMixin) -> list[DigestRun]:
    """The worker's job: for each frequency, build the latest slot's digest when it is missing, plan it, and
    deliver everything due (including retries of earlier digests). Only the latest slot is built, so a machine
    that was off for days sends one digest per frequency, not a backlog."""
    return [hub.run_digest(frequency) for frequency in FREQUENCIES]
