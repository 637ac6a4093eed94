"""The /search page, the header search box and the paper page's similar papers, through an in-process client."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from dailypapers.search.embedders import Embedder
from tests.search.conftest import minilm_dir  # noqa: F401 - pytest fixture `minilm_dir`
from tests.web import seed
from tests.web.search_support import (
    DIFFUSION,
    TOPICAL,
    minilm_fixture,  # noqa: F401 - pytest fixture `minilm`
    store_topical,
    use_search,
)

_RESULT_RE = re.compile(r'class="card search-hit">.*?class="card-title"><a href="/papers/([^"]+)"', re.DOTALL)
_SIMILAR_RE = re.compile(r'<section class="similar".*?</section>', re.DOTALL)


def result_ids(html: str) -> list[str]:
    return _RESULT_RE.findall(html)


@pytest.fixture
def keyword_client(hub: Hub, client: TestClient, tmp_path: Path) -> TestClient:
    """The topical papers in a hub without an embedder: keyword search only."""
    use_search(hub, tmp_path / "keyword-only", None)
    store_topical(hub)
    return client


@pytest.fixture
def semantic_client(hub: Hub, client: TestClient, tmp_path: Path, minilm: Embedder) -> TestClient:
    """The topical papers embedded by the real MiniLM, so semantic search and similar papers have vectors."""
    use_search(hub, tmp_path / "minilm", minilm)
    store_topical(hub)
    return client


# -- the header box --------------------------------------------------------------------------------------


def test_every_page_has_the_header_search_box(keyword_client: TestClient) -> None:
    for path in ["/", "/week", "/date/2026-08-20", "/papers/2401.10001", "/trending", "/signin", "/search", "/nowhere"]:
        response = keyword_client.get(path, follow_redirects=True)
        assert '<form class="site-search" method="get" action="/search" role="search">' in response.text, path
        assert 'name="q"' in response.text


def test_the_header_box_keeps_the_query_on_the_results_page(keyword_client: TestClient) -> None:
    html = keyword_client.get("/search", params={"q": "protein folding"}).text
    assert 'id="site-search-q" type="search" name="q" value="protein folding"' in html


# -- results ---------------------------------------------------------------------------------------------


def test_empty_query_shows_the_syntax_help(keyword_client: TestClient) -> None:
    response = keyword_client.get("/search")
    assert response.status_code == 200
    assert "How to search" in response.text
    assert "has:code" in response.text
    assert "search-hit" not in response.text


def test_keyword_results_with_snippets_counts_and_mode(keyword_client: TestClient) -> None:
    response = keyword_client.get("/search", params={"q": "protein structure", "mode": "keyword"})
    assert response.status_code == 200
    html = response.text
    assert result_ids(html) == ["2401.40001"]
    assert "1 result for “protein structure”" in html
    assert "Keyword search" in html
    assert '<a href="/search?q=protein+structure&amp;mode=keyword" aria-current="page">Keyword</a>' in html
    assert "<mark>protein</mark>" in html or "<mark>proteins</mark>" in html
    assert '<meta name="robots" content="noindex">' in html


def test_results_show_the_feed_entry_and_votes(keyword_client: TestClient) -> None:
    html = keyword_client.get("/search", params={"q": "language models", "mode": "keyword"}).text
    assert result_ids(html)[0] in {"2401.20001", "2401.20002"}
    assert "submitted by akhaliq" in html  # 2401.20001 is on the feed
    assert 'class="upvote upvote-button"' in html


def test_abstract_html_stays_escaped_in_snippets(keyword_client: TestClient) -> None:
    html = keyword_client.get("/search", params={"q": "video generation alert", "mode": "keyword"}).text
    assert "2401.50001" in result_ids(html)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>" in html  # the markup the search code adds is kept


def test_query_syntax_filters_are_applied_and_shown(keyword_client: TestClient) -> None:
    html = keyword_client.get("/search", params={"q": "diffusion year:2020 has:code", "mode": "keyword"}).text
    assert result_ids(html) == ["2401.10001"]
    assert "published 2020-01-01 – 2020-12-31" in html
    assert '<span class="filter">has code</span>' in html

    html = keyword_client.get("/search", params={"q": "diffusion -latent author:rombach"}).text
    assert result_ids(html) == []
    assert "author: rombach" in html
    assert "without “latent”" in html
    assert "No papers match" in html


def test_form_filters_combine_with_the_query(keyword_client: TestClient) -> None:
    params = {"q": "diffusion", "mode": "keyword", "cat": "cs.CV", "from": "2021-01-01", "to": "2024-12-31"}
    html = keyword_client.get("/search", params=params).text
    assert result_ids(html) == ["2401.10002"]
    assert "category: cs.cv" in html
    assert 'name="cat" value="cs.CV"' in html
    assert 'name="from" value="2021-01-01"' in html

    assert 'href="/search.atom?q=diffusion+cat%3Acs.CV+after%3A2021-01-01+before%3A2024-12-31"' in html
    feed = keyword_client.get("/search.atom", params={"q": "diffusion cat:cs.CV after:2021-01-01 before:2024-12-31"})
    assert feed.status_code == 200
    assert "2401.10002" in feed.text
    assert "2401.10001" not in feed.text

    html = keyword_client.get("/search", params={"q": "learning", "mode": "keyword", "code": "1"}).text
    assert set(result_ids(html)) == {"2401.30001"}
    assert 'name="code" value="1" checked' in html
    html = keyword_client.get("/search", params={"q": "diffusion", "from": "2024", "mode": "keyword"}).text
    assert result_ids(html) == ["2401.50001"]


def test_hybrid_without_vectors_says_so_and_uses_keywords(keyword_client: TestClient) -> None:
    html = keyword_client.get("/search", params={"q": "robot"}).text
    assert "semantic search is not available yet" in html
    assert "Keyword search" in html
    assert set(result_ids(html)) == {"2401.30001", "2401.30002"}


def test_pagination_links_work_without_javascript(hub: Hub, client: TestClient, tmp_path: Path) -> None:
    use_search(hub, tmp_path / "keyword-only", None)
    seed.store(
        hub,
        [
            seed.paper(
                f"2402.{n:05d}", title=f"Graph networks study {n}", published=datetime(2024, 1, 1 + n % 28, tzinfo=UTC)
            )
            for n in range(45)
        ],
    )
    first = client.get("/search", params={"q": "graph", "mode": "keyword"}).text
    assert "45 results" in first
    assert len(result_ids(first)) == 20
    assert '<a rel="next" href="/search?q=graph&amp;mode=keyword&amp;p=2">' in first
    assert 'rel="prev"' not in first
    second = client.get("/search", params={"q": "graph", "mode": "keyword", "p": "2"}).text
    assert len(result_ids(second)) == 20
    assert not set(result_ids(first)) & set(result_ids(second))
    assert '<ol class="cards search-results" start="21">' in second
    third = client.get("/search", params={"q": "graph", "mode": "keyword", "p": "3"}).text
    assert len(result_ids(third)) == 5
    assert 'rel="next"' not in third
    assert '<a rel="prev" href="/search?q=graph&amp;mode=keyword&amp;p=2">' in third
    past = client.get("/search", params={"q": "graph", "mode": "keyword", "p": "4"})
    assert past.status_code == 404
    assert "past the last page" in past.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 251}, "longer than 250 characters"),
        ({"q": "diffusion year:abc"}, "is not a year"),
        ({"q": "diffusion after:2024-13-01"}, "is not a real date"),
        ({"q": "diffusion year:2024 before:2023-01-01"}, "the date range is empty"),
        ({"q": "diffusion", "mode": "fuzzy"}, "mode must be one of"),
        ({"q": "diffusion", "p": "two"}, "is not a page number"),
        ({"q": "diffusion", "p": "51"}, "first 1000 results"),
        ({"q": "diffusion", "from": "2024-02-30"}, "is not a real date"),
        ({"q": "diffusion", "from": "0"}, "from: &#39;0&#39; is not a date"),
        ({"q": "diffusion", "to": "9999"}, "outside this hub&#39;s calendar"),
        ({"q": "diffusion year:0000"}, "outside this hub&#39;s calendar"),
        ({"q": "diffusion", "from": "2024-05-01", "to": "2024-01-01"}, "the date range is empty"),
        ({"q": "diffusion", "cat": "<b>"}, "is not an arXiv category"),
        ({"q": "diffusion", "code": "maybe"}, "is not a yes/no value"),
        ({"q": "   "}, None),
    ],
)
def test_bad_queries_are_a_400_page_with_the_form_kept(
    keyword_client: TestClient, params: dict[str, str], message: str | None
) -> None:
    response = keyword_client.get("/search", params=params)
    if message is None:  # a blank query is the empty search page, not an error
        assert response.status_code == 200
        assert "How to search" in response.text
        return
    assert response.status_code == 400
    assert "This search cannot run" in response.text
    assert message in response.text
    assert 'action="/search"' in response.text
    assert "How to search" in response.text
    assert "<b>" not in response.text.split('class="message">')[1].split("</p>")[0]


# -- semantic search and similar papers (real MiniLM) ---------------------------------------------------


def test_semantic_mode_finds_papers_by_meaning(semantic_client: TestClient) -> None:
    html = semantic_client.get("/search", params={"q": "generating photographs from noise", "mode": "semantic"}).text
    assert "Semantic search" in html
    assert "not available" not in html
    top = result_ids(html)[:3]
    assert set(top) <= DIFFUSION, top
    hybrid = semantic_client.get("/search", params={"q": "robot arm picks up objects"}).text
    assert "Hybrid search" in hybrid
    assert set(result_ids(hybrid)[:2]) == {"2401.30001", "2401.30002"}


def test_paper_page_lists_similar_papers_by_meaning(semantic_client: TestClient) -> None:
    html = semantic_client.get("/papers/2401.10001").text
    block = _SIMILAR_RE.search(html)
    assert block is not None
    assert "Similar papers" in block.group(0)
    similar = re.findall(r'<a href="/papers/([^"]+)">', block.group(0))
    assert len(similar) == 5
    assert "2401.10001" not in similar
    assert set(similar[:3]) == DIFFUSION - {"2401.10001"}, similar


def test_similar_papers_block_is_hidden_when_there_are_none(
    hub: Hub, client: TestClient, tmp_path: Path, minilm: Embedder
) -> None:
    use_search(hub, tmp_path / "minilm", minilm)
    seed.store(hub, [TOPICAL[0]])  # the only paper: no neighbours
    html = client.get("/papers/2401.10001").text
    assert "Similar papers" not in html
    assert 'class="similar"' not in html
