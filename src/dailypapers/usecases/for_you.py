"""The for-you ranking (`hub.for_you`): a member's candidates — the window's feed, the hub's newest papers, new
papers of what they follow — with their signals (text model, vectors, shared authors, trending, rules), ranked by
domain/personalize.py's fitted blend, each with one true line saying why. The page, the private feed and the bench
call it; the maths is the domain's, the text model the TextTaste port's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from dailypapers.domain.digest import unit_vectors
from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import FeedQuery, Paper, PaperView, User
from dailypapers.domain.personalize import (
    FITTED,
    FOLLOWED_AUTHOR_BOOST,
    FOLLOWED_CATEGORY_BOOST,
    KEYWORD_BOOST,
    SIMILAR_PERCENTILE,
    LikedPaper,
    Profile,
    Signals,
    Weights,
    author_affinity,
    author_line,
    blend,
    centroid_scores,
    nearest_liked,
    percentiles,
    rank,
    similar_line,
)
from dailypapers.domain.query import SearchFilters
from dailypapers.domain.ranking import TrendingParams
from dailypapers.domain.rules import PersonalRules, liked_ids, normalise_author
from dailypapers.ports import Clock, SearchEngine, Store
from dailypapers.ports.taste import TextTaste

FOR_YOU_DAYS = 14
FEED_POOL = 300  # feed papers of the window, best trending first, considered per request
RECENT_POOL = 300  # newest papers of the hub (on the feed or not)
FOLLOW_POOL = 25  # recent papers fetched per followed author / category
MAX_FOLLOW_QUERIES = 20  # followed authors and categories searched per request (the rest still match if present)
# The hub's newest papers from before the window: what the member passed over, the text model's negatives besides
# the candidates. The bench: 1,000 gave MRR 0.399, 2,000 0.404 (and ~30 ms more per request).
BACKGROUND_POOL = 2000
LIKED_LIMIT = 200
DISLIKED_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ForYouItem:
    """One card of the for-you page: the paper, the line saying why, and its blended score."""

    view: PaperView
    why: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Gathered:
    """A member's candidates and what is known of each, before weighting (the bench fits the weights on these)."""

    candidates: tuple[Paper, ...]
    signals: Signals
    rules: PersonalRules
    liked: tuple[LikedPaper, ...]
    liked_papers: tuple[Paper, ...]  # in `liked`'s order
    text_nearest: tuple[int, ...]  # per candidate, the index in `liked` of the paper sharing most words; () without
    vector_nearest: dict[str, LikedPaper]  # candidates with a vector: the liked paper nearest to it
    shared_authors: tuple[str, ...]  # per candidate, its author on most liked papers ("" when none)
    on_feed: frozenset[str]  # candidates on the window's feed (the others are new on arXiv)


def member_likes(store: Store, user_id: int) -> tuple[list[str], list[str]]:
    """(liked, disliked): upvoted and saved papers, most recent first and each once; "not interested" ones."""
    upvoted = store.user_upvotes(user_id, LIKED_LIMIT)
    saved = store.saved_paper_ids(user_id, LIKED_LIMIT)
    disliked = store.not_interested_ids(user_id, DISLIKED_LIMIT)
    return liked_ids(upvoted, saved, set(disliked)), disliked


