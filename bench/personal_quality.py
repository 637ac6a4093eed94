"""For-you ranking quality: how high a member's held-out liked papers rank on their for-you page — what the hub
serves (`default`), plain community trending, and the variants the README's table lists — in one run, one command.

Run: `.venv/bin/python bench/personal_quality.py [--users N] [--papers N] [--fit]` (a few minutes on 2 cores).

Data. ../shared/data/hf-daily-papers.jsonl.gz (Hugging Face daily papers, with their daily dates, submitters and
same-day upvotes) is imported through `Hub.import_lines` into a fresh SQLite hub and embedded with the static
embedder (`minilm-static`, the fast bundled model). There is no per-member upvote data in the reference data, so
members are built two ways, both from real records and both documented here:

- **submitters** (real people): Hugging Face users who submitted 12–300 papers to the daily feed. Submitting is
  a public "I find this interesting"; the two accounts that submit the whole feed every day (over 300 each) are
  left out, they have no personal taste to learn. Likes = the papers they submitted. Many submit their own
  group's papers, so the authors they share are a real signal.
- **author-interest** (simulated): a reader who likes the work of one research group, i.e. every paper in the
  file that lists a given prolific author (20–120 papers; every 5th such author by count, so not only the
  biggest labs). Every liked paper lists that author by construction, so the shared-authors signal finds them
  all: the rows without it (`… −authors`) say what the words and vectors alone learn of such a reader.

Protocol (temporal, like the product): each member's likes sorted by the time they happened; the first 70 % are
upvoted in the hub (train), the last 30 % are held out and never enter the hub. At each day D on which a held-out
paper was submitted the hub's clock is set to D 23:00 (at most 5 days per member, evenly spread) and the member's
for-you ranking of the last 14 days' papers is taken to depth 100 (liked papers excluded); relevant = the member's
held-out papers submitted in those 14 days. Per evaluation point: MRR (1 / rank of the first relevant paper),
nDCG@10 and recall@10; averaged per member, then over members (each member counts once).

Methods. `default` is `hub.for_you.rank` itself, as the page calls it; `trending` (the slider at 1.0) and the
variants rank the same gathered signals (`hub.for_you.gather`) with other weights through the same domain blend:

- `text` / `vectors`: the text model (TF-IDF + linear SVM) or the vector centroid alone (slider 0);
- `vectors@0.3`: the vector centroid at the default slider — the ranking served before the text model;
- `default −authors`, `text@0.3`: the served blend without the shared-authors signal, and the text model alone
  at the default slider;
- `default +dislikes`: also 10 "not interested" clicks per member on the most upvoted papers of their training
  period that they did not like (a reader dismissing popular papers outside their interest).

Fit. The served weights (domain/personalize.py FITTED) are fitted by `--fit`: a grid search at the default slider
maximising MRR + recall@10 on the members of the *fit half* (every other member of each group, from the first);
the other half is never looked at by the fit, and its figures are printed apart ("held-out half"). `--fit`
prints the best weights with both halves' figures.

Printed with the machine load (`os.getloadavg`), since the timing column depends on it.
"""

from __future__ import annotations

import os

# One BLAS thread: the ridge solve is a 257x257 system, which multi-threaded OpenBLAS makes ~25 times slower on a busy
# 2-core machine (threads spinning for cores other processes hold). Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import gzip
import itertools
import json
import math
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.files import read_lines
from dailypapers.domain.models import User
from dailypapers.domain.personalize import DEFAULT_TRENDING_WEIGHT, FITTED, Weights, blend, rank, short_title
from dailypapers.domain.rules import normalise_author
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.usecases.accounts import username_from_email
from dailypapers.usecases.for_you import FOR_YOU_DAYS, ForYouItem, Gathered
from dailypapers.wiring import make_hub, migrate_database

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "hf-daily-papers.jsonl.gz"
MODELS_DIR = ROOT / "data" / "models"
TRAIN_SHARE = 0.7
SUBMITTER_RANGE = (12, 300)
AUTHOR_RANGE = (20, 120)
DISLIKES = 10
K = 10
MAX_POINTS = 5  # evaluation days per member at most (evenly spread over the held-out period)
DEPTH = 100  # ranks looked at: a first relevant paper below 100 adds under 0.01 to the reciprocal rank
SLIDER = DEFAULT_TRENDING_WEIGHT
# Variants over the gathered signals: (name, weights, slider). `default` and `trending` are for_you.rank itself.
VARIANTS: tuple[tuple[str, Weights, float], ...] = (
    ("text", Weights(text=1.0, similar=0.0, authors=0.0), 0.0),
    ("vectors", Weights(text=0.0, similar=1.0, authors=0.0), 0.0),
    ("vectors@0.3", Weights(text=0.0, similar=1.0, authors=0.0), SLIDER),
    ("text@0.3", Weights(text=1.0, similar=0.0, authors=0.0), SLIDER),
    ("default -authors", replace(FITTED, authors=0.0), SLIDER),
)
METHODS = ("default", "trending", *(name for name, _, _ in VARIANTS), "default +dislikes")
# The fit's grid, at the default slider: each weight's scale against trending's is what is fitted.
GRID = {
    "text": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
    "similar": (0.0, 0.25, 0.5, 1.0),
    "authors": (0.0, 0.25, 0.5, 1.0, 2.0),
}

