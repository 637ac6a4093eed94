"""Steady under load: 10 minutes of wrk at 64 connections on the public pages and search, with data changing.

Run: `.venv/bin/python -m bench.soak [--minutes 10]` (needs wrk and ../shared/data; the hub of bench/load.py).
wrk runs one minute at a time over a mix of paths (the latest day, its week, its top paper; one request in 19 a
search; a third of the page views signed in as one of ten members) while this process changes the data every
`--change-seconds` (a vote's worth: the data version moves on, so every web process renders its pages again, as on
a live hub). After each minute it samples the web processes' memory (RSS). It passes with 0 errors and the last
minute's memory within +15% of the first minute's.
"""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path
from urllib.parse import urlencode

from bench.load import member_cookie, page_paths
from bench.webload import ROOT, cpu_name, hub_env, load_average, prepare, queries, require_tools, start_server, wrk

MEMORY_GOAL = 1.15


def change_data(work: Path, embedder: str, every: float, stop: threading.Event) -> None:
    """Move the data version on every `every` seconds, as writes on a live hub do."""
    from dailypapers.settings import load_settings
    from dailypapers.wiring import make_hub

    os.environ.update(hub_env(work, embedder))
    hub = make_hub(load_settings())
    while not stop.wait(every):
        hub.freshness.changed()
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench-load")
    parser.add_argument("--embedder", default="static", choices=["static", "transformer"])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8732)
    parser.add_argument("--change-seconds", type=float, default=10.0)
    args = parser.parse_args()
    require_tools()
    prepare(args.work, args.embedder)
    pages = page_paths(args.work, args.embedder)
    mix = [pages["day"], pages["week"], pages["paper"]] * 60  # and one search in 19 requests
    mix += ["/search?" + urlencode({"q": q}) for q in queries(10)]
    # Every third page view is a member's (own marks, CSRF token): their shared renders and kept marks must stay
    # bounded too. Ten members, so the marks kept per session and page hold more than one entry per page.
    members = [member_cookie(args.work, args.embedder, f"soak{n}") for n in range(10)]
    cookies = [members[n % 10] if n % 3 == 0 and not path.startswith("/search") else "" for n, path in enumerate(mix)]
    print(f"CPU: {cpu_name()}; load average before: {load_average()}", flush=True)

    server = start_server(args.work, args.embedder, args.port, args.workers)
    stop = threading.Event()
    changer = threading.Thread(target=change_data, args=(args.work, args.embedder, args.change_seconds, stop))
    changer.start()
    samples: list[float] = []
    errors = requests = 0
    try:
        for minute in range(args.minutes):
            result = wrk(server.base, mix[0], paths=mix, cookies=cookies, seconds=60, connections=args.connections)
            samples.append(server.rss_mb())
            errors += result.errors
            requests += result.requests
            print(
                f"minute {minute + 1}: {result.requests_per_second:.0f} req/s, p99 {result.p99_ms:.0f} ms, "
                f"{result.errors} errors, web RSS {samples[-1]:.0f} MB (load {load_average()})",
                flush=True,
            )
    finally:
        stop.set()
        changer.join()
        server.stop()
    growth = samples[-1] / samples[0]
    print(f"\n{requests} requests, {errors} errors; web RSS {samples[0]:.0f} MB after minute 1,")
    print(f"{samples[-1]:.0f} MB at the end ({(growth - 1) * 100:+.1f}%, goal ≤ +{(MEMORY_GOAL - 1) * 100:.0f}%),")
    print(f"peak {max(samples):.0f} MB")
    print("PASS" if errors == 0 and growth <= MEMORY_GOAL else "FAIL")


if __name__ == "__main__":
    main()
