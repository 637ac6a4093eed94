"""Your data through the web: the JSON download, and account deletion with its effects (signed out everywhere,
votes still counted, comments kept as "deleted user" or removed, no sign-in, the address reusable)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from dailypapers.domain.errors import PermissionDenied
from dailypapers.hub import Hub
from dailypapers.usecases.accounts import hash_secret
from dailypapers.web.auth import SESSION_COOKIE
from tests.library.conftest import IDS
from tests.web.auth_helpers import csrf_token, sign_in

CONV, ATTN, _TRICKY, _OLD = IDS


def _active_member(web: TestClient, hub: Hub) -> tuple[int, str]:
    """ada, signed in on `web`, with a vote, a comment, a saved paper, a public collection and an API token;
    returns her id and the token's secret."""
    ada = sign_in(web, hub)
    hub.set_upvote(ada, CONV, True)
    hub.store.add_comment(CONV, ada.id, None, "Loved the **hierarchical** part", hub.clock.now())
    hub.save_paper(ada, ATTN)
    hub.create_collection(ada, "Shared list", "for the group", is_public=True)
    hub.add_to_collection(ada, "shared-list", CONV)
    hub.set_note(ada, "shared-list", CONV, "my note")
    _token, secret = hub.create_api_token(ada, "laptop", "write")
    return ada.id, secret


def test_the_json_download_has_the_account_and_no_secrets(web: TestClient, lib_hub: Hub) -> None:
    _ada_id, secret = _active_member(web, lib_hub)
    response = web.get("/settings/data/export.json")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="dailypapers-ada.json"'
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert data["format"] == "dailypapers-account-export"
    assert data["profile"]["email"] == "ada@example.org"
    assert [v["arxiv_id"] for v in data["votes"]] == [CONV]
    assert [c["body"] for c in data["comments"]] == ["Loved the **hierarchical** part"]
    assert sorted(c["name"] for c in data["collections"]) == ["Saved", "Shared list"]
    shared = next(c for c in data["collections"] if c["name"] == "Shared list")
    assert shared["items"][0]["note"] == "my note"
    assert [t["name"] for t in data["api_tokens"]] == ["laptop"]
    session = web.cookies.get(SESSION_COOKIE)
    assert session
    for leaked in (secret, hash_secret(secret), "token_hash"):
        assert leaked not in response.text
    for key in ("follows", "keyword_rules", "saved_searches", "subscriptions", "sessions", "not_interested"):
        assert key in data
    page = web.get("/settings/data").text
    assert 'href="/settings/data/export.json"' in page
    assert "/settings/data" in web.get("/settings").text


def _delete(web: TestClient, confirm: str, comments: str, *, csrf: bool = True) -> int:
    data = {"confirm": confirm, "comments": comments}
    if csrf:
        data["csrf_token"] = csrf_token(web)
    response = web.post("/settings/data/delete", data=data)
    return response.status_code


def test_deletion_needs_the_username_a_choice_and_the_csrf_token(web: TestClient, lib_hub: Hub) -> None:
    ada_id, _secret = _active_member(web, lib_hub)
    assert _delete(web, "ada", "keep", csrf=False) == 403
    assert _delete(web, "Ada", "keep") == 400
    assert _delete(web, "ada", "") == 400
    response = web.post(
        "/settings/data/delete", data={"csrf_token": csrf_token(web), "confirm": "bob", "comments": "keep"}
    )
    assert "type your username exactly" in response.text
    user = lib_hub.store.get_user(ada_id)
    assert user is not None
    assert not user.is_deleted


@pytest.mark.parametrize("comments", ["keep", "remove"])
def test_deleting_the_account(web: TestClient, lib_hub: Hub, comments: str) -> None:
    ada_id, secret = _active_member(web, lib_hub)
    bob = sign_in(TestClient(web.app), lib_hub, "bob@example.org")
    lib_hub.set_upvote(bob, CONV, True)
    [ada_comment] = lib_hub.store.paper_comments(CONV)
    lib_hub.store.add_comment(CONV, bob.id, ada_comment.id, "Bob agrees", lib_hub.clock.now())
    response = web.post(
        "/settings/data/delete", data={"csrf_token": csrf_token(web), "confirm": "ada", "comments": comments}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/account-deleted")
    assert f"{SESSION_COOKIE}=" in response.headers["set-cookie"]  # the cookie is cleared
    assert "Account deleted" in web.get("/account-deleted").text

    # Signed out everywhere: the old session cookie and the API token no longer work.
    web.cookies.set(SESSION_COOKIE, response.request.headers["cookie"].split(f"{SESSION_COOKIE}=")[1].split(";")[0])
    assert web.get("/settings").status_code == 303
    assert web.get("/api/whoami-v2", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # The vote still counts; the person is gone from every page.
    assert lib_hub.paper_view(CONV).upvotes == 2
    paper_page = web.get(f"/papers/{CONV}").text
    if comments == "keep":
        assert "[deleted user]" in paper_page
        assert "Loved the" in paper_page
    else:  # shown like any deleted comment, so replies keep their place
        assert "[deleted]" in paper_page
        assert "Loved the" not in paper_page
    assert "Bob agrees" in paper_page
    assert "ada@example.org" not in paper_page
    assert web.get("/u/ada").status_code == 404
    assert web.get(f"/u/deleted_{ada_id}").status_code == 404
    assert web.get("/u/ada/c/shared-list").status_code == 404
    gone = lib_hub.store.get_user(ada_id)
    assert gone is not None
    assert gone.is_deleted
    assert gone.username == f"deleted_{ada_id}"

    # The placeholder address cannot sign in; the real one signs up afresh.
    now = lib_hub.clock.now()
    lib_hub.store.add_login_token(gone.email, hash_secret("placeholder-link"), now, now + timedelta(minutes=15))
    with pytest.raises(PermissionDenied, match="deleted"):
        lib_hub.complete_sign_in("placeholder-link")
    lib_hub.store.add_login_token("ada@example.org", hash_secret("fresh-link"), now, now + timedelta(minutes=15))
    user, _session = lib_hub.complete_sign_in("fresh-link")
    assert user.id != ada_id
    assert user.username == "ada-2"  # "ada" is retired with the deleted account: never handed out again
    assert web.get("/u/ada").status_code == 404
    assert lib_hub.collections(user) == []
