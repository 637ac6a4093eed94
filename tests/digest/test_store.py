"""The digest tables on SQLite and PostgreSQL: one ledger row per (digest, subscriber), `sent` written once,
confirmation links single use, snapshots taken once, bounces suppress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.store import SqlStore as DigestStore
from dailypapers.domain.digest import Pick, Selection, Topics
from tests.conftest import NOW
from tests.web.seed import paper


@pytest.fixture
def dstore(store_url: str) -> Iterator[DigestStore]:
    engine = create_engine(store_url)
    yield DigestStore(engine)
    engine.dispose()


def _active(store: DigestStore, email: str) -> int:
    subscriber = store.ensure_subscriber(email, "daily", Topics(), NOW)
    store.add_subscription_token(
        subscriber.id, f"hash-{email}", "daily", Topics(("cs.CL",)), NOW, NOW + timedelta(hours=48)
    )
    confirmed = store.confirm_subscription(f"hash-{email}", NOW)
    assert confirmed is not None
    return confirmed.id


def test_confirmation_links_are_single_use_and_apply_preferences(dstore: DigestStore) -> None:
    subscriber = dstore.ensure_subscriber("ada@example.org", "weekly", Topics(), NOW)
    assert subscriber.status == "pending"
    assert dstore.ensure_subscriber("ada@example.org", "daily", Topics(("x",)), NOW) == subscriber
    dstore.add_subscription_token(
        subscriber.id, "h1", "daily", Topics(("cs.CL",), ("llm",)), NOW, NOW + timedelta(hours=48)
    )
    assert dstore.peek_subscription_token("h1", NOW + timedelta(hours=49)) is None
    assert dstore.peek_subscription_token("h1", NOW) == subscriber
    confirmed = dstore.confirm_subscription("h1", NOW)
    assert confirmed is not None
    assert (confirmed.status, confirmed.frequency, confirmed.topics) == (
        "active",
        "daily",
        Topics(("cs.CL",), ("llm",)),
    )
    assert dstore.confirm_subscription("h1", NOW) is None


def test_snapshot_is_taken_once(dstore: DigestStore) -> None:
    digest, created = dstore.get_or_create_digest("daily", "2026-08-21", NOW, ["a", "b"], NOW)
    again, created_again = dstore.get_or_create_digest("daily", "2026-08-21", NOW, ["c"], NOW)
    assert created
    assert not created_again
    assert again == digest
    assert again.paper_ids == ("a", "b")
    assert dstore.latest_digest("daily") == digest
    assert dstore.latest_digest("weekly") is None


def test_ledger_has_one_row_per_digest_and_subscriber_and_sends_once(dstore: DigestStore) -> None:
    sid = _active(dstore, "ada@example.org")
    digest, _ = dstore.get_or_create_digest("daily", "2026-08-21", NOW, ["a", "b"], NOW)
    assert [s.id for s in dstore.subscribers_to_plan(digest.id, "daily", NOW, after_id=0, limit=10)] == [sid]
    selection = Selection(("a",), (Pick("b", "because", 0.5),))
    assert dstore.add_deliveries(digest.id, [(sid, selection)], NOW) == 1
    assert dstore.add_deliveries(digest.id, [(sid, Selection(("z",)))], NOW) == 0
    assert dstore.subscribers_to_plan(digest.id, "daily", NOW, after_id=0, limit=10) == []
    [row] = dstore.due_deliveries(NOW, after_id=0, limit=10)
    assert row.selection == selection
    assert dstore.mark_sent(row.id, NOW)
    assert not dstore.mark_sent(row.id, NOW)  # a second sender finds it already sent
    assert dstore.due_deliveries(NOW, after_id=0, limit=10) == []
    assert dstore.sent_paper_ids([sid]) == {sid: {"a", "b"}}
    assert dstore.delivery_counts(digest.id) == {"sent": 1}


def test_retry_and_bounce(dstore: DigestStore) -> None:
    ada, bob = _active(dstore, "ada@example.org"), _active(dstore, "bob@example.org")
    digest, _ = dstore.get_or_create_digest("daily", "2026-08-21", NOW, ["a"], NOW)
    dstore.add_deliveries(digest.id, [(ada, Selection(("a",))), (bob, Selection(("a",)))], NOW)
    first, second = dstore.due_deliveries(NOW, after_id=0, limit=10)
    assert dstore.mark_retry(first.id, "451 later", NOW + timedelta(minutes=10)) == 1
    assert [d.id for d in dstore.due_deliveries(NOW, after_id=0, limit=10)] == [second.id]
    dstore.mark_bounced(second.id, "550 no such user", NOW)
    assert dstore.is_suppressed("bob@example.org")
    assert dstore.get_subscriber(bob).status == "bounced"  # type: ignore[union-attr]
    assert not dstore.unsubscribe(bob, NOW)  # already not receiving
    assert dstore.unsubscribe(ada, NOW)
    later, _ = dstore.get_or_create_digest("daily", "2026-08-24", NOW, ["a"], NOW)
    assert dstore.subscribers_to_plan(later.id, "daily", NOW, after_id=0, limit=10) == []


def test_recent_upvotes_of_many_accounts_at_once(dstore: DigestStore) -> None:
    dstore.upsert_papers([paper(f"2608.0000{n}") for n in range(6)])
    ada = dstore.get_or_create_user("ada@example.org", "ada", NOW).id
    bob = dstore.get_or_create_user("bob@example.org", "bob", NOW).id
    for minutes, (user, n) in enumerate([(ada, 0), (bob, 1), (ada, 2), (ada, 3), (bob, 4)]):
        dstore.set_vote(user, f"2608.0000{n}", True, NOW + timedelta(minutes=minutes))
    found = dstore.recent_upvotes([ada, bob, 999], 2)
    assert found == {ada: ["2608.00003", "2608.00002"], bob: ["2608.00004", "2608.00001"], 999: []}
    for user in (ada, bob):  # the same as the one-account query the rest of the hub uses
        assert found[user] == list(dstore.user_upvotes(user, 2))


def test_concurrent_planners_keep_one_row_per_subscriber(dstore: DigestStore) -> None:
    sid = _active(dstore, "ada@example.org")
    digest, created = dstore.get_or_create_digest("daily", "2026-08-21", NOW, ["a"], NOW)
    again, created_again = dstore.get_or_create_digest("daily", "2026-08-21", NOW, ["b"], NOW)
    assert (created, created_again, again) == (True, False, digest)
    assert dstore.add_deliveries(digest.id, [(sid, Selection(("a",)))], NOW) == 1
    assert dstore.add_deliveries(digest.id, [(sid, Selection(("b",)))], NOW) == 0
    [row] = dstore.due_deliveries(NOW, after_id=0, limit=10)
    assert row.selection == Selection(("a",))
    assert dstore.mark_sent(row.id, NOW)
    assert not dstore.mark_sent(row.id, NOW)
    assert dstore.sent_paper_ids([sid]) == {sid: {"a"}}
