"""Moderation over in-process HTTP: admin-only pages and forms, and what hiding and banning change everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dailypapers.domain.models import User
from dailypapers.hub import Hub
from tests.web.discussion_support import PAPER_ID, add_paper, csrf_from, make_user, reload, session_cookie

OTHER_ID = "2608.12346"
DAY = "2026-08-20"


@pytest.fixture
def admin(hub: Hub) -> User:
    add_paper(hub)
    add_paper(hub, OTHER_ID)
    return make_user(hub, "root", admin=True)


@pytest.fixture
def as_admin(client: TestClient, hub: Hub, admin: User) -> TestClient:
    client.cookies.set(*session_cookie(hub, admin))
    return client


@pytest.fixture
def mallory(hub: Hub, admin: User) -> User:
    return make_user(hub, "mallory")


@pytest.fixture
def as_mallory(client: TestClient, hub: Hub, mallory: User) -> Iterator[TestClient]:
    with TestClient(client.app, follow_redirects=False) as other:
        other.cookies.set(*session_cookie(hub, mallory))
        yield other


def admin_post(
    client: TestClient, url: str, **fields: str
) -> Any:  # the TestClient's response (httpx or httpx2, whichever starlette picked)
    token = csrf_from(client.get(f"/papers/{PAPER_ID}").text)
    return client.post(url, data={"csrf_token": token, **fields})


def day_ids(client: TestClient) -> set[str]:
    return {item["paper"]["id"] for item in client.get(f"/api/daily_papers?date={DAY}").json()}


def test_admin_pages_need_an_admin(client: TestClient, as_mallory: TestClient, admin: User) -> None:
    assert client.get("/admin").status_code == 303  # anonymous: sent to sign in
    assert client.get("/admin").headers["location"].startswith("/signin?next=")
    assert as_mallory.get("/admin").status_code == 403
    assert as_mallory.get("/admin/audit").status_code == 403
    for url, fields in (
        ("/admin/papers/hide", {"arxiv_id": PAPER_ID}),
        ("/admin/comments/hide", {"comment_id": "1"}),
        ("/admin/users/ban", {"username": "root"}),
    ):
        assert admin_post(as_mallory, url, **fields).status_code == 403


def test_admin_dashboard_renders(as_admin: TestClient) -> None:
    page = as_admin.get("/admin")
    assert page.status_code == 200
    assert 'action="/admin/papers/hide"' in page.text
    assert "No moderation actions yet." in page.text
    assert page.headers["cache-control"].startswith("private")


def test_hiding_a_paper_removes_it_from_feeds_and_apis(as_admin: TestClient, client: TestClient) -> None:
    assert day_ids(client) == {PAPER_ID, OTHER_ID}
    response = admin_post(as_admin, "/admin/papers/hide", arxiv_id=PAPER_ID, reason="off-topic")
    assert response.status_code == 303
    assert day_ids(client) == {OTHER_ID}
    day_page = client.get(f"/date/{DAY}").text
    assert f"/papers/{OTHER_ID}" in day_page
    assert f"/papers/{PAPER_ID}" not in day_page
    v1 = client.get(f"/api/v1/feed?date={DAY}").json()
    assert [p["id"] for p in v1["items"]] == [OTHER_ID] or PAPER_ID not in str(v1["items"])
    assert PAPER_ID not in client.get("/feeds/daily.rss").text
    gone = client.get(f"/papers/{PAPER_ID}")  # hidden means hidden everywhere, its own page included
    assert gone.status_code == 404
    assert "removed from this hub by its moderators" in gone.text

    admin_page = as_admin.get("/admin").text
    assert f'<input type="hidden" name="arxiv_id" value="{PAPER_ID}">' in admin_page  # listed with Unhide
    admin_post(as_admin, "/admin/papers/unhide", arxiv_id=PAPER_ID)
    assert day_ids(client) == {PAPER_ID, OTHER_ID}
    assert client.get(f"/papers/{PAPER_ID}").status_code == 200

    audit = as_admin.get("/admin/audit").text
    assert "unhide paper" in audit
    assert "hide paper" in audit
    assert "off-topic" in audit
    assert "@root" in audit
    assert f'<a href="/papers/{PAPER_ID}">paper:{PAPER_ID}</a>' in audit


def test_hiding_a_comment_from_its_thread(as_admin: TestClient, hub: Hub, mallory: User) -> None:
    spam = hub.post_comment(mallory, PAPER_ID, "BUY CHEAP PILLS")
    page = as_admin.get(f"/papers/{PAPER_ID}").text
    assert "BUY CHEAP PILLS" in page
    assert 'action="/admin/comments/hide"' in page  # admins get a Hide button under each comment

    response = admin_post(as_admin, "/admin/comments/hide", comment_id=str(spam.id), back="thread", reason="spam")
    assert response.status_code == 303
    assert response.headers["location"] == f"/papers/{PAPER_ID}#comments"
    assert "BUY CHEAP PILLS" not in as_admin.get(f"/papers/{PAPER_ID}").text
    assert "No comments yet." in as_admin.get(f"/papers/{PAPER_ID}").text
    admin_page = as_admin.get("/admin").text
    assert "BUY CHEAP PILLS" in admin_page  # listed for review, with an Unhide button
    assert "hide comment" in admin_page
    assert f"on {PAPER_ID} by @mallory: spam" in admin_page

    assert admin_post(as_admin, "/admin/comments/unhide", comment_id=str(spam.id)).status_code == 303
    assert "BUY CHEAP PILLS" in as_admin.get(f"/papers/{PAPER_ID}").text


def test_ban_ends_the_session_and_tokens(as_admin: TestClient, as_mallory: TestClient, hub: Hub, mallory: User) -> None:
    _token, secret = hub.create_api_token(mallory, "script", "write")
    assert hub.authenticate_api_token(secret) is not None
    page = as_mallory.get(f"/papers/{PAPER_ID}").text
    assert 'id="new-comment"' in page
    stale_token = csrf_from(page)  # a form mallory still has open

    response = admin_post(as_admin, "/admin/users/ban", username="mallory", reason="spam ring")
    assert response.status_code == 303
    assert reload(hub, mallory).is_banned

    page = as_mallory.get(f"/papers/{PAPER_ID}").text
    assert 'id="new-comment"' not in page  # the cookie no longer signs anyone in
    assert "Sign in</a> to comment" in page
    late = as_mallory.post(f"/papers/{PAPER_ID}/comments", data={"body": "still here", "csrf_token": stale_token})
    assert late.status_code == 401
    assert hub.authenticate_api_token(secret) is None
    assert hub.comment_thread(PAPER_ID) == []

    admin_page = as_admin.get("/admin").text
    assert '<input type="hidden" name="username" value="mallory">' in admin_page
    assert "ban user" in admin_page
    assert "spam ring" in admin_page


def test_unknown_targets_and_empty_fields(as_admin: TestClient) -> None:
    assert admin_post(as_admin, "/admin/papers/hide", arxiv_id="2608.99999").status_code == 404
    assert admin_post(as_admin, "/admin/papers/hide", arxiv_id="not an id").status_code == 400
    assert admin_post(as_admin, "/admin/comments/hide", comment_id="777").status_code == 404
    assert admin_post(as_admin, "/admin/comments/hide", comment_id="x").status_code == 400
    assert admin_post(as_admin, "/admin/users/ban", username="nobody").status_code == 404
    assert admin_post(as_admin, "/admin/users/ban", username="").status_code == 400
    assert admin_post(as_admin, "/admin/users/ban", username="root").status_code == 400


def test_moderation_forms_need_the_csrf_token(as_admin: TestClient, client: TestClient) -> None:
    response = as_admin.post("/admin/papers/hide", data={"arxiv_id": PAPER_ID})
    assert response.status_code == 403
    assert day_ids(client) == {PAPER_ID, OTHER_ID}


def test_audit_log_pages(as_admin: TestClient, hub: Hub, admin: User) -> None:
    for n in range(51):
        (hub.hide_paper if n % 2 == 0 else hub.unhide_paper)(admin, PAPER_ID, f"step {n}")
    first = as_admin.get("/admin/audit").text
    assert "51 actions" in first
    assert 'href="/admin/audit?p=2"' in first
    second = as_admin.get("/admin/audit?p=2").text
    assert "step 0" in second
    assert "step 0<" not in first
    assert as_admin.get("/admin/audit?p=0").status_code == 400


def test_the_audit_log_follows_the_account_not_the_name(
    as_admin: TestClient, hub: Hub, admin: User, mallory: User
) -> None:
    assert admin_post(as_admin, "/admin/users/ban", username="mallory", reason="spam ring").status_code == 303
    assert '<a href="/u/mallory">user:mallory</a>' in as_admin.get("/admin/audit").text
    admin_post(as_admin, "/admin/users/unban", username="mallory", reason="appeal")
    hub.delete_account(reload(hub, mallory), confirm_username="mallory", remove_comments=False)
    newcomer = hub.store.get_or_create_user("mallory@example.org", "mallory", hub.clock.now())  # signs up again
    assert newcomer.username == "mallory-2"

    audit = as_admin.get("/admin/audit").text
    assert audit.count(f"deleted account #{mallory.id}") == 2  # the ban and the unban, still about that account
    assert "/u/mallory" not in audit  # no link that could lead to someone else
    assert "mallory" not in audit.replace("spam ring", "")  # and the log names no one
    assert as_admin.get("/u/mallory").status_code == 404
