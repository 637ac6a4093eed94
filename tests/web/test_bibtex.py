"""BibTeX exports: parsed back with bibtexparser (keys, fields, escaping round trips), list exports, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexDecodingMiddleware
from fastapi.testclient import TestClient

from dailypapers.domain.models import Paper
from dailypapers.hub import Hub
from dailypapers.web.citations import bibtex, cite_key, latex_escape, unique_keys
from tests.web import seed

TRICKY_TITLE = "100% of {Sets} & R&D_2 #1 ~ a^b \\o/ costs $5 for $\\alpha_{t}$-Nets"


def parse(text: str) -> Library:
    """Parse as a reader would: strip the enclosing braces, then decode LaTeX back to unicode text."""
    library = parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    return library


def convllava(**fields: object) -> Paper:
    values: dict[str, object] = {
        "title": "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models",
        "authors": ("Chunjiang Ge", "Sijie Cheng", "Gao Huang"),
        "published": datetime(2024, 5, 24, 17, 0, tzinfo=UTC),
        "categories": ("cs.CV", "cs.AI"),
    }
    values.update(fields)
    return seed.paper("2405.15738", **values)


def test_paper_bibtex_follows_arxiv_conventions(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [convllava(doi="10.1000/xyz-1")])
    response = client.get("/papers/2405.15738.bib")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/x-bibtex; charset=utf-8"
    assert response.headers["content-disposition"] == 'inline; filename="2405.15738.bib"'
    assert "title = {{ConvLLaVA: Hierarchical" in response.text  # inner braces keep the capitals

    (entry,) = parse(response.text).entries
    assert entry.entry_type == "misc"
    assert entry.key == "ge2024convllava"
    assert {k: f.value for k, f in entry.fields_dict.items()} == {
        "title": "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models",
        "author": "Chunjiang Ge and Sijie Cheng and Gao Huang",
        "year": "2024",
        "eprint": "2405.15738",
        "archivePrefix": "arXiv",
        "primaryClass": "cs.CV",
        "doi": "10.1000/xyz-1",
        "url": "https://arxiv.org/abs/2405.15738",
    }


def test_any_id_form_gives_the_canonical_entry(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [convllava()])
    (entry,) = parse(client.get("/papers/2405.15738v2.bib").text).entries
    assert entry["eprint"] == "2405.15738"
    assert "doi" not in entry.fields_dict


def test_old_style_ids(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [seed.paper("hep-th/9901001", categories=("hep-th",))])
    response = client.get("/papers/hep-th/9901001.bib")
    assert response.status_code == 200
    assert 'filename="hep-th_9901001.bib"' in response.headers["content-disposition"]
    assert parse(response.text).entries[0]["eprint"] == "hep-th/9901001"


def test_special_characters_and_unicode_survive_a_round_trip(client: TestClient, hub: Hub) -> None:
    authors = ("José Núñez-García", "Zoë Çelik", "Wang Xiǎomíng", "Ng & Partners")
    seed.store(hub, [seed.paper("2608.00001", title=TRICKY_TITLE, authors=authors)])
    text = client.get("/papers/2608.00001.bib").text
    (entry,) = parse(text).entries
    # pylatexenc reads \textasciicircum as U+02C6 (modifier circumflex); LaTeX prints a caret
    assert entry["title"].replace("\u02c6", "^") == TRICKY_TITLE
    assert entry["author"] == " and ".join(authors)
    assert entry.key == "nunezgarcia2026100"  # ASCII-folded surname, year, first title word


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("A lone { brace", "A lone { brace"),  # unbalanced: escaped as \textbraceleft{}, braces stay balanced
        ("Unbalanced $x^{2$ formula", "Unbalanced $x^{2$ formula"),
    ],
)
def test_unbalanced_braces_never_break_the_file(title: str, expected: str) -> None:
    text = bibtex([seed.paper("2608.00002", title=title)])
    library = parse_string(text)
    assert library.failed_blocks == []
    assert library.entries[0]["eprint"] == "2608.00002"  # the title did not swallow the following fields
    assert text.count("{") == text.count("}")


def test_math_is_kept_verbatim() -> None:
    assert latex_escape("Fast $O(n \\log n)$ sorting & more") == "Fast $O(n \\log n)$ sorting \\& more"
    assert latex_escape("costs $5 and $10") == "costs \\$5 and \\$10"


def test_keys_skip_articles_and_survive_missing_ascii() -> None:
    assert cite_key(seed.paper("2608.1", title="The Pile", authors=("Leo Gao",))) == "gao2026pile"
    assert cite_key(seed.paper("2608.2", title="深度学习", authors=("王小明",))) == "anonymous2026paper"


def test_duplicate_keys_get_letter_suffixes() -> None:
    papers = [
        seed.paper("2608.1", title="Attention is all", authors=("Ada Lovelace",)),
        seed.paper("2608.2", title="Other things", authors=("Alan Turing",)),
        seed.paper("2608.3", title="Attention again", authors=("Ada Lovelace",)),
        seed.paper("2608.4", title="Attention!", authors=("Ada Lovelace",)),
    ]
    keys = unique_keys(papers)
    assert keys == ["lovelace2026attentiona", "turing2026other", "lovelace2026attentionb", "lovelace2026attentionc"]
    assert len(set(keys)) == len(keys)


def test_day_export_lists_the_day_by_upvotes_with_unique_keys(client: TestClient, hub: Hub) -> None:
    day = date(2026, 8, 20)
    seed.store(
        hub,
        [
            seed.paper("2608.20001", title="Scaling laws", imported_upvotes=1),
            seed.paper("2608.20002", title="Scaling laws revisited", imported_upvotes=9),
            seed.paper("2608.19001", title="Elsewhere"),
        ],
        [
            seed.entry("2608.20001", day),
            seed.entry("2608.20002", day, minute=1),
            seed.entry("2608.19001", date(2026, 8, 19)),
        ],
    )
    response = client.get("/date/2026-08-20.bib")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'inline; filename="2026-08-20.bib"'
    entries = parse(response.text).entries
    assert [e["eprint"] for e in entries] == ["2608.20002", "2608.20001"]
    assert [e.key for e in entries] == ["lovelace2026scalinga", "lovelace2026scalingb"]
    assert [e["title"] for e in entries] == ["Scaling laws revisited", "Scaling laws"]

    week = parse(client.get("/week/2026-W34.bib").text).entries
    assert {e["eprint"] for e in week} == {"2608.20001", "2608.20002", "2608.19001"}
    assert len(parse(client.get("/month/2026-08.bib").text).entries) == 3
    assert parse(client.get("/month/2026-07.bib").text).entries == []


def test_search_export(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [convllava(), seed.paper("2608.00003", title="Unrelated")])
    response = client.get("/search.bib", params={"q": "convllava"})
    assert response.status_code == 200
    assert [e["eprint"] for e in parse(response.text).entries] == ["2405.15738"]


def test_bibtex_responses_carry_an_etag(client: TestClient, hub: Hub) -> None:
    seed.store(hub, [convllava()])
    etag = client.get("/papers/2405.15738.bib").headers["etag"]
    assert client.get("/papers/2405.15738.bib", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/papers/2405.99999.bib", 404),
        ("/papers/not-an-id.bib", 400),
        ("/date/2026-02-30.bib", 400),
        ("/week/2026-W60.bib", 400),
        ("/month/2026-13.bib", 400),
        ("/search.bib", 400),
        ("/search.bib?q=" + "x" * 251, 400),
    ],
)
def test_errors(client: TestClient, url: str, status: int) -> None:
    assert client.get(url).status_code == status
