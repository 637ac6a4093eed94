"""Throughput of the public pages under load, as ratios to a static file served by the same server in the same run.

Run: `.venv/bin/python -m bench.load [--rounds 3] [--seconds 10] [--embedder static|transformer]` (needs wrk and
../shared/data). It builds a hub from the shared data once (in data/bench-load/, ~2 min with the static embedder;
the transformer embeds ~83k papers in well over half an hour on 2 cores), starts `dailypapers serve --workers 2` and
measures with wrk at 64 connections:

- cold: the latest day page for 5 s right after the port opens, with no warm-up request of ours;
- then per round: /static/style.css, the latest day page, its week page, the day's top paper, the same three pages
  for a signed-in member (own votes and saves on them; each compared with its anonymous figure), and hybrid search
  twice:
  - "search": 200 different queries (three words of real titles, round-robin, so each is asked again ~every 200
    requests) — the issue's figure; anonymous result pages are kept in the page cache, so after the first ~200
    requests of the run this mostly measures the cache;
  - "search, no repeats": `--distinct` (3,000) other queries per round, none asked twice in the whole run, so no
    request can be answered from a cache: what ranking, snippets and rendering cost.

Each page's figure is its requests/s divided by the static file's in the same round; the worst round counts.
`--only search` measures the static file and the two search figures only (no cold start, no other pages).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from urllib.parse import urlencode

from bench.webload import (
    ROOT,
    STATIC,
    WrkResult,
    cpu_name,
    hub_env,
    load_average,
    prepare,
    queries,
    require_tools,
    start_server,
    wrk,
)

GOALS = {"day": 0.8, "week": 0.8, "paper": 0.8, "search": 0.25, "search, no repeats": 0.25, "cold": 0.5}
SIGNED_IN_GOAL = 0.5  # a member's page: at least half the anonymous figure of the same page
SIGNED_IN = ("day", "week", "paper")  # measured again with the member's cookie


def member_cookie(work: Path, embedder: str, name: str = "bench") -> str:
    """A session cookie of a member who upvoted and saved papers of the latest day (their marks show on it)."""
    import os

    from dailypapers.settings import load_settings
    from dailypapers.web.auth import SESSION_COOKIE, signed_session
    from dailypapers.wiring import make_hub

    os.environ.update(hub_env(work, embedder))
    hub = make_hub(load_settings())
    member = hub.store.get_or_create_user(f"{name}@example.org", name, hub.clock.now())
    ids = [item.paper.arxiv_id for item in hub.feed_for(hub.latest_day()).items]
    for arxiv_id in ids[:3]:
        hub.store.set_vote(member.id, arxiv_id, True, hub.clock.now())
    hub.set_saved(member, ids[-1], True)
    cookie = f"{SESSION_COOKIE}={signed_session(hub.settings, hub.start_session(member))}"
    hub.store.engine.dispose()  # type: ignore[attr-defined]
    return cookie


def page_paths(work: Path, embedder: str) -> dict[str, str]:
    """The latest day with papers, its week and its most upvoted paper, as the hub itself finds them."""
    import os

    from dailypapers.domain.periods import period_containing
    from dailypapers.settings import load_settings
    from dailypapers.web import present
    from dailypapers.wiring import make_hub

    os.environ.update(hub_env(work, embedder))
    hub = make_hub(load_settings())
    day = hub.latest_day()
    top = hub.feed_for(day).items[0].paper.arxiv_id
    hub.store.engine.dispose()  # type: ignore[attr-defined]
    return {
        "day": present.period_url(day),
        "week": present.period_url(period_containing("week", day.start)),
        "paper": present.paper_url(top),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench-load")
    parser.add_argument("--embedder", default="static", choices=["static", "transformer"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=3000, help="no-repeat search: queries per round")
    parser.add_argument("--only", choices=["all", "search"], default="all")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    require_tools()
    prepare(args.work, args.embedder)
    everything = args.only == "all"
    paths = page_paths(args.work, args.embedder) if everything else {}
    cookie = member_cookie(args.work, args.embedder) if everything else ""
    repeated = queries(args.queries)
    search = ["/search?" + urlencode({"q": q}) for q in repeated]
    others = [q for q in queries(args.distinct * args.rounds + args.queries, seed=11) if q not in set(repeated)]
    fresh = [
        ["/search?" + urlencode({"q": q}) for q in others[n * args.distinct : (n + 1) * args.distinct]]
        for n in range(args.rounds)
    ]
    print(f"CPU: {cpu_name()}; load average before: {load_average()}; pages: {paths}", flush=True)

    server = start_server(args.work, args.embedder, args.port, args.workers)
    runs: dict[str, list[WrkResult]] = {}
    try:
        common = {"seconds": args.seconds, "connections": args.connections}
        cold = wrk(server.base, paths["day"] if everything else STATIC, seconds=5, connections=args.connections)
        print(f"cold day page: {cold.requests_per_second:.0f} req/s, p99 {cold.p99_ms:.0f} ms", flush=True)
        for n in range(args.rounds):
            measured = {"static": wrk(server.base, STATIC, **common)}
            for name, path in paths.items():
                measured[name] = wrk(server.base, path, **common)
            if everything:
                for name in SIGNED_IN:
                    measured[f"{name} signed in"] = wrk(server.base, paths[name], cookie=cookie, **common)
            measured["search"] = wrk(server.base, search[0], paths=search, **common)
            measured["search, no repeats"] = wrk(server.base, fresh[n][0], paths=fresh[n], **common)
            if measured["search, no repeats"].requests > len(fresh[n]):
                print(f"warning: more requests than --distinct {args.distinct}: some queries were repeated")
            for name, result in measured.items():
                runs.setdefault(name, []).append(result)
            static = measured["static"].requests_per_second
            print(
                f"round {n + 1} (load {load_average()}): "
                + ", ".join(
                    f"{name} {r.requests_per_second:.0f}/s ({r.requests_per_second / static:.2f}x, "
                    f"p99 {r.p99_ms:.0f} ms)"
                    for name, r in measured.items()
                ),
                flush=True,
            )
        rss = server.rss_mb()
    finally:
        server.stop()

    ratios = {
        name: min(r.requests_per_second / s.requests_per_second for r, s in zip(results, runs["static"], strict=True))
        for name, results in runs.items()
        if name != "static"
    }
    ratios["cold"] = cold.requests_per_second / runs["static"][0].requests_per_second
    signed_in = {
        name: min(
            r.requests_per_second / a.requests_per_second
            for r, a in zip(runs[f"{name} signed in"], runs[name], strict=True)
        )
        for name in SIGNED_IN
        if f"{name} signed in" in runs
    }
    figures = {
        "cpu": cpu_name(),
        "static_rps_worst": min(r.requests_per_second for r in runs["static"]),
        "ratios_worst_round": {k: round(v, 2) for k, v in ratios.items()},
        "day_p99_ms_worst": max((r.p99_ms for r in runs.get("day", [])), default=float("nan")),
        "signed_in_vs_anonymous_day_worst": round(signed_in.get("day", float("nan")), 2),
        "signed_in_vs_anonymous_worst": {name: round(v, 2) for name, v in signed_in.items()},
        "errors": sum(r.errors for results in runs.values() for r in results) + cold.errors,
        "web_rss_mb": round(rss, 1),
        "load_average_after": load_average(),
    }
    print("\n| figure | worst of rounds | goal |\n|---|---|---|")
    print(f"| static file | {figures['static_rps_worst']:.0f} req/s | — |")
    for name, goal in GOALS.items():
        if name not in ratios or (name == "cold" and not everything):
            continue
        print(f"| {name} | {ratios[name]:.2f}x static | ≥ {goal}x {'✓' if ratios[name] >= goal else '✗'} |")
    for name, ratio in signed_in.items():
        verdict = "✓" if ratio >= SIGNED_IN_GOAL else "✗"
        print(f"| {name}, signed in | {ratio:.2f}x the anonymous {name} page | ≥ {SIGNED_IN_GOAL}x {verdict} |")
    if everything:
        print(f"| day page p99 | {figures['day_p99_ms_worst']:.0f} ms | ≤ 100 ms |")
    print(f"| errors | {figures['errors']} | 0 |")
    print(f"| web RSS ({args.workers} processes) | {figures['web_rss_mb']} MB | — |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
