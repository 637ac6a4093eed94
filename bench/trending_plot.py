"""How the trending score (dailypapers.domain.ranking) behaves on real series: Hugging Face upvote snapshots and GitHub
star histories from ../shared/data. Writes an SVG (no plotting library needed) and prints the tables behind it.

    .venv/bin/python bench/trending_plot.py [--out docs/trending.svg]

Reads ../shared/data/hf-upvote-snapshots.jsonl and github-stars-sample.jsonl.gz; skips with a message when absent.
Vote times are not in the data, only cumulative counts at snapshot times: votes are spread evenly between
snapshots (and from the start of the paper's day to the first snapshot), and none arrive after the last one.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import sys
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dailypapers.domain.ranking import DEFAULT_PARAMS, TrendingParams, score_from_ages, star_velocity

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COLORS = ("#b45309", "#0b57d0", "#15803d", "#a21caf", "#dc2626", "#0891b2", "#4d7c0f", "#7c3aed", "#be123c")


def load_upvotes(path: Path) -> dict[tuple[str, date], list[tuple[datetime, int]]]:
    series: dict[tuple[str, date], list[tuple[datetime, int]]] = defaultdict(list)
    for line in path.read_text().splitlines():
        row = json.loads(line)
        at = datetime.fromisoformat(row["snapshot_time"]).astimezone(UTC)
        series[(row["arxiv_id"], date.fromisoformat(row["daily_date"]))].append((at, row["upvotes"]))
    return {key: sorted(points) for key, points in series.items()}


def vote_times(day: date, points: Sequence[tuple[datetime, int]]) -> list[datetime]:
    """Spread each snapshot's new votes evenly over the time since the previous snapshot (or the day's start)."""
    times: list[datetime] = []
    previous_at, previous = datetime(day.year, day.month, day.day, tzinfo=UTC), 0
    for at, count in points:
        gained = max(0, count - previous)
        step = (at - previous_at) / (gained + 1)
        times += [previous_at + step * (n + 1) for n in range(gained)]
        previous_at, previous = at, max(previous, count)
    return times


def score_at(now: datetime, day: date, votes: Sequence[datetime], params: TrendingParams, stars: float = 0) -> float:
    submitted = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if now < submitted:
        return 0.0
    ages = [(now - v).total_seconds() / 3600 for v in votes if v <= now]
    return score_from_ages(
        ages, feed_age_hours=(now - submitted).total_seconds() / 3600, stars_per_day=stars, params=params
    )


def leaders(
    papers: dict[tuple[str, date], list[datetime]], start: datetime, hours: int, params: TrendingParams
) -> list[tuple[datetime, str]]:
    """(time, paper) whenever the top of the trending list changes, hour by hour."""
    changes: list[tuple[datetime, str]] = []
    for h in range(hours + 1):
        now = start + timedelta(hours=h)
        top = max(papers, key=lambda k: score_at(now, k[1], papers[k], params))
        if not changes or changes[-1][1] != top[0]:
            changes.append((now, top[0]))
    return changes


def load_stars(path: Path) -> list[tuple[str, list[tuple[date, int]]]]:
    repos = []
    with gzip.open(path, "rt") as lines:
        for line in lines:
            row = json.loads(line)
            repos.append((row["repo"], [(date.fromisoformat(d), s) for d, s, _forks in row["series"]]))
    return repos


# -- SVG ---------------------------------------------------------------------------------------------------


def svg_panel(
    x0: float,
    y0: float,
    w: float,
    h: float,
    title: str,
    xlabel: str,
    lines: list[tuple[str, list[tuple[float, float]]]],
) -> list[str]:
    xs = [x for _, pts in lines for x, _ in pts] or [0.0, 1.0]
    ys = [y for _, pts in lines for _, y in pts] or [0.0, 1.0]
    xmin, xmax, ymax = min(xs), max(xs), max(ys) * 1.08 or 1.0

    def px(x: float, y: float) -> str:
        return f"{x0 + (x - xmin) / (xmax - xmin or 1) * w:.1f},{y0 + h - y / ymax * h:.1f}"

    out = [
        f'<text x="{x0}" y="{y0 - 12}" font-weight="bold">{title}</text>',
        f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>',
        f'<text x="{x0 + w / 2}" y="{y0 + h + 32}" text-anchor="middle">{xlabel}</text>',
    ]
    for tick in range(5):
        value = ymax * tick / 4
        y = y0 + h - h * tick / 4
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value:.1f}</text>')
    for tick in range(7):
        value = xmin + (xmax - xmin) * tick / 6
        x = x0 + w * tick / 6
        out.append(f'<text x="{x:.1f}" y="{y0 + h + 15}" text-anchor="middle" font-size="11">{value:.3g}</text>')
    for n, (label, pts) in enumerate(lines):
        color = COLORS[n % len(COLORS)]
        path = " ".join(px(x, y) for x, y in pts)
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{path}"/>')
        out.append(f'<text x="{x0 + w + 8}" y="{y0 + 14 + 16 * n}" fill="{color}" font-size="12">{label}</text>')
    return out


def write_svg(path: Path, panels: list[list[str]], height: int) -> None:
    body = "\n".join(line for panel in panels for line in panel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}" font-family="sans-serif" '
        f'font-size="13">\n<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n'
    )


# -- main --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/trending.svg"))
    args = parser.parse_args(argv)
    upvote_file, stars_file = DATA / "hf-upvote-snapshots.jsonl", DATA / "github-stars-sample.jsonl.gz"
    if not upvote_file.exists() or not stars_file.exists():
        print(f"skipped: reference data not found in {DATA} (it lives beside the project, in ../shared/data)")
        return 0
    params = DEFAULT_PARAMS

    # 1. Real upvote series of three consecutive days: score over four days, and who leads when.
    series = load_upvotes(upvote_file)
    days = (date(2025, 1, 8), date(2025, 1, 9), date(2025, 1, 10))
    cohort = {k: vote_times(k[1], pts) for k, pts in series.items() if k[1] in days}
    top = sorted(cohort, key=lambda k: -len(cohort[k]))[:3]
    top += [k for k in sorted(cohort, key=lambda k: -len(cohort[k])) if k[1] not in {t[1] for t in top}][:3]
    start = datetime(2025, 1, 8, tzinfo=UTC)
    hours = 24 * 5
    lines = []
    for key in sorted(top, key=lambda k: (k[1], -len(cohort[k]))):
        pts = [(h / 24, score_at(start + timedelta(hours=h), key[1], cohort[key], params)) for h in range(hours + 1)]
        lines.append((f"{key[0]} ({key[1]:%b %-d}, {len(cohort[key])} votes)", pts))
    panel1 = svg_panel(
        80,
        50,
        560,
        250,
        "Trending score of the top paper of three days (real Hugging Face upvote series)",
        "days since Jan 8",
        lines,
    )

    print("Top of trending, Jan 8-12 2025 (hourly), default parameters:")
    for at, arxiv_id in leaders(cohort, start, hours, params):
        print(f"  from {at:%b %d %H:%M}  {arxiv_id}")
    print("\nHours a day's top paper stays on top, by parameters (median over the days shown):")
    print("  half-life  gravity   hours on top")
    for half_life in (24.0, 48.0, 96.0):
        for gravity in (1.2, 1.5, 1.8):
            trial = TrendingParams(vote_half_life_hours=half_life, gravity=gravity)
            changes = leaders(cohort, start, hours, trial)
            spans = [(b[0] - a[0]).total_seconds() / 3600 for a, b in itertools.pairwise(changes)]
            median = sorted(spans)[len(spans) // 2] if spans else float(hours)
            marker = "  <- default" if trial == params else ""
            print(f"  {half_life:6.0f} h   {gravity:5.1f}   {median:8.0f}{marker}")

    # 2. Real GitHub star histories: star velocity's share of the score, for a paper with 20 votes on day 0.
    repos = [(name, s) for name, s in load_stars(stars_file) if len(s) >= 30]
    velocities = sorted(
        star_velocity(s, today=s[-1][0], window_days=params.star_window_days) for _name, s in repos if len(s) > 1
    )
    print(f"\nStar velocity over the last {params.star_window_days} days of {len(velocities)} real repositories:")
    print("  percentile  stars/day  points (w·sqrt)")
    for q in (0.5, 0.75, 0.9, 0.99, 1.0):
        v = velocities[min(len(velocities) - 1, int(q * len(velocities)))]
        print(f"  {q * 100:9.0f}%  {v:9.1f}  {params.star_weight * math.sqrt(v):8.1f}")

    def peak(s: list[tuple[date, int]]) -> tuple[float, date]:
        """The fastest window of the series and the day it ends (two pointers: the series is sorted by day)."""
        best, best_day, first = 0.0, s[0][0], 0
        for last, (day, stars) in enumerate(s):
            while s[first][0] < day - timedelta(days=params.star_window_days):
                first += 1
            if last > first:
                rate = max(0, stars - s[first][1]) / max(1, (day - s[first][0]).days)
                if rate > best:
                    best, best_day = rate, day
        return best, best_day

    ranked = sorted(((peak(s), name, s) for name, s in repos), key=lambda r: -r[0][0])
    chosen = ranked[:: max(1, len(ranked) // 4)][:4]  # from the fastest repository down to ordinary ones
    lines2 = []
    for (_rate, best), name, s in chosen:
        day0 = best - timedelta(days=7)  # the paper joins the feed a week before its repository's fastest week
        votes = [datetime(day0.year, day0.month, day0.day, 6, tzinfo=UTC)] * 20
        pts = []
        for h in range(0, 24 * 14 + 1, 6):
            now = datetime(day0.year, day0.month, day0.day, tzinfo=UTC) + timedelta(hours=h)
            v = star_velocity(s, today=now.date(), window_days=params.star_window_days)
            pts.append((h / 24, score_at(now, day0, votes, params, stars=v)))
        lines2.append((f"20 votes + {name}", pts))
    base = [
        (
            h / 24,
            score_at(
                datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=h),
                date(2025, 1, 1),
                [datetime(2025, 1, 1, 6, tzinfo=UTC)] * 20,
                params,
            ),
        )
        for h in range(0, 24 * 14 + 1, 6)
    ]
    lines2.append(("20 votes, no code", base))
    panel2 = svg_panel(
        80, 380, 560, 250, "Star velocity keeps papers with fast-growing code up", "days on the feed", lines2
    )
    write_svg(args.out, [panel1, panel2], 690)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
