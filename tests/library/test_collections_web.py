"""The save button and collections through the web app: CSRF, toggling with and without JavaScript, privacy
(someone else's private collection is the same 404 as a missing one), owner-only edits, escaped notes."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.hub import Hub
from dailypapers.usecases.library import SAVED_SLUG
from tests.library.conftest import IDS
from tests.web import seed
from tests.web.auth_helpers import csrf_token, sign_in

CONV, ATTN, TRICKY, OLD = IDS


def _save_form(html: str, arxiv_id: str) -> str:
    match = re.search(
        rf'<form class="save" method="post" action="/papers/{re.escape(arxiv_id)}/save".*?</form>', html, re.S
    )
    assert match, f"no save form for {arxiv_id}"
    return match.group(0)


def test_visitors_get_a_sign_in_link_instead_of_the_button(web: TestClient) -> None:
    page = web.get(f"/papers/{CONV}").text
    assert '<form class="save"' not in page
    assert f'href="/signin?next=/papers/{CONV}" title="Sign in to save papers' in page
    assert web.post(f"/papers/{CONV}/save", data={"csrf_token": csrf_token(web)}).status_code == 401


def test_the_save_button_toggles_without_javascript(web: TestClient, lib_hub: Hub) -> None:
    ada = sign_in(web, lib_hub)
    token = csrf_token(web)
    form = _save_form(web.get(f"/papers/{CONV}").text, CONV)
    assert 'name="save" value="1"' in form
    assert 'aria-pressed="false"' in form
    response = web.post(f"/papers/{CONV}/save", data={"csrf_token": token, "save": "1", "next": "/trending?days=3"})
    assert (response.status_code, response.headers["location"]) == (303, "/trending?days=3")
    form = _save_form(web.get(f"/papers/{CONV}").text, CONV)
    assert 'aria-pressed="true"' in form
    assert 'name="save" value="0"' in form
    # Saving twice is one save; the collection was created on first save.
    web.post(f"/papers/{CONV}/save", data={"csrf_token": token, "save": "1"})
    assert lib_hub.saved_paper_ids(ada, 10) == [CONV]
    saved = lib_hub.store.get_collection(ada.id, SAVED_SLUG)
    assert saved is not None
    assert (saved.name, saved.is_public, saved.item_count) == ("Saved", False, 1)
    # A foreign next is ignored.
    response = web.post(f"/papers/{CONV}/save", data={"csrf_token": token, "save": "0", "next": "//evil.example/"})
    assert response.headers["location"] == "/"
    assert lib_hub.saved_paper_ids(ada, 10) == []


def test_the_save_button_answers_json_for_the_script(web: TestClient, lib_hub: Hub) -> None:
    sign_in(web, lib_hub)
    headers = {"Accept": "application/json", "X-CSRF-Token": csrf_token(web)}
    first = web.post(f"/papers/arXiv:{ATTN}v3/save", headers=headers)
    assert first.json() == {"arxiv_id": ATTN, "saved": True}
    assert web.post(f"/papers/{ATTN}/save", headers=headers).json() == {"arxiv_id": ATTN, "saved": False}  # toggle
    assert web.post(f"/papers/{ATTN}/save", headers={"Accept": "application/json"}).status_code == 403  # no CSRF
    assert web.post("/papers/2608.99999/save", headers=headers).status_code == 404
    assert web.post("/papers/not-an-id/save", headers=headers).status_code == 400


def test_cards_on_feed_pages_carry_the_save_button(web: TestClient, lib_hub: Hub) -> None:
    ids = seed.day_of_papers(lib_hub, lib_hub.clock.now().date(), [3, 1])
    ada = sign_in(web, lib_hub)
    lib_hub.save_paper(ada, ids[1])
    page = web.get("/").text
    assert 'aria-pressed="false"' in _save_form(page, ids[0])
    assert 'aria-pressed="true"' in _save_form(page, ids[1])
    assert page.count("<script") == 1  # static/post_form.js, which handles every save button of the page
    assert "data-save" in web.get("/static/post_form.js").text


def _create(web: TestClient, name: str, visibility: str = "private", description: str = "") -> str:
    data = {"csrf_token": csrf_token(web), "name": name, "description": description, "visibility": visibility}
    response = web.post("/library/new", data=data)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_creating_filling_and_editing_a_collection(web: TestClient, lib_hub: Hub, clock: FixedClock) -> None:
    sign_in(web, lib_hub)
    url = _create(web, "Vision & Language: 2024!", description="Papers for <the> reading group")
    assert url == "/u/ada/c/vision-language-2024"
    assert _create(web, "Vision & Language: 2024!") == "/u/ada/c/vision-language-2024-2"
    token = csrf_token(web)
    for ref in (f"https://arxiv.org/abs/{CONV}v2", ATTN):
        clock.at += timedelta(minutes=1)
        assert (
            web.post("/library/c/vision-language-2024/add", data={"csrf_token": token, "arxiv": ref}).status_code == 303
        )
    note = "Read §3 first <script>alert(1)</script>\nthen the appendix"
    response = web.post(f"/library/c/vision-language-2024/items/{CONV}/note", data={"csrf_token": token, "note": note})
    assert response.headers["location"] == f"{url}#paper-{CONV}"
    page = web.get(url).text
    assert "Papers for &lt;the&gt; reading group" in page
    assert "Read §3 first &lt;script&gt;alert(1)&lt;/script&gt;\nthen the appendix" in page
    assert "<script>alert(1)" not in page
    assert page.index(f'id="paper-{ATTN}"') < page.index(f'id="paper-{CONV}"')  # most recently added first
    assert "2 papers" in page
    # Edit: the name changes, the address stays.
    edit = {"csrf_token": token, "name": "VL reading", "description": "", "visibility": "public"}
    assert web.post("/library/c/vision-language-2024/edit", data=edit).headers["location"] == url
    library = web.get("/library").text
    assert "VL reading" in library
    assert "public" in library
    # Remove, then delete.
    web.post(f"/library/c/vision-language-2024/items/{ATTN}/remove", data={"csrf_token": token})
    assert ATTN not in web.get(url).text
    assert web.post("/library/c/vision-language-2024/delete", data={"csrf_token": token}).status_code == 303
    assert web.get(url).status_code == 404


def test_bad_form_input_is_shown_beside_the_form(web: TestClient, lib_hub: Hub) -> None:
    sign_in(web, lib_hub)
    token = csrf_token(web)
    response = web.post("/library/new", data={"csrf_token": token, "name": "  ", "visibility": "private"})
    assert response.status_code == 400
    assert "give the collection a name" in response.text
    long = {"csrf_token": token, "name": "x", "description": "d" * 2001, "visibility": "private"}
    assert "the limit is 2000" in web.post("/library/new", data=long).text
    url = _create(web, "Notes")
    too_long = {"csrf_token": token, "arxiv": CONV}
    web.post("/library/c/notes/add", data=too_long)
    response = web.post(f"/library/c/notes/items/{CONV}/note", data={"csrf_token": token, "note": "n" * 2001})
    assert response.status_code == 400
    assert web.post("/library/c/notes/add", data={"csrf_token": token, "arxiv": "2608.99999"}).status_code == 404
    assert web.post("/library/c/notes/add", data={"csrf_token": token, "arxiv": "nonsense"}).status_code == 400
    assert web.get(url).status_code == 200
    # Every write needs the CSRF token.
    assert web.post("/library/new", data={"name": "x", "visibility": "private"}).status_code == 403
    assert web.post("/library/c/notes/delete").status_code == 403


def test_private_collections_are_not_found_for_everyone_else(web: TestClient, lib_hub: Hub) -> None:
    sign_in(web, lib_hub)
    private = _create(web, "Secret plans")
    public = _create(web, "Open list", visibility="public")
    for url in (private, public):
        web.post(f"/library/c/{url.rsplit('/', 1)[1]}/add", data={"csrf_token": csrf_token(web), "arxiv": CONV})
    assert web.get(private).status_code == 200  # the owner sees it
    # Someone else, signed in or not, gets the same 404 as for a collection that does not exist.
    for who in ("bob@example.org", None):
        web.cookies.clear()
        if who:
            sign_in(web, lib_hub, who)
        for url in (private, f"{private}.bib", f"{private}.ris", f"{private}.json"):
            response = web.get(url)
            assert response.status_code == 404, url
            assert "Secret plans" not in response.text
        missing = web.get("/u/ada/c/no-such-list")
        assert web.get(private).text.replace("secret-plans", "no-such-list") == missing.text
        page = web.get(public)
        assert page.status_code == 200
        assert "Open list" in page.text
        assert "Edit name" not in page.text  # no owner controls for visitors
        assert web.get(f"{public}.bib").status_code == 200


def test_owner_actions_only_reach_your_own_collections(web: TestClient, lib_hub: Hub) -> None:
    sign_in(web, lib_hub)
    _create(web, "Mine", visibility="public")
    web.post("/library/c/mine/add", data={"csrf_token": csrf_token(web), "arxiv": CONV})
    web.cookies.clear()
    sign_in(web, lib_hub, "bob@example.org")
    token = csrf_token(web)
    for path in ("/library/c/mine/delete", f"/library/c/mine/items/{CONV}/remove", "/library/c/mine/add"):
        assert web.post(path, data={"csrf_token": token, "arxiv": ATTN}).status_code == 404, path
    assert web.get("/library/c/mine/edit").status_code == 404
    ada = lib_hub.store.get_user_by_username("ada")
    assert ada is not None
    mine = lib_hub.store.get_collection(ada.id, "mine")
    assert mine is not None
    assert mine.item_count == 1


def test_library_pages_need_an_account(web: TestClient) -> None:
    for path in ("/library", "/library/new", "/settings/data", "/library.bib", "/settings/data/export.json"):
        response = web.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/signin?next={path}"
