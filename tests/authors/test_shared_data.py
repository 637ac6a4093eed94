"""The issue's acceptance on real data: with Hugging Face's daily-papers file imported, the author and organization
pages list 2608.19880, a member claims "Chengsong Huang", an admin approves, and the member fixes the code link.
Reads ../shared/data (skipped when absent)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dailypapers.adapters.files import read_lines
from dailypapers.hub import Hub
from tests.authors.conftest import post
from tests.web import seed

PAPER = "2608.19880"
PAGE = f"/papers/{PAPER}"
HF_FILE = "hf-daily-papers.jsonl.gz"


@pytest.fixture
def authored(hub: Hub, shared_data: Path) -> Hub:
    """The hub the web fixtures serve (conftest's `app`): here, the shared file imported, nothing else."""
    report = hub.import_lines(read_lines(shared_data / HF_FILE))
    assert not report.rejected
    return hub


@pytest.mark.shared_data
def test_author_and_org_pages_then_claim_approve_and_edit(
    authored: Hub, shared_data: Path, anon: TestClient, client_for: Callable[[str], TestClient]
) -> None:
    imported = authored
    author = anon.get("/authors/Chengsong%20Huang")
    assert author.status_code == 200
    assert PAPER in seed.card_ids(author.text)
    org = anon.get("/orgs/google")
    assert org.status_code == 200
    assert PAPER in seed.card_ids(org.text)  # newest published first: a paper of 2026-08-20 is on page one

    member, other = client_for("chengsong@example.org"), client_for("bob@example.org")
    admin = client_for("admin@example.org")
    assert post(member, f"{PAGE}/claim", author="Chengsong Huang").status_code == 303
    fix = {"github_repo": "https://github.com/google-research/envharness-v2", "project_page": "", "organization": ""}
    assert post(member, f"{PAGE}/links", **fix).status_code == 403  # pending: no rights yet
    [claim] = imported.authorship.paper_claims(PAPER)
    assert member.post(f"/admin/claims/{claim.id}/approve").status_code == 403  # no CSRF token (and no admin)
    assert admin.post(f"/admin/claims/{claim.id}/approve").status_code == 403  # an admin, but no CSRF token
    assert post(admin, f"/admin/claims/{claim.id}/approve").status_code == 303
    assert "approve claim" in admin.get("/admin/audit").text

    page = anon.get(PAGE).text
    assert 'href="/authors/Chengsong%20Huang">Chengsong Huang</a><a class="verified" href="/u/chengsong"' in page
    profile = anon.get("/u/chengsong").text
    assert f'href="{PAGE}"' in profile[profile.index('id="papers"') : profile.index("Submitted papers")]
    assert post(other, f"{PAGE}/links", **fix).status_code == 403
    assert post(member, f"{PAGE}/links", **fix).status_code == 303
    assert imported.paper(PAPER).github_repo == "https://github.com/google-research/envharness-v2"
    assert imported.paper_view(PAPER).organization is None  # cleared by the author, as typed
    # A re-import of the same file (an older answer) does not undo the author's edit.
    imported.import_lines(read_lines(shared_data / HF_FILE))
    assert imported.paper(PAPER).github_repo == "https://github.com/google-research/envharness-v2"
