"""A sender process killed with SIGKILL at random points and restarted, over and over, delivers every subscriber's
digest, and never sends one twice except in the milliseconds between the server's 250 and the ledger commit (a
resend then carries the same Message-ID, so receivers can drop it)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from dailypapers.settings import Settings
from dailypapers.usecases.digests import LEASE_TTL
from tests.digest.conftest import SEND_AT, DigestHub, SmtpSink, seed_feed, subscribe_confirmed

ROOT = Path(__file__).resolve().parents[2]
KILLS = 20
SUBSCRIBERS = 120


def test_sigkill_at_random_points_delivers_everyone_once(
    dhub: DigestHub, smtp: tuple[SmtpSink, int], mail_settings: Settings
) -> None:
    sink, port = smtp
    seed_feed(dhub)
    addresses = [f"reader{n:03d}@example.org" for n in range(SUBSCRIBERS)]
    for address in addresses:
        subscribe_confirmed(dhub, sink, address)
    rng = random.Random(20260821)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    kills = 0
    now = SEND_AT
    for _ in range(KILLS * 3):
        before = len(sink.digests())
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.digest.sender_process",
                mail_settings.database_url,
                str(port),
                now.isoformat(),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # wait until it is sending (or done), then kill it at a random moment
        deadline = time.monotonic() + 30
        while len(sink.digests()) == before and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.2))
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        _out, err = process.communicate(timeout=30)
        assert finished or process.returncode == -signal.SIGKILL, err.decode()[-2000:]
        if finished:
            assert process.returncode == 0, err.decode()[-2000:]
            break
        now += LEASE_TTL + timedelta(seconds=1)  # the killed sender's lease runs out before the restart
    assert kills >= KILLS
    per_address = Counter(m["To"] for m in sink.digests())
    assert sorted(per_address) == addresses  # nobody skipped
    ids = {(m["To"], m["Message-ID"]) for m in sink.digests()}
    assert len(ids) == SUBSCRIBERS  # one distinct message per subscriber
    resent = sum(per_address.values()) - SUBSCRIBERS
    assert resent <= kills  # at most the one in-flight mail of a killed run
    print(f"kills={kills} resent={resent}")
