"""The for-you ranking through the Hub: votes, saves and "not interested" move it; follows, keyword rules and saved
searches shape it (the same calls the page, the private feeds and the digest make)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.errors import Conflict, InvalidInput, NotFound
from dailypapers.hub import Hub
from tests.web import seed
from tests.web.auth_helpers import make_user

DAY = date(2026, 8, 20)
PAPERS = {  # id: (title, imported upvotes)
    "2608.50001": ("Graph transformers at scale", 5),
    "2608.50002": ("Graph rewiring for long-range messages", 3),
    "2608.50003": ("Robot hands that fold laundry", 90),
    "2608.50004": ("Speech codecs, again", 20),
    "2608.50005": ("Speech recognition in the wild", 50),
    "2608.50006": ("Protein folding with less data", 10),
}


@pytest.fixture
def feed(topical: Hub) -> Hub:
    seed.store(
        topical,
        # Each paper by its own author: shared authors are a signal of their own (test_shared_authors_…).
        [seed.paper(i, title=t, imported_upvotes=u, authors=(f"Author {i}",)) for i, (t, u) in PAPERS.items()],
        [seed.entry(i, DAY, minute=n) for n, i in enumerate(PAPERS)],
    )
    return topical


def ids(hub: Hub, **kwargs: object) -> list[str]:
    return [item.view.paper.arxiv_id for item in hub.for_you.rank(make_user(hub), **kwargs)]  # type: ignore[arg-type]


def scores(hub: Hub) -> dict[str, float]:
    return {item.view.paper.arxiv_id: item.score for item in hub.for_you.rank(make_user(hub))}


def test_without_signals_it_is_trending(feed: Hub) -> None:
    items = feed.for_you.rank(make_user(feed))
    assert [i.view.paper.arxiv_id for i in items][:3] == ["2608.50003", "2608.50005", "2608.50004"]
    assert items[0].why == "Trending in the last 14 days"


def test_an_upvote_pulls_similar_papers_up_and_says_so(feed: Hub) -> None:
    feed.set_upvote(make_user(feed), "2608.50001", True)
    items = feed.for_you.rank(make_user(feed))
    assert items[0].view.paper.arxiv_id == "2608.50002"
    assert items[0].why == "Similar to “Graph transformers at scale”, which you upvoted"
    assert "2608.50001" not in [i.view.paper.arxiv_id for i in items]  # liked papers never come back


def test_a_saved_paper_counts_as_a_like(feed: Hub) -> None:
    feed.save_paper(make_user(feed), "2608.50006")
    items = feed.for_you.rank(make_user(feed))
    assert "2608.50006" not in [i.view.paper.arxiv_id for i in items]
    assert feed.liked_and_disliked_ids(make_user(feed).id) == (["2608.50006"], [])


def test_not_interested_hides_the_paper_and_lowers_similar_ones(feed: Hub) -> None:
    # A second protein paper: two per topic, so centring on the pool's mean treats speech and protein alike.
    seed.store(feed, [seed.paper("2608.50110", title="Protein design")], [seed.entry("2608.50110", DAY)])
    user = make_user(feed)
    feed.set_upvote(user, "2608.50001", True)
    before = scores(feed)
    assert before["2608.50005"] > before["2608.50006"]  # more upvoted, equally unlike graphs
    feed.set_not_interested(user, "2608.50004")
    after = scores(feed)
    assert "2608.50004" not in after
    # The other speech paper fell toward the protein one (both in words and in vectors); the protein one did not.
    assert after["2608.50005"] - after["2608.50006"] < before["2608.50005"] - before["2608.50006"]
    assert after["2608.50006"] >= before["2608.50006"]
    assert feed.liked_and_disliked_ids(user.id) == (["2608.50001"], ["2608.50004"])
    feed.set_not_interested(user, "2608.50004", value=False)
    assert "2608.50004" in ids(feed)


def test_the_slider_goes_from_taste_to_trending(feed: Hub) -> None:
    user = make_user(feed)
    feed.set_upvote(user, "2608.50001", True)
    assert ids(feed)[0] == "2608.50002"
    feed.set_trending_weight(user, 1.0)
    assert ids(feed)[0] == "2608.50003"
    assert feed.for_you_preferences(user).trending_weight == 1.0
    with pytest.raises(InvalidInput):
        feed.set_trending_weight(user, 1.5)


def test_a_followed_author_leads_whatever_the_spelling(feed: Hub) -> None:
    seed.store(
        feed,
        [seed.paper("2608.50007", title="Quiet paper", authors=("Zoë Müller", "B"))],
        [seed.entry("2608.50007", DAY, minute=9)],
    )
    user = make_user(feed)
    follow = feed.follow_author(user, "  zoe   MULLER ")
    assert follow.label == "zoe MULLER"
    assert follow.value == "zoe muller"
    items = feed.for_you.rank(user)
    assert items[0].view.paper.arxiv_id == "2608.50007"
    assert items[0].why == "By Zoë Müller, an author you follow"  # as the paper spells it, not as typed
    assert feed.is_following_authors(user, ["Zoë Müller", "B"]) == {"Zoë Müller"}
    assert feed.unfollow(user, "author", "Zoë Müller")
    assert ids(feed)[0] == "2608.50003"


def test_a_followed_category_raises_its_papers_and_says_why(feed: Hub) -> None:
    seed.store(
        feed, [seed.paper("2608.50008", title="Control", categories=("cs.RO",))], [seed.entry("2608.50008", DAY)]
    )
    user = make_user(feed)
    feed.follow_category(user, "cs.ro")
    items = feed.for_you.rank(user)
    assert items[0].view.paper.arxiv_id == "2608.50008"
    assert items[0].why == "In cs.RO, which you follow"


def test_a_followed_authors_paper_off_the_feed_is_found_too(feed: Hub) -> None:
    published = datetime(2026, 8, 18, tzinfo=UTC)
    seed.store(feed, [seed.paper("2608.50009", title="Not submitted", authors=("Grace Hopper",), published=published)])
    user = make_user(feed)
    assert "2608.50009" in ids(feed)  # among the newest papers of the hub
    feed.follow_author(user, "Grace Hopper")
    items = feed.for_you.rank(user)
    assert items[0].view.paper.arxiv_id == "2608.50009"
    assert items[0].view.entry is None


def test_keyword_rules_filter_whole_words(feed: Hub) -> None:
    user = make_user(feed)
    feed.add_keyword_rule(user, "exclude", "Speech")
    assert not {"2608.50004", "2608.50005"} & set(ids(feed))
    feed.add_keyword_rule(user, "include", "graph")
    assert set(ids(feed)) == {"2608.50001", "2608.50002"}
    rules = feed.personal_rules(user.id)
    assert rules.include == ("graph",)
    assert rules.exclude == ("speech",)
    for rule in feed.keyword_rules(user):
        feed.remove_keyword_rule(user, rule.id)
    assert len(ids(feed)) == 6
    with pytest.raises(NotFound):
        feed.remove_keyword_rule(user, 999)
    with pytest.raises(InvalidInput):
        feed.add_keyword_rule(user, "maybe", "graph")


def test_author_hint_lists_coauthors_and_categories(feed: Hub) -> None:
    seed.store(
        feed,
        [
            seed.paper("2608.50010", authors=("Kai Li", "Ann Lee"), categories=("cs.CV",)),
            seed.paper("2608.50011", authors=("KAI LI", "Ann Lee", "Bo Wu"), categories=("cs.CV", "cs.LG")),
        ],
    )
    hint = feed.author_hint("Kai Li")
    assert hint.papers == 2
    assert hint.coauthors[0] == ("Ann Lee", 2)
    assert hint.categories[0] == ("cs.CV", 2)


def test_papers_by_the_authors_of_liked_papers_rise_and_say_how_many(feed: Hub) -> None:
    older = datetime(2026, 8, 1, tzinfo=UTC)  # liked before the window: only the new paper is a candidate
    liked = [
        seed.paper("2607.00001", title="Sparse attention kernels", authors=("Grace Hopper", "X"), published=older),
        seed.paper("2607.00002", title="Compilers for tensors", authors=("GRACE  HOPPER",), published=older),
    ]
    new = seed.paper("2608.50012", title="Unrelated words entirely", authors=("Grace Hopper", "Y"))
    seed.store(feed, [*liked, new], [seed.entry("2608.50012", DAY, minute=30)])
    user = make_user(feed)
    for paper in liked:
        feed.set_upvote(user, paper.arxiv_id, True)
    items = feed.for_you.rank(user)
    assert items[0].view.paper.arxiv_id == "2608.50012"  # above the robot paper that 90 people upvoted
    assert items[0].why == "By Grace Hopper, an author of 2 papers you upvoted"  # true: both list her
    feed.save_paper(user, "2608.50001")
    lines = {i.view.paper.arxiv_id: i.why for i in feed.for_you.rank(user)}
    assert lines["2608.50012"] == "By Grace Hopper, an author of 2 papers you upvoted"  # the saved one is not hers


def test_the_similar_line_names_the_liked_paper_sharing_most_words(feed: Hub) -> None:
    user = make_user(feed)
    feed.set_upvote(user, "2608.50001", True)  # "Graph transformers at scale"
    feed.set_upvote(user, "2608.50006", True)  # "Protein folding with less data"
    seed.store(feed, [seed.paper("2608.50013", title="Protein folding at scale", authors=("Z",))])
    lines = {i.view.paper.arxiv_id: i.why for i in feed.for_you.rank(user)}
    assert lines["2608.50002"] == "Similar to “Graph transformers at scale”, which you upvoted"
    assert lines["2608.50013"] == "Similar to “Protein folding with less data”, which you upvoted"


def test_onboarding_always_offers_papers_even_when_the_feed_is_old(feed: Hub) -> None:
    clock = feed.clock
    assert isinstance(clock, FixedClock)
    clock.at = datetime.combine(DAY + timedelta(days=60), datetime.min.time(), tzinfo=UTC)  # two months of quiet
    assert feed.trending(days=14).items == []
    choices = feed.onboarding_choices()
    assert choices.papers[0].paper.arxiv_id == "2608.50003"  # the top paper of the feed's last two weeks
    assert len(choices.papers) == len(PAPERS)
    assert choices.categories == (("cs.LG", 12),)  # the newest papers' and the offered papers' categories


def test_onboarding_without_any_feed_offers_the_newest_papers(hub: Hub) -> None:
    seed.store(hub, [seed.paper(f"2608.6000{n}", published=datetime(2026, 8, 1 + n, tzinfo=UTC)) for n in range(3)])
    choices = hub.onboarding_choices()
    assert [v.paper.arxiv_id for v in choices.papers] == ["2608.60002", "2608.60001", "2608.60000"]


def test_onboarding_follows_and_saves_then_marks_done(feed: Hub) -> None:
    user = make_user(feed)
    choices = feed.onboarding_choices()
    assert ("cs.LG", 6) in choices.categories or choices.categories[0][0] == "cs.LG"
    assert choices.papers[0].paper.arxiv_id == "2608.50003"
    feed.finish_onboarding(user, ["cs.LG"], ["2608.50002"])
    assert [f.value for f in feed.follows(user)] == ["cs.LG"]
    assert feed.liked_and_disliked_ids(user.id)[0] == ["2608.50002"]
    assert feed.for_you_preferences(user).onboarded_at == feed.clock.now()
    with pytest.raises(InvalidInput):
        feed.finish_onboarding(user, ["not a category"], [])


def test_saved_searches_alert_on_papers_new_since_saving(feed: Hub) -> None:
    clock = feed.clock
    assert isinstance(clock, FixedClock)
    user = make_user(feed)
    # The store stamps papers with the wall clock: save the search "now", after the feed above came in.
    clock.at = datetime.now(UTC)
    saved = feed.save_search(user, "", "codecs")
    assert saved.name == "codecs"
    assert feed.saved_search_matches(user.id) == []  # the speech papers were here before
    recent = clock.at - timedelta(days=1)
    seed.store(
        feed,
        [
            seed.paper("2611.00001", title="Speech codecs for phones", published=recent),
            seed.paper("2611.00002", title="Neural codecs", published=recent + timedelta(hours=1)),
            seed.paper("2611.00003", title="Unrelated", published=recent),
        ],
    )
    matches = feed.saved_search_matches(user.id)
    assert [m.view.paper.arxiv_id for m in matches] == ["2611.00002", "2611.00001"]  # newest first
    assert matches[0].search == saved
    feed.add_keyword_rule(user, "exclude", "phones")
    assert [m.view.paper.arxiv_id for m in feed.saved_search_matches(user.id)] == ["2611.00002"]
    assert feed.saved_search_matches(user.id, since=datetime.now(UTC) + timedelta(days=1)) == []
    with pytest.raises(Conflict):
        feed.save_search(user, "", "codecs")
    with pytest.raises(InvalidInput):
        feed.save_search(user, "bad", "year:abc")
    with pytest.raises(InvalidInput):
        feed.save_search(user, "long", "x" * 251)
    feed.delete_saved_search(user, saved.id)
    assert feed.saved_searches(user) == []
    with pytest.raises(NotFound):
        feed.delete_saved_search(user, saved.id)
