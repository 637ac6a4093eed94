"""One process, no HTTP: ms per query of the load benchmark's search queries, their ranking kept or checked, a profile.

Run: `PYTHONPATH=src .venv/bin/python -m bench.search_profile [--save ranks.json | --check ranks.json]
[--profile page|hub|service] [--rounds 2]` on the hub bench/load.py built (data/bench-load, static embedder).

It times four levels (wall and CPU time of this process, best pass; on a shared machine the CPU time is the
steadier figure) over the same queries (three words of real titles, as bench/load.py asks them), after one
untimed pass that fills the query-vector cache as the server's would be after its first round:

- rank: SearchService.rank alone (the ranked list: keyword, vectors, parts, fusion; no moderation, snippets or
  cards), the floor under every other level;
- service: SearchService.search (ranking and snippets);
- hub: Hub.search (plus the papers' views for the cards);
- page: the whole `/search?q=…` page through the ASGI app (routing, marks, template), status 200 checked; the page
  cache is off, so every page is searched and rendered.

`--save` writes the hybrid and keyword results of every query (the first 100 ids in order, their scores and
snippets); `--check` compares a later run with them and fails on any difference in ids, order or snippets (scores
may differ by float rounding, at most 1e-5), so a speed-up is proven not to change what search answers.
`--profile LEVEL` runs that level under cProfile (the thread pool inlined, so the route's frames are seen).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.webload import ROOT, cpu_name, hub_env, load_average, queries

CHECK_DEPTH = 100
SCORE_TOLERANCE = 1e-5


def _inline_thread_pool() -> None:
    """Run sync routes in the calling thread: one thread to time and to profile."""
    import anyio.to_thread

    async def run_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


def _get(app: Any, path: str) -> tuple[int, bytes]:
    """GET path through the ASGI app, no server and no client library: (status, body)."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
        "state": {},
    }
    status, body = 0, bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    asyncio.run(app(scope, receive, send))
    return status, bytes(body)


def results_of(hub: Any, texts: list[str]) -> dict[str, Any]:
    """What search answers, per mode and query: ids in order, scores, snippets."""
    out: dict[str, Any] = {}
    for mode in ("hybrid", "keyword"):
        out[mode] = {}
        for text in texts:
            found = hub.search_engine.search(text, mode=mode, page_size=CHECK_DEPTH)
            out[mode][text] = {
                "ids": [h.arxiv_id for h in found.hits],
                "scores": [h.score for h in found.hits],
                "snippets": [h.snippet_html for h in found.hits],
                "total": found.total,
            }
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for mode, by_query in before.items():
        for text, old in by_query.items():
            new = after[mode].get(text)
            if new is None:
                problems.append(f"{mode} {text!r}: not run")
                continue
            if new["ids"] != old["ids"]:
                problems.append(f"{mode} {text!r}: ids differ")
            elif new["snippets"] != old["snippets"]:
                problems.append(f"{mode} {text!r}: snippets differ")
            elif new["total"] != old["total"]:
                problems.append(f"{mode} {text!r}: total {old['total']} -> {new['total']}")
            elif any(abs(a - b) > SCORE_TOLERANCE for a, b in zip(old["scores"], new["scores"], strict=True)):
                problems.append(f"{mode} {text!r}: scores differ")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench-load")
    parser.add_argument("--embedder", default="static")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="timed passes per level (the best counts)")
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--check", type=Path)
    parser.add_argument("--profile", choices=["rank", "service", "hub", "page"])
    parser.add_argument("--profile-out", type=Path, default=Path("/tmp/search_profile.prof"))
    args = parser.parse_args()

    os.environ.update(hub_env(args.work, args.embedder))
    os.environ["DAILYPAPERS_PAGE_CACHE_MB"] = "0"  # every page really searched and rendered: this measures search
    from dailypapers.domain.query import parse_query
    from dailypapers.search import SearchService
    from dailypapers.settings import load_settings
    from dailypapers.web.app import create_app
    from dailypapers.wiring import make_hub

    _inline_thread_pool()
    hub = make_hub(load_settings())
    app = create_app(hub)
    texts = queries(args.queries)
    print(f"CPU: {cpu_name()}; load average: {load_average()}; {len(texts)} queries, mode {args.mode}", flush=True)

    if args.save or args.check:
        found = results_of(hub, texts)
        if args.save:
            args.save.write_text(json.dumps(found))
            print(f"saved the results of {len(texts)} queries × 2 modes to {args.save}")
        if args.check:
            problems = compare(json.loads(args.check.read_text()), found)
            print(f"checked against {args.check}: {len(problems)} differences")
            for line in problems[:20]:
                print("  " + line)
            if problems:
                sys.exit(1)

    engine = hub.search_engine
    assert isinstance(engine, SearchService), "the rank level needs the embedded engine (SQLite)"

    def rank(text: str) -> None:
        engine.rank(parse_query(text), args.mode, depth=engine.fusion.depth)

    def service(text: str) -> None:
        hub.search_engine.search(text, mode=args.mode, page_size=20)

    def whole_hub(text: str) -> None:
        hub.search(text, mode=args.mode, page_size=20)

    def page(text: str) -> None:
        status, _ = _get(app, "/search?" + urlencode({"q": text, "mode": args.mode}))
        assert status == 200, status

    levels = {"rank": rank, "service": service, "hub": whole_hub, "page": page}
    for text in texts:  # untimed: query vectors cached, indexes and templates warm
        page(text)
    for name, run in levels.items():
        wall, cpu = float("inf"), float("inf")
        for _ in range(args.rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            for text in texts:
                run(text)
            wall = min(wall, (time.perf_counter() - started) / len(texts) * 1000)
            cpu = min(cpu, (time.process_time() - started_cpu) / len(texts) * 1000)
        print(f"{name:8} {wall:6.1f} ms/query wall, {cpu:6.1f} ms CPU (best of {args.rounds} passes)", flush=True)
    if args.profile:
        run = levels[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for text in texts:
            run(text)
        profiler.disable()
        profiler.dump_stats(args.profile_out)
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
