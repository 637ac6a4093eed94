"""The trending formula: its properties (Hypothesis), its edge cases, and its SQL twin agreeing with it on random
data on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import itertools
import math
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.adapters.sql.schema import feed_entries, github_repos, github_star_snapshots, papers, users, votes
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.models import FeedEntry, FeedQuery
from dailypapers.domain.ranking import (
    DEFAULT_PARAMS,
    CastVote,
    TrendingParams,
    counts_in_trending,
    decay,
    gravity_divisor,
    repo_from_url,
    score_from_ages,
    star_velocity,
    trending_score,
)
from dailypapers.ports.votes import RepoStars
from tests.web import seed

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
OLD_ACCOUNT = NOW - timedelta(days=400)

ages = st.floats(min_value=0, max_value=24 * 30, allow_nan=False)  # vote and paper ages up to 30 days, in hours
velocities = st.floats(min_value=0, max_value=5000, allow_nan=False)


def vote(user_id: int, hours_ago: float, account_days: float = 400) -> CastVote:
    cast = NOW - timedelta(hours=hours_ago)
    return CastVote(user_id, cast, cast - timedelta(days=account_days))


# -- properties --------------------------------------------------------------------------------------------


@given(n=st.integers(0, 200), more=st.integers(1, 50), vote_age=ages, feed_age=ages, stars=velocities)
def test_more_votes_at_equal_age_rank_higher(n: int, more: int, vote_age: float, feed_age: float, stars: float) -> None:
    fewer = score_from_ages([vote_age] * n, feed_age_hours=feed_age, stars_per_day=stars)
    higher = score_from_ages([vote_age] * (n + more), feed_age_hours=feed_age, stars_per_day=stars)
    assert higher > fewer


@given(
    vote_ages=st.lists(ages, min_size=1, max_size=50),
    feed_age=ages,
    older_by=st.floats(min_value=0.01, max_value=24 * 30),
    stars=velocities,
)
def test_older_at_equal_votes_ranks_lower(
    vote_ages: list[float], feed_age: float, older_by: float, stars: float
) -> None:
    younger = score_from_ages(vote_ages, feed_age_hours=feed_age, stars_per_day=stars)
    older = score_from_ages(vote_ages, feed_age_hours=feed_age + older_by, stars_per_day=stars)
    assert older < younger
    # …and when each vote is as much older as the paper is (the same history, seen later), too.
    later = score_from_ages([a + older_by for a in vote_ages], feed_age_hours=feed_age + older_by, stars_per_day=stars)
    assert later < younger


@given(
    vote_ages=st.lists(ages, max_size=30),
    own_age=ages,
    submitter=st.integers(1, 1000),
    feed_age=ages,
)
def test_the_submitters_own_vote_does_not_count(
    vote_ages: list[float], own_age: float, submitter: int, feed_age: float
) -> None:
    others = [vote(2000 + i, age) for i, age in enumerate(vote_ages)]
    submitted_at = NOW - timedelta(hours=feed_age)
    without = trending_score(others, submitted_at=submitted_at, submitter_id=submitter, now=NOW)
    with_own = trending_score(
        [*others, vote(submitter, own_age)], submitted_at=submitted_at, submitter_id=submitter, now=NOW
    )
    assert with_own == without


papers_strategy = st.lists(
    st.tuples(st.lists(ages, max_size=20), ages, velocities, st.integers(0, 30)), min_size=2, max_size=12
)


@given(papers=papers_strategy, target=st.integers(0, 11), fresh_hours=st.floats(0, 71.9))
def test_twenty_fresh_accounts_leave_the_trending_order_unchanged(
    papers: list[tuple[list[float], float, float, int]], target: int, fresh_hours: float
) -> None:
    def order(boost: int | None) -> list[int]:
        scores = []
        for index, (vote_ages, feed_age, stars, imported) in enumerate(papers):
            cast = [vote(1 + n, age) for n, age in enumerate(vote_ages)]
            if index == boost:  # 20 accounts made moments ago all upvote this one paper
                cast += [vote(10_000 + n, 0.0, account_days=fresh_hours / 24) for n in range(20)]
            submitted_at = NOW - timedelta(hours=feed_age)
            score = trending_score(
                cast,
                submitted_at=submitted_at,
                submitter_id=None,
                now=NOW,
                imported_votes=imported,
                stars_per_day=stars,
            )
            scores.append((-score, index))
        return [index for _, index in sorted(scores)]

    assert order(boost=target % len(papers)) == order(boost=None)


@given(age=ages, extra=st.floats(min_value=0.01, max_value=1000))
def test_decay_and_gravity_are_monotonic(age: float, extra: float) -> None:
    assert 0 < decay(age + extra) < decay(age) <= 1
    assert gravity_divisor(age + extra) > gravity_divisor(age) >= 1


# -- edge cases and parameters -----------------------------------------------------------------------------


def test_a_vote_halves_every_half_life_and_gravity_doubles_at_t_to_the_g() -> None:
    assert decay(0) == 1
    assert decay(DEFAULT_PARAMS.vote_half_life_hours) == pytest.approx(0.5)
    assert gravity_divisor(DEFAULT_PARAMS.gravity_hours) == pytest.approx(2**DEFAULT_PARAMS.gravity)
    # A vote from the future (clock skew) is a fresh vote; a very old one is worth ~0 but never an underflow.
    assert decay(-5) == 1
    assert 0 < decay(10**7) < 1e-300


def test_account_age_is_taken_when_the_vote_was_cast() -> None:
    params = TrendingParams(min_account_age_hours=72)
    created = NOW - timedelta(days=30)
    assert counts_in_trending(CastVote(1, created + timedelta(hours=72), created), submitter_id=None, params=params)
    too_young = CastVote(1, created + timedelta(hours=71, minutes=59, seconds=59), created)
    assert not counts_in_trending(too_young, submitter_id=None, params=params)  # even though it is 30 days old now
    assert not counts_in_trending(vote(1, 1), submitter_id=1)
    banned = CastVote(2, NOW, OLD_ACCOUNT, account_banned=True)
    assert not counts_in_trending(banned, submitter_id=None)


def test_imported_votes_count_as_cast_when_the_paper_joined_the_feed() -> None:
    submitted = NOW - timedelta(hours=30)
    imported = trending_score([], submitted_at=submitted, submitter_id=None, now=NOW, imported_votes=3)
    cast = trending_score([vote(n, 30) for n in range(3)], submitted_at=submitted, submitter_id=None, now=NOW)
    assert imported == pytest.approx(cast)


def test_star_velocity_is_stars_per_day_over_the_window() -> None:
    today = date(2026, 8, 21)
    series = [(date(2026, 8, 1), 10), (date(2026, 8, 15), 100), (date(2026, 8, 18), 130), (date(2026, 8, 21), 190)]
    assert star_velocity(series, today=today, window_days=7) == pytest.approx(90 / 6)
    assert star_velocity(series[:1], today=today, window_days=7) == 0  # one snapshot: no velocity yet
    assert star_velocity([(date(2026, 8, 20), 50), (date(2026, 8, 21), 40)], today=today, window_days=7) == 0
    assert star_velocity(series, today=date(2026, 8, 19), window_days=7) == pytest.approx(30 / 3)  # no future


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/Acme/Attn", "acme/attn"),
        ("http://www.github.com/acme/attn.git/", "acme/attn"),
        ("https://github.com/acme/attn/", "acme/attn"),
        ("https://github.com/acme/attn/tree/main", None),
        ("https://gitlab.com/acme/attn", None),
        ("https://github.com.evil.example/acme/attn", None),
        ("https://github.com/acme", None),
        ("https://github.com/../attn", None),
        ("https://github.com/acme/at tn", None),
    ],
)
def test_repo_from_url(url: str, repo: str | None) -> None:
    assert repo_from_url(url) == repo


def test_ranking_is_pure() -> None:
    """The domain contract (tests/unit/test_architecture.py) for this module: standard library only."""
    source = Path(__file__).resolve().parents[2] / "src" / "dailypapers" / "domain" / "ranking.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "math", "collections", "dataclasses", "datetime"}


# -- SQL agrees with Python --------------------------------------------------------------------------------


def _reset(store: SqlStore) -> None:
    with store.engine.begin() as conn:
        for table in (votes, github_star_snapshots, github_repos, feed_entries, papers, users):
            conn.execute(table.delete())


def _random_world(store: SqlStore, rng: random.Random, params: TrendingParams) -> list[str]:
    """Papers on the feed over 10 days with random votes (fresh, old, banned and submitter accounts), imported
    upvotes, and GitHub repositories with random star snapshots; returns the paper ids."""
    accounts = []
    for n in range(rng.randint(1, 12)):
        created = NOW - timedelta(hours=rng.uniform(0, 24 * 20), seconds=rng.randint(0, 59))
        accounts.append(store.get_or_create_user(f"u{n}@example.org", f"u{n}", created))
    for account in rng.sample(accounts, k=rng.randint(0, min(2, len(accounts)))):
        with store.engine.begin() as conn:
            conn.execute(users.update().where(users.c.id == account.id).values(banned_at=NOW))
    ids = [f"2608.{n:05d}" for n in range(rng.randint(1, 8))]
    repos = ["acme/attn", "Org/Big-Model", "x/y.z"]
    forms = ["https://github.com/{}", "http://www.github.com/{}.git", "https://github.com/{}/", "{}"]
    for arxiv_id in ids:
        repo = rng.choice([None, *repos])
        url = rng.choice(forms).format(repo) if repo else None
        if url == repo:
            url = f"https://github.com/{repo}/tree/main"  # a deep link: no stars counted on either side
        store.upsert_papers([seed.paper(arxiv_id, imported_upvotes=rng.choice([0, 0, 3, 40]), github_repo=url)])
        submitter = rng.choice([None, *accounts])
        submitted = NOW - timedelta(hours=rng.uniform(-2, 24 * 10))
        entry = FeedEntry(
            arxiv_id,
            submitted.date(),
            submitted,
            submitted_by=submitter.username if submitter else None,
            source="user" if submitter else "auto",
            submitter_id=submitter.id if submitter else None,
        )
        store.add_feed_entries([entry])
        for account in rng.sample(accounts, k=rng.randint(0, len(accounts))):
            lag = timedelta(hours=rng.choice([params.min_account_age_hours, rng.uniform(0, 24 * 20)]))
            cast = account.created_at + lag
            store.set_vote(account.id, arxiv_id, True, min(cast, NOW + timedelta(hours=1)))
    for repo in repos:
        for offset in sorted(rng.sample(range(0, 12), k=rng.randint(0, 6))):
            at = NOW - timedelta(days=offset)
            store.record_stars(RepoStars(repo.lower(), rng.randint(0, 5000), None), at)
    return ids


def _python_scores(store: SqlStore, ids: list[str], params: TrendingParams) -> dict[str, float]:
    scores = {}
    for arxiv_id in ids:
        paper, entry = store.get_paper(arxiv_id), store.get_feed_entry(arxiv_id)
        assert paper is not None
        assert entry is not None
        repo = repo_from_url(paper.github_repo) if paper.github_repo else None
        snapshots = store.star_snapshots(repo) if repo else []
        scores[arxiv_id] = trending_score(
            store.cast_votes(arxiv_id),
            submitted_at=entry.submitted_at,
            submitter_id=entry.submitter_id,
            now=NOW,
            imported_votes=paper.imported_upvotes,
            stars_per_day=star_velocity(snapshots, today=NOW.date(), window_days=params.star_window_days),
            params=params,
        )
    return scores


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed_value=st.integers(0, 2**32 - 1))
def test_sql_and_python_agree_on_random_data(store: SqlStore, seed_value: int) -> None:
    rng = random.Random(seed_value)
    params = TrendingParams(
        vote_half_life_hours=rng.choice([12.0, 48.0]),
        gravity=rng.choice([1.2, 1.5, 1.8]),
        min_account_age_hours=rng.choice([0.0, 72.0]),
    )
    _reset(store)
    ids = _random_world(store, rng, params)
    expected = _python_scores(store, ids, params)
    got = store.trending_scores(ids, NOW, params)
    assert got.keys() == expected.keys()
    for arxiv_id, score in expected.items():
        # SQLite's julianday() keeps milliseconds, so ages agree to a millisecond: a relative 1e-7 at most.
        assert math.isclose(got[arxiv_id], score, rel_tol=1e-7, abs_tol=1e-12), arxiv_id
    ordered = store.feed_items(FeedQuery(order="trending", as_of=NOW, trending=params), limit=100)
    assert sorted(i.paper.arxiv_id for i in ordered) == sorted(ids)
    listed = [expected[i.paper.arxiv_id] for i in ordered]
    assert all(a >= b - 1e-7 * max(1.0, abs(a)) for a, b in itertools.pairwise(listed)), listed


def test_the_database_keeps_the_python_side_honest(store: SqlStore) -> None:
    """A hand-checked case on both backends: 2 eligible votes, the submitter's, a fresh account's, stars."""
    params = TrendingParams()
    veteran = store.get_or_create_user("v@example.org", "v", NOW - timedelta(days=100))
    other = store.get_or_create_user("o@example.org", "o", NOW - timedelta(days=100))
    submitter = store.get_or_create_user("s@example.org", "s", NOW - timedelta(days=100))
    fresh = store.get_or_create_user("f@example.org", "f", NOW - timedelta(hours=1))
    store.upsert_papers([seed.paper("2608.00001", github_repo="https://github.com/acme/attn")])
    submitted = NOW - timedelta(hours=24)
    store.add_feed_entries(
        [FeedEntry("2608.00001", submitted.date(), submitted, "s", "user", submitter_id=submitter.id)]
    )
    store.set_vote(veteran.id, "2608.00001", True, NOW - timedelta(hours=48))
    store.set_vote(other.id, "2608.00001", True, NOW)
    store.set_vote(submitter.id, "2608.00001", True, NOW)
    store.set_vote(fresh.id, "2608.00001", True, NOW)
    store.record_stars(RepoStars("acme/attn", 100, '"e1"'), NOW - timedelta(days=4))
    store.record_stars(RepoStars("acme/attn", 500, '"e2"'), NOW)
    expected = (0.5 + 1.0 + math.sqrt(100)) / 2**1.5
    assert store.trending_scores(["2608.00001"], NOW, params)["2608.00001"] == pytest.approx(expected)
