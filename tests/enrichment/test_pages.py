"""What pages and APIs show once a paper is enriched: the paper page, its day's card, the thumbnail route, the
HF-compatible API (read by the real huggingface_hub client); and that a request never enriches anything."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from huggingface_hub import HfApi

from dailypapers.hub import Hub
from dailypapers.ports.votes import RepoStars
from dailypapers.web.app import create_app
from tests.conftest import NOW
from tests.enrichment.conftest import PAPER_ID
from tests.fakes.enrich_server import FakeServices, answer
from tests.web import seed


@pytest.fixture
def hub(seeded: Hub) -> Hub:
    """The hub the web fixtures (live_url) serve: the seeded enrichment hub."""
    return seeded


@pytest.fixture
def enriched(seeded: Hub, services: FakeServices) -> Hub:
    sentence = "Routing each token to two experts keeps quality at a fifth of the compute."
    services.chat_answers = [answer(sentence, ["sparse routing", "mixture of experts"])]
    seeded.store.record_stars(RepoStars("org/moe-routing", 12345, None), NOW)
    assert seeded.enrichment.enrich([PAPER_ID]).failed == []
    return seeded


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub), follow_redirects=False) as test_client:
        yield test_client


def test_the_paper_page_shows_summary_model_keywords_thumbnail_stars_and_hub_links(
    enriched: Hub, client: TestClient
) -> None:
    html = client.get(f"/papers/{PAPER_ID}").text
    assert "Routing each token to two experts keeps quality at a fifth of the compute." in html
    assert "Written by fake-llm-7b" in html
    assert '<a class="chip" href="/search?q=keyword%3A%22sparse%20routing%22">sparse routing</a>' in html
    thumb = re.search(
        r'<img src="(/thumbnails/2608\.16590\.webp\?v=\d+)" width="240" height="320" loading="lazy"', html
    )
    assert thumb is not None
    assert 'alt="First page of the PDF of Sparse Mixture-of-Experts Routing' in html
    assert "★ 12.3k</span>" in html
    assert 'Models citing this paper <span class="count">30</span>' in html
    assert '<a href="http://127.0.0.1' in html
    assert '/hub/org/moe-29">org/moe-29</a>' in html
    assert "All 30 on the Hub" in html
    assert "Datasets citing this paper" in html
    assert "🚀 org/moe-demo" in html
    image = client.get(thumb.group(1))
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/webp"
    assert image.headers["cache-control"] == "public, max-age=31536000, immutable"
    again = client.get(thumb.group(1), headers={"If-None-Match": image.headers["etag"]})
    assert again.status_code == 304
    assert "max-age=3600" in client.get(f"/thumbnails/{PAPER_ID}.webp").headers["cache-control"]  # unversioned


def test_the_day_card_shows_the_thumbnail_summary_chips_and_stars(enriched: Hub, client: TestClient) -> None:
    html = client.get("/date/2026-08-20").text
    assert re.search(r'<img src="/thumbnails/2608\.16590\.webp\?v=\d+" width="96" height="128" loading="lazy"', html)
    assert '<p class="ai-summary-line">Routing each token' in html
    assert html.count('class="chip"') == 2
    assert "★ 12.3k" in html


def test_papers_without_enrichment_get_placeholders_and_no_pretence(seeded: Hub, client: TestClient) -> None:
    page = client.get(f"/papers/{PAPER_ID}").text
    assert '<span class="thumb-placeholder" role="img" aria-label="No preview of the PDF yet">PDF</span>' in page
    assert "AI summary" not in page
    assert 'class="chip"' not in page
    assert "citing this paper" not in page
    card = client.get("/date/2026-08-20").text
    assert '<span class="thumb-placeholder">cs.LG</span>' in card
    assert client.get(f"/thumbnails/{PAPER_ID}.webp").status_code == 404


def test_pages_never_enrich(seeded: Hub, client: TestClient, services: FakeServices) -> None:
    for url in ("/", "/date/2026-08-20", f"/papers/{PAPER_ID}", f"/api/papers/{PAPER_ID}", "/api/daily_papers"):
        assert client.get(url).status_code == 200
    assert services.received == []
    assert seeded.paper(PAPER_ID).keywords == ()


def test_upstream_media_show_with_a_csp_for_their_hosts_only(seeded: Hub, client: TestClient) -> None:
    media = ("https://cdn-uploads.huggingface.co/production/uploads/fig1.png", "https://videos.example.org/demo.mp4")
    import dataclasses

    seeded.store.upsert_papers([dataclasses.replace(seed.paper(PAPER_ID), media_urls=media)])
    response = client.get(f"/papers/{PAPER_ID}")
    assert f'<img src="{media[0]}" loading="lazy"' in response.text
    assert f'<video src="{media[1]}" controls preload="none"' in response.text
    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data: https://cdn-uploads.huggingface.co https://videos.example.org" in policy
    assert "media-src https://cdn-uploads.huggingface.co https://videos.example.org" in policy
    assert "media-src" not in client.get("/date/2026-08-20").headers["content-security-policy"]


def test_the_hf_api_carries_the_enrichment_in_hf_shape(enriched: Hub, client: TestClient) -> None:
    body = client.get(f"/api/papers/{PAPER_ID}").json()
    assert body["ai_summary"].startswith("Routing each token")
    assert body["ai_summary_model"] == "fake-llm-7b"
    assert body["ai_keywords"] == ["sparse routing", "mixture of experts"]
    assert body["githubStars"] == 12345
    assert (body["numTotalModels"], body["numTotalDatasets"], body["numTotalSpaces"]) == (30, 1, 1)
    assert len(body["linkedModels"]) == 24
    assert body["linkedModels"][0] == {
        "id": "org/moe-29",
        "author": "org",
        "likes": 29,
        "downloads": 290,
        "pipeline_tag": "text-generation",
    }
    assert body["linkedSpaces"][0]["emoji"] == "🚀"
    assert body["linkedSpaces"][0]["running"] is True
    item = client.get("/api/daily_papers", params={"date": "2026-08-20"}).json()[0]
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/thumbnails/2608\.16590\.webp\?v=\d+", item["thumbnail"])
    assert item["paper"]["ai_summary"] == item["ai_summary"]
    assert item["githubStars"] == 12345


def test_the_real_hf_client_reads_linked_repos(enriched: Hub, live_url: str) -> None:
    info = HfApi(endpoint=live_url, token=False).paper_info(PAPER_ID)
    assert info.ai_summary
    assert info.ai_summary.startswith("Routing each token")
    assert info.num_total_models == 30
    assert info.linked_models is not None
    assert info.linked_models[0].id == "org/moe-29"
    assert info.linked_models[0].likes == 29
    assert info.linked_datasets is not None
    assert info.linked_datasets[0].id == "org/longdoc-qa"
    assert info.linked_spaces is not None
    assert info.linked_spaces[0].id == "org/moe-demo"


def test_the_markdown_page_carries_summary_and_keywords(enriched: Hub, client: TestClient) -> None:
    text = client.get(f"/papers/{PAPER_ID}.md").text
    assert "- Keywords: sparse routing, mixture of experts" in text
    assert "## AI summary (fake-llm-7b)\n\nRouting each token to two experts" in text


def test_a_keyword_chip_finds_the_papers_with_that_keyword(enriched: Hub, client: TestClient) -> None:
    seed.store(enriched, [seed.paper("2608.00001", title="Sparse routing without keywords")])
    html = client.get("/search", params={"q": 'keyword:"sparse routing"'}).text
    assert f'href="/papers/{PAPER_ID}"' in html
    assert 'href="/papers/2608.00001"' not in html  # its title has the words, its keywords do not