Metrics = tuple[float, float, float]
AUTHOR_LINE = re.compile(r"By (?P<author>.+), an author of (?P<count>a paper|\d+ papers) you upvoted")
SIMILAR_LINE = re.compile(r"Similar to “(?P<title>.+)”, which you upvoted")


@dataclass
class Member:
    group: str
    name: str
    likes: list[tuple[datetime, str]]  # (when, arxiv id), oldest first
    fit: bool = False  # in the half the weights are fitted on
    user: User | None = None
    train: list[str] = field(default_factory=list)
    test: list[tuple[date, str]] = field(default_factory=list)
    dislikes: list[str] = field(default_factory=list)
    # Per evaluation point: the gathered signals and the relevant papers (for the fit).
    points: list[tuple[Gathered, set[str]]] = field(default_factory=list)
    reasons: int = 0  # "why" lines of the default ranking checked against the member's likes
    false_reasons: list[str] = field(default_factory=list)


def load(path: Path, limit: int | None) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    rows.sort(key=lambda r: str(r["submitted_on_daily_at"]))
    return rows[-limit:] if limit else rows


def _at(row: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(row["submitted_on_daily_at"]).replace("Z", "+00:00")).astimezone(UTC)


def members(rows: list[dict[str, object]], max_per_group: int) -> list[Member]:
    by_submitter: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    by_author: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for row in rows:
        at, arxiv_id = _at(row), str(row["arxiv_id"])
        if row.get("submitted_by"):
            by_submitter[str(row["submitted_by"])].append((at, arxiv_id))
        for author in dict.fromkeys(row["authors"]):  # type: ignore[call-overload]
            by_author[str(author)].append((at, arxiv_id))
    low, high = SUBMITTER_RANGE
    subs = sorted(
        (n for n, likes in by_submitter.items() if low <= len(likes) <= high), key=lambda n: -len(by_submitter[n])
    )
    low, high = AUTHOR_RANGE
    authors = sorted(
        (n for n, likes in by_author.items() if low <= len(likes) <= high), key=lambda n: -len(by_author[n])
    )
    chosen = [Member("submitters", n, sorted(by_submitter[n]), i % 2 == 0) for i, n in enumerate(subs[:max_per_group])]
    chosen += [
        Member("author-interest", n, sorted(by_author[n]), i % 2 == 0)
        for i, n in enumerate(authors[::5][:max_per_group])
    ]
    return chosen


def prepare(hub: Hub, clock: FixedClock, member: Member, rows: list[dict[str, object]]) -> None:
    cut = max(1, int(len(member.likes) * TRAIN_SHARE))
    train, test = member.likes[:cut], member.likes[cut:]
    clock.at = datetime(2020, 1, 1, tzinfo=UTC)  # accounts older than every vote
    email = f"{member.group}.{abs(hash(member.name)) % 10**8}@bench.example"
    member.user = hub.store.get_or_create_user(email, username_from_email(email), clock.at)
    member.train = [arxiv_id for _, arxiv_id in train]
    for at, arxiv_id in train:
        hub.store.set_vote(member.user.id, arxiv_id, True, at)
    member.test = [(at.date(), arxiv_id) for at, arxiv_id in test]
    # Dislikes: the most upvoted papers of the training period that the member did not like.
    start, end = train[0][0], train[-1][0]
    liked = {arxiv_id for _, arxiv_id in member.likes}
    popular = sorted(
        (r for r in rows if start <= _at(r) <= end and str(r["arxiv_id"]) not in liked),
        key=lambda r: -int(r.get("upvotes") or 0),  # type: ignore[call-overload]
    )
    member.dislikes = [str(r["arxiv_id"]) for r in popular[:DISLIKES]]


