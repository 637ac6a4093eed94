"""Acceptance: the real huggingface_hub client and `hf papers` CLI read this hub as if it were huggingface.co."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.hf_api import PaperInfo

from dailypapers.hub import Hub
from tests.web import seed

HF_CLI = Path(sys.executable).with_name("hf")
AUG_20, AUG_21, SEP_2 = date(2026, 8, 20), date(2026, 8, 21), date(2026, 9, 2)


@pytest.fixture
def endpoint(live_url: str) -> str:
    return live_url


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed.store(
        hub,
        [
            seed.paper(
                "2608.00001",
                title="Attention is still all you need",
                authors=("Ada Lovelace", "Alan Turing", "Grace Hopper"),
                imported_upvotes=12,
                github_repo="https://github.com/acme/attn",
            ),
            seed.paper("2608.00002", title="Diffusion for tables", authors=("Emmy Noether",), imported_upvotes=30),
            seed.paper("2608.00003", title="Sparse attention at scale", imported_upvotes=5),
            seed.paper("2609.00004", title="September paper", imported_upvotes=1),
        ],
        [
            seed.entry("2608.00001", AUG_20, minute=0),
            seed.entry("2608.00002", AUG_20, minute=5, submitted_by="bob"),
            seed.entry("2608.00003", AUG_21, minute=0, submitted_by=None, source="auto"),
            seed.entry("2609.00004", SEP_2, minute=0),
        ],
    )
    return hub


@pytest.fixture
def api(endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> HfApi:
    # No saved token or cache from the machine running the tests may leak into the requests.
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    return HfApi(endpoint=endpoint, token=False)


def assert_matches_database(info: PaperInfo, hub: Hub) -> None:
    """The fields a client user relies on are the database's, parsed by the real client."""
    view = hub.paper_view(info.id)
    assert info.title == view.paper.title
    assert [a.name for a in info.authors or []] == list(view.paper.authors)
    assert (info.upvotes or 0) == view.upvotes  # the client turns 0 into None, as against huggingface.co
    assert info.summary == view.paper.abstract
    assert info.published_at == view.paper.published
    assert info.github_repo == view.paper.github_repo
    if view.entry is not None and view.entry.submitted_by:
        assert info.submitted_by is not None
        assert info.submitted_by.username == view.entry.submitted_by


def test_list_daily_papers_by_date_week_month_submitter_and_sort(seeded: Hub, api: HfApi) -> None:
    day = list(api.list_daily_papers(date="2026-08-20"))
    assert [p.id for p in day] == ["2608.00002", "2608.00001"]
    for info in day:
        assert_matches_database(info, seeded)
    assert day[1].submitted_by is not None
    assert day[1].submitted_by.username == "akhaliq"
    assert day[1].submitted_at == seed.entry("2608.00001", AUG_20).submitted_at
    assert day[1].github_repo == "https://github.com/acme/attn"

    assert [p.id for p in api.list_daily_papers(week="2026-W34")] == ["2608.00003", "2608.00002", "2608.00001"]
    assert [p.id for p in api.list_daily_papers(month="2026-09")] == ["2609.00004"]
    assert [p.id for p in api.list_daily_papers(submitter="bob")] == ["2608.00002"]
    trending = list(api.list_daily_papers(sort="trending", month="2026-08"))
    assert [p.id for p in trending] == ["2608.00002", "2608.00003", "2608.00001"]  # ranking.py: recent votes weigh more
    assert trending[1].submitted_by is None  # an automatic submission
    assert [p.id for p in api.list_daily_papers(p=1, limit=2)] == ["2608.00002", "2608.00001"]


def test_bad_parameters_raise_the_clients_http_error(seeded: Hub, api: HfApi) -> None:
    with pytest.raises(HfHubHTTPError) as raised:
        list(api.list_daily_papers(week="2026-W99"))
    assert raised.value.response.status_code == 400


def test_list_papers_search(seeded: Hub, api: HfApi) -> None:
    found = list(api.list_papers(query="attention"))
    assert {p.id for p in found} == {"2608.00001", "2608.00003"}
    for info in found:
        assert_matches_database(info, seeded)
    assert len(list(api.list_papers(query="attention", limit=1))) == 1


def test_paper_info_and_read_paper(seeded: Hub, api: HfApi) -> None:
    info = api.paper_info("2608.00001")
    assert info.id == "2608.00001"
    assert_matches_database(info, seeded)
    assert info.submitted_at == seed.entry("2608.00001", AUG_20).submitted_at
    with pytest.raises(HfHubHTTPError) as raised:
        api.paper_info("2608.99999")
    assert raised.value.response.status_code == 404

    text = api.read_paper("2608.00001")
    assert text.startswith("# Attention is still all you need")
    assert "Ada Lovelace, Alan Turing, Grace Hopper" in text


@pytest.mark.skipif(not HF_CLI.exists(), reason="the hf CLI of huggingface_hub is not installed beside Python")
def test_hf_papers_cli(seeded: Hub, endpoint: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=endpoint, HF_HUB_DISABLE_TELEMETRY="1", HF_HOME=str(tmp_path / "hf_home"), NO_COLOR="1")

    def hf(*args: str) -> str:
        done = subprocess.run([str(HF_CLI), "papers", *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    listed = json.loads(hf("ls", "--date", "2026-08-20", "--format", "json"))
    assert [row["id"] for row in listed] == ["2608.00002", "2608.00001"]
    assert [row["title"] for row in listed] == ["Diffusion for tables", "Attention is still all you need"]
    assert [row["upvotes"] for row in listed] == [30, 12]
    assert [row["submitted_by_name"] for row in listed] == ["bob", "akhaliq"]

    trending = json.loads(hf("ls", "--sort", "trending", "--week", "2026-W34", "--format", "json"))
    assert [row["id"] for row in trending] == ["2608.00002", "2608.00003", "2608.00001"]

    searched = json.loads(hf("search", "attention", "--format", "json"))
    assert {row["id"] for row in searched} == {"2608.00001", "2608.00003"}

    info = json.loads(hf("info", "2608.00001", "--format", "json"))
    assert info["id"] == "2608.00001"
    assert [a["name"] for a in info["authors"]] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert info["github_repo"] == "https://github.com/acme/attn"
    assert info["submitted_by"]["username"] == "akhaliq"

    assert hf("read", "2608.00001").startswith("# Attention is still all you need")
