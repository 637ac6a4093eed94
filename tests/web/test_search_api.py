"""GET /api/v1/search and /api/v1/papers/{id}/similar: shapes, filters, paging, modes, errors, the OpenAPI schema."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from dailypapers.search.embedders import Embedder
from tests.search.conftest import minilm_dir  # noqa: F401 - pytest fixture `minilm_dir`
from tests.web import seed
from tests.web.search_support import (
    DIFFUSION,
    minilm_fixture,  # noqa: F401 - pytest fixture `minilm`
    store_topical,
    use_search,
)

PAPER_FIELDS = {
    "id", "version", "title", "abstract", "authors", "categories", "published", "updated", "comment", "journal_ref",
    "doi", "license", "abs_url", "pdf_url", "github_repo", "project_page", "upvotes", "feed",
}  # fmt: skip


@pytest.fixture
def keyword_client(hub: Hub, client: TestClient, tmp_path: Path) -> TestClient:
    use_search(hub, tmp_path / "keyword-only", None)
    store_topical(hub)
    return client


@pytest.fixture
def semantic_client(hub: Hub, client: TestClient, tmp_path: Path, minilm: Embedder) -> TestClient:
    use_search(hub, tmp_path / "minilm", minilm)
    store_topical(hub)
    return client


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def test_search_answers_papers_with_score_and_snippet(keyword_client: TestClient) -> None:
    response = keyword_client.get("/api/v1/search", params={"q": "protein structure", "mode": "keyword"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["etag"]
    body = response.json()
    assert set(body) == {"items", "total", "page", "limit", "next", "mode", "notice"}
    assert body["total"] == 1
    assert (body["page"], body["limit"], body["next"], body["mode"], body["notice"]) == (1, 20, None, "keyword", None)
    (item,) = body["items"]
    assert set(item) == PAPER_FIELDS | {"score", "snippet"}
    assert item["id"] == "2401.40001"
    assert item["title"] == "Highly accurate protein structure prediction"
    assert item["authors"] == ["John Jumper"]
    assert item["score"] > 0
    assert "<mark>" in item["snippet"]


def test_paper_fields_match_the_paper_endpoint(keyword_client: TestClient) -> None:
    hit = keyword_client.get("/api/v1/search", params={"q": "few-shot learners"}).json()["items"][0]
    paper = keyword_client.get("/api/v1/papers/2401.20001").json()
    assert hit["id"] == "2401.20001"
    assert {k: hit[k] for k in PAPER_FIELDS} == paper
    assert hit["feed"]["submitted_by"] == "akhaliq"


def test_snippets_escape_the_abstract(keyword_client: TestClient) -> None:
    item = keyword_client.get("/api/v1/search", params={"q": "video alert", "mode": "keyword"}).json()["items"][0]
    assert item["id"] == "2401.50001"
    assert "<script>" not in item["snippet"]
    assert "&lt;script&gt;" in item["snippet"]
    assert "<script>" in item["abstract"]  # the raw text, as PaperOut gives it; clients escape it themselves


def test_filters_from_parameters_and_query_syntax(keyword_client: TestClient) -> None:
    def search(**params: str) -> list[str]:
        return ids(keyword_client.get("/api/v1/search", params={"mode": "keyword", **params}).json())

    assert search(q="diffusion", cat="cs.CV", **{"from": "2021-01-01", "to": "2024-12-31"}) == ["2401.10002"]
    assert set(search(q="diffusion", code="true")) == {"2401.10001", "2401.10002"}
    assert search(q="diffusion cat:cs.cv year:2025") == ["2401.50001"]
    assert search(q="diffusion -latent author:rombach") == []
    assert search(q='"latent space"') == ["2401.10002"]


def test_paging_with_next_links(hub: Hub, client: TestClient, tmp_path: Path) -> None:
    use_search(hub, tmp_path / "keyword-only", None)
    seed.store(
        hub,
        [
            seed.paper(f"2402.{n:05d}", title=f"Graph networks {n}", published=datetime(2024, 2, 1, tzinfo=UTC))
            for n in range(25)
        ],
    )
    first = client.get("/api/v1/search", params={"q": "graph", "mode": "keyword", "limit": 10})
    body = first.json()
    assert (body["total"], len(body["items"]), body["page"]) == (25, 10, 1)
    assert body["next"].endswith("page=2")
    assert first.headers["link"] == f'<{body["next"]}>; rel="next"'
    seen = ids(body)
    for page in (2, 3):
        body = client.get("/api/v1/search", params={"q": "graph", "mode": "keyword", "limit": 10, "page": page}).json()
        seen += ids(body)
    assert body["next"] is None
    assert len(body["items"]) == 5
    assert sorted(seen) == sorted(f"2402.{n:05d}" for n in range(25))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 251}, "q"),
        ({"q": "diffusion year:abc"}, "is not a year"),
        ({"q": "diffusion before:soon"}, "is not a date"),
        ({"q": "   "}, "empty"),
        ({"q": "diffusion", "mode": "fuzzy"}, "mode"),
        ({"q": "diffusion", "cat": "c$"}, "is not an arXiv category"),
        ({"q": "diffusion", "from": "2024-05-01", "to": "2024-01-01"}, "the date range is empty"),
        ({"q": "diffusion", "from": "yesterday"}, "from"),
        ({"q": "diffusion", "page": "11", "limit": "100"}, "first 1000 results"),
        ({"q": "diffusion", "limit": "101"}, "limit"),
        ({}, "q"),
    ],
)
def test_bad_searches_are_400_with_the_error_body(
    keyword_client: TestClient, params: dict[str, str], message: str
) -> None:
    response = keyword_client.get("/api/v1/search", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert message in error["message"]


def test_hybrid_without_vectors_falls_back_with_a_notice(keyword_client: TestClient) -> None:
    body = keyword_client.get("/api/v1/search", params={"q": "robot"}).json()
    assert body["mode"] == "keyword"
    assert "semantic search is not available" in body["notice"]
    assert set(ids(body)) == {"2401.30001", "2401.30002"}


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_semantic_and_hybrid_use_the_real_embedder(semantic_client: TestClient, mode: str) -> None:
    body = semantic_client.get(
        "/api/v1/search", params={"q": "turning random noise into pictures", "mode": mode}
    ).json()
    assert body["mode"] == mode
    assert body["notice"] is None
    assert set(ids(body)[:3]) <= DIFFUSION, ids(body)


def test_similar_papers_are_topical_neighbours_without_the_paper(semantic_client: TestClient) -> None:
    response = semantic_client.get("/api/v1/papers/2401.30001/similar")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items"}
    assert len(body["items"]) == 5
    assert set(body["items"][0]) == PAPER_FIELDS
    assert "2401.30001" not in ids(body)
    assert ids(body)[0] == "2401.30002"  # the other robot paper
    limited = semantic_client.get("/api/v1/papers/2401.10001v2/similar", params={"limit": 2}).json()
    assert set(ids(limited)) <= DIFFUSION - {"2401.10001"}
    assert len(ids(limited)) == 2


def test_similar_papers_of_an_old_style_id(hub: Hub, client: TestClient, tmp_path: Path, minilm: Embedder) -> None:
    use_search(hub, tmp_path / "minilm", minilm)
    seed.store(hub, [seed.paper("hep-th/9901001", title="Strings"), seed.paper("hep-th/9901002", title="Branes")])
    body = client.get("/api/v1/papers/hep-th/9901001/similar").json()
    assert ids(body) == ["hep-th/9901002"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/papers/2501.99999/similar", 404, "paper_not_found"),
        ("/api/v1/papers/not-an-id/similar", 400, "invalid_arxiv_id"),
        ("/api/v1/papers/2401.10001/similar?limit=21", 400, "invalid_parameter"),
    ],
)
def test_similar_papers_errors(semantic_client: TestClient, path: str, status: int, code: str) -> None:
    response = semantic_client.get(path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_the_paper_endpoint_still_answers(semantic_client: TestClient) -> None:
    assert semantic_client.get("/api/v1/papers/2401.10001").json()["id"] == "2401.10001"


def test_openapi_documents_both_routes_with_their_errors(keyword_client: TestClient) -> None:
    paths = keyword_client.get("/openapi.json").json()["paths"]
    search = paths["/api/v1/search"]["get"]
    assert {"200", "400", "404"} <= set(search["responses"])
    assert {p["name"] for p in search["parameters"]} == {"q", "mode", "cat", "from", "to", "code", "page", "limit"}
    similar = paths["/api/v1/papers/{arxiv_id}/similar"]["get"]
    assert {"200", "400", "404"} <= set(similar["responses"])
    assert "/search" not in paths  # the HTML page stays out of the API schema
