"""The background worker: runs the scheduled arXiv harvest and survives an unreachable arXiv."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from dailypapers.errors import SourceError, StorageError
from dailypapers.hub import Hub

log = logging.getLogger(__name__)

LAST_HARVEST_KEY = "worker:last_harvest"
IDLE_SECONDS = 60.0


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

    def run_forever(self) -> None:
        interval = self.hub.settings.harvest_interval_minutes
        if interval <= 0:
            log.info("scheduled harvest disabled (DAILYPAPERS_HARVEST_INTERVAL_MINUTES=0); worker idles")
        else:
            log.info("worker started: harvesting %s every %d minutes", self.hub.settings.harvest_sets, interval)
        while not self.stop.is_set():
            self.tick()
            self.stop.wait(self.idle_seconds)
        log.info("worker stopped")

    def tick(self) -> bool:
        """Run the harvest if it is due; True when it ran and succeeded."""
        try:
            text = self.hub.store.get_state(LAST_HARVEST_KEY)
            last = datetime.fromisoformat(text) if text else None
            now = self.hub.clock.now()
            if not harvest_due(last, now, self.hub.settings.harvest_interval_minutes):
                return False
            if self.retry_at is not None and now < self.retry_at:
                return False
            log.info("harvest starting")
            report = self.hub.harvest()
            self.hub.store.set_state(LAST_HARVEST_KEY, now.isoformat())
        except SourceError as exc:
            # Offline machines and arXiv outages are normal: one clear line, then back off and retry.
            log.warning("harvest failed, arXiv unreachable or refusing: %s; %s", exc, self._back_off())
            return False
        except StorageError as exc:
            log.error("harvest failed, database error: %s; %s", exc, self._back_off())
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

    def _back_off(self) -> str:
        """Wait 1, 2, 4 … minutes between failed attempts, never longer than the harvest interval."""
        self.failures += 1
        minutes = min(2 ** (self.failures - 1), max(self.hub.settings.harvest_interval_minutes, 1))
        self.retry_at = self.hub.clock.now() + timedelta(minutes=minutes)
        return f"next attempt in {minutes} min"
