"""Author and organization pages, `?org=` and `submitter=`, generated avatars, and the HF-compatible fields and
`POST /api/papers/{id}/links` that come with verified authors."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from dailypapers.web.hf_shapes import object_id
from tests.authors.conftest import CDN_AVATAR, DAY, ORG_AVATAR, PAPER, post
from tests.web import seed

PAGE = f"/papers/{PAPER}"


def verify(hub: Hub, email: str, author: str) -> None:
    """A member verified as `author` of the paper, through the use cases (the web flow is test_claims_web's)."""
    member = hub.store.get_or_create_user(email, email.split("@")[0], hub.clock.now())
    root = hub.store.set_admin(hub.store.get_or_create_user("root@example.org", "root", hub.clock.now()).id, True)
    claim = hub.authorship.claim(member, PAPER, author)
    hub.authorship.approve(root, claim.id)


def test_author_page_lists_exact_spelling_and_offers_look_alikes(authored: Hub, anon: TestClient) -> None:
    html = anon.get("/authors/Chengsong%20Huang").text
    assert "1 paper in this hub list this name" in html
    assert seed.card_ids(html) == [PAPER]
    also = html[html.index('class="also"') :]
    assert 'href="/authors/C.%20Huang"' in also  # initials
    assert 'href="/authors/chengsong%20huang"' in also  # case
    assert "/authors/Chen%20Huang" not in html  # another person's name is not offered
    assert 'href="/feeds/author/Chengsong%20Huang.atom"' in html
    assert "Sign in to follow" in html
    lower = anon.get("/authors/chengsong%20huang").text  # each spelling has its own page, nothing merged
    assert seed.card_ids(lower) == ["2608.00003"]
    missing = anon.get("/authors/Nobody%20Here")
    assert missing.status_code == 404
    assert "no paper in this hub lists an author named" in missing.text
    assert anon.get("/authors/Chengsong%20Huang?p=2").status_code == 404
    assert anon.get("/authors/Chengsong%20Huang?p=x").status_code == 400


def test_author_page_follow_button_and_paging(authored: Hub, client_for: Callable[[str], TestClient]) -> None:
    ada = client_for("ada@example.org")
    assert 'aria-pressed="false">Follow</button>' in ada.get("/authors/Chengsong%20Huang").text
    followed = post(ada, "/settings/follows/author", name="Chengsong Huang", next="/authors/Chengsong%20Huang")
    assert followed.headers["location"] == "/authors/Chengsong%20Huang"
    assert 'aria-pressed="true">Following</button>' in ada.get("/authors/Chengsong%20Huang").text
    org = ada.get("/orgs/google")  # a member's cards carry their upvote and save buttons
    assert org.status_code == 200
    assert f'action="/papers/{PAPER}/upvote"' in org.text
    seed.store(authored, [seed.paper(f"2607.{n:05d}", authors=("Grace Hopper",)) for n in range(25)])
    first = ada.get("/authors/Grace%20Hopper").text
    assert len(seed.card_ids(first)) == 20
    assert 'href="/authors/Grace%20Hopper?p=2"' in first
    assert len(seed.card_ids(ada.get("/authors/Grace%20Hopper?p=2").text)) == 6


def test_organization_page_and_local_avatars(authored: Hub, anon: TestClient) -> None:
    html = anon.get("/orgs/google").text
    assert "<h1>Google</h1>" in html
    assert seed.card_ids(html) == [PAPER]
    assert 'src="/avatar.svg?name=Google"' in html
    assert 'href="/date/2026-08-20?org=google"' in html
    assert anon.get("/orgs/nobody").status_code == 404
    day = anon.get("/date/2026-08-20").text
    assert '<a class="org" href="/orgs/google" title="google">Google</a>' in day
    assert 'src="/avatar.svg?name=taesiri"' in day
    for page in (day, html, anon.get(PAGE).text):  # no upstream CDN picture is ever put in front of a reader
        assert CDN_AVATAR not in page
        assert ORG_AVATAR not in page
    svg = anon.get("/avatar.svg", params={"name": "Chengsong Huang"})
    assert svg.headers["content-type"] == "image/svg+xml"
    assert ">CH</text>" in svg.text
    assert "style=" not in svg.text
    assert "http" not in svg.text.replace("http://www.w3.org/2000/svg", "")
    assert "max-age=86400" in svg.headers["cache-control"]
    hostile = anon.get("/avatar.svg", params={"name": '<script>"x"</script>'}).text
    assert "<script>" not in hostile


def test_day_pages_and_the_api_filter_by_organization_and_submitter(
    authored: Hub, anon: TestClient, client_for: Callable[[str], TestClient]
) -> None:
    assert set(seed.card_ids(anon.get("/date/2026-08-20").text)) == {PAPER, "2608.00005"}
    assert seed.card_ids(anon.get("/date/2026-08-20?org=google").text) == [PAPER]
    week = anon.get("/week/2026-W34?org=meta").text
    assert seed.card_ids(week) == ["2608.00005"]
    assert 'href="/date/2026-08-21?org=meta"' in week  # the view switch keeps the filter
    assert "Only papers of" in week
    api = anon.get("/api/daily_papers", params={"date": "2026-08-20", "org": "google"}).json()
    assert [i["paper"]["id"] for i in api] == [PAPER]
    assert api[0]["organization"]["fullname"] == "Google"
    assert api[0]["organization"]["avatarUrl"] == ORG_AVATAR  # API clients get the upstream's; pages never do
    trending = anon.get("/api/daily_papers", params={"org": "meta", "sort": "trending"}).json()
    assert [i["paper"]["id"] for i in trending] == ["2608.00005"]
    # submitter= names an upstream's user or a member of this hub alike.
    assert [i["paper"]["id"] for i in anon.get("/api/daily_papers", params={"submitter": "taesiri"}).json()] == [PAPER]
    carol = authored.store.get_or_create_user("carol@example.org", "carol", authored.clock.now())
    authored.store.add_feed_entries([seed.entry("2608.00004", DAY, submitted_by="carol", submitter_id=carol.id)])
    local = anon.get("/api/daily_papers", params={"submitter": "carol"}).json()
    assert [i["paper"]["id"] for i in local] == ["2608.00004"]
    assert anon.get("/api/daily_papers", params={"org": "bad\x01"}).status_code == 400


def test_hf_shapes_carry_verified_authors_and_author_participation(
    authored: Hub, anon: TestClient, client_for: Callable[[str], TestClient]
) -> None:
    verify(authored, "ada@example.org", "Chengsong Huang")
    paper = anon.get(f"/api/papers/{PAPER}").json()
    first, second = paper["authors"][:2]
    assert first["status"] == "claimed_verified"
    assert (first["user"]["user"], first["user"]["name"], first["user"]["type"]) == ("ada", "ada", "user")
    assert "user" not in second
    assert "status" not in second
    [item] = anon.get("/api/daily_papers", params={"date": "2026-08-20", "org": "google"}).json()
    assert item["isAuthorParticipating"] is False
    ada, bob = client_for("ada@example.org"), client_for("bob@example.org")
    post(bob, f"{PAGE}/comments", body="Nice work.")
    [item] = anon.get("/api/daily_papers", params={"date": "2026-08-20", "org": "google"}).json()
    assert item["isAuthorParticipating"] is False  # a reader's comment is not an author's
    post(ada, f"{PAGE}/comments", body="Thanks! Code is out.")
    [item] = anon.get("/api/daily_papers", params={"date": "2026-08-20", "org": "google"}).json()
    assert item["isAuthorParticipating"] is True
    thread = anon.get(PAGE).text
    ada_comment = thread[thread.index("Thanks! Code is out.") - 800 : thread.index("Thanks! Code is out.")]
    assert 'class="author-badge"' in ada_comment
    bob_comment = thread[thread.index("Nice work.") - 800 : thread.index("Nice work.")]
    assert "author-badge" not in bob_comment


def test_hf_links_endpoint_takes_a_write_token_and_hf_body(
    authored: Hub, anon: TestClient, client_for: Callable[[str], TestClient]
) -> None:
    verify(authored, "ada@example.org", "Chengsong Huang")
    ada = authored.user_named("ada")
    bob = authored.store.get_or_create_user("bob@example.org", "bob", authored.clock.now())
    _, write = authored.create_api_token(ada, "script", "write")
    _, read = authored.create_api_token(ada, "reader", "read")
    _, bobs = authored.create_api_token(bob, "script", "write")
    url = f"/api/papers/{PAPER}/links"
    body = {"githubRepo": "https://github.com/google-research/envharness.git", "projectPage": "https://envharness.com/"}
    assert anon.post(url, json=body).status_code == 401
    assert anon.post(url, json=body, headers={"Authorization": f"Bearer {read}"}).status_code == 403
    refused = anon.post(url, json=body, headers={"Authorization": f"Bearer {bobs}"})
    assert refused.status_code == 403
    assert "verified author" in refused.json()["error"]["message"]
    done = anon.post(url, json=body, headers={"Authorization": f"Bearer {write}"})
    assert (done.status_code, done.json()) == (200, {})
    after = anon.get(f"/api/papers/{PAPER}").json()
    assert (after["githubRepo"], after["projectPage"]) == (
        "https://github.com/google-research/envharness",
        body["projectPage"],
    )
    assert after["organization"]["name"] == "google"  # left out: unchanged
    meta_id = object_id("org", "meta")
    moved = anon.post(
        url, json={"organizationId": None, "projectPage": None}, headers={"Authorization": f"Bearer {write}"}
    )
    assert moved.status_code == 200
    cleared = anon.get(f"/api/papers/{PAPER}").json()
    assert (cleared["organization"], cleared["projectPage"], cleared["githubRepo"]) == (None, None, after["githubRepo"])
    unknown = anon.post(url, json={"organizationId": meta_id}, headers={"Authorization": f"Bearer {write}"})
    assert unknown.status_code == 400  # "meta" came from a seeded entry without an organizations row
    google = object_id("org", "google")
    assert (
        anon.post(url, json={"organizationId": google}, headers={"Authorization": f"Bearer {write}"}).status_code == 200
    )
    assert anon.get(f"/api/papers/{PAPER}").json()["organization"]["fullname"] == "Google"
    bad = anon.post(url, json={"githubRepo": "http://github.com/a/b"}, headers={"Authorization": f"Bearer {write}"})
    assert bad.status_code == 400
    assert "https://" in bad.json()["error"]["message"]
    extra = anon.post(url, json={"stars": 5}, headers={"Authorization": f"Bearer {write}"})
    assert extra.status_code == 400
