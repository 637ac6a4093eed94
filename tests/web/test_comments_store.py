"""The DiscussionStore part of SqlStore on SQLite and PostgreSQL alike: comments, moderation flags, the audit log."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dailypapers.adapters.sql.schema import api_tokens, sessions
from dailypapers.adapters.sql.store import SqlStore
from tests.conftest import NOW
from tests.web import seed

PAPER = "2608.12345"


def _setup(store: SqlStore) -> tuple[int, int]:
    store.upsert_papers([seed.paper(PAPER)])
    admin = store.set_admin(store.get_or_create_user("root@example.org", "root", NOW).id, True)
    user = store.get_or_create_user("alice@example.org", "alice", NOW)
    return admin.id, user.id


def test_comment_round_trip(store: SqlStore) -> None:
    _admin, alice = _setup(store)
    first = store.add_comment(PAPER, alice, None, "héllo **wörld**", NOW)
    reply = store.add_comment(PAPER, alice, first.id, "reply", NOW + timedelta(seconds=1))
    assert first.author is not None
    assert (first.author.username, first.body, first.created_at, first.parent_id) == (
        "alice",
        "héllo **wörld**",
        NOW,
        None,
    )
    assert store.get_comment(reply.id) == reply
    assert store.get_comment(9999) is None

    store.edit_comment(first.id, "edited", NOW + timedelta(minutes=1))
    store.delete_comment(reply.id, NOW + timedelta(minutes=2))
    store.delete_comment(reply.id, NOW + timedelta(minutes=3))  # the first deletion time stays
    got = store.paper_comments(PAPER)
    assert [(c.id, c.body, c.edited_at, c.deleted_at) for c in got] == [
        (first.id, "edited", NOW + timedelta(minutes=1), None),
        (reply.id, "", None, NOW + timedelta(minutes=2)),
    ]
    assert store.paper_comments("2608.00000") == []


def test_moderation_writes_change_and_audit_together(store: SqlStore) -> None:
    admin, alice = _setup(store)
    comment = store.add_comment(PAPER, alice, None, "spam", NOW)
    later = NOW + timedelta(hours=1)

    assert store.set_paper_hidden(PAPER, True, actor_id=admin, reason="r1", now=NOW)
    assert not store.set_paper_hidden(PAPER, True, actor_id=admin, reason="again", now=later)
    assert not store.set_paper_hidden("2608.00000", True, actor_id=admin, reason="none", now=later)
    assert store.hidden_papers(limit=10) == [(PAPER, f"Paper {PAPER}", NOW)]

    assert store.set_comment_hidden(comment.id, True, actor_id=admin, reason="r2", now=later)
    assert not store.set_comment_hidden(comment.id, True, actor_id=admin, reason="again", now=later)
    hidden = store.hidden_comments(limit=10)
    assert [(c.id, c.hidden_at) for c in hidden] == [(comment.id, later)]
    assert store.set_comment_hidden(comment.id, False, actor_id=admin, reason="r3", now=later)
    assert store.hidden_comments(limit=10) == []

    entries = store.audit_entries(limit=10)
    assert [(e.actor, e.action, e.target, e.detail) for e in entries] == [
        ("root", "unhide_comment", f"comment:{comment.id}", "r3"),
        ("root", "hide_comment", f"comment:{comment.id}", "r2"),
        ("root", "hide_paper", f"paper:{PAPER}", "r1"),
    ]
    assert store.count_audit_entries() == 3
    assert [e.detail for e in store.audit_entries(limit=2, offset=1)] == ["r2", "r1"]


def test_ban_revokes_credentials_in_the_same_write(store: SqlStore) -> None:
    admin, alice = _setup(store)
    with store.engine.begin() as conn:
        conn.execute(
            sessions.insert().values(token_hash="s", user_id=alice, created_at=NOW, expires_at=NOW + timedelta(days=1))
        )
        conn.execute(
            api_tokens.insert().values(
                user_id=alice, name="t", prefix="dp_x", token_hash="t", scopes="read", created_at=NOW
            )
        )
    assert store.set_user_banned("alice", True, actor_id=admin, reason="spam", now=NOW)
    assert not store.set_user_banned("alice", True, actor_id=admin, reason="spam", now=NOW)
    assert not store.set_user_banned("nobody", True, actor_id=admin, reason="spam", now=NOW)
    assert [u.username for u in store.banned_users(limit=10)] == ["alice"]
    assert store.session_user("s", NOW) is None
    with store.engine.connect() as conn:
        assert conn.scalar(sa.select(sessions.c.revoked_at)) is not None
        assert conn.scalar(sa.select(api_tokens.c.revoked_at)) is not None
    assert store.set_user_banned("alice", False, actor_id=admin, reason="appeal", now=NOW)
    assert store.banned_users(limit=10) == []
    assert [e.action for e in store.audit_entries(limit=10)] == ["unban_user", "ban_user"]
