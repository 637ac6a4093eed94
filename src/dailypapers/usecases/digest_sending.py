"""Delivering planned digests exactly once: walks the send ledger's due rows, throttled, under the sender lease;
4xx and network failures back off, 5xx suppress the address (see usecases/digests.py for the guarantees)."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

from dailypapers.domain.digest import Selection
from dailypapers.domain.errors import SourceError, SourceUnavailable
from dailypapers.domain.models import PaperView
from dailypapers.ports import Clock, Mailer, ProgressSink, Store
from dailypapers.ports.digests import (
    Delivery,
    Digest,
    DigestBatch,
    DigestMail,
    DigestRenderer,
    DigestStore,
    MailSessions,
    Subscriber,
    WireMailer,
)
from dailypapers.settings import Settings

log = logging.getLogger(__name__)

SEND_BATCH = 200
LEASE_NAME = "digest-sender"
LEASE_TTL = timedelta(seconds=60)  # a killed sender's lease frees after this; a live one renews every TTL/3
MAX_BACKOFF = timedelta(hours=6)
MAX_CONSECUTIVE_DEFERRALS = 5  # this many 4xx / network failures in a row: the server is down, stop the run

# (digest, subscriber, selection, paper views) -> the mail with its signed links
ComposeMail = Callable[[Digest, Subscriber, Selection, dict[str, PaperView]], DigestMail]


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


def new_holder() -> str:
    """Names this run in the sender lease: unique across hosts, processes and runs."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def mail_session(mailer: Mailer) -> AbstractContextManager[Mailer]:
    """One connection for a batch where the mailer supports it (SmtpMailer), else the mailer as it is."""
    return mailer.session() if isinstance(mailer, MailSessions) else nullcontext(mailer)


class DigestSender:
    """One delivery run: walks the due ledger rows in id order and sends each, throttled, renewing the lease."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        settings: Settings,
        mailer: Mailer,
        renderer: DigestRenderer,
        compose: ComposeMail,
        holder: str,
        sleep: Callable[[float], None],
        monotonic: Callable[[], float],
        progress: ProgressSink,
        report: DeliveryReport,
    ) -> None:
        self.store, self.ledger, self.clock, self.settings = store, cast(DigestStore, store), clock, settings
        self.compose = compose
        self.holder, self.sleep, self.monotonic = holder, sleep, monotonic
        self.progress, self.report = progress, report
        rate = settings.digest_send_rate
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_send = monotonic()
        self.renewed = monotonic()
        self.deferrals = 0
        self.digests: dict[int, tuple[Digest, dict[str, PaperView]]] = {}
        self.smtp: Mailer = mailer
        self.mailer: Mailer = mailer
        self.renderer = renderer
        self.batch: DigestBatch = self.renderer.batch()

    def run(self) -> None:
        # One SMTP connection for the whole run (reopened after failures), not one per message.
        with mail_session(self.smtp) as mailer:
            self.mailer = mailer
            self._run()

    def _run(self) -> None:
        after = 0
        store = self.ledger
        while batch := store.due_deliveries(self.clock.now(), after_id=after, limit=SEND_BATCH):
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
        return self.store.acquire_lease(LEASE_NAME, self.holder, self.clock.now(), LEASE_TTL)

    def _digest(self, digest_id: int) -> tuple[Digest, dict[str, PaperView]]:
        if digest_id not in self.digests:
            digest = self.ledger.get_digest(digest_id)
            assert digest is not None  # ledger rows reference their digest
            self.digests[digest_id] = (digest, self.store.paper_views(list(digest.paper_ids)))
        return self.digests[digest_id]

    def _deliver(self, delivery: Delivery) -> None:
        store, now = self.ledger, self.clock.now()
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
            views = {**views, **self.store.paper_views(missing)}
        send = self._prepare(self.compose(digest, subscriber, delivery.selection, views))
        self._throttle()
        try:
            send()
        except SourceUnavailable as exc:
            self._defer(delivery, str(exc))
            return
        except SourceError as exc:
            store.mark_bounced(delivery.id, str(exc), self.clock.now())
            log.warning("digest to subscriber %d refused permanently, address suppressed: %s", subscriber.id, exc)
            self.report.bounced += 1
            self.deferrals = 0
            return
        # Only now, after the 250, and for this one message: see the module docstring.
        store.mark_sent(delivery.id, self.clock.now())
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
        store, now = self.ledger, self.clock.now()
        attempts = delivery.attempts + 1
        base = timedelta(minutes=self.settings.digest_retry_minutes)
        wait = min(base * 2 ** (attempts - 1), MAX_BACKOFF)
        store.mark_retry(delivery.id, error, now + wait)
        self.deferrals += 1
        if attempts >= self.settings.digest_max_attempts:
            store.mark_failed(delivery.id, f"gave up after {attempts} attempts: {error}", now)
            self.report.failed += 1
            return
        self.report.deferred += 1
        self.report.errors.append(f"subscriber {delivery.subscriber_id}: {error}")
        log.info("digest to subscriber %d deferred (%s); retry in %s", delivery.subscriber_id, error, wait)
