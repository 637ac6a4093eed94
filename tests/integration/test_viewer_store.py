"""ViewerStore and DataVersionStore contract, on SQLite and PostgreSQL: a member's marks in one query; the session,
the marks and the data version in one statement for a member's shared page; the data version moves with every change
public pages show (triggers) and not with bookkeeping writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.sql.schema import rate_limits, sessions
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.usecases.accounts import hash_secret
from dailypapers.usecases.library import SAVED_SLUG
from dailypapers.usecases.viewer import NO_MARKS, Viewer
from tests.web.seed import entry, paper

NOW = datetime(2026, 8, 21, 12, tzinfo=UTC)


def test_marks_of_a_member_among_many_papers(store: SqlStore) -> None:
    ids = [f"2608.{n:05d}" for n in range(450)]  # more than one bound parameter per id would allow everywhere
    store.upsert_papers([paper(i) for i in ids])
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    bob = store.get_or_create_user("bob@example.org", "bob", NOW)
    for arxiv_id in (ids[0], ids[449]):
        store.set_vote(ada.id, arxiv_id, True, NOW)
    store.set_vote(bob.id, ids[1], True, NOW)
    saved = store.ensure_collection(ada.id, SAVED_SLUG, "Saved", NOW)
    other = store.ensure_collection(ada.id, "reading", "Reading", NOW)
    store.add_items(saved.id, [ids[2], ids[448]], NOW)
    store.add_items(other.id, [ids[3]], NOW)  # another collection: not "saved"
    store.add_follow(ada.id, "author", "zoe muller", "Zoë Müller", NOW)
    store.add_follow(ada.id, "category", "cs.lg", "cs.LG", NOW)

    viewer = Viewer(store, FixedClock(NOW))
    marks = viewer.marks(ada, ids, ["Zoë  Müller", "Alan Turing"])
    assert marks.upvoted == {ids[0], ids[449]}
    assert marks.saved == {ids[2], ids[448]}
    assert marks.followed_authors == {"Zoë  Müller"}  # as the page writes it, matched by key
    assert viewer.marks(None, ids) is NO_MARKS
    assert viewer.marks(bob, []).upvoted == frozenset()


def test_a_members_session_marks_and_the_data_version_in_one_read(store: SqlStore) -> None:
    ids = [f"2608.{n:05d}" for n in range(450)]
    store.upsert_papers([paper(i) for i in ids])
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    bob = store.get_or_create_user("bob@example.org", "bob", NOW)
    store.set_vote(ada.id, ids[0], True, NOW)
    store.set_vote(bob.id, ids[1], True, NOW)
    store.add_items(store.ensure_collection(ada.id, SAVED_SLUG, "Saved", NOW).id, [ids[449]], NOW)
    store.add_follow(ada.id, "author", "zoe muller", "Zoë Müller", NOW)
    for user, session in ((ada, "ada-session"), (bob, "bob-session")):
        store.create_session(user.id, hash_secret(session), NOW, NOW + timedelta(days=30))
    viewer = Viewer(store, FixedClock(NOW))

    mine = viewer.member_page("ada-session", ids, ["Zoë  Müller", "Alan Turing"])
    assert mine.user == store.session_user(hash_secret("ada-session"), NOW) == ada
    assert mine.marks == viewer.marks(ada, ids, ["Zoë  Müller", "Alan Turing"])
    assert mine.marks.upvoted == {ids[0]}
    assert mine.marks.saved == {ids[449]}
    assert mine.marks.followed_authors == {"Zoë  Müller"}
    assert mine.version == store.data_version()
    theirs = viewer.member_page("bob-session", ids, ["Zoë  Müller"])
    assert theirs.user == bob
    assert theirs.marks.upvoted == {ids[1]}
    assert not theirs.marks.saved
    assert not theirs.marks.followed_authors

    # No live session, no member and no marks; the version all the same.
    store.revoke_session(hash_secret("bob-session"), NOW)
    for gone in (viewer.member_page("bob-session", ids), viewer.member_page("never-issued", ids)):
        assert (gone.user, gone.marks, gone.version) == (None, NO_MARKS, store.data_version())
    later = Viewer(store, FixedClock(NOW + timedelta(days=31)))  # ada's session has expired
    assert later.member_page("ada-session", ids).user is None
    store.set_user_banned("ada", True, actor_id=bob.id, reason="spam", now=NOW)
    assert viewer.member_page("ada-session", ids) == viewer.member_page("never-issued", ids)


def test_the_data_version_moves_with_public_data_only(store: SqlStore) -> None:
    start = store.data_version()
    store.upsert_papers([paper("2608.00001")])
    after_paper = store.data_version()
    assert after_paper > start
    store.add_feed_entries([entry("2608.00001", NOW.date())])
    after_entry = store.data_version()
    assert after_entry > after_paper
    user = store.get_or_create_user("ada@example.org", "ada", NOW)
    store.set_vote(user.id, "2608.00001", True, NOW)  # rewrites the paper's cached count
    after_vote = store.data_version()
    assert after_vote > after_entry
    with store.engine.begin() as conn:  # bookkeeping written on every request must not empty the caches
        conn.execute(sa.insert(sessions).values(token_hash="x" * 64, user_id=user.id, created_at=NOW, expires_at=NOW))
        conn.execute(sa.insert(rate_limits).values(key="k", expires_at=NOW.timestamp(), count=1))
    assert store.data_version() == after_vote
    store.bump_data_version()
    assert store.data_version() == after_vote + 1


def test_the_marks_version_moves_with_every_change_to_a_members_marks_and_only_theirs(store: SqlStore) -> None:
    store.upsert_papers([paper("2608.00001"), paper("2608.00002")])
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    bob = store.get_or_create_user("bob@example.org", "bob", NOW)
    store.create_session(ada.id, hash_secret("ada-session"), NOW, NOW + timedelta(days=30))
    store.create_session(bob.id, hash_secret("bob-session"), NOW, NOW + timedelta(days=30))

    def versions() -> tuple[int, int]:
        return tuple(  # type: ignore[return-value]
            store.member_read(hash_secret(s), NOW, [], SAVED_SLUG, with_marks=False).marks_version
            for s in ("ada-session", "bob-session")
        )

    saved = store.ensure_collection(ada.id, SAVED_SLUG, "Saved", NOW)
    changes: list[tuple[Callable[[], object], bool]] = [  # (a change to ada's marks, whether public pages show it)
        (lambda: store.set_vote(ada.id, "2608.00001", True, NOW), True),
        (lambda: store.set_vote(ada.id, "2608.00001", False, NOW), True),
        (lambda: store.add_items(saved.id, ["2608.00002"], NOW), False),
        (lambda: store.remove_item(saved.id, "2608.00002", NOW), False),
        (lambda: store.add_follow(ada.id, "author", "alan turing", "Alan Turing", NOW), False),
        (lambda: store.remove_follow(ada.id, "author", "alan turing"), False),
        (lambda: store.add_items(saved.id, ["2608.00001"], NOW), False),
        (lambda: store.delete_collection(saved.id), False),  # the saved paper is no longer saved
    ]
    for change, public in changes:
        before, data_before = versions(), store.data_version()
        change()
        after = versions()
        assert after[0] > before[0]
        assert after[1] == before[1]  # bob's marks did not change: his kept marks stay good
        assert (store.data_version() > data_before) is public
    store.set_vote(bob.id, "2608.00002", True, NOW)
    assert versions()[1] > 0
    assert store.member_read(hash_secret("bob-session"), NOW, ["2608.00002"], SAVED_SLUG, with_marks=True).marks == (
        store.viewer_marks(bob.id, ["2608.00002"], SAVED_SLUG)
    )
    assert store.member_read(hash_secret("x"), NOW, [], SAVED_SLUG, with_marks=True).marks is None  # no member
