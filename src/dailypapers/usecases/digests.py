"""Email digests: double opt-in subscriptions, one-click unsubscribe, building digests at the cutoff, planning each
subscriber's mail into the send ledger, and delivering it exactly once, throttled, under a database lease.

Subscribing is usecases/subscriptions.py's, choosing papers usecases/digest_planning.py's, sending
usecases/digest_sending.py's; this module schedules and runs them. Selection rules are domain/digest.py's; layout
is the DigestRenderer's; storage the DigestStore's. No HTTP here.

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

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dailypapers.domain.digest import (
    FREQUENCIES,
    Frequency,
    Selection,
    Slot,
    Topics,
    latest_slot,
    parse_frequency,
    parse_weekday,
)
from dailypapers.domain.errors import ConfigError, NotFound, PermissionDenied
from dailypapers.domain.models import FeedQuery, PaperView, User
from dailypapers.domain.ranking import TrendingParams
from dailypapers.ports import ProgressSink
from dailypapers.ports.digests import Digest, DigestMail, DigestRenderer, PaperVectors, Subscriber
from dailypapers.usecases.digest_planning import DigestPlanner
from dailypapers.usecases.digest_sending import (
    LEASE_NAME,
    LEASE_TTL,
    DeliveryReport,
    DigestSender,
    new_holder,
)
from dailypapers.usecases.subscriptions import MANAGE_PATH, SubscriptionsMixin, token_subscriber, view_token

if TYPE_CHECKING:
    from dailypapers.usecases.personal import SavedSearchMatch

log = logging.getLogger(__name__)

__all__ = ["LEASE_NAME", "LEASE_TTL", "DeliveryReport", "DigestRun", "DigestsMixin", "PlanReport", "send_due_digests"]

SNAPSHOT_SIZE = 200  # ranked papers frozen per digest: the trending section and the candidates for personal picks
PLAN_BATCH = 500


@dataclass(slots=True)
class PlanReport:
    planned: int = 0
    nothing_to_send: int = 0


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


class DigestsMixin(SubscriptionsMixin):
    """Mixed into hub.Hub, which provides the attributes below; `digest_renderer` and `paper_vectors` are set by
    wiring (no vectors: no personal picks)."""

    digest_renderer: DigestRenderer | None = None
    paper_vectors: PaperVectors | None = None
    # Provided by PersonalMixin (saved-search alerts go into the "picked for you" section).
    saved_search_matches: Callable[..., list[SavedSearchMatch]]

    def _renderer(self) -> DigestRenderer:
        if self.digest_renderer is None:
            raise ConfigError("no digest renderer is configured (wiring sets hub.digest_renderer)")
        return self.digest_renderer

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
        planner = self._planner(digest.paper_ids, alerts_since=digest.cutoff - lookback)
        after = 0
        while batch := self._digests.subscribers_to_plan(
            digest.id, digest.frequency, digest.cutoff, after_id=after, limit=PLAN_BATCH
        ):
            planned = planner.plan(batch)
            report.planned += self._digests.add_deliveries(digest.id, planned, self.clock.now())
            report.nothing_to_send += len(batch) - len(planned)
            after = batch[-1].id
        return report

    def _planner(self, paper_ids: Sequence[str], alerts_since: datetime | None = None) -> DigestPlanner:
        return DigestPlanner(
            self.store, self.settings, self.paper_vectors, self.saved_search_matches, paper_ids, alerts_since
        )

    def selection_for(self, subscriber: Subscriber, paper_ids: Sequence[str]) -> Selection:
        """What `subscriber` would get from this ranking (used by previews and dry runs)."""
        return dict(self._planner(paper_ids).plan([subscriber])).get(subscriber.id, Selection())

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
        holder = holder or new_holder()
        if not self.store.acquire_lease(LEASE_NAME, holder, self.clock.now(), LEASE_TTL):
            report.busy = True
            return report
        try:
            sender = DigestSender(
                self.store,
                self.clock,
                self.settings,
                self.mailer,
                self._renderer(),
                self.digest_mail,
                holder,
                sleep,
                monotonic,
                progress or _NoProgress(),
                report,
            )
            sender.run()
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
        holder = new_holder()
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
        planner = self._planner(ranking)
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
        subscriber_id = token_subscriber(token, lambda i: view_token(self.settings.secret_key, digest_id, i))
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


def send_due_digests(hub: DigestsMixin) -> list[DigestRun]:
    """The worker's job: for each frequency, build the latest slot's digest when it is missing, plan it, and
    deliver everything due (including retries of earlier digests). Only the latest slot is built, so a machine
    that was off for days sends one digest per frequency, not a backlog."""
    return [hub.run_digest(frequency) for frequency in FREQUENCIES]
