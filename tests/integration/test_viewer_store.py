"""ViewerStore and DataVersionStore contract, on SQLite and PostgreSQL: a member's marks in one query; the data
version moves with every change public pages show (triggers) and not with bookkeeping writes."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from dailypapers.adapters.sql.schema import rate_limits, sessions
from dailypapers.adapters.sql.store import SqlStore
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

    marks = Viewer(store).marks(ada, ids, ["Zoë  Müller", "Alan Turing"])
    assert marks.upvoted == {ids[0], ids[449]}
    assert marks.saved == {ids[2], ids[448]}
    assert marks.followed_authors == {"Zoë  Müller"}  # as the page writes it, matched by key
    assert Viewer(store).marks(None, ids) is NO_MARKS
    assert Viewer(store).marks(bob, []).upvoted == frozenset()


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
