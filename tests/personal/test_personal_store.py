"""The PersonalStore contract, on SQLite and PostgreSQL: follows, keyword rules, feedback, preferences, searches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.errors import Conflict, PaperNotFound
from dailypapers.domain.models import Paper
from dailypapers.domain.rules import PersonalRules, PersonalSignals

AT = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)


def member(store: SqlStore, email: str = "ada@example.org") -> int:
    return store.get_or_create_user(email, email.split("@")[0], AT).id


def test_follows_are_unique_per_member_and_listed_authors_first(store: SqlStore) -> None:
    ada, bob = member(store), member(store, "bob@example.org")
    assert store.add_follow(ada, "category", "cs.LG", "cs.LG", AT)
    assert store.add_follow(ada, "author", "zoe author", "Zoë Author", AT + timedelta(seconds=1))
    assert not store.add_follow(ada, "author", "zoe author", "ZOE AUTHOR", AT)  # same key: nothing changes
    assert store.add_follow(bob, "author", "zoe author", "Zoe Author", AT)
    follows = store.follows(ada)
    assert [(f.kind, f.value, f.label) for f in follows] == [
        ("author", "zoe author", "Zoë Author"),
        ("category", "cs.LG", "cs.LG"),
    ]
    assert follows[0].created_at == AT + timedelta(seconds=1)
    assert store.remove_follow(ada, "author", "zoe author")
    assert not store.remove_follow(ada, "author", "zoe author")
    assert [f.label for f in store.follows(bob)] == ["Zoe Author"]


def test_keyword_rules_and_their_owner(store: SqlStore) -> None:
    ada, bob = member(store), member(store, "bob@example.org")
    assert store.add_keyword_rule(ada, "exclude", "survey", AT)
    assert store.add_keyword_rule(ada, "include", "graph neural", AT)
    assert not store.add_keyword_rule(ada, "include", "graph neural", AT)
    rules = store.keyword_rules(ada)
    assert [(r.kind, r.phrase) for r in rules] == [("include", "graph neural"), ("exclude", "survey")]
    assert not store.remove_keyword_rule(bob, rules[0].id)  # not bob's
    assert store.remove_keyword_rule(ada, rules[0].id)
    assert [r.phrase for r in store.keyword_rules(ada)] == ["survey"]


def test_not_interested_needs_a_known_paper_and_is_idempotent(store: SqlStore) -> None:
    ada = member(store)
    store.upsert_papers([Paper(f"2608.0000{n}", f"P{n}", "A", ("X",), AT) for n in (1, 2)])
    with pytest.raises(PaperNotFound):
        store.set_not_interested(ada, "2608.09999", AT)
    store.set_not_interested(ada, "2608.00001", AT)
    store.set_not_interested(ada, "2608.00002", AT + timedelta(minutes=1))
    store.set_not_interested(ada, "2608.00001", AT + timedelta(minutes=2))  # again: now the most recent
    assert store.not_interested_ids(ada, 10) == ["2608.00001", "2608.00002"]
    assert store.clear_not_interested(ada, "2608.00001")
    assert not store.clear_not_interested(ada, "2608.00001")
    assert store.not_interested_ids(ada, 10) == ["2608.00002"]


def test_preferences_default_then_stored(store: SqlStore) -> None:
    ada = member(store)
    prefs = store.preferences(ada)
    assert prefs.trending_weight == pytest.approx(0.3)
    assert prefs.onboarded_at is None
    store.set_trending_weight(ada, 0.8, AT)
    store.mark_onboarded(ada, AT)
    store.mark_onboarded(ada, AT + timedelta(days=1))  # the first mark is kept
    store.set_trending_weight(ada, 0.25, AT)
    prefs = store.preferences(ada)
    assert prefs.trending_weight == pytest.approx(0.25)
    assert prefs.onboarded_at == AT


def test_saved_searches_by_name_and_when_papers_came_in(store: SqlStore) -> None:
    ada, bob = member(store), member(store, "bob@example.org")
    saved = store.add_saved_search(ada, "diffusion", "diffusion has:code", AT)
    assert (saved.name, saved.query, saved.alert, saved.created_at) == ("diffusion", "diffusion has:code", True, AT)
    with pytest.raises(Conflict):
        store.add_saved_search(ada, "diffusion", "other", AT)
    store.add_saved_search(bob, "diffusion", "x", AT)
    assert [s.query for s in store.saved_searches(ada)] == ["diffusion has:code"]
    assert not store.remove_saved_search(bob, saved.id)
    assert store.remove_saved_search(ada, saved.id)
    assert store.saved_searches(ada) == []
    store.upsert_papers([Paper("2608.00001", "P", "A", ("X",), AT)])
    added = store.papers_added_at(["2608.00001", "2608.09999"])
    assert set(added) == {"2608.00001"}
    assert added["2608.00001"].tzinfo is not None


def test_personal_signals_for_many_members_at_once(store: SqlStore) -> None:
    ada, bob, cyd = member(store), member(store, "bob@example.org"), member(store, "cyd@example.org")
    store.upsert_papers([Paper(f"2608.0000{n}", f"P{n}", "A", ("X",), AT) for n in (1, 2, 3)])
    store.add_follow(ada, "author", "zoe author", "Zoë Author", AT)
    store.add_follow(ada, "category", "cs.LG", "cs.LG", AT)
    store.add_keyword_rule(ada, "exclude", "survey", AT)
    store.set_not_interested(ada, "2608.00003", AT)
    saved = store.ensure_collection(ada, "saved", "Saved", AT)
    store.add_items(saved.id, ["2608.00001"], AT)
    store.add_items(saved.id, ["2608.00002"], AT + timedelta(minutes=1))
    store.add_saved_search(bob, "graphs", "graph neural", AT)

    signals = store.personal_signals([ada, bob, cyd, ada], limit=10)
    assert set(signals) == {ada, bob, cyd}
    assert signals[ada].rules.authors == (("zoe author", "Zoë Author"),)
    assert signals[ada].rules.categories == ("cs.LG",)
    assert signals[ada].rules.exclude == ("survey",)
    assert signals[ada].saved == ("2608.00002", "2608.00001")  # most recently saved first
    assert signals[ada].disliked == {"2608.00003"}
    assert not signals[ada].has_alerts
    assert signals[bob].has_alerts
    assert signals[bob].rules.is_empty
    assert signals[cyd] == PersonalSignals(PersonalRules())
    assert store.personal_signals([ada], limit=1)[ada].saved == ("2608.00002",)
    assert store.personal_signals([], limit=10) == {}
