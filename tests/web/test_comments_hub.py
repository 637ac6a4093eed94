"""Comment rules through the Hub on a real database: posting, replies, edits, deletes, limits, rate limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.errors import InvalidInput, PaperNotFound, PermissionDenied, RateLimited
from dailypapers.domain.models import Comment
from dailypapers.hub import Hub
from dailypapers.usecases.discussion import CommentNotFound, ThreadNode, build_thread, count_visible
from tests.conftest import NOW
from tests.web.discussion_support import PAPER_ID, add_paper, make_user


def _ids(thread: list[ThreadNode]) -> list[Any]:
    return [(n.comment.id, _ids(list(n.replies))) for n in thread]


def test_post_reply_and_read_back_a_thread(hub: Hub, clock: FixedClock) -> None:
    add_paper(hub)
    alice, bob = make_user(hub, "alice"), make_user(hub, "bob")
    first = hub.post_comment(alice, PAPER_ID, "  Great **paper**!\r\n")
    clock.at = NOW + timedelta(minutes=1)
    reply = hub.post_comment(bob, PAPER_ID, "Agreed.", parent_id=first.id)
    clock.at = NOW + timedelta(minutes=2)
    second = hub.post_comment(bob, PAPER_ID, "Another point.")

    assert first.body == "Great **paper**!"  # surrounding whitespace trimmed, newlines normalized
    assert first.author is not None
    assert first.author.username == "alice"
    assert first.created_at == NOW
    assert reply.parent_id == first.id
    thread = hub.comment_thread(PAPER_ID)
    assert _ids(thread) == [(first.id, [(reply.id, [])]), (second.id, [])]
    assert [n.depth for n in thread] == [0, 0]
    assert thread[0].replies[0].depth == 1
    assert count_visible(thread) == 3


def test_comment_on_unknown_paper_is_not_found(hub: Hub) -> None:
    alice = make_user(hub, "alice")
    with pytest.raises(PaperNotFound):
        hub.post_comment(alice, "2608.99999", "hello")


@pytest.mark.parametrize("body", ["", "   \n\t ", "x" * 10_001, "bad \x00 byte", "bell \x07"])
def test_bad_bodies_are_invalid_input(hub: Hub, body: str) -> None:
    add_paper(hub)
    alice = make_user(hub, "alice")
    with pytest.raises(InvalidInput):
        hub.post_comment(alice, PAPER_ID, body)
    assert hub.comment_thread(PAPER_ID) == []


def test_the_longest_allowed_comment_is_accepted(hub: Hub) -> None:
    add_paper(hub)
    alice = make_user(hub, "alice")
    body = "é" * hub.settings.comment_max_chars  # characters, not bytes
    assert hub.post_comment(alice, PAPER_ID, body).body == body


def test_reply_to_a_comment_of_another_paper_is_refused(hub: Hub) -> None:
    add_paper(hub)
    add_paper(hub, "2608.11111")
    alice = make_user(hub, "alice")
    elsewhere = hub.post_comment(alice, "2608.11111", "over there")
    with pytest.raises(InvalidInput, match="not part of this paper"):
        hub.post_comment(alice, PAPER_ID, "reply", parent_id=elsewhere.id)
    with pytest.raises(InvalidInput):
        hub.post_comment(alice, PAPER_ID, "reply", parent_id=999)


def test_edit_own_comment(hub: Hub, clock: FixedClock) -> None:
    add_paper(hub)
    alice = make_user(hub, "alice")
    comment = hub.post_comment(alice, PAPER_ID, "typo")
    clock.at = NOW + timedelta(minutes=5)
    edited = hub.edit_comment(alice, comment.id, "fixed")
    assert edited.body == "fixed"
    assert edited.edited_at == NOW + timedelta(minutes=5)
    with pytest.raises(InvalidInput):
        hub.edit_comment(alice, comment.id, "")


def test_only_the_author_edits_or_deletes(hub: Hub) -> None:
    add_paper(hub)
    alice, mallory = make_user(hub, "alice"), make_user(hub, "mallory")
    admin = make_user(hub, "root", admin=True)
    comment = hub.post_comment(alice, PAPER_ID, "mine")
    for someone in (mallory, admin):  # admins hide comments; they do not rewrite them
        with pytest.raises(PermissionDenied):
            hub.edit_comment(someone, comment.id, "yours now")
        with pytest.raises(PermissionDenied):
            hub.delete_comment(someone, comment.id)
    assert hub.comment(comment.id).body == "mine"
    with pytest.raises(CommentNotFound):
        hub.edit_comment(alice, 12345, "nothing there")


def test_delete_keeps_replies_under_a_placeholder(hub: Hub, clock: FixedClock) -> None:
    add_paper(hub)
    alice, bob = make_user(hub, "alice"), make_user(hub, "bob")
    parent = hub.post_comment(alice, PAPER_ID, "secret thoughts")
    clock.at = NOW + timedelta(minutes=1)
    reply = hub.post_comment(bob, PAPER_ID, "interesting", parent_id=parent.id)
    lonely = hub.post_comment(alice, PAPER_ID, "no one answers this")

    deleted = hub.delete_comment(alice, parent.id)
    hub.delete_comment(alice, parent.id)  # twice is harmless
    hub.delete_comment(alice, lonely.id)

    assert deleted.deleted_at is not None
    assert deleted.body == ""  # the author's words are gone from the database too
    thread = hub.comment_thread(PAPER_ID)
    assert _ids(thread) == [(parent.id, [(reply.id, [])])]  # a deleted comment without replies disappears
    assert thread[0].removed
    assert thread[0].comment.author is None
    assert count_visible(thread) == 1
    with pytest.raises(InvalidInput):
        hub.edit_comment(alice, parent.id, "back again")
    with pytest.raises(InvalidInput, match="removed"):
        hub.post_comment(bob, PAPER_ID, "reply to nothing", parent_id=parent.id)


def test_banned_accounts_cannot_comment_edit_or_delete(hub: Hub) -> None:
    add_paper(hub)
    alice = make_user(hub, "alice")
    comment = hub.post_comment(alice, PAPER_ID, "before the ban")
    banned = replace(alice, banned_at=NOW)
    with pytest.raises(PermissionDenied):
        hub.post_comment(banned, PAPER_ID, "after the ban")
    with pytest.raises(PermissionDenied):
        hub.edit_comment(banned, comment.id, "after the ban")
    with pytest.raises(PermissionDenied):
        hub.delete_comment(banned, comment.id)


def test_comments_and_edits_share_a_rate_limit(hub: Hub) -> None:
    add_paper(hub)
    alice, bob = make_user(hub, "alice"), make_user(hub, "bob")
    limit = int(hub.settings.rate_limit_comment.split("/")[0])
    comment = hub.post_comment(alice, PAPER_ID, "one")
    for n in range(limit - 2):
        hub.post_comment(alice, PAPER_ID, f"more {n}")
    hub.edit_comment(alice, comment.id, "edited")
    with pytest.raises(RateLimited) as caught:
        hub.post_comment(alice, PAPER_ID, "one too many")
    assert caught.value.retry_after >= 1
    with pytest.raises(RateLimited):
        hub.edit_comment(alice, comment.id, "again")
    hub.post_comment(bob, PAPER_ID, "others are not affected")
    assert count_visible(hub.comment_thread(PAPER_ID)) == limit


def test_invalid_comments_do_not_use_up_the_rate_limit(hub: Hub) -> None:
    add_paper(hub)
    alice = make_user(hub, "alice")
    limit = int(hub.settings.rate_limit_comment.split("/")[0])
    for _ in range(limit + 3):
        with pytest.raises(InvalidInput):
            hub.post_comment(alice, PAPER_ID, " ")
    hub.post_comment(alice, PAPER_ID, "still allowed")


# -- build_thread, pure ----------------------------------------------------------------------------------


def _comment(cid: int, parent: int | None = None, *, deleted: bool = False, hidden: bool = False) -> Comment:
    return Comment(
        id=cid,
        arxiv_id=PAPER_ID,
        author=None,
        parent_id=parent,
        body=f"c{cid}",
        created_at=NOW + timedelta(seconds=cid),
        deleted_at=NOW if deleted else None,
        hidden_at=NOW if hidden else None,
    )


def test_thread_keeps_time_order_whatever_the_input_order() -> None:
    comments = [_comment(3, 1), _comment(2), _comment(1), _comment(4, 1)]
    assert _ids(build_thread(comments)) == [(1, [(3, []), (4, [])]), (2, [])]


def test_hidden_comment_with_replies_becomes_a_placeholder_and_loses_its_text() -> None:
    thread = build_thread([_comment(1, hidden=True), _comment(2, 1), _comment(3, hidden=True)])
    assert _ids(thread) == [(1, [(2, [])])]
    assert thread[0].removed
    assert thread[0].comment.body == ""
    assert thread[0].comment.hidden_at is not None


def test_removed_chain_without_visible_leaves_disappears() -> None:
    thread = build_thread([_comment(1, deleted=True), _comment(2, 1, hidden=True), _comment(3, 2, deleted=True)])
    assert thread == []


def test_deep_threads_flatten_at_the_maximum_depth() -> None:
    chain = [_comment(1)] + [_comment(i, i - 1) for i in range(2, 11)]
    thread = build_thread(chain, max_depth=3)
    deepest = thread[0].replies[0].replies[0].replies[0]
    assert deepest.depth == 3
    assert [n.comment.id for n in deepest.replies] == list(range(5, 11))
    assert {n.depth for n in deepest.replies} == {4}
    assert all(n.replies == () for n in deepest.replies)


def test_a_thousand_deep_chain_does_not_recurse_without_bound() -> None:
    chain = [_comment(1)] + [_comment(i, i - 1) for i in range(2, 1001)]
    thread = build_thread(chain)
    assert count_visible(thread) == 1000
