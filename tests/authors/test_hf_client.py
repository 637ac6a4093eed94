"""The real huggingface_hub client reads verified authors and the organization of a paper from this hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import HfApi

from dailypapers.hub import Hub
from tests.authors.conftest import PAPER


@pytest.fixture
def hub_with_author(authored: Hub) -> Hub:
    """`live_url` serves the per-test hub, which `authored` seeded; ada is verified as Chengsong Huang."""
    ada = authored.store.get_or_create_user("ada@example.org", "ada", authored.clock.now())
    ada = authored.set_display_name(ada, "Ada Huang")
    root = authored.store.get_or_create_user("root@example.org", "root", authored.clock.now())
    root = authored.store.set_admin(root.id, True)
    authored.authorship.approve(root, authored.authorship.claim(ada, PAPER, "Chengsong Huang").id)
    return authored


def test_client_parses_verified_authors_and_organization(
    hub_with_author: Hub, live_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    api = HfApi(endpoint=live_url, token=False)
    info = api.paper_info(PAPER)
    first = (info.authors or [])[0]
    assert (first.name, first.status) == ("Chengsong Huang", "claimed_verified")
    assert first.user is not None
    assert (first.user.username, first.user.fullname) == ("ada", "Ada Huang")
    assert all(a.user is None for a in (info.authors or [])[1:])
    [daily] = [p for p in api.list_daily_papers(date="2026-08-20") if p.id == PAPER]
    assert daily.organization is not None
    assert daily.organization.name == "google"
