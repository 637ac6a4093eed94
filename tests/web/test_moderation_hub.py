"""Moderation through the Hub on a real database: who may moderate, what each action changes, the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.sql.schema import api_tokens, sessions
from dailypapers.domain.errors import InvalidInput, NotFound, PaperNotFound, PermissionDenied
from dailypapers.domain.models import FeedQuery
from dailypapers.hub import Hub
from dailypapers.usecases.discussion import count_visible
from tests.conftest import NOW
from tests.web.discussion_support import PAPER_ID, add_paper, make_user, reload


def _engine(hub: Hub) -> sa.Engine:
    engine: sa.Engine = hub.store.engine  # type: ignore[attr-defined]
    return engine


def test_only_admins_moderate(hub: Hub) -> None:
    add_paper(hub)
    alice, bob = make_user(hub, "alice"), make_user(hub, "bob")
    comment = hub.post_comment(bob, PAPER_ID, "hi")
    for action in (
        lambda: hub.hide_paper(alice, PAPER_ID),
        lambda: hub.unhide_paper(alice, PAPER_ID),
        lambda: hub.hide_comment(alice, comment.id),
        lambda: hub.unhide_comment(alice, comment.id),
        lambda: hub.ban_user(alice, "bob"),
        lambda: hub.unban_user(alice, "bob"),
        lambda: hub.audit_log(alice),
        lambda: hub.moderation_overview(alice),
    ):
        with pytest.raises(PermissionDenied):
            action()
    assert hub.store.count_audit_entries() == 0


def test_hidden_paper_leaves_the_feed_and_comes_back(hub: Hub, clock: FixedClock) -> None:
    add_paper(hub)
    admin = make_user(hub, "root", admin=True)
    assert hub.hide_paper(admin, PAPER_ID, "spam") is True
    assert hub.hide_paper(admin, PAPER_ID) is False  # already hidden: no change, no audit entry
    assert hub.store.feed_items(FeedQuery(), limit=10) == []
    with pytest.raises(NotFound, match="removed from this hub by its moderators"):
        hub.paper(PAPER_ID)  # its page too: hidden means hidden everywhere
    clock.at = NOW + timedelta(hours=1)
    assert hub.unhide_paper(admin, PAPER_ID, "false alarm") is True
    assert hub.paper(PAPER_ID).arxiv_id == PAPER_ID
    assert [i.paper.arxiv_id for i in hub.store.feed_items(FeedQuery(), limit=10)] == [PAPER_ID]

    log = hub.audit_log(admin)
    assert log.total == 2
    assert [(e.actor, e.action, e.target, e.detail) for e in log.entries] == [
        ("root", "unhide_paper", f"paper:{PAPER_ID}", "false alarm"),
        ("root", "hide_paper", f"paper:{PAPER_ID}", "spam"),
    ]
    assert log.entries[0].created_at == NOW + timedelta(hours=1)


def test_hiding_an_unknown_paper_is_not_found(hub: Hub) -> None:
    admin = make_user(hub, "root", admin=True)
    with pytest.raises(PaperNotFound):
        hub.hide_paper(admin, "2608.99999")


def test_hidden_comment_leaves_the_thread(hub: Hub) -> None:
    add_paper(hub)
    admin, alice = make_user(hub, "root", admin=True), make_user(hub, "alice")
    comment = hub.post_comment(alice, PAPER_ID, "buy cheap pills")
    assert hub.hide_comment(admin, comment.id, "spam") is True
    assert hub.comment_thread(PAPER_ID) == []
    overview = hub.moderation_overview(admin)
    assert [c.id for c in overview.hidden_comments] == [comment.id]
    with pytest.raises(InvalidInput):
        hub.edit_comment(alice, comment.id, "sneaky edit")
    assert hub.unhide_comment(admin, comment.id) is True
    assert count_visible(hub.comment_thread(PAPER_ID)) == 1
    entry = hub.audit_log(admin).entries[-1]
    assert (entry.action, entry.target, entry.detail) == (
        "hide_comment",
        f"comment:{comment.id}",
        f"on {PAPER_ID} by @alice: spam",
    )


def test_ban_revokes_sessions_and_tokens_and_is_audited(hub: Hub) -> None:
    admin, alice, bob = make_user(hub, "root", admin=True), make_user(hub, "alice"), make_user(hub, "bob")
    with _engine(hub).begin() as conn:
        for n, user in enumerate((alice, alice, bob)):
            conn.execute(
                sessions.insert().values(
                    token_hash=f"s{n}", user_id=user.id, created_at=NOW, expires_at=NOW + timedelta(days=30)
                )
            )
            conn.execute(
                api_tokens.insert().values(
                    user_id=user.id, name="t", prefix=f"dp_{n}", token_hash=f"t{n}", scopes="read", created_at=NOW
                )
            )

    assert hub.ban_user(admin, "@alice", "spam ring") is True
    assert hub.ban_user(admin, "alice") is False

    assert reload(hub, alice).banned_at == NOW
    with _engine(hub).connect() as conn:
        for table in (sessions, api_tokens):
            rows = {(r.user_id, r.revoked_at is not None) for r in conn.execute(sa.select(table))}
            assert rows == {(alice.id, True), (bob.id, False)}
    add_paper(hub)
    with pytest.raises(PermissionDenied):
        hub.post_comment(reload(hub, alice), PAPER_ID, "still here?")

    assert hub.unban_user(admin, "alice", "appeal accepted") is True
    assert reload(hub, alice).banned_at is None
    with _engine(hub).connect() as conn:  # lifting a ban does not revive old credentials
        assert conn.scalar(sa.select(sa.func.count()).where(sessions.c.revoked_at.is_(None))) == 1
    actions = [(e.action, e.target, e.detail) for e in hub.audit_log(admin).entries]
    assert actions == [("unban_user", "user:alice", "appeal accepted"), ("ban_user", "user:alice", "spam ring")]


def test_admins_and_oneself_cannot_be_banned(hub: Hub) -> None:
    admin, other_admin = make_user(hub, "root", admin=True), make_user(hub, "boss", admin=True)
    with pytest.raises(InvalidInput):
        hub.ban_user(admin, "root")
    with pytest.raises(PermissionDenied):
        hub.ban_user(admin, "boss")
    with pytest.raises(NotFound):
        hub.ban_user(admin, "nobody")
    assert reload(hub, other_admin).banned_at is None


def test_reasons_are_bounded_and_single_line(hub: Hub) -> None:
    add_paper(hub)
    admin = make_user(hub, "root", admin=True)
    with pytest.raises(InvalidInput):
        hub.hide_paper(admin, PAPER_ID, "x" * 501)
    hub.hide_paper(admin, PAPER_ID, "  two\nlines  ")
    assert hub.audit_log(admin).entries[0].detail == "two lines"


def test_audit_log_pages(hub: Hub, clock: FixedClock) -> None:
    add_paper(hub)
    admin = make_user(hub, "root", admin=True)
    for n in range(5):
        clock.at = NOW + timedelta(minutes=n)
        (hub.hide_paper if n % 2 == 0 else hub.unhide_paper)(admin, PAPER_ID, f"step {n}")
    first, second = hub.audit_log(admin, page=1, page_size=3), hub.audit_log(admin, page=2, page_size=3)
    assert [e.detail for e in first.entries] == ["step 4", "step 3", "step 2"]
    assert [e.detail for e in second.entries] == ["step 1", "step 0"]
    assert first.has_more
    assert not second.has_more
    with pytest.raises(InvalidInput):
        hub.audit_log(admin, page=0)