def metrics(ranking: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """(reciprocal rank, nDCG@K, recall@K) of one ranking."""
    first = next((i for i, arxiv_id in enumerate(ranking) if arxiv_id in relevant), None)
    rr = 0.0 if first is None else 1.0 / (first + 1)
    gains = [1.0 / math.log2(i + 2) for i, arxiv_id in enumerate(ranking[:K]) if arxiv_id in relevant]
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    recall = sum(1 for arxiv_id in ranking[:K] if arxiv_id in relevant) / len(relevant)
    return rr, (sum(gains) / ideal if ideal else 0.0), recall


def ranked(gathered: Gathered, weights: Weights, slider: float) -> list[str]:
    """The ids for_you.rank would list for these weights, from signals gathered once."""
    order = rank(blend(gathered.signals, weights, slider), gathered.signals.trending)[:DEPTH]
    return [gathered.candidates[i].arxiv_id for i in order]


def evaluate(hub: Hub, clock: FixedClock, member: Member) -> dict[str, list[Metrics]]:
    assert member.user is not None
    results: dict[str, list[Metrics]] = defaultdict(list)
    all_days = sorted({day for day, _ in member.test})
    step = max(1, math.ceil(len(all_days) / MAX_POINTS))
    days = all_days[::step][:MAX_POINTS]
    for day in days:
        clock.at = datetime.combine(day, dtime(23, 0), tzinfo=UTC)
        window = day - timedelta(days=FOR_YOU_DAYS - 1)
        relevant = {arxiv_id for d, arxiv_id in member.test if window <= d <= day}
        items = hub.for_you.rank(member.user, limit=DEPTH)
        member.false_reasons += false_reasons(hub, member, items)
        member.reasons += len(items)
        results["default"].append(metrics([i.view.paper.arxiv_id for i in items], relevant))
        gathered = hub.for_you.gather(member.user)
        assert gathered is not None
        member.points.append((gathered, relevant))
        results["trending"].append(metrics(ranked(gathered, FITTED, 1.0), relevant))
        for name, weights, slider in VARIANTS:
            results[name].append(metrics(ranked(gathered, weights, slider), relevant))
    for arxiv_id in member.dislikes:
        hub.store.set_not_interested(member.user.id, arxiv_id, datetime(2020, 1, 1, tzinfo=UTC))
    for day in days:
        clock.at = datetime.combine(day, dtime(23, 0), tzinfo=UTC)
        window = day - timedelta(days=FOR_YOU_DAYS - 1)
        relevant = {arxiv_id for d, arxiv_id in member.test if window <= d <= day}
        served = [i.view.paper.arxiv_id for i in hub.for_you.rank(member.user, limit=DEPTH)]
        results["default +dislikes"].append(metrics(served, relevant))
    for arxiv_id in member.dislikes:
        hub.store.clear_not_interested(member.user.id, arxiv_id)
    return results


def false_reasons(hub: Hub, member: Member, items: list[ForYouItem]) -> list[str]:
    """The "why" lines that the member's likes and the feed do not bear out (each line kind checked as written)."""
    liked = hub.store.get_papers(member.train)
    wrong = []
    for item in items:
        paper, why = item.view.paper, item.why
        if match := AUTHOR_LINE.fullmatch(why):
            author, count = match["author"], 1 if match["count"] == "a paper" else int(match["count"].split()[0])
            listing = [p for p in liked.values() if normalise_author(author) in map(normalise_author, p.authors)]
            ok = author in paper.authors and len(listing) == count
        elif match := SIMILAR_LINE.fullmatch(why):
            ok = any(short_title(p.title) == match["title"] for p in liked.values())
        elif why.startswith("Trending"):
            ok = item.view.entry is not None
        else:
            ok = (why == "New on arXiv" and item.view.entry is None) or item.view.entry is not None
        if not ok:
            wrong.append(f"{member.name}: {paper.arxiv_id}: {why}")
    return wrong


def mean_metrics(per_member: Iterable[list[Metrics]]) -> Metrics:
    """Averaged per member, then over members: each member counts once, however many points they have."""
    means = [tuple(statistics.fmean(v[i] for v in points) for i in range(3)) for points in per_member if points]
    mrr, ndcg, recall = (statistics.fmean(m[i] for m in means) for i in range(3))
    return mrr, ndcg, recall


def summarise(per_member: list[tuple[Member, dict[str, list[Metrics]]]], title: str, keep: list[Member]) -> None:
    chosen = [(m, r) for m, r in per_member if any(m is k for k in keep)]
    if not chosen:
        return
    points = sum(len(r["trending"]) for _, r in chosen)
    print(f"\n{title}: {len(chosen)} members, {points} evaluation points")
    print(f"  {'method':<20} {'MRR':>6} {f'nDCG@{K}':>8} {f'recall@{K}':>10}")
    for name in METHODS:
        mrr, ndcg, recall = mean_metrics(r[name] for _, r in chosen)
        print(f"  {name:<20} {mrr:6.3f} {ndcg:8.3f} {recall:10.3f}")


def fit(chosen: list[Member]) -> None:
    """Grid-search the weights on the fit half at the default slider; print the best with both halves' figures."""

    def score(weights: Weights, group: list[Member]) -> Metrics:
        return mean_metrics([metrics(ranked(g, weights, SLIDER), rel) for g, rel in m.points] for m in group)

    fit_half = [m for m in chosen if m.fit]
    held_out = [m for m in chosen if not m.fit]
    started = time.perf_counter()
    grid = [Weights(text=t, similar=s, authors=a) for t, s, a in itertools.product(*GRID.values())]
    scored = [(sum(score(w, fit_half)[::2]), w) for w in grid]  # MRR + recall@10
    best = max(scored, key=lambda pair: pair[0])[1]  # the first of equals: the grid's smallest weights
    topical = max(((v, w) for v, w in scored if w.authors == 0), key=lambda pair: pair[0])[1]
    print(f"\nfit: {len(grid)} weightings in {time.perf_counter() - started:.0f} s")
    for label, weights in (("best on the fit half", best), ("best without authors", topical), ("served", FITTED)):
        fitted, other = score(weights, fit_half), score(weights, held_out)
        everyone = score(weights, chosen)
        print(f"  {label}: {weights}")
        for name, (mrr, ndcg, recall) in (("fit half", fitted), ("held-out", other), ("all", everyone)):
            print(f"    {name:<9} MRR {mrr:.3f} nDCG@10 {ndcg:.3f} recall@10 {recall:.3f}")


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=15, help="members per group at most (default 15)")
    parser.add_argument("--papers", type=int, default=0, help="only the latest N records (default: all)")
    parser.add_argument("--fit", action="store_true", help="also fit the blend's weights on the fit half")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not SHARED.exists():
        raise SystemExit(f"{SHARED} not found: this benchmark needs ../shared/data (see its README)")
    if not (MODELS_DIR / "minilm-static").exists():
        raise SystemExit(f"{MODELS_DIR / 'minilm-static'} not found: run `make models` first")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} CPUs")
    rows = load(SHARED, args.papers or None)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            search_dir=f"{tmp}/search",
            embedder="static",
            embedder_models_dir=str(MODELS_DIR),
            search_sentence_vectors=False,
            secret_key="bench-secret-key-0123456789-abcdefghijklmnop",  # noqa: S106 - a throwaway hub
        )
        migrate_database(settings)
        clock = FixedClock(datetime(2020, 1, 1, tzinfo=UTC))
        hub = make_hub(settings, clock=clock)
        started = time.perf_counter()
        wanted = {str(r["arxiv_id"]) for r in rows}
        report = hub.import_lines((n, line) for n, line in read_lines(SHARED) if json.loads(line)["arxiv_id"] in wanted)
        embedded = hub.search_engine.embed_pending()
        print(
            f"hub: {report.inserted} papers, {report.feed_added} feed entries, {embedded.embedded} vectors "
            f"in {time.perf_counter() - started:.1f} s"
        )
        chosen = members(rows, args.users)
        counts = Counter(m.group for m in chosen)
        print(f"members: {dict(counts)}; likes per member: median {statistics.median(len(m.likes) for m in chosen)}")
        started = time.perf_counter()
        per_member = []
        calls = 0
        for member in chosen:
            prepare(hub, clock, member, rows)
            result = evaluate(hub, clock, member)
            calls += 2 * len(member.points) + len(result["default +dislikes"])
            per_member.append((member, result))
        elapsed = time.perf_counter() - started
        checked = sum(m.reasons for m in chosen)
        wrong = [line for m in chosen for line in m.false_reasons]
        print(f"why lines of the default ranking checked against the likes: {checked}, not borne out: {len(wrong)}")
        for line in wrong[:10]:
            print(f"  {line}")
        print(f"{calls} for_you rankings and gathers in {elapsed:.1f} s ({1000 * elapsed / max(1, calls):.0f} ms each)")
        for group in ("submitters", "author-interest"):
            summarise(per_member, group, [m for m in chosen if m.group == group])
        summarise(per_member, "held-out half (not used by the fit)", [m for m in chosen if not m.fit])
        summarise(per_member, "all", chosen)
        if args.fit:
            fit(chosen)
        hub.store.engine.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
