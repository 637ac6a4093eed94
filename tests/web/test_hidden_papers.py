"""A hidden paper is absent from every page, feed, API and search result for visitors, until it is unhidden.

The corpus is search_support's, searched with the real MiniLM embedder, so keyword, semantic (unfiltered, and
filtered through the vector index's facts) and hybrid results are all checked, and the similar-papers lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from dailypapers.search.embedders import Embedder
from tests.search.conftest import minilm_dir  # noqa: F401 - pytest fixture `minilm_dir`
from tests.web.discussion_support import make_user
from tests.web.search_support import (
    minilm_fixture,  # noqa: F401 - pytest fixture `minilm`
    store_topical,
    use_search,
)

HIDDEN = "2401.10002"  # "High-resolution image synthesis with latent diffusion models": first for "latent diffusion"
NEIGHBOUR = "2401.10001"  # another diffusion paper, whose nearest neighbour by meaning HIDDEN is


@pytest.fixture
def hub_with_moderator(hub: Hub, tmp_path: Path, minilm: Embedder) -> Hub:
    use_search(hub, tmp_path / "minilm", minilm)
    store_topical(hub)
    return hub


@pytest.fixture
def web(hub_with_moderator: Hub, client: TestClient) -> TestClient:
    return client


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def visitor_reads(web: TestClient, hub: Hub) -> dict[str, str]:
    """What a visitor can get about papers, by where they look (each value is the answer's text)."""
    reads = {f"/api/v1/search {mode}": web.get("/api/v1/search", params={"q": "latent diffusion", "mode": mode}).text
             for mode in ("keyword", "semantic", "hybrid")}  # fmt: skip
    reads["/api/v1/search semantic, filtered"] = web.get(
        "/api/v1/search", params={"q": "image synthesis", "mode": "semantic", "cat": "cs.CV"}
    ).text
    reads["/api/v1/search semantic, excluded word"] = web.get(
        "/api/v1/search", params={"q": "image synthesis -robot", "mode": "semantic"}
    ).text
    reads["/search"] = web.get("/search", params={"q": "latent diffusion"}).text
    reads["/api/papers/search"] = web.get("/api/papers/search", params={"q": "latent diffusion"}).text
    reads["/search.atom"] = web.get("/search.atom", params={"q": "latent diffusion"}).text
    reads["/search.bib"] = web.get("/search.bib", params={"q": "latent diffusion"}).text
    reads["/feeds/author"] = web.get("/feeds/author/Robin Rombach.atom").text
    reads["similar (API)"] = web.get(f"/api/v1/papers/{NEIGHBOUR}/similar", params={"limit": 8}).text
    reads["similar (page)"] = web.get(f"/papers/{NEIGHBOUR}").text
    reads["/api/papers"] = web.get("/api/papers", params={"limit": 100}).text
    reads["profile"] = web.get("/u/ada").text
    reads["collection"] = web.get("/u/ada/c/reading").text
    reads["collection .bib"] = web.get("/u/ada/c/reading.bib").text
    reads["collection .atom"] = web.get("/u/ada/c/reading.atom").text
    return reads


def test_a_hidden_paper_is_absent_everywhere_a_visitor_looks(web: TestClient, hub_with_moderator: Hub) -> None:
    hub = hub_with_moderator
    admin, ada = make_user(hub, "root", admin=True), make_user(hub, "ada")
    hub.set_upvote(ada, HIDDEN, True)
    hub.create_collection(ada, "Reading", is_public=True)
    hub.add_to_collection(ada, "reading", HIDDEN)
    before = visitor_reads(web, hub)
    assert all(HIDDEN in text for text in before.values()), [k for k, v in before.items() if HIDDEN not in v]
    keyword_total = web.get("/api/v1/search", params={"q": "diffusion", "mode": "keyword"}).json()["total"]

    assert hub.hide_paper(admin, HIDDEN, "spam")
    after = visitor_reads(web, hub)
    assert [where for where, text in after.items() if HIDDEN in text] == []
    # Left out before the cut, not after it: counts are exact and the similar list is still full.
    assert web.get("/api/v1/search", params={"q": "diffusion", "mode": "keyword"}).json()["total"] == keyword_total - 1
    assert len(web.get(f"/api/v1/papers/{NEIGHBOUR}/similar", params={"limit": 7}).json()["items"]) == 7  # all others
    for path in (f"/papers/{HIDDEN}", f"/papers/{HIDDEN}.bib", f"/papers/{HIDDEN}.md"):
        assert web.get(path).status_code == 404, path
    for path in (f"/api/v1/papers/{HIDDEN}", f"/api/papers/{HIDDEN}", f"/api/v1/papers/{HIDDEN}/similar"):
        answer = web.get(path)
        assert answer.status_code == 404, path
        assert "removed from this hub by its moderators" in answer.json()["error"]["message"]

    assert hub.unhide_paper(admin, HIDDEN)
    back = visitor_reads(web, hub)
    assert all(HIDDEN in text for text in back.values()), [k for k, v in back.items() if HIDDEN not in v]
