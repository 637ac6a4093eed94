"""The AccountStore part of the storage contract, run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.models import FeedEntry
from tests.web import seed

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=15)


def test_users_are_created_once_per_email_with_unique_names(store: SqlStore) -> None:
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    assert store.get_or_create_user("ada@example.org", "other", NOW) == ada
    second = store.get_or_create_user("ada@example.net", "ada", NOW)
    third = store.get_or_create_user("ada@example.com", "ada", NOW)
    assert (ada.username, second.username, third.username) == ("ada", "ada-2", "ada-3")
    assert ada.created_at == NOW
    assert (ada.display_name, ada.is_admin, ada.banned_at) == ("ada", False, None)
    assert store.get_user(ada.id) == ada
    assert store.get_user_by_email("ada@example.net") == second
    assert store.get_user_by_username("ada-3") == third
    assert store.get_user_by_username("nobody") is None


def test_names_with_like_wildcards_are_literal(store: SqlStore) -> None:
    store.get_or_create_user("a@x.org", "a_b", NOW)
    assert store.get_or_create_user("b@x.org", "a%", NOW).username == "a%"  # `a%` does not match `a_b`


def test_concurrent_first_sign_ins_make_one_account(store: SqlStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda _: store.get_or_create_user("ada@example.org", "ada", NOW), range(16)))
    assert len({u.id for u in made}) == 1
    with ThreadPoolExecutor(8) as pool:
        names = list(pool.map(lambda n: store.get_or_create_user(f"ann{n}@x.org", "ann", NOW).username, range(8)))
    assert sorted(names) == sorted(["ann", *[f"ann-{n}" for n in range(2, 9)]])


def test_admin_and_display_name(store: SqlStore) -> None:
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    assert store.set_admin(ada.id, True).is_admin
    assert store.set_display_name(ada.id, "Ada Lovelace").display_name == "Ada Lovelace"
    assert store.get_user(ada.id).is_admin  # type: ignore[union-attr]


def test_login_tokens_are_single_use_and_expire(store: SqlStore) -> None:
    store.add_login_token("ada@example.org", "h1", NOW, LATER)
    assert store.peek_login_token("h1", NOW) == "ada@example.org"
    assert store.peek_login_token("h1", NOW) == "ada@example.org"  # peeking uses nothing
    assert store.peek_login_token("h1", LATER) is None
    assert store.consume_login_token("h1", LATER) is None  # expired
    store.add_login_token("ada@example.org", "h2", NOW, LATER)
    assert store.consume_login_token("h2", NOW) == "ada@example.org"
    assert store.consume_login_token("h2", NOW) is None
    assert store.peek_login_token("h2", NOW) is None
    assert store.consume_login_token("unknown", NOW) is None


def test_a_link_used_concurrently_signs_in_once(store: SqlStore) -> None:
    store.add_login_token("ada@example.org", "h", NOW, LATER)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: store.consume_login_token("h", NOW), range(16)))
    assert results.count("ada@example.org") == 1
    assert results.count(None) == 15


def test_old_links_are_purged(store: SqlStore) -> None:
    store.add_login_token("a@x.org", "old", NOW, LATER)
    store.add_login_token("a@x.org", "new", NOW + timedelta(days=2), LATER + timedelta(days=2))
    with store.engine.connect() as conn:
        hashes = set(conn.exec_driver_sql("SELECT token_hash FROM login_tokens").scalars())
    assert hashes == {"new"}


def test_sessions_live_until_revoked_expired_or_banned(store: SqlStore) -> None:
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    store.create_session(ada.id, "s1", NOW, LATER)
    assert store.session_user("s1", NOW) == ada
    assert store.session_user("s1", LATER) is None
    assert store.session_user("nope", NOW) is None
    store.revoke_session("s1", NOW)
    assert store.session_user("s1", NOW) is None
    store.create_session(ada.id, "s2", NOW, LATER)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET banned_at = created_at")
    assert store.session_user("s2", NOW) is None


def test_api_tokens(store: SqlStore) -> None:
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    bob = store.get_or_create_user("bob@example.org", "bob", NOW)
    read = store.add_api_token(ada.id, "r", "dp_aaaaaaa", "t1", frozenset({"read"}), NOW)
    write = store.add_api_token(ada.id, "w", "dp_bbbbbbb", "t2", frozenset({"read", "write"}), LATER)
    assert (read.name, read.prefix, read.scopes, read.created_at) == ("r", "dp_aaaaaaa", frozenset({"read"}), NOW)
    assert store.list_api_tokens(ada.id) == [write, read]
    assert store.api_token_user("t2") == (write, ada)
    store.touch_api_token(write.id, LATER)
    assert store.list_api_tokens(ada.id)[0].last_used_at == LATER
    assert not store.revoke_api_token(bob.id, read.id, NOW)  # not bob's
    assert store.revoke_api_token(ada.id, read.id, NOW)
    assert not store.revoke_api_token(ada.id, read.id, NOW)  # already revoked
    assert store.api_token_user("t1") is None
    assert [t.name for t in store.list_api_tokens(ada.id)] == ["w"]


def test_revoke_credentials_ends_sessions_and_tokens(store: SqlStore) -> None:
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    bob = store.get_or_create_user("bob@example.org", "bob", NOW)
    store.create_session(ada.id, "sa", NOW, LATER)
    store.create_session(bob.id, "sb", NOW, LATER)
    store.add_api_token(ada.id, "t", "dp_x", "ta", frozenset({"read"}), NOW)
    store.revoke_credentials(ada.id, NOW)
    assert store.session_user("sa", NOW) is None
    assert store.api_token_user("ta") is None
    assert store.session_user("sb", NOW) == bob


def test_profile_lists_submissions_and_upvotes(store: SqlStore) -> None:
    ada = store.get_or_create_user("ada@example.org", "ada", NOW)
    store.upsert_papers([seed.paper(i) for i in ("2608.00001", "2608.00002", "2608.00003")])
    day = NOW.date()
    store.add_feed_entries(
        [
            FeedEntry("2608.00001", day, NOW, submitted_by="ada", submitter_id=ada.id),
            FeedEntry("2608.00002", day, LATER, submitted_by="ada", submitter_id=ada.id),
            FeedEntry("2608.00003", day, NOW, submitted_by=None, source="auto"),
        ]
    )
    with store.engine.begin() as conn:
        for arxiv_id, at in (("2608.00003", NOW), ("2608.00001", LATER)):
            conn.exec_driver_sql(
                "INSERT INTO votes (user_id, arxiv_id, created_at) VALUES (%(u)s, %(a)s, %(t)s)"
                if store.engine.dialect.name == "postgresql"
                else "INSERT INTO votes (user_id, arxiv_id, created_at) VALUES (:u, :a, :t)",
                {"u": ada.id, "a": arxiv_id, "t": at},
            )
    assert list(store.user_submissions(ada.id, 10)) == ["2608.00002", "2608.00001"]
    assert list(store.user_upvotes(ada.id, 10)) == ["2608.00001", "2608.00003"]
    assert list(store.user_submissions(ada.id, 1)) == ["2608.00002"]


def test_deleted_usernames_are_retired_and_audit_entries_keep_the_account(store: SqlStore) -> None:
    root = store.set_admin(store.get_or_create_user("root@x.org", "root", NOW).id, True)
    alice = store.get_or_create_user("alice@x.org", "alice", NOW)
    assert store.set_user_banned("alice", True, actor_id=root.id, reason="spam", now=NOW)
    assert store.set_user_banned("alice", False, actor_id=root.id, reason="appeal", now=LATER)
    [_unban, ban] = store.audit_entries(limit=10)
    assert (ban.target, ban.subject_id, ban.subject, ban.subject_deleted) == ("user:alice", alice.id, "alice", False)

    store.delete_account(alice.id, remove_comments=False, now=LATER)
    again = store.get_or_create_user("alice@x.org", "alice", LATER)  # the same address signs up again
    assert (again.id != alice.id, again.username) == (True, "alice-2")
    assert store.get_or_create_user("alice@y.org", "alice", LATER).username == "alice-3"  # nor to anyone else
    assert store.get_user_by_username("alice") is None
    for entry in store.audit_entries(limit=10):  # still about the deleted account, and naming no one
        assert (entry.subject_id, entry.subject_deleted) == (alice.id, True)
        assert entry.target == f"user:deleted_{alice.id}"
        assert "alice" not in f"{entry.target} {entry.subject}"
