"""The personal layer's use cases besides the ranking (usecases/for_you.py): follows, keyword rules, "not
interested", the slider and onboarding, saved searches and the HMAC keys of the private feeds. The rule matching is
rules.py's; this module gathers its inputs from the store and the search engine.

For the digest (usecases/digests.py wires it): personal_rules(user_id), liked_and_disliked_ids(user_id) and
saved_search_matches(user_id, since, limit).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import Gone, InvalidInput, NotFound, PaperNotFound, PermissionDenied
from dailypapers.domain.models import FeedQuery, PaperView, User
from dailypapers.domain.personalize import Preferences
from dailypapers.domain.query import MAX_QUERY_LENGTH, SearchFilters, parse_query
from dailypapers.domain.rules import (
    MAX_FOLLOWS,
    MAX_RULES,
    Follow,
    FollowKind,
    KeywordRule,
    PersonalRules,
    RuleKind,
    normalise_author,
    parse_author,
    parse_category,
    parse_phrase,
)
from dailypapers.ports import SearchEngine
from dailypapers.ports.personal import SavedSearch
from dailypapers.ports.search import SearchResults
from dailypapers.usecases.for_you import FOR_YOU_DAYS, RECENT_POOL, member_likes
from dailypapers.usecases.voting import VotingMixin

HINT_PAPERS = 200
SAVED_SEARCH_LOOKBACK_DAYS = 7  # arXiv publishes a paper a day or more before a harvest brings it in
SAVED_SEARCH_MAX = 50
SAVED_SEARCH_NAME_MAX = 128
ONBOARDING_MAX_PICKS = 20
ONBOARDING_PAPERS = 12
ONBOARDING_CATEGORIES = 24
_FEED_KEY_PURPOSE = b"for-you-feed:"
_SAVED_FEED_KEY_PURPOSE = b"saved-search-feed:"


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
        return member_likes(self.store, user_id)

    def personal_rules(self, user_id: int) -> PersonalRules:
        """The member's follows and keyword rules, ready to match papers (`allows`, `reason`)."""
        return PersonalRules.of(self.store.follows(user_id), self.store.keyword_rules(user_id))

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
        """The top trending papers of the last two weeks and the categories common in them and in the newest papers.

        There is always something to pick while the hub has papers: when the feed has been quiet for two weeks the
        papers are the trending ones of the two weeks up to its latest day, and without a feed the newest papers.
        """
        now = self.clock.now()
        latest = self.store.latest_feed_date(now.date())
        if latest is None:
            newest = self.store.list_papers(limit=ONBOARDING_PAPERS)
            views = self.store.paper_views([p.arxiv_id for p in newest])
            papers = tuple(views[p.arxiv_id] for p in newest if p.arxiv_id in views)
        else:
            start = latest - timedelta(days=FOR_YOU_DAYS - 1)
            # As of the end of the feed's latest day when that is past: what was trending then.
            as_of = min(now, datetime.combine(latest + timedelta(days=1), time.min, tzinfo=now.tzinfo))
            query = FeedQuery(start, latest, order="trending", as_of=as_of, trending=self.trending_params)
            papers = tuple(
                PaperView(i.paper, i.entry, i.upvotes, i.organization)
                for i in self.store.feed_items(query, limit=ONBOARDING_PAPERS)
            )
        counts: Counter[str] = Counter()
        for paper in self.store.list_papers(limit=RECENT_POOL):
            counts.update(paper.categories)
        for view in papers:
            counts.update(view.paper.categories)
        return OnboardingChoices(tuple(counts.most_common(ONBOARDING_CATEGORIES)), papers)

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


def _mac(secret: str, purpose: bytes, user_id: int) -> str:
    digest = hmac.new(secret.encode(), purpose + str(user_id).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
