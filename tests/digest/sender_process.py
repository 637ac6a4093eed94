"""A digest sender in its own process, for the SIGKILL test: `python -m tests.digest.sender_process URL PORT NOW`."""

from __future__ import annotations

import sys
from datetime import datetime

from dailypapers.adapters.clock import FixedClock
from dailypapers.settings import Settings
from tests.digest.conftest import BASE_URL, make_digest_hub


def main(database_url: str, port: int, now: datetime) -> None:
    settings = Settings(
        database_url=database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="none",
        mail_from="Paper Club <digest@papers.example.org>",
        base_url=BASE_URL,
        secret_key="test-secret-key-0123456789-abcdefghijklmnop",
        digest_send_rate=40.0,  # slow enough for kills to land mid-batch
    )
    hub = make_digest_hub(settings, FixedClock(now))
    run = hub.run_digest("daily")
    print(f"sent {run.delivery.sent if run.delivery else 0}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), datetime.fromisoformat(sys.argv[3]))