class ForYou:
    """Ranks a member's recent papers; its ports are the store, the search engine, the text model and the clock."""

    def __init__(
        self,
        store: Store,
        search: SearchEngine,
        taste: TextTaste,
        clock: Clock,
        trending: TrendingParams,
        weights: Weights = FITTED,
    ) -> None:
        self.store = store
        self.search = search
        self.taste = taste
        self.clock = clock
        self.trending = trending
        self.weights = weights
        self._background_cache: tuple[date, list[Paper]] | None = None  # (cutoff day, its papers)

    def rank(
        self, user: User, limit: int = 50, *, weights: Weights | None = None, trending_weight: float | None = None
    ) -> list[ForYouItem]:
        """The member's best `limit` papers of the last two weeks, their rules applied, by the fitted blend under
        their slider. Liked, saved and "not interested" papers never come back. `weights` and `trending_weight`
        override the defaults (the quality bench compares variants with them)."""
        slider = self.store.preferences(user.id).trending_weight if trending_weight is None else trending_weight
        gathered = self.gather(user)
        if gathered is None:
            return []
        weights = weights or self.weights
        scores = blend(gathered.signals, weights, slider)
        order = rank(scores, gathered.signals.trending)[:limit]
        views = self.store.paper_views([gathered.candidates[i].arxiv_id for i in order])
        explain = _Explainer(gathered, weights)
        items = []
        for i in order:
            view = views.get(gathered.candidates[i].arxiv_id)
            if view is not None:
                items.append(ForYouItem(view, explain.why(i), float(scores[i])))
        return items

    def gather(self, user: User) -> Gathered | None:
        """The member's candidates (rules applied, seen papers out) and their signals; None when there are none."""
        now = self.clock.now()
        rules = PersonalRules.of(self.store.follows(user.id), self.store.keyword_rules(user.id))
        liked_ids, disliked_ids = member_likes(self.store, user.id)
        trending, pool = self._candidates(rules, now)
        seen = set(liked_ids) | set(disliked_ids)
        candidates = tuple(p for p in pool if p.arxiv_id not in seen and rules.allows(p))
        if not candidates:
            return None
        saved = set(self.store.saved_paper_ids(user.id, LIKED_LIMIT))
        examples = self.store.get_papers(liked_ids + disliked_ids)
        liked_papers = tuple(examples[i] for i in liked_ids if i in examples)
        disliked_papers = tuple(examples[i] for i in disliked_ids if i in examples)
        liked = tuple(
            LikedPaper(p.arxiv_id, p.title, "saved" if p.arxiv_id in saved else "upvoted") for p in liked_papers
        )
        similar, vector_nearest = self._similar(candidates, liked_papers, disliked_papers, liked)
        text = None
        if liked_papers:
            background = self._background(now, seen | {p.arxiv_id for p in candidates})
            text = self.taste.score(liked_papers, disliked_papers, background, candidates)
        affinity = author_affinity(candidates, liked_papers)
        signals = Signals(
            text=np.asarray(text.scores, dtype=np.float64) if text is not None else None,
            similar=similar,
            authors=np.asarray([n for _, n in affinity], dtype=np.float64),
            trending=np.asarray([trending.get(p.arxiv_id, 0.0) for p in candidates], dtype=np.float64),
            boosts=np.asarray([_boost(rules, p) for p in candidates], dtype=np.float64),
        )
        return Gathered(
            candidates,
            signals,
            rules,
            liked,
            liked_papers,
            text.nearest if text is not None else (),
            vector_nearest,
            tuple(name for name, _ in affinity),
            frozenset(trending),
        )

    def _candidates(self, rules: PersonalRules, now: datetime) -> tuple[dict[str, float], list[Paper]]:
        """(trending score of the feed papers in the window, every candidate paper once)."""
        end = now.date()
        start = end - timedelta(days=FOR_YOU_DAYS - 1)
        feed = self.store.feed_items(
            FeedQuery(start, end, order="trending", as_of=now, trending=self.trending), limit=FEED_POOL
        )
        trending = self.store.trending_scores([i.paper.arxiv_id for i in feed], now, self.trending)
        pool: dict[str, Paper] = {i.paper.arxiv_id: i.paper for i in feed}
        since = now - timedelta(days=FOR_YOU_DAYS)
        hidden = {arxiv_id for arxiv_id, _, _ in self.store.hidden_papers(limit=10_000)}
        for paper in self.store.list_papers(limit=RECENT_POOL):
            if since <= paper.published <= now and paper.arxiv_id not in hidden:
                pool.setdefault(paper.arxiv_id, paper)
        queries = [f'author:"{label.replace(chr(34), " ")}"' for _, label in rules.authors]
        queries += [f"cat:{category}" for category in rules.categories]
        found: list[str] = []
        for query in queries[:MAX_FOLLOW_QUERIES]:
            try:
                results = self.search.search(
                    query, mode="keyword", page_size=FOLLOW_POOL, filters=SearchFilters(start=since.date())
                )
            except InvalidInput:  # a label the query language cannot express; its papers can still match above
                continue
            found += [hit.arxiv_id for hit in results.hits if hit.arxiv_id not in pool and hit.arxiv_id not in hidden]
        pool.update(self.store.get_papers(list(dict.fromkeys(found))))
        return trending, list(pool.values())

    def _background(self, now: datetime, exclude: set[str]) -> list[Paper]:
        """The hub's newest papers from before the window that the member neither liked nor is offered now.

        The same for every member on a given day, so it is read once a day per process (a paper that arrives late
        with an older date joins the next day: it is a sample of what members passed over, not a listing).
        """
        cutoff = now.date() - timedelta(days=FOR_YOU_DAYS)
        cached = self._background_cache
        if cached is None or cached[0] != cutoff:
            start = datetime.combine(cutoff + timedelta(days=1), time.min, tzinfo=UTC)
            cached = (cutoff, self.store.list_papers(limit=BACKGROUND_POOL, after=(start, "")))
            self._background_cache = cached
        return [p for p in cached[1] if p.arxiv_id not in exclude]

    def _similar(
        self,
        candidates: tuple[Paper, ...],
        liked: tuple[Paper, ...],
        disliked: tuple[Paper, ...],
        liked_info: tuple[LikedPaper, ...],
    ) -> tuple[np.ndarray | None, dict[str, LikedPaper]]:
        """The centroid signal of each candidate (those without a vector get the lowest) and its nearest like."""
        if not liked:
            return None, {}
        vectors = self.search.paper_vectors([p.arxiv_id for p in candidates + liked + disliked])
        with_vectors, matrix = unit_vectors(candidates, vectors)
        liked_kept, liked_matrix = unit_vectors(liked, vectors)
        _, disliked_matrix = unit_vectors(disliked, vectors)
        if not len(matrix) or not liked_kept:
            return None, {}
        info = {p.arxiv_id: p for p in liked_info}
        profile = Profile(tuple(info[p.arxiv_id] for p in liked_kept), liked_matrix, disliked_matrix)
        scores = centroid_scores(matrix, profile, matrix)
        by_id = dict(zip((p.arxiv_id for p in with_vectors), scores, strict=True))
        floor = float(scores.min())  # papers without a vector yet rank with the least like the member's taste
        similar = np.array([by_id.get(p.arxiv_id, floor) for p in candidates], dtype=np.float64)
        nearest = {p.arxiv_id: like for p, (like, _) in zip(with_vectors, nearest_liked(matrix, profile), strict=True)}
        return similar, nearest


