"""The personal layer's use cases: the for-you ranking, follows, keyword rules, "not interested", the slider and
onboarding, saved searches and the HMAC keys of the private feeds. The ranking maths is personalize.py's, the rule
matching rules.py's; this module gathers their inputs from the store and the search engine.

For the digest (usecases/digests.py wires it): personal_rules(user_id), liked_and_disliked_ids(user_id) and
saved_search_matches(user_id, since, limit).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.digest import unit_vectors
from dailypapers.domain.errors import Gone, InvalidInput, NotFound, PaperNotFound, PermissionDenied
from dailypapers.domain.models import FeedQuery, Paper, PaperView, User
from dailypapers.domain.personalize import (
    DEFAULT_MODEL,
    FOLLOWED_AUTHOR_BOOST,
    FOLLOWED_CATEGORY_BOOST,
    KEYWORD_BOOST,
    SIMILAR_PERCENTILE,
    LikedPaper,
    ModelKind,
    Preferences,
    Profile,
    blend,
    model_scores,
    nearest_liked,
    percentiles,
    rank,
    similar_line,
)
from dailypapers.domain.query import MAX_QUERY_LENGTH, SearchFilters, parse_query
from dailypapers.domain.rules import (
    MAX_FOLLOWS,
    MAX_RULES,
    Follow,
    FollowKind,
    KeywordRule,
    PersonalRules,
    RuleKind,
    liked_ids,
    normalise_author,
    parse_author,
    parse_category,
    parse_phrase,
)
from dailypapers.ports import SearchEngine
from dailypapers.ports.personal import SavedSearch
from dailypapers.ports.search import SearchResults
from dailypapers.usecases.voting import VotingMixin

FOR_YOU_DAYS = 14
FEED_POOL = 300  # feed papers of the window, best trending first, considered per request
RECENT_POOL = 300  # newest papers of the hub (on the feed or not)
FOLLOW_POOL = 25  # recent papers fetched per followed author / category
MAX_FOLLOW_QUERIES = 20  # followed authors and categories searched per request (the rest still match if present)
LIKED_LIMIT = 200
DISLIKED_LIMIT = 200
HINT_PAPERS = 200
SAVED_SEARCH_LOOKBACK_DAYS = 7  # arXiv publishes a paper a day or more before a harvest brings it in
SAVED_SEARCH_MAX = 50
SAVED_SEARCH_NAME_MAX = 128
ONBOARDING_MAX_PICKS = 20
_FEED_KEY_PURPOSE = b"for-you-feed:"
_SAVED_FEED_KEY_PURPOSE = b"saved-search-feed:"


@dataclass(frozen=True, slots=True)
class ForYouItem:
    """One card of the for-you page: the paper, the line saying why, and its blended score (0 … ~1.5)."""

    view: PaperView
    why: str
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class AuthorHint:
    """What the hub's papers say about an author name, to tell namesakes apart before following."""

    label: str
    papers: int
    coauthors: tuple[tuple[str, int], ...]
    categories: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class SavedSearchMatch:
    """A paper new since a saved search was made (or since `since`), and the search it matched."""

    search: SavedSearch
    view: PaperView
    added_at: datetime


@dataclass(frozen=True, slots=True)
class OnboardingChoices:
    """The first-visit page: categories common in recent papers, and trending papers to save."""

    categories: tuple[tuple[str, int], ...]
    papers: tuple[PaperView, ...]


