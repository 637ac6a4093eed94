"""Comment routes over in-process HTTP: post, reply, edit, delete, who may, limits, CSRF, 429, and what pages show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dailypapers.domain.models import User
from dailypapers.hub import Hub
from tests.web.discussion_support import PAPER_ID, add_paper, csrf_from, make_user, session_cookie

PAGE = f"/papers/{PAPER_ID}"
_COMMENT_ID_RE = re.compile(r"#comment-(\d+)$")


@pytest.fixture
def alice(hub: Hub) -> User:
    add_paper(hub)
    return make_user(hub, "alice")


@pytest.fixture
def as_alice(client: TestClient, hub: Hub, alice: User) -> TestClient:
    client.cookies.set(*session_cookie(hub, alice))
    return client


@pytest.fixture
def as_bob(client: TestClient, hub: Hub, alice: User) -> Iterator[TestClient]:
    """A second browser on the same app, signed in as bob."""
    with TestClient(client.app, follow_redirects=False) as other:
        other.cookies.set(*session_cookie(hub, make_user(hub, "bob")))
        yield other


def post_comment(client: TestClient, body: str, parent_id: int | None = None) -> int:
    token = csrf_from(client.get(PAGE).text)
    data = {"body": body, "csrf_token": token}
    if parent_id is not None:
        data["parent_id"] = str(parent_id)
    response = client.post(f"{PAGE}/comments", data=data)
    assert response.status_code == 303, response.text
    found = _COMMENT_ID_RE.search(response.headers["location"])
    assert found, response.headers["location"]
    assert response.headers["location"].startswith(PAGE + "#")
    return int(found.group(1))


def form_post(
    client: TestClient, url: str, **fields: str
) -> Any:  # the TestClient's response (httpx or httpx2, whichever starlette picked)
    token = csrf_from(client.get(PAGE).text)
    return client.post(url, data={"csrf_token": token, **fields})


def comment_html(page: str, comment_id: int) -> str:
    """The <li> of one comment, up to its replies."""
    start = page.index(f'id="comment-{comment_id}"')
    end = page.find('<ol class="replies">', start)
    nxt = page.find('<li class="comment', start + 1)
    stops = [i for i in (end, nxt) if i != -1]
    return page[start : min(stops) if stops else len(page)]


def test_anonymous_visitors_see_the_thread_and_a_sign_in_link(client: TestClient, hub: Hub, alice: User) -> None:
    hub.post_comment(alice, PAPER_ID, "Hello *world*")
    page = client.get(PAGE).text
    assert '<section class="discussion" id="comments"' in page
    assert "<em>world</em>" in page
    assert 'Comments <span class="count">(1)</span>' in page
    assert "Sign in</a> to comment" in page
    assert f'action="{PAGE}/comments"' not in page


def test_post_a_comment_and_see_it_rendered(as_alice: TestClient) -> None:
    assert "No comments yet." in as_alice.get(PAGE).text
    cid = post_comment(as_alice, "First! See [code](https://github.com/o/r) and <b>this</b>")
    page = as_alice.get(PAGE).text
    item = comment_html(page, cid)
    assert "@alice" in item
    assert '<a href="https://github.com/o/r" rel="nofollow ugc">code</a>' in item
    assert "&lt;b&gt;this&lt;/b&gt;" in item


def test_replies_nest_under_their_parent(as_alice: TestClient, as_bob: TestClient) -> None:
    parent = post_comment(as_alice, "Question?")
    reply = post_comment(as_bob, "Answer.", parent_id=parent)
    page = as_alice.get(PAGE).text
    parent_at = page.index(f'id="comment-{parent}"')
    replies_at = page.index('<ol class="replies">', parent_at)
    assert parent_at < replies_at < page.index(f'id="comment-{reply}"')
    assert f'name="parent_id" value="{parent}"' in page  # a reply form under each comment


def test_edit_own_comment(as_alice: TestClient) -> None:
    cid = post_comment(as_alice, "teh typo")
    response = form_post(as_alice, f"/comments/{cid}/edit", body="the typo, fixed")
    assert response.status_code == 303
    item = comment_html(as_alice.get(PAGE).text, cid)
    assert "the typo, fixed" in item
    assert "(edited)" in item
    assert f'action="/comments/{cid}/edit"' in item


def test_delete_own_comment_keeps_replies(as_alice: TestClient, as_bob: TestClient) -> None:
    parent = post_comment(as_alice, "regrettable words")
    reply = post_comment(as_bob, "a reply that stays", parent_id=parent)
    response = form_post(as_alice, f"/comments/{parent}/delete")
    assert response.status_code == 303
    page = as_alice.get(PAGE).text
    assert "regrettable words" not in page
    assert "[deleted]" in comment_html(page, parent)
    assert "a reply that stays" in comment_html(page, reply)
    assert 'Comments <span class="count">(1)</span>' in page


def test_others_cannot_edit_or_delete(as_alice: TestClient, as_bob: TestClient) -> None:
    cid = post_comment(as_alice, "mine")
    page = as_bob.get(PAGE).text
    assert f'action="/comments/{cid}/edit"' not in page  # no buttons for someone else's comment
    edit = form_post(as_bob, f"/comments/{cid}/edit", body="hijacked")
    delete = form_post(as_bob, f"/comments/{cid}/delete")
    assert edit.status_code == 403
    assert delete.status_code == 403
    assert "only its author" in edit.text
    assert "mine" in comment_html(as_alice.get(PAGE).text, cid)


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "cannot be empty"), ("   ", "cannot be empty"), ("x" * 10_001, "at most 10,000 characters")],
)
def test_bad_bodies_are_a_clear_400(as_alice: TestClient, body: str, message: str) -> None:
    response = form_post(as_alice, f"{PAGE}/comments", body=body)
    assert response.status_code == 400
    assert message in response.text
    assert "No comments yet." in as_alice.get(PAGE).text


def test_exactly_the_limit_is_accepted(as_alice: TestClient) -> None:
    post_comment(as_alice, "y" * 10_000)


def test_bad_parent_ids_are_400(as_alice: TestClient) -> None:
    for parent in ("abc", "-1", "999"):
        response = form_post(as_alice, f"{PAGE}/comments", body="reply", parent_id=parent)
        assert response.status_code == 400, parent


def test_unknown_paper_and_comment_are_404(as_alice: TestClient) -> None:
    assert form_post(as_alice, "/papers/2608.99999/comments", body="hi").status_code == 404
    assert form_post(as_alice, "/comments/424242/edit", body="hi").status_code == 404
    assert form_post(as_alice, "/comments/424242/delete").status_code == 404


def test_signed_out_posts_are_refused(client: TestClient, alice: User) -> None:
    token = csrf_from(client.get("/signin").text)  # an anonymous visitor's token, valid for its own browser
    response = client.post(f"{PAGE}/comments", data={"body": "hi", "csrf_token": token})
    assert response.status_code == 401


def test_posts_without_the_csrf_token_are_refused(as_alice: TestClient) -> None:
    cid = post_comment(as_alice, "original")
    for url, data in (
        (f"{PAGE}/comments", {"body": "forged"}),
        (f"/comments/{cid}/edit", {"body": "forged"}),
        (f"/comments/{cid}/delete", {}),
    ):
        assert as_alice.post(url, data=data).status_code == 403
        assert as_alice.post(url, data={**data, "csrf_token": "0" * 64}).status_code == 403
    assert "original" in as_alice.get(PAGE).text
    assert "forged" not in as_alice.get(PAGE).text


def test_too_many_comments_are_429_with_retry_after(as_alice: TestClient, hub: Hub) -> None:
    limit = int(hub.settings.rate_limit_comment.split("/")[0])
    for n in range(limit):
        post_comment(as_alice, f"comment {n}")
    response = form_post(as_alice, f"{PAGE}/comments", body="one too many")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1


def test_script_in_a_comment_is_served_as_text(as_alice: TestClient) -> None:
    cid = post_comment(as_alice, '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">')
    item = comment_html(as_alice.get(PAGE).text, cid)
    assert "<script" not in item
    assert "<img" not in item
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in item