class _Explainer:
    """The "why" line of a candidate: the signal that lifts it most above the other candidates, said only where it
    is true. Lift, not size: when every candidate shares an author with the likes, that author explains nothing."""

    def __init__(self, gathered: Gathered, weights: Weights) -> None:
        self.g = gathered
        self.lifts = {name: part - np.median(part) for name, part in gathered.signals.parts(weights).items()}
        signals = gathered.signals
        self.text_pct = percentiles(signals.text) if signals.text is not None else None
        self.similar_pct = percentiles(signals.similar) if signals.similar is not None else None

    def why(self, i: int) -> str:
        g = self.g
        paper = g.candidates[i]
        author = g.rules.followed_author(paper)
        if author is not None:
            return f"By {author}, an author you follow"
        for part in sorted(("authors", "text", "similar"), key=lambda name: -float(self.lifts[name][i])):
            if self.lifts[part][i] <= 0:
                break
            line = self._line(part, i)
            if line is not None:
                return line
        reason = g.rules.reason(paper)
        if reason is not None:
            return reason
        return f"Trending in the last {FOR_YOU_DAYS} days" if paper.arxiv_id in g.on_feed else "New on arXiv"

    def _line(self, part: str, i: int) -> str | None:
        g = self.g
        if part == "authors":
            key = normalise_author(g.shared_authors[i])
            sources = [
                like.source
                for like, paper in zip(g.liked, g.liked_papers, strict=True)
                if key in {normalise_author(a) for a in paper.authors}
            ]
            return author_line(g.shared_authors[i], sources)
        if part == "text" and self.text_pct is not None and self.text_pct[i] >= SIMILAR_PERCENTILE and g.text_nearest:
            return similar_line(g.liked[g.text_nearest[i]])
        if part == "similar" and self.similar_pct is not None and self.similar_pct[i] >= SIMILAR_PERCENTILE:
            nearest = g.vector_nearest.get(g.candidates[i].arxiv_id)
            return similar_line(nearest) if nearest is not None else None
        return None


def _boost(rules: PersonalRules, paper: Paper) -> float:
    if rules.followed_author(paper) is not None:
        return FOLLOWED_AUTHOR_BOOST
    boost = FOLLOWED_CATEGORY_BOOST if rules.followed_category(paper) is not None else 0.0
    return boost + (KEYWORD_BOOST if rules.matched_keyword(paper) is not None else 0.0)