class PersonalMixin(VotingMixin):
    """Mixed into hub.Hub, which provides the attributes below; ranks on top of VotingMixin's trending."""

    search_engine: SearchEngine
    # Provided by hub.Hub and LibraryMixin; annotations only, so the real methods are found at run time.
    search: Callable[..., tuple[SearchResults, dict[str, PaperView]]]
    search_papers: Callable[..., list[PaperView]]
    save_paper: Callable[[User, str], None]

    # -- signals (also what the digest reads) ------------------------------------------------------------

    def liked_and_disliked_ids(self, user_id: int) -> tuple[list[str], list[str]]:
        """(liked, disliked): upvoted and saved papers, most recent first and each once; "not interested" ones."""
        upvoted = self.store.user_upvotes(user_id, LIKED_LIMIT)
        saved = self.store.saved_paper_ids(user_id, LIKED_LIMIT)
        disliked = self.store.not_interested_ids(user_id, DISLIKED_LIMIT)
        return liked_ids(upvoted, saved, set(disliked)), disliked

    def personal_rules(self, user_id: int) -> PersonalRules:
        """The member's follows and keyword rules, ready to match papers (`allows`, `reason`)."""
        return PersonalRules.of(self.store.follows(user_id), self.store.keyword_rules(user_id))

    # -- the for-you ranking -----------------------------------------------------------------------------

    def for_you(
        self,
        user: User,
        limit: int = 50,
        *,
        model: ModelKind | None = None,
        trending_weight: float | None = None,
    ) -> list[ForYouItem]:
        """Recent papers (the last two weeks' feed, the newest papers, new papers of what the member follows),
        their rules applied, ranked by the personal model blended with trending under the member's slider.

        Liked, saved and "not interested" papers never come back. `model` and `trending_weight` override the
        defaults (the quality bench compares them in one run).
        """
        now = self.clock.now()
        rules = self.personal_rules(user.id)
        weight = self.store.preferences(user.id).trending_weight if trending_weight is None else trending_weight
        liked_ids, disliked_ids = self.liked_and_disliked_ids(user.id)
        trending, candidates = self._candidates(rules, now)
        seen = set(liked_ids) | set(disliked_ids)
        candidates = [p for p in candidates if p.arxiv_id not in seen and rules.allows(p)]
        if not candidates:
            return []
        saved = set(self.store.saved_paper_ids(user.id, LIKED_LIMIT))
        examples = self.store.get_papers(liked_ids + disliked_ids)
        vectors = self.search_engine.paper_vectors([p.arxiv_id for p in candidates] + liked_ids + disliked_ids)
        liked_papers, liked_matrix = unit_vectors([examples[i] for i in liked_ids if i in examples], vectors)
        _, disliked_matrix = unit_vectors([examples[i] for i in disliked_ids if i in examples], vectors)
        profile = Profile(
            tuple(LikedPaper(p.arxiv_id, p.title, "saved" if p.arxiv_id in saved else "upvoted") for p in liked_papers),
            liked_matrix,
            disliked_matrix,
        )
        with_vectors, matrix = unit_vectors(candidates, vectors)
        personal, nearest = self._personal(candidates, with_vectors, matrix, profile, model or DEFAULT_MODEL)
        trend = [trending.get(p.arxiv_id, 0.0) for p in candidates]
        boosts = [_boost(rules, p) for p in candidates]
        scores = blend(personal, trend, boosts, weight)
        order = rank(scores, trend)[:limit]
        pct = percentiles(personal) if personal is not None else None
        views = self.store.paper_views([candidates[i].arxiv_id for i in order])
        items: list[ForYouItem] = []
        for i in order:
            paper = candidates[i]
            view = views.get(paper.arxiv_id)
            if view is None:
                continue
            similar = nearest.get(paper.arxiv_id) if pct is not None and pct[i] >= SIMILAR_PERCENTILE else None
            items.append(ForYouItem(view, _why(rules, paper, similar, paper.arxiv_id in trending), float(scores[i])))
        return items

    def _candidates(self, rules: PersonalRules, now: datetime) -> tuple[dict[str, float], list[Paper]]:
        """(trending score of the feed papers in the window, every candidate paper once)."""
        end = now.date()
        start = end - timedelta(days=FOR_YOU_DAYS - 1)
        params = self.trending_params
        feed = self.store.feed_items(
            FeedQuery(start, end, order="trending", as_of=now, trending=params), limit=FEED_POOL
        )
        trending = self.store.trending_scores([i.paper.arxiv_id for i in feed], now, params)
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
                results = self.search_engine.search(
                    query, mode="keyword", page_size=FOLLOW_POOL, filters=SearchFilters(start=since.date())
                )
            except InvalidInput:  # a label the query language cannot express; its papers can still match above
                continue
            found += [hit.arxiv_id for hit in results.hits if hit.arxiv_id not in pool and hit.arxiv_id not in hidden]
        pool.update(self.store.get_papers(list(dict.fromkeys(found))))
        return trending, list(pool.values())

    def _personal(
        self,
        candidates: list[Paper],
        with_vectors: tuple[Paper, ...],
        matrix: np.ndarray,
        profile: Profile,
        model: ModelKind,
    ) -> tuple[np.ndarray | None, dict[str, LikedPaper]]:
        """Personal scores for every candidate (those without a vector get the lowest) and each one's nearest like."""
        scores = model_scores(matrix, profile, model)
        if scores is None:
            return None, {}
        by_id = dict(zip((p.arxiv_id for p in with_vectors), scores, strict=True))
        floor = float(scores.min())  # papers without a vector yet rank with the least like the member's taste
        personal = np.array([by_id.get(p.arxiv_id, floor) for p in candidates], dtype=np.float64)
        nearest = {
            p.arxiv_id: liked for p, (liked, _) in zip(with_vectors, nearest_liked(matrix, profile), strict=True)
        }
        return personal, nearest

    # -- "not interested" --------------------------------------------------------------------------------

    def set_not_interested(self, user: User, arxiv_id: str, value: bool = True) -> str:
        """Hide a paper from the member's for-you list and rank papers like it lower (False: undo). Returns the
        canonical id. Raises PermissionDenied (banned), InvalidArxivId, PaperNotFound."""
        if user.is_banned:
            raise PermissionDenied("this account is banned")
        canonical = parse_arxiv_ref(arxiv_id).arxiv_id
        if value:
            self.store.set_not_interested(user.id, canonical, self.clock.now())
        else:
            self.store.clear_not_interested(user.id, canonical)
        return canonical

    # -- preferences and onboarding ----------------------------------------------------------------------

    def for_you_preferences(self, user: User) -> Preferences:
        return self.store.preferences(user.id)

    def set_trending_weight(self, user: User, weight: float) -> float:
        """Move the slider: from 0 (only my taste) to 1 (only community trending)."""
        if not 0 <= weight <= 1:  # NaN fails this too
            raise InvalidInput("the trending weight must be a number from 0 to 1")
        self.store.set_trending_weight(user.id, round(weight, 3), self.clock.now())
        return weight

    def onboarding_choices(self) -> OnboardingChoices:
        """Categories of the papers in the window, most common first, and the top trending papers."""
        page = self.trending(days=FOR_YOU_DAYS)
        counts: Counter[str] = Counter()
        for paper in self.store.list_papers(limit=RECENT_POOL):
            counts.update(paper.categories)
        for item in page.items:
            counts.update(item.paper.categories)
        papers = tuple(PaperView(i.paper, i.entry, i.upvotes, i.organization) for i in page.items[:12])
        return OnboardingChoices(tuple(counts.most_common(24)), papers)

    def finish_onboarding(self, user: User, categories: list[str], arxiv_ids: list[str]) -> None:
        """Follow the picked categories, save the picked papers, and mark the first visit done (picks optional)."""
        if len(categories) + len(arxiv_ids) > ONBOARDING_MAX_PICKS:
            raise InvalidInput(f"pick at most {ONBOARDING_MAX_PICKS} categories and papers together")
        parsed = [parse_category(c) for c in categories]
        ids = [parse_arxiv_ref(a).arxiv_id for a in arxiv_ids]
        known = self.store.get_papers(ids)
        missing = [i for i in ids if i not in known]
        if missing:
            raise PaperNotFound(missing[0])
        for category in parsed:
            self.follow_category(user, category)
        for arxiv_id in ids:
            self.save_paper(user, arxiv_id)  # LibraryMixin's: the member's default "Saved" collection
        self.store.mark_onboarded(user.id, self.clock.now())

    # -- follows -----------------------------------------------------------------------------------------

    def follows(self, user: User) -> list[Follow]:
        return self.store.follows(user.id)

    def follow_author(self, user: User, name: str) -> Follow:
        key, label = parse_author(name)
        return self._follow(user, "author", key, label)

    def follow_category(self, user: User, category: str) -> Follow:
        value = parse_category(category)
        return self._follow(user, "category", value, value)

    def unfollow(self, user: User, kind: str, value: str) -> bool:
        """Stop following an author (any spelling that normalises the same) or a category."""
        if kind == "author":
            return self.store.remove_follow(user.id, "author", parse_author(value)[0])
        if kind == "category":
            return self.store.remove_follow(user.id, "category", parse_category(value))
        raise InvalidInput("follows are of an author or a category")

    def _follow(self, user: User, kind: FollowKind, value: str, label: str) -> Follow:
        if user.is_banned:
            raise PermissionDenied("this account is banned")
        current = self.store.follows(user.id)
        if not any(f.kind == kind and f.value == value for f in current) and len(current) >= MAX_FOLLOWS:
            raise InvalidInput(f"you follow {MAX_FOLLOWS} authors and categories, the most; unfollow some first")
        now = self.clock.now()
        self.store.add_follow(user.id, kind, value, label, now)
        return next(f for f in self.store.follows(user.id) if f.kind == kind and f.value == value)

    def is_following_authors(self, user: User | None, names: list[str]) -> set[str]:
        """Which of these author names (as written) the member follows, to draw follow buttons pressed."""
        if user is None or not names:
            return set()
        followed = {f.value for f in self.store.follows(user.id) if f.kind == "author"}
        return {name for name in names if normalise_author(name) in followed}

    def author_hint(self, name: str) -> AuthorHint:
        """Frequent co-authors and categories of the hub's papers listing this author, to tell namesakes apart."""
        key, label = parse_author(name)
        try:
            views = self.search_papers(f'author:"{label.replace(chr(34), " ")}"', limit=HINT_PAPERS, mode="keyword")
        except InvalidInput:
            views = []
        papers = [v.paper for v in views if any(normalise_author(a) == key for a in v.paper.authors)]
        coauthors: Counter[str] = Counter()
        categories: Counter[str] = Counter()
        for paper in papers:
            coauthors.update(a for a in dict.fromkeys(paper.authors) if normalise_author(a) != key)
            categories.update(paper.categories)
        return AuthorHint(label, len(papers), tuple(coauthors.most_common(5)), tuple(categories.most_common(3)))

    # -- keyword rules -----------------------------------------------------------------------------------

    def keyword_rules(self, user: User) -> list[KeywordRule]:
        return self.store.keyword_rules(user.id)

    def add_keyword_rule(self, user: User, kind: str, phrase: str) -> str:
        """Add an include or exclude phrase; returns it as stored (lower-cased). Repeating one is a no-op."""
        if kind not in ("include", "exclude"):
            raise InvalidInput("a keyword rule includes or excludes")
        rule_kind: RuleKind = "include" if kind == "include" else "exclude"
        text = parse_phrase(phrase)
        if len(self.store.keyword_rules(user.id)) >= MAX_RULES:
            raise InvalidInput(f"you have {MAX_RULES} keyword rules, the most; delete some first")
        self.store.add_keyword_rule(user.id, rule_kind, text, self.clock.now())
        return text

    def remove_keyword_rule(self, user: User, rule_id: int) -> None:
        if not self.store.remove_keyword_rule(user.id, rule_id):
            raise NotFound("you have no such keyword rule")

    # -- saved searches ----------------------------------------------------------------------------------

    def saved_searches(self, user: User) -> list[SavedSearch]:
        return self.store.saved_searches(user.id)

    def save_search(self, user: User, name: str, query: str) -> SavedSearch:
        """Save a /search query under a name (the query's own name when empty). InvalidInput for a query the
        search box would refuse, Conflict for a name already used."""
        if user.is_banned:
            raise PermissionDenied("this account is banned")
        text = " ".join(query.split())
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidInput(f"the search query is longer than {MAX_QUERY_LENGTH} characters")
        parse_query(text)  # the same rules as the search box: empty, meaningless values, … raise InvalidInput
        label = " ".join(name.split()) or text
        if len(label) > SAVED_SEARCH_NAME_MAX:
            label = label[: SAVED_SEARCH_NAME_MAX - 1] + "…" if not name.strip() else ""
            if not label:
                raise InvalidInput(f"a saved search's name is at most {SAVED_SEARCH_NAME_MAX} characters")
        if len(self.store.saved_searches(user.id)) >= SAVED_SEARCH_MAX:
            raise InvalidInput(f"you have {SAVED_SEARCH_MAX} saved searches, the most; delete some first")
        return self.store.add_saved_search(user.id, label, text, self.clock.now())

    def delete_saved_search(self, user: User, search_id: int) -> None:
        if not self.store.remove_saved_search(user.id, search_id):
            raise NotFound("you have no such saved search")

    def saved_search_matches(
        self, user_id: int, since: datetime | None = None, limit: int = 50
    ) -> list[SavedSearchMatch]:
        """Papers matching one of the member's alerting saved searches that came into the hub after the search was
        saved (and after `since`, e.g. the last digest), newest first; each paper once, under the first search
        that matched it. The member's keyword exclusions apply."""
        rules = self.personal_rules(user_id)
        matches: dict[str, SavedSearchMatch] = {}
        for search in self.store.saved_searches(user_id):
            if not search.alert:
                continue
            start = max(search.created_at, since) if since else search.created_at
            window = SearchFilters(start=(start - timedelta(days=SAVED_SEARCH_LOOKBACK_DAYS)).date())
            try:
                results, views = self.search(search.query, mode="keyword", page_size=100, filters=window)
            except InvalidInput:  # saved under older query rules; it simply matches nothing now
                continue
            added = self.store.papers_added_at([hit.arxiv_id for hit in results.hits])
            for hit in results.hits:
                view, at = views.get(hit.arxiv_id), added.get(hit.arxiv_id)
                if view is None or at is None or hit.arxiv_id in matches:
                    continue
                if (at >= start or view.paper.published >= start) and rules.allows(view.paper):
                    matches[hit.arxiv_id] = SavedSearchMatch(search, view, at)
        ordered = sorted(
            matches.values(), key=lambda m: (m.view.paper.published, m.added_at, m.view.paper.arxiv_id), reverse=True
        )
        return ordered[:limit]

    # -- private feed keys -------------------------------------------------------------------------------

    def for_you_feed_key(self, user: User) -> str:
        """The secret part of a member's private feed URL: their id and an HMAC of it under the site's key."""
        return f"{user.id}-{_mac(self.settings.secret_key, _FEED_KEY_PURPOSE, user.id)}"

    def user_for_feed_key(self, key: str) -> User:
        """The member a private feed key belongs to; NotFound for anything forged, so guessing learns nothing."""
        return self._user_for_key(key, _FEED_KEY_PURPOSE)

    def saved_searches_feed_key(self, user: User) -> str:
        """Like for_you_feed_key, for the saved-search alerts feed (a separate secret: sharing one leaks no other)."""
        return f"{user.id}-{_mac(self.settings.secret_key, _SAVED_FEED_KEY_PURPOSE, user.id)}"

    def user_for_saved_searches_key(self, key: str) -> User:
        return self._user_for_key(key, _SAVED_FEED_KEY_PURPOSE)

    def _user_for_key(self, key: str, purpose: bytes) -> User:
        user_part, _, mac = key.partition("-")
        if not (user_part.isascii() and user_part.isdigit()) or len(user_part) > 12:  # "²".isdigit() is True
            raise NotFound("no such feed")
        if not hmac.compare_digest(mac, _mac(self.settings.secret_key, purpose, int(user_part))):
            raise NotFound("no such feed")
        user = self.store.get_user(int(user_part))
        if user is None or user.is_banned:
            raise NotFound("no such feed")
        if user.is_deleted:  # the key is genuine (its MAC checked out): say "gone" so feed readers unsubscribe
            raise Gone("this feed's account was deleted; the feed is gone for good")
        return user


def _boost(rules: PersonalRules, paper: Paper) -> float:
    if rules.followed_author(paper) is not None:
        return FOLLOWED_AUTHOR_BOOST
    boost = FOLLOWED_CATEGORY_BOOST if rules.followed_category(paper) is not None else 0.0
    return boost + (KEYWORD_BOOST if rules.matched_keyword(paper) is not None else 0.0)


def _why(rules: PersonalRules, paper: Paper, similar: LikedPaper | None, on_feed: bool) -> str:
    """One line: a followed author first (the strongest signal), then likeness, other rules, trending."""
    author = rules.followed_author(paper)
    if author is not None:
        return f"By {author}, an author you follow"
    if similar is not None:
        return similar_line(similar)
    reason = rules.reason(paper)
    if reason is not None:
        return reason
    return f"Trending in the last {FOR_YOU_DAYS} days" if on_feed else "New on arXiv"


def _mac(secret: str, purpose: bytes, user_id: int) -> str:
    digest = hmac.new(secret.encode(), purpose + str(user_id).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
