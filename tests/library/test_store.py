"""The LibraryStore contract on SQLite and PostgreSQL: collections, items, saved papers, account export, deletion."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from dailypapers.adapters.sql.schema import (
    collection_items,
    collections,
    follows,
    keyword_rules,
    paper_feedback,
    saved_searches,
    user_preferences,
)
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.digest import Topics
from dailypapers.domain.errors import NotFound
from dailypapers.domain.models import FeedEntry, User
from tests.web.seed import paper

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
IDS = [f"2608.{n:05d}" for n in range(1, 7)]


def _user(store: SqlStore, name: str = "ada") -> User:
    return store.get_or_create_user(f"{name}@example.org", name, NOW - timedelta(days=30))


@pytest.fixture
def seeded(store: SqlStore) -> SqlStore:
    store.upsert_papers([paper(i) for i in IDS])
    return store


def test_ensure_collection_is_idempotent_and_create_picks_a_free_slug(seeded: SqlStore) -> None:
    ada = _user(seeded)
    first = seeded.ensure_collection(ada.id, "saved", "Saved", NOW)
    assert seeded.ensure_collection(ada.id, "saved", "Other name", NOW) == first
    assert (first.name, first.is_public, first.item_count) == ("Saved", False, 0)
    a = seeded.create_collection(ada.id, "Reading", "reading", "to read", True, NOW)
    b = seeded.create_collection(ada.id, "Reading!", "reading", "", False, NOW)
    assert (a.slug, b.slug) == ("reading", "reading-2")
    # Slugs are per member: another member gets the plain one.
    bob = _user(seeded, "bob")
    assert seeded.create_collection(bob.id, "Reading", "reading", "", False, NOW).slug == "reading"
    assert seeded.count_collections(ada.id) == 3
    assert seeded.get_collection(ada.id, "reading") == a
    assert seeded.get_collection(bob.id, "reading-2") is None


def test_items_keep_order_skip_unknown_and_duplicates_and_count(seeded: SqlStore) -> None:
    ada = _user(seeded)
    coll = seeded.create_collection(ada.id, "Reading", "reading", "", False, NOW)
    added = seeded.add_items(coll.id, [IDS[0], "2608.99999", IDS[1], IDS[0]], NOW)
    assert added == [IDS[0], IDS[1]]  # the unknown paper and the repeat are skipped
    assert seeded.add_items(coll.id, [IDS[1], IDS[2]], NOW + timedelta(minutes=1)) == [IDS[2]]
    items = seeded.collection_items(coll.id, limit=10)
    assert [i.arxiv_id for i in items] == [IDS[2], IDS[0], IDS[1]]  # newest first; one batch keeps its order
    assert seeded.collection_items(coll.id, limit=1, offset=1)[0].arxiv_id == IDS[0]
    assert seeded.items_among(coll.id, [IDS[0], IDS[3]]) == {IDS[0]}
    stored = seeded.get_collection(ada.id, "reading")
    assert stored is not None
    assert stored.item_count == 3
    assert stored.updated_at == NOW + timedelta(minutes=1)


def test_notes_removal_update_and_delete(seeded: SqlStore) -> None:
    ada = _user(seeded)
    coll = seeded.create_collection(ada.id, "Reading", "reading", "", False, NOW)
    seeded.add_items(coll.id, [IDS[0], IDS[1]], NOW)
    assert seeded.set_item_note(coll.id, IDS[0], "Read §3 <first>", NOW)
    assert not seeded.set_item_note(coll.id, IDS[3], "not there", NOW)
    assert seeded.collection_items(coll.id, limit=5)[0].note == "Read §3 <first>"
    assert seeded.remove_item(coll.id, IDS[1], NOW)
    assert not seeded.remove_item(coll.id, IDS[1], NOW)
    later = NOW + timedelta(hours=1)
    updated = seeded.update_collection(coll.id, name="Renamed", description="d", is_public=True, now=later)
    assert (updated.name, updated.slug, updated.is_public, updated.updated_at, updated.item_count) == (
        "Renamed",
        "reading",
        True,
        later,
        1,
    )
    seeded.delete_collection(coll.id)
    assert seeded.get_collection(ada.id, "reading") is None
    with pytest.raises(NotFound):
        seeded.update_collection(coll.id, name="x", description="", is_public=False, now=NOW)
    with seeded.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(collection_items)) == 0


def test_saved_paper_ids_spans_collections_most_recent_first(seeded: SqlStore) -> None:
    ada, bob = _user(seeded), _user(seeded, "bob")
    saved = seeded.ensure_collection(ada.id, "saved", "Saved", NOW)
    other = seeded.create_collection(ada.id, "Other", "other", "", True, NOW)
    seeded.add_items(saved.id, [IDS[0], IDS[1]], NOW)
    seeded.add_items(other.id, [IDS[2]], NOW + timedelta(minutes=1))
    seeded.add_items(other.id, [IDS[0]], NOW + timedelta(minutes=2))  # in two collections: counts once, latest
    seeded.add_items(seeded.ensure_collection(bob.id, "saved", "Saved", NOW).id, [IDS[5]], NOW)
    assert seeded.saved_paper_ids(ada.id, 10) == [IDS[0], IDS[2], IDS[1]]
    assert seeded.saved_paper_ids(ada.id, 2) == [IDS[0], IDS[2]]
    assert seeded.saved_paper_ids(bob.id, 10) == [IDS[5]]
    assert [c.slug for c in seeded.user_collections(ada.id)] == ["other", "saved"]  # recently changed first
    assert [c.item_count for c in seeded.user_collections(ada.id)] == [2, 2]


def _personal_rows(store: SqlStore, user_id: int) -> None:
    """Rows of the personal layer, written straight into its tables (its store methods belong to another module)."""
    with store.engine.begin() as conn:
        conn.execute(
            follows.insert().values(
                user_id=user_id, kind="author", value="ada lovelace", label="Ada Lovelace", created_at=NOW
            )
        )
        conn.execute(keyword_rules.insert().values(user_id=user_id, kind="exclude", phrase="crypto", created_at=NOW))
        conn.execute(
            paper_feedback.insert().values(user_id=user_id, arxiv_id=IDS[4], kind="not_interested", created_at=NOW)
        )
        conn.execute(user_preferences.insert().values(user_id=user_id, trending_weight=0.5, updated_at=NOW))
        conn.execute(saved_searches.insert().values(user_id=user_id, name="RL", query="reinforcement", created_at=NOW))


def _full_account(store: SqlStore) -> User:
    ada = _user(store)
    store.create_session(ada.id, "a" * 64, NOW, NOW + timedelta(days=30))
    store.add_api_token(ada.id, "notebook", "dp_abcdefg", "b" * 64, frozenset({"read"}), NOW)
    store.add_login_token(ada.email, "c" * 64, NOW, NOW + timedelta(minutes=15))
    store.set_vote(ada.id, IDS[0], True, NOW)
    store.add_comment(IDS[0], ada.id, None, "I liked **this**", NOW)
    store.add_feed_entries([FeedEntry(IDS[1], NOW.date(), NOW, submitted_by="ada", submitter_id=ada.id)])
    coll = store.create_collection(ada.id, "Reading", "reading", "mine", True, NOW)
    store.add_items(coll.id, [IDS[2]], NOW)
    store.set_item_note(coll.id, IDS[2], "good one", NOW)
    store.set_subscription(ada.email, ada.id, "weekly", Topics(categories=("cs.LG",)), NOW)
    _personal_rows(store, ada.id)
    return ada


def test_account_data_has_everything_and_no_secrets(seeded: SqlStore) -> None:
    ada = _full_account(seeded)
    data = seeded.account_data(ada.id)
    text = json.dumps(data)  # JSON-ready all the way down
    for secret in ("a" * 64, "b" * 64, "c" * 64):
        assert secret not in text
    assert "token_hash" not in text
    assert data["profile"]["email"] == "ada@example.org"
    assert data["profile"]["username"] == "ada"
    assert len(data["sessions"]) == 1
    assert [(t["name"], t["prefix"]) for t in data["api_tokens"]] == [("notebook", "dp_abcdefg")]
    assert len(data["sign_in_links"]) == 1
    assert [v["arxiv_id"] for v in data["votes"]] == [IDS[0]]
    assert [c["body"] for c in data["comments"]] == ["I liked **this**"]
    assert [s["arxiv_id"] for s in data["submissions"]] == [IDS[1]]
    [collection] = data["collections"]
    assert (collection["name"], collection["description"], collection["is_public"]) == ("Reading", "mine", True)
    assert [(i["arxiv_id"], i["note"]) for i in collection["items"]] == [(IDS[2], "good one")]
    assert [f["label"] for f in data["follows"]] == ["Ada Lovelace"]
    assert [r["phrase"] for r in data["keyword_rules"]] == ["crypto"]
    assert [f["arxiv_id"] for f in data["not_interested"]] == [IDS[4]]
    assert data["preferences"]["trending_weight"] == 0.5
    assert [s["query"] for s in data["saved_searches"]] == ["reinforcement"]
    assert [(s["frequency"], s["categories"]) for s in data["subscriptions"]] == [("weekly", ["cs.LG"])]
    with pytest.raises(NotFound):
        seeded.account_data(9999)


def _count(store: SqlStore, table: sa.Table, user_id: int) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.user_id == user_id)) or 0)


@pytest.mark.parametrize("remove_comments", [False, True])
def test_delete_account_scrubs_the_person_and_keeps_the_votes(seeded: SqlStore, remove_comments: bool) -> None:
    ada = _full_account(seeded)
    bob = _user(seeded, "bob")
    reply = seeded.add_comment(IDS[0], bob.id, seeded.paper_comments(IDS[0])[0].id, "agreed", NOW)
    seeded.delete_account(ada.id, remove_comments=remove_comments, now=NOW)

    gone = seeded.get_user(ada.id)
    assert gone is not None
    assert gone.is_deleted
    assert (gone.username, gone.display_name) == (f"deleted_{ada.id}", "deleted user")
    assert gone.email.endswith(".invalid")
    assert seeded.get_user_by_email("ada@example.org") is None
    assert seeded.session_user("a" * 64, NOW) is None
    assert seeded.api_token_user("b" * 64) is None
    assert seeded.consume_login_token("c" * 64, NOW) is None
    assert seeded.paper_views([IDS[0]])[IDS[0]].upvotes == 1  # the vote still counts
    [mine, theirs] = seeded.paper_comments(IDS[0])
    assert mine.author is None
    assert (mine.body == "", mine.deleted_at is not None) == (remove_comments, remove_comments)
    assert theirs == reply  # other people's replies are untouched
    entry = seeded.get_feed_entry(IDS[1])
    assert entry is not None
    assert entry.submitted_by == f"deleted_{ada.id}"
    for table in (collections, follows, keyword_rules, paper_feedback, user_preferences, saved_searches):
        assert _count(seeded, table, ada.id) == 0, table.name
    assert seeded.get_subscriber_by_email("ada@example.org") is None
    assert seeded.saved_paper_ids(ada.id, 10) == []
    # The address is free again: signing up with it makes a new, empty account, under another name: "ada" stays
    # retired, so old links to /u/ada and old mentions never come to mean the new account.
    again = seeded.get_or_create_user("ada@example.org", "ada", NOW)
    assert again.id != ada.id
    assert again.username == "ada-2"
    assert seeded.get_user_by_username("ada") is None
    with pytest.raises(NotFound):
        seeded.delete_account(ada.id, remove_comments=False, now=NOW)
