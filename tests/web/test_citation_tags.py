"""Highwire `citation_*` meta tags on paper pages (what Zotero's connector reads), parsed with html.parser."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from tests.web import seed

BASE = "http://127.0.0.1:8000"


class _HeadMeta(HTMLParser):
    """(name, content) of every <meta name=…> inside <head>, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.in_head = False
        self.tags: list[tuple[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "meta" and self.in_head and values.get("name"):
            self.tags.append((values["name"] or "", values.get("content") or ""))
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False


def page(client: TestClient, arxiv_id: str) -> _HeadMeta:
    response = client.get(f"/papers/{arxiv_id}")
    assert response.status_code == 200
    parser = _HeadMeta()
    parser.feed(response.text)
    return parser


def citation(parser: _HeadMeta) -> list[tuple[str, str]]:
    return [(name, content) for name, content in parser.tags if name.startswith("citation_")]


def test_paper_page_carries_citation_tags(client: TestClient, hub: Hub) -> None:
    authors = ("Zoë Çelik", "O'Brien <script>", "Ada Lovelace")
    seed.store(
        hub,
        [
            seed.paper(
                "2405.15738",
                title='Quotes "and" <tags> & $x^2$',
                authors=authors,
                published=datetime(2024, 5, 4, 23, 30, tzinfo=UTC),
                updated=datetime(2024, 6, 1, tzinfo=UTC),
                doi="10.1000/abc",
            )
        ],
    )
    tags = citation(page(client, "2405.15738"))
    assert tags == [
        ("citation_title", 'Quotes "and" <tags> & $x^2$'),  # escaped in HTML, exact once parsed
        ("citation_author", "Zoë Çelik"),
        ("citation_author", "O'Brien <script>"),
        ("citation_author", "Ada Lovelace"),
        ("citation_date", "2024/05/04"),  # first publication, not the update
        ("citation_publication_date", "2024/05/04"),
        ("citation_pdf_url", "https://arxiv.org/pdf/2405.15738"),
        ("citation_arxiv_id", "2405.15738"),
        ("citation_abstract_html_url", f"{BASE}/papers/2405.15738"),
        ("citation_doi", "10.1000/abc"),
    ]


def test_no_doi_tag_without_a_doi(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [seed.paper("2608.20001")])
    names = [name for name, _ in citation(page(client, "2608.20001"))]
    assert "citation_doi" not in names
    assert names.count("citation_author") == 2


def test_old_style_ids_and_bibtex_link(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [seed.paper("hep-th/9901001")])
    parser = page(client, "hep-th/9901001")
    assert ("citation_arxiv_id", "hep-th/9901001") in parser.tags
    assert ("citation_abstract_html_url", f"{BASE}/papers/hep-th/9901001") in parser.tags
    assert "/papers/hep-th/9901001.bib" in parser.links
    assert client.get("/papers/hep-th/9901001.bib").status_code == 200


def test_feed_page_links_its_bibtex_and_feeds(client: TestClient, hub: Hub) -> None:
    seed.day_of_papers(hub, date(2026, 8, 20), [3, 1])
    response = client.get("/date/2026-08-20")
    parser = _HeadMeta()
    parser.feed(response.text)
    assert {"/date/2026-08-20.bib", "/feeds/daily.atom", "/feeds/daily.rss"} <= set(parser.links)
    assert client.get("/date/2026-08-20.bib").status_code == 200
