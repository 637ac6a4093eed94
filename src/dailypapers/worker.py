"""The background worker: runs the upstream sync, arXiv harvest, star refresh, digests and enrichment, surviving
outages."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from dailypapers.domain.enrichment import EnrichReport
from dailypapers.domain.errors import DailyPapersError, SourceError, StorageError
from dailypapers.hub import Hub
from dailypapers.usecases.digests import send_due_digests
from dailypapers.usecases.upstream import SyncReport
from dailypapers.usecases.voting import StarsReport

log = logging.getLogger(__name__)

LAST_HARVEST_KEY = "worker:last_harvest"
HARVEST_LEASE = "harvest"
# Longer than any harvest takes; a worker that dies mid-harvest frees the job after this.
HARVEST_LEASE_TTL = timedelta(hours=2)
LAST_STARS_KEY = "worker:last_github_stars"
STARS_EVERY = timedelta(minutes=15)  # how often to look for stale star counts (each is refreshed when stale)
IDLE_SECONDS = 60.0
LAST_SYNC_KEY = "worker:last_upstream_sync"
SYNC_LEASE = "upstream-sync"
SYNC_LEASE_TTL = timedelta(hours=1)  # a recent-window sync takes seconds; a dead worker frees the job after this
ENRICH_LEASE = "enrich"
ENRICH_LEASE_TTL = timedelta(hours=1)  # a round is `enrich_batch` papers per kind: minutes, never an hour


def harvest_due(last: datetime | None, now: datetime, interval_minutes: int) -> bool:
    """Due when the interval has passed since the last successful harvest (kept in the database)."""
    if interval_minutes <= 0:
        return False
    return last is None or now - last >= timedelta(minutes=interval_minutes)


class Worker:
    """Runs due jobs until `stop` is set; a failing job is logged and retried at the next tick."""

    def __init__(self, hub: Hub, stop: threading.Event | None = None, idle_seconds: float = IDLE_SECONDS) -> None:
        self.hub = hub
        self.stop = stop or threading.Event()
        self.idle_seconds = idle_seconds
        self.failures = 0
        self.retry_at: datetime | None = None
        self.sync_failures = 0
        self.sync_retry_at: datetime | None = None
        # Names this process in job leases: unique across hosts and restarts.
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def run_forever(self) -> None:
        interval = self.hub.settings.harvest_interval_minutes
        if interval <= 0:
            log.info("scheduled harvest disabled (DAILYPAPERS_HARVEST_INTERVAL_MINUTES=0); worker idles")
        else:
            log.info("worker started: harvesting %s every %d minutes", self.hub.settings.harvest_sets, interval)
        if self.hub.upstream.upstreams and self.hub.settings.upstream_sync_minutes > 0:
            log.info(
                "following %s every %d minutes",
                ", ".join(self.hub.upstream.upstreams),
                self.hub.settings.upstream_sync_minutes,
            )
        while not self.stop.is_set():
            self.tick()
            self.stop.wait(self.idle_seconds)
        log.info("worker stopped")

    def tick(self) -> bool:
        """Run the due jobs (upstream sync, stars, digests, embedding, enrichment, harvest); True when the harvest
        ran and succeeded. The sync comes first: on a fresh install the front page fills at the worker's first
        round, before a long first harvest or embedding backlog."""
        self.sync_if_due()
        self.refresh_stars()
        self.send_digests()
        self.embed_pending()
        self.enrich_pending()
        return self.harvest_if_due()

    def send_digests(self) -> None:
        """Build and deliver due digests (under the digest-sender lease; a run resumes where another stopped).

        It runs inside the tick: a large batch delays the next harvest check by its duration, which is fine at
        one tick a minute; a hub with many thousands of subscribers can run a second worker for the harvest.
        """
        try:
            for run in send_due_digests(self.hub):
                report = run.delivery
                if report and (report.sent or report.deferred or report.bounced or report.failed):
                    log.info(
                        "digest %s %s: %d sent, %d deferred, %d bounced, %d failed",
                        run.frequency,
                        run.period,
                        report.sent,
                        report.deferred,
                        report.bounced,
                        report.failed,
                    )
        except DailyPapersError as exc:
            log.error("digest run failed: %s; retrying next round", exc)

    def embed_pending(self) -> None:
        """Embed the papers the last imports and harvests queued; a failing embedder is logged, not fatal."""
        try:
            report = self.hub.search_engine.embed_pending()
        except DailyPapersError as exc:
            log.warning("embedding queued papers failed: %s; retrying next round", exc)
            return
        if report.embedded:
            log.info("embedded %d papers (%.1f papers/s)", report.embedded, report.per_second)
            self.hub.freshness.changed()  # paper pages list similar papers by vector: cached pages must go

    def enrich_pending(self) -> EnrichReport | None:
        """One round of enrichment (`enrich_batch` papers per kind, feed papers first) under the `enrich` lease;
        None when another worker holds it. Never raises: failures are recorded per paper, a service that is down
        pauses its kind, a database error is logged and retried next round."""
        if not self.hub.enrichment.kinds():
            return None
        now = self.hub.clock.now()
        try:
            if not self.hub.store.acquire_lease(ENRICH_LEASE, self.holder, now, ENRICH_LEASE_TTL):
                return None
            try:
                report = self.hub.enrichment.run_backlog(limit=self.hub.settings.enrich_batch)
            finally:
                self.hub.store.release_lease(ENRICH_LEASE, self.holder)
        except DailyPapersError as exc:
            log.error("enrichment round failed: %s; retrying next round", exc)
            return None
        if report.total_done or report.failed:
            done = ", ".join(f"{n} {kind}" for kind, n in sorted(report.done.items())) or "nothing"
            log.info("enriched %s; %d failed", done, len(report.failed))
        return report

    def harvest_if_due(self) -> bool:
        """Harvest when due, holding the `harvest` lease so two workers (on any hosts) never harvest at once."""
        now = self.hub.clock.now()
        if self.retry_at is not None and now < self.retry_at:
            return False
        try:
            if not self.hub.store.acquire_lease(HARVEST_LEASE, self.holder, now, HARVEST_LEASE_TTL):
                return False
            try:
                return self._harvest(now)
            finally:
                self.hub.store.release_lease(HARVEST_LEASE, self.holder)
        except StorageError as exc:
            log.error("harvest failed, database error: %s; %s", exc, self._back_off())
            return False

    def _harvest(self, now: datetime) -> bool:
        try:
            # Read under the lease: another worker may have just finished a harvest.
            text = self.hub.store.get_state(LAST_HARVEST_KEY)
            last = datetime.fromisoformat(text) if text else None
            if not harvest_due(last, now, self.hub.settings.harvest_interval_minutes):
                return False
            log.info("harvest starting")
            report = self.hub.harvest()
            self.hub.store.set_state(LAST_HARVEST_KEY, now.isoformat())
        except SourceError as exc:
            # Offline machines and arXiv outages are normal: one clear line, then back off and retry.
            log.warning("harvest failed, arXiv unreachable or refusing: %s; %s", exc, self._back_off())
            return False
        self.failures, self.retry_at = 0, None
        log.info(
            "harvest done: %d new, %d updated, %d unchanged, %d rejected",
            report.inserted,
            report.updated,
            report.skipped,
            len(report.rejected),
        )
        return True

    def sync_if_due(self) -> SyncReport | None:
        """Sync the upstreams' recent days every `upstream_sync_minutes` (at once when never synced), under the
        `upstream-sync` lease so several workers on one database never sync at once; None when not run.

        Never raises: an unreachable upstream is one warning line, then retried after 1, 2, 4 … minutes (at most
        the interval); a database error is logged and retried the same way.
        """
        interval = self.hub.settings.upstream_sync_minutes
        if interval <= 0 or not self.hub.upstream.upstreams:
            return None
        now = self.hub.clock.now()
        if self.sync_retry_at is not None and now < self.sync_retry_at:
            return None
        try:
            if not self.hub.store.acquire_lease(SYNC_LEASE, self.holder, now, SYNC_LEASE_TTL):
                return None
            try:
                return self._sync(now, interval)
            finally:
                self.hub.store.release_lease(SYNC_LEASE, self.holder)
        except StorageError as exc:
            log.error("upstream sync failed, database error: %s; %s", exc, self._sync_back_off(interval))
            return None

    def _sync(self, now: datetime, interval: int) -> SyncReport | None:
        text = self.hub.store.get_state(LAST_SYNC_KEY)  # read under the lease: another worker may just have run
        if text and now - datetime.fromisoformat(text) < timedelta(minutes=interval):
            return None
        report = self.hub.upstream.sync()
        if report.failed:
            reasons = "; ".join(f"{where}: {why}" for where, why in report.failed)
            log.warning("upstream sync incomplete: %s; %s", reasons, self._sync_back_off(interval))
        else:
            self.sync_failures, self.sync_retry_at = 0, None
            self.hub.store.set_state(LAST_SYNC_KEY, now.isoformat())
        if report.changed or report.rejected:
            log.info(
                "upstream sync: %d days, %d entries: %d added, %d moved, %d updated, %d malformed skipped",
                report.days,
                report.entries,
                report.added,
                report.moved,
                report.updated,
                len(report.rejected),
            )
        return report

    def _sync_back_off(self, interval: int) -> str:
        self.sync_failures += 1
        minutes = min(2 ** (self.sync_failures - 1), max(interval, 1))
        self.sync_retry_at = self.hub.clock.now() + timedelta(minutes=minutes)
        return f"next attempt in {minutes} min"

    def refresh_stars(self) -> StarsReport | None:
        """Every STARS_EVERY, refresh the stale star counts of recent feed papers' repositories; None when not due.

        Never raises: GitHub outages and rate limits end the round early (the client then waits for the reset by
        itself), and a database error is logged; both are retried next round.
        """
        if self.hub.settings.github_refresh_hours <= 0:
            return None
        now = self.hub.clock.now()
        try:
            text = self.hub.store.get_state(LAST_STARS_KEY)
            if text and now - datetime.fromisoformat(text) < STARS_EVERY:
                return None
            report = self.hub.refresh_github_stars()
            self.hub.store.set_state(LAST_STARS_KEY, now.isoformat())
        except StorageError as exc:
            log.error("GitHub star refresh failed, database error: %s", exc)
            return None
        if report.refreshed or report.not_modified or report.missing or report.failed:
            log.info(
                "GitHub stars: %d refreshed, %d unchanged, %d missing, %d failed%s",
                report.refreshed,
                report.not_modified,
                report.missing,
                report.failed,
                f"; rate-limited for {report.paused_for:.0f} s" if report.paused_for else "",
            )
        return report

    def _back_off(self) -> str:
        """Wait 1, 2, 4 … minutes between failed attempts, never longer than the harvest interval."""
        self.failures += 1
        minutes = min(2 ** (self.failures - 1), max(self.hub.settings.harvest_interval_minutes, 1))
        self.retry_at = self.hub.clock.now() + timedelta(minutes=minutes)
        return f"next attempt in {minutes} min"
