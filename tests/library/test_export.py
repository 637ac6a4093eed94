"""Exports of a collection and of the whole library, parsed back by the libraries that read each format:
bibtexparser (BibTeX), rispy (RIS) and citeproc-py (CSL-JSON, rendered into a real citation)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import rispy
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import LatexDecodingMiddleware
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.hub import Hub
from dailypapers.references import export_references
from dailypapers.references.names import split_name
from tests.library.conftest import IDS, PAPERS
from tests.web.auth_helpers import sign_in

NOTE = "Key idea in §2 — compare with {LLaVA} & 50% of $x^2$"


@pytest.fixture
def filled(lib_hub: Hub, clock: FixedClock) -> str:
    """ada's public collection with every paper (added in list order, so exported newest first: reversed), one
    note; returns its URL."""
    ada = lib_hub.store.get_or_create_user("ada@example.org", "ada", clock.now())
    collection = lib_hub.create_collection(ada, "Everything", is_public=True)
    for arxiv_id in IDS:
        clock.at += timedelta(minutes=1)
        lib_hub.add_to_collection(ada, collection.slug, arxiv_id)
    lib_hub.set_note(ada, collection.slug, IDS[2], NOTE)
    return f"/u/ada/c/{collection.slug}"


def _download(web: TestClient, url: str, media_type: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return response.text


def _plain(value: str) -> str:
    return value.replace("{", "").replace("}", "")


def test_bibtex_round_trips_through_bibtexparser(web: TestClient, filled: str) -> None:
    text = _download(web, f"{filled}.bib", "text/x-bibtex")
    library = parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    entries = library.entries
    assert [e["eprint"] for e in entries] == IDS[::-1]
    for entry, paper in zip(entries, PAPERS[::-1], strict=True):
        assert entry["archivePrefix"] == "arXiv"
        assert _plain(entry["title"]) == _plain(paper.title)  # BibTeX braces are markup, not text
        assert [_plain(a).strip() for a in entry["author"].split(" and ")] == list(paper.authors)
        assert entry["year"] == str(paper.published.year)
    assert _plain(entries[1]["annote"]) == _plain(NOTE)
    assert len({e.key for e in entries}) == len(entries)
    assert entries[2]["doi"] == "10.5555/3295222.3295349"


def test_ris_round_trips_through_rispy(web: TestClient, filled: str) -> None:
    text = _download(web, f"{filled}.ris", "application/x-research-info-systems")
    records = rispy.loads(text)
    assert [r["title"] for r in records] == [p.title for p in PAPERS[::-1]]
    assert records[1]["notes"] == [NOTE]
    for record, paper in zip(records, PAPERS[::-1], strict=True):
        assert f"https://arxiv.org/abs/{paper.arxiv_id}" in record["urls"]
        assert record["journal_name"] == f"arXiv preprint arXiv:{paper.arxiv_id}"
        names = [", ".join(p for p in split_name(a) if p) for a in paper.authors]
        assert record["authors"] == names
        assert record["year"] == str(paper.published.year)
    assert records[1]["authors"] == ["Müller, Zoë", "van Beethoven, Ludwig", "King, Martin Luther, Jr"]
    assert records[0]["doi"] == "10.48550/arXiv.hep-th/9901001"  # arXiv's DOI when the paper has none


def test_csl_json_is_read_and_rendered_by_citeproc(web: TestClient, filled: str) -> None:
    text = _download(web, f"{filled}.json", "application/vnd.citationstyles.csl+json")
    records = json.loads(text)
    source = CiteProcJSON(records)
    # A style citeproc-py ships, so the test needs nothing from the network.
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    citations = [Citation([CitationItem(r["id"])]) for r in records]
    for citation in citations:
        bibliography.register(citation)
    rendered = [str(item) for item in bibliography.bibliography()]
    assert len(rendered) == len(PAPERS)
    vaswani = next(r for r in rendered if "Attention Is All You Need" in r)
    assert vaswani.startswith("Vaswani, A.")
    assert "(2017)" in vaswani
    assert "https://doi.org/10.5555/3295222.3295349" in vaswani
    witten = bibliography.cite(citations[0], lambda item: None)
    assert witten == "(Witten, 1999)"
    by_id = {r["number"]: r for r in records}
    assert by_id[f"arXiv:{IDS[2]}"]["annote"] == NOTE
    assert by_id[f"arXiv:{IDS[2]}"]["author"][2] == {"family": "King", "given": "Martin Luther", "suffix": "Jr"}
    assert by_id[f"arXiv:{IDS[3]}"]["author"] == [{"family": "Witten", "given": "Edward"}]
    assert [r["title"] for r in records] == [p.title for p in PAPERS[::-1]]


def test_the_whole_library_exports_each_paper_once(web: TestClient, lib_hub: Hub, filled: str) -> None:
    ada = sign_in(web, lib_hub)
    lib_hub.save_paper(ada, IDS[0])  # also in "Everything": exported once
    text = _download(web, "/library.bib", "text/x-bibtex")
    assert sorted(e["eprint"] for e in parse_string(text).entries) == sorted(IDS)
    assert len(rispy.loads(_download(web, "/library.ris", "application/x-research-info-systems"))) == len(IDS)
    assert len(json.loads(_download(web, "/library.json", "application/vnd.citationstyles.csl+json"))) == len(IDS)
    assert web.get("/library.docx").status_code == 400
    assert web.get(f"{filled}.docx").status_code == 400


def test_an_empty_export_is_a_valid_empty_file() -> None:
    assert parse_string(export_references([], "bibtex")).entries == []
    assert rispy.loads(export_references([], "ris")) == []
    assert json.loads(export_references([], "csl-json")) == []


def test_paper_bibtex_routes_still_work_after_the_move(web: TestClient) -> None:
    response = web.get(f"/papers/{IDS[1]}.bib")
    assert response.status_code == 200
    assert parse_string(response.text).entries[0]["eprint"] == IDS[1]
