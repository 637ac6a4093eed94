"""Claiming authorship through the web: claim, review, approval, what it grants, what it does not; with CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from dailypapers.adapters.mail import ConsoleMailer
from dailypapers.hub import Hub
from tests.authors.conftest import DAY, PAPER, post
from tests.web import seed

PAGE = f"/papers/{PAPER}"


def claim_id(hub: Hub, username: str) -> int:
    [claim] = [c for c in hub.authorship.paper_claims(PAPER) if c.user.username == username]
    return claim.id


def mails_to(hub: Hub, address: str) -> list[Any]:
    assert isinstance(hub.mailer, ConsoleMailer)
    return [m for m in hub.mailer.sent if m["To"] == address]


def test_member_claims_admin_approves_paper_page_profile_and_links_follow(
    authored: Hub, anon: TestClient, client_for: Callable[[str], TestClient]
) -> None:
    ada, bob, admin = client_for("ada@example.org"), client_for("bob@example.org"), client_for("admin@example.org")
    assert f'href="{PAGE}"' in anon.get("/authors/Chengsong%20Huang").text
    assert f'href="{PAGE}"' in anon.get("/orgs/google").text

    page = ada.get(PAGE).text
    assert '<option value="Chengsong Huang">' in page
    response = post(ada, f"{PAGE}/claim", author="Chengsong Huang")
    assert (response.status_code, response.headers["location"]) == (303, f"{PAGE}#authorship")
    assert "is waiting for an admin" in ada.get(PAGE).text

    # A pending claim gives no rights.
    link = {
        "github_repo": "https://github.com/Google-Research/EnvHarness/tree/main",
        "project_page": "",
        "organization": "google",
    }
    assert post(ada, f"{PAGE}/links", **link).status_code == 403
    assert 'href="/u/ada"' not in anon.get(PAGE).text

    # Only admins see the queue and decide; the approval is audited and mailed.
    assert ada.get("/admin/claims").status_code == 403
    queue = admin.get("/admin/claims").text
    assert "@ada" in queue
    assert "EnvHarness" in queue
    cid = claim_id(authored, "ada")
    assert post(bob, f"/admin/claims/{cid}/approve").status_code == 403
    no_token = admin.post(f"/admin/claims/{cid}/approve")
    assert no_token.status_code == 403
    assert "CSRF" in no_token.text
    assert authored.authorship.paper_claims(PAPER)[0].status == "pending"
    approved = post(admin, f"/admin/claims/{cid}/approve")
    assert (approved.status_code, approved.headers["location"]) == (303, "/admin/claims")
    audit = admin.get("/admin/audit").text
    assert "approve claim" in audit
    assert "Chengsong Huang on 2608.19880, claimed by @ada" in audit
    [mail] = mails_to(authored, "ada@example.org")
    assert "verified author" in mail["Subject"]
    assert f"http://127.0.0.1:8000{PAGE}" in mail.get_body(("plain",)).get_content()

    # The paper page links the name to the member's profile; the profile lists the paper first.
    paper_page = anon.get(PAGE).text
    assert re.search(
        r'href="/authors/Chengsong%20Huang">Chengsong Huang</a><a class="verified" href="/u/ada"', paper_page
    )
    profile = anon.get("/u/ada").text
    assert profile.index('id="papers"') < profile.index("Submitted papers") < profile.index("Upvoted papers")
    assert f'href="{PAGE}"' in profile[profile.index('id="papers"') : profile.index("Submitted papers")]
    assert "Verified as Chengsong Huang" in anon.get("/authors/Chengsong%20Huang").text
    assert 'class="verified" href="/u/ada"' in anon.get("/authors/Chengsong%20Huang").text  # badge on the card
    assert 'class="verified" href="/u/ada"' in anon.get("/date/2026-08-20").text  # and on the day's card

    # The verified author edits the links: normalised, shown, audited. Another member cannot; no token, no edit.
    assert bob.post(f"{PAGE}/links", data=link).status_code == 403
    assert post(bob, f"{PAGE}/links", **link).status_code == 403
    edited = post(ada, f"{PAGE}/links", **link)
    assert (edited.status_code, edited.headers["location"]) == (303, f"{PAGE}#links")
    assert (
        'href="https://github.com/Google-Research/EnvHarness">Code: Google-Research/EnvHarness</a>'
        in anon.get(PAGE).text
    )
    assert "edit paper links" in admin.get("/admin/audit").text
    assert "code: (none) → https://github.com/Google-Research/EnvHarness" in admin.get("/admin/audit").text

    # Hidden from the profile: others no longer see it there; the member does, to show it again.
    assert post(ada, f"/settings/papers/{cid}/visibility", hidden="1").status_code == 303
    assert f'href="{PAGE}"' not in anon.get("/u/ada").text
    assert "hidden from your profile" in ada.get("/u/ada").text
    assert post(bob, f"/settings/papers/{cid}/visibility", hidden="0").status_code == 404


def test_bad_links_re_show_the_form_with_the_reason(authored: Hub, client_for: Callable[[str], TestClient]) -> None:
    admin = client_for("admin@example.org")
    for github, reason in (
        ("http://github.com/a/b", "must start with https://"),
        ("https://me:pw@github.com/a/b", "must not contain a user name or password"),
        ("https://gitlab.com/a/b", "https://github.com/OWNER/NAME"),
    ):
        response = post(admin, f"{PAGE}/links", github_repo=github, project_page="", organization="")
        assert response.status_code == 400
        assert reason in response.text
        assert f'value="{github}"' in response.text  # what was typed stays
    assert authored.paper(PAPER).github_repo is None  # nothing was stored
    response = post(admin, f"{PAGE}/links", github_repo="", project_page="", organization="Not An Org")
    assert response.status_code == 400


def test_rejection_is_mailed_gives_no_rights_and_cannot_be_refiled(
    authored: Hub, client_for: Callable[[str], TestClient]
) -> None:
    bob, admin = client_for("bob@example.org"), client_for("admin@example.org")
    post(bob, f"{PAGE}/claim", author="Zifeng Wang")
    cid = claim_id(authored, "bob")
    assert post(admin, f"/admin/claims/{cid}/reject", reason="No sign of this on arXiv").status_code == 303
    [mail] = mails_to(authored, "bob@example.org")
    assert "No sign of this on arXiv" in mail.get_body(("plain",)).get_content()
    assert "reject claim" in admin.get("/admin/audit").text
    assert post(bob, f"{PAGE}/links", github_repo="https://github.com/a/b").status_code == 403
    again = post(bob, f"{PAGE}/claim", author="Zifeng Wang")
    assert again.status_code == 409
    assert "already rejected" in again.text
    assert "did not approve your claim as Zifeng Wang" in bob.get(PAGE).text
    # Approving a decided claim is a conflict, not a second decision.
    assert post(admin, f"/admin/claims/{cid}/approve").status_code == 409


def test_one_slot_one_verified_member(authored: Hub, client_for: Callable[[str], TestClient]) -> None:
    ada, bob, admin = client_for("ada@example.org"), client_for("bob@example.org"), client_for("admin@example.org")
    post(ada, f"{PAGE}/claim", author="Chengsong Huang")
    post(bob, f"{PAGE}/claim", author="Chengsong Huang")
    assert post(ada, f"{PAGE}/claim", author="Zifeng Wang").status_code == 409
    post(admin, f"/admin/claims/{claim_id(authored, 'ada')}/approve")
    assert "Already verified as this author" in admin.get("/admin/claims").text
    clash = post(admin, f"/admin/claims/{claim_id(authored, 'bob')}/approve")
    assert clash.status_code == 409
    carol = client_for("carol@example.org")
    taken = post(carol, f"{PAGE}/claim", author="Chengsong Huang")
    assert taken.status_code == 409
    assert '<option value="Chengsong Huang">' not in carol.get(PAGE).text
    assert post(carol, f"{PAGE}/claim", author="Somebody Else").status_code == 400
    assert post(carol, "/papers/2608.99999/claim", author="X").status_code == 404


def test_the_local_submitter_and_admins_may_edit_links(authored: Hub, client_for: Callable[[str], TestClient]) -> None:
    carol = client_for("carol@example.org")
    other = client_for("dave@example.org")
    user = authored.user_named("carol")
    authored.store.add_feed_entries([seed.entry("2608.00004", DAY, submitted_by="carol", submitter_id=user.id)])
    page = "/papers/2608.00004"
    assert "Edit code, project page and organization" in carol.get(page).text
    assert "Edit code, project page and organization" not in other.get(page).text
    assert post(carol, f"{page}/links", project_page="https://carol.example/p").status_code == 303
    assert authored.paper("2608.00004").project_page == "https://carol.example/p"
    # An import's submitter is someone elsewhere, not a member here: no right from that.
    taesiri = client_for("taesiri@example.org")
    assert post(taesiri, f"{PAGE}/links", project_page="https://x.example").status_code == 403
