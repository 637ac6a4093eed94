"""The trending score: a pure function of eligible votes and their ages, the paper's feed age and star velocity.

No I/O and no clock: `now` is always an argument. adapters/sql/votes.py computes the same formula in SQL so the
database can order and page by it; tests/unit/test_ranking.py checks that both agree. docs/trending.md explains
the formula and why its parameters are what they are.

    score = (Σ_votes 2^(-vote_age / H) + imported · 2^(-feed_age / H) + w · √stars_per_day)
            / (1 + feed_age / T)^G

Ages are in hours and never negative. Only eligible votes count (see `counts_in_trending`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

LN2 = math.log(2.0)
# exp() of anything below this is treated as exp(MIN_EXPONENT) (≈1e-304): PostgreSQL raises an underflow error
# for exp(-746) and beyond, and a vote that old is worth nothing anyway.
MIN_EXPONENT = -700.0


@dataclass(frozen=True, slots=True)
class TrendingParams:
    """The formula's knobs; the defaults are argued for in docs/trending.md."""

    vote_half_life_hours: float = 48.0  # H: a vote's weight halves every H hours
    gravity: float = 1.5  # G: how hard the paper's feed age pulls it down
    gravity_hours: float = 24.0  # T: the age at which the gravity divisor is 2^G
    star_weight: float = 1.0  # w: votes one star-per-day is worth (under the square root)
    star_window_days: int = 7  # stars per day are measured over the snapshots of this many past days
    min_account_age_hours: float = 72.0  # an account younger than this when it votes does not count here

    @property
    def decay_per_hour(self) -> float:
        return LN2 / self.vote_half_life_hours


DEFAULT_PARAMS = TrendingParams()


@dataclass(frozen=True, slots=True)
class CastVote:
    """One upvote as trending sees it: who cast it, when, and how old their account was."""

    user_id: int
    cast_at: datetime
    account_created_at: datetime
    account_banned: bool = False


def hours_between(earlier: datetime, later: datetime) -> float:
    """Hours from `earlier` to `later`, never negative (a clock skewed into the future counts as age 0)."""
    return max(0.0, (later - earlier).total_seconds() / 3600.0)


def counts_in_trending(vote: CastVote, *, submitter_id: int | None, params: TrendingParams = DEFAULT_PARAMS) -> bool:
    """A vote counts in trending unless it is the submitter's own, its account is banned, or the account was
    younger than `min_account_age_hours` when the vote was cast (to the whole second).

    Account age is taken at the vote, not now, so votes from a ring of fresh accounts never start counting later.
    """
    if submitter_id is not None and vote.user_id == submitter_id:
        return False
    if vote.account_banned:
        return False
    account_age_seconds = round((vote.cast_at - vote.account_created_at).total_seconds())
    return account_age_seconds >= round(params.min_account_age_hours * 3600)


def decay(age_hours: float, params: TrendingParams = DEFAULT_PARAMS) -> float:
    """The weight of one vote `age_hours` old: 1 when fresh, ½ after one half-life."""
    return math.exp(max(MIN_EXPONENT, -params.decay_per_hour * max(0.0, age_hours)))


def gravity_divisor(feed_age_hours: float, params: TrendingParams = DEFAULT_PARAMS) -> float:
    """(1 + age / T)^G: 1 for a paper submitted now, growing without bound."""
    return math.exp(params.gravity * math.log1p(max(0.0, feed_age_hours) / params.gravity_hours))


def score_from_ages(
    vote_ages_hours: Iterable[float],
    *,
    feed_age_hours: float,
    imported_votes: int = 0,
    stars_per_day: float = 0.0,
    params: TrendingParams = DEFAULT_PARAMS,
) -> float:
    """The trending score of a paper from the ages of its eligible votes.

    `imported_votes` (mirrored from another hub, whose vote times we do not know) count as cast when the paper
    joined the feed. Negative star velocities (a repository losing stars) count as zero.
    """
    points = sum(decay(age, params) for age in vote_ages_hours)
    points += imported_votes * decay(feed_age_hours, params)
    points += params.star_weight * math.sqrt(max(0.0, stars_per_day))
    return points / gravity_divisor(feed_age_hours, params)


def trending_score(
    votes: Iterable[CastVote],
    *,
    submitted_at: datetime,
    submitter_id: int | None,
    now: datetime,
    imported_votes: int = 0,
    stars_per_day: float = 0.0,
    params: TrendingParams = DEFAULT_PARAMS,
) -> float:
    """The trending score of one feed entry at `now`: its votes are filtered by `counts_in_trending` first."""
    ages = [
        hours_between(v.cast_at, now) for v in votes if counts_in_trending(v, submitter_id=submitter_id, params=params)
    ]
    return score_from_ages(
        ages,
        feed_age_hours=hours_between(submitted_at, now),
        imported_votes=imported_votes,
        stars_per_day=stars_per_day,
        params=params,
    )


# The forms of a GitHub repository URL whose stars count: scheme and host variants of https://github.com/OWNER/NAME,
# optionally ending in ".git" or "/". Deeper links (…/tree/main/sub) name no repository here; adapters/sql/votes.py
# matches exactly these forms in SQL.
GITHUB_URL_PREFIXES = ("https://github.com/", "http://github.com/", "https://www.github.com/", "http://www.github.com/")
_REPO_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


def repo_from_url(url: str) -> str | None:
    """The lower-cased "owner/name" of a GitHub repository URL in one of the accepted forms; otherwise None."""
    bare = url.lower().rstrip("/")
    for prefix in GITHUB_URL_PREFIXES:
        if bare.startswith(prefix):
            rest = bare[len(prefix) :].removesuffix(".git")
            parts = rest.split("/")
            if len(parts) == 2 and all(p and p not in (".", "..") and _REPO_CHARS.issuperset(p) for p in parts):
                return rest
    return None


def star_velocity(snapshots: Sequence[tuple[date, int]], *, today: date, window_days: int) -> float:
    """Stars gained per day between the first and last daily snapshots of the last `window_days` days.

    Fewer than two snapshots in the window (a repository the worker has only just seen) means 0; a loss counts 0.
    """
    start = today - timedelta(days=window_days)
    inside = sorted((day, stars) for day, stars in snapshots if start <= day <= today)
    if len(inside) < 2:
        return 0.0
    (first_day, first_stars), (last_day, last_stars) = inside[0], inside[-1]
    return max(0, last_stars - first_stars) / max(1, (last_day - first_day).days)
