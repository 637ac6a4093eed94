"""Importing BibTeX and RIS files: real-looking exports (arXiv, Zotero, Mendeley, Google Scholar, DBLP; Zotero RIS),
ids found only where they say they are arXiv, unknown papers fetched from the fake arXiv within the bound, clear 4xx
for garbage, and imported papers counting as saved."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dailypapers.domain.errors import InvalidInput
from dailypapers.hub import Hub
from dailypapers.references import parse_references
from dailypapers.usecases.library import IMPORT_FETCH_LIMIT, MAX_IMPORT_BYTES
from tests.fakes.arxiv_server import API_PATH, FakeArxiv, paper_record
from tests.library.conftest import IDS
from tests.web.auth_helpers import csrf_token, sign_in

CONV, ATTN, TRICKY, OLD = IDS

ARXIV_EXPORT = """@misc{ge2024convllavahierarchicalbackbonesvisual,
      title={ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models},
      author={Chunjiang Ge and Sijie Cheng and Ziming Wang and Jiale Yuan and Yuan Gao and Jun Song},
      year={2024},
      eprint={2405.15738},
      archivePrefix={arXiv},
      primaryClass={cs.CV},
      url={https://arxiv.org/abs/2405.15738},
}
"""

ZOTERO_EXPORT = """
@misc{vaswani_attention_2023,
\ttitle = {Attention {Is} {All} {You} {Need}},
\turl = {http://arxiv.org/abs/1706.03762},
\tdoi = {10.48550/arXiv.1706.03762},
\tabstract = {The dominant sequence transduction models are based on complex recurrent networks.},
\turldate = {2024-01-10},
\tpublisher = {arXiv},
\tauthor = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki},
\tmonth = aug,
\tyear = {2023},
\tnote = {arXiv:1706.03762 [cs]},
\tkeywords = {Computer Science - Computation and Language, Computer Science - Machine Learning},
}

@article{lecun_deep_2015,
\ttitle = {Deep learning},
\tvolume = {521},
\tissn = {1476-4687},
\turl = {https://www.nature.com/articles/nature14539},
\tdoi = {10.1038/nature14539},
\tjournal = {Nature},
\tauthor = {LeCun, Yann and Bengio, Yoshua and Hinton, Geoffrey},
\tmonth = may,
\tyear = {2015},
\tpages = {436--444},
}
"""

OTHER_STYLES = r"""
% Google Scholar
@article{muller2026scaling,
  title={Scaling {$O(n^2)$} attention},
  author={M{\"u}ller, Zo{\"e} and van Beethoven, Ludwig},
  journal={arXiv preprint arXiv:2608.00003},
  year={2026}
}
% DBLP
@article{DBLP:journals/corr/VaswaniSPUJGKP17,
  author       = {Ashish Vaswani and Noam Shazeer},
  title        = {Attention Is All You Need},
  journal      = {CoRR},
  volume       = {abs/1706.03762},
  year         = {2017},
  eprinttype    = {arXiv},
  eprint       = {1706.03762},
}
% Mendeley, old-style id with a version
@article{Witten1999,
  archivePrefix = {arXiv},
  arxivId = {hep-th/9901001v2},
  author = {Witten, Edward},
  title = {{Old-style identifiers still work}},
  year = {1999}
}
% an eprint that is not arXiv, and numbers that only look like ids
@article{hal, eprint = {2405.99999}, eprinttype = {HAL}, title = {Not arXiv}}
@article{pages, journal = {Nature}, volume = {1706}, pages = {1706.03762}, title = {Numbers}}
"""

ZOTERO_RIS = """TY  - GEN
TI  - Attention Is All You Need
AU  - Vaswani, Ashish
AU  - Shazeer, Noam
AB  - The dominant sequence transduction models are based on complex recurrent networks.
DA  - 2023/08/01/
PY  - 2023
DO  - 10.48550/arXiv.1706.03762
DP  - arXiv.org
PB  - arXiv
UR  - http://arxiv.org/abs/1706.03762
Y2  - 2024/01/10/20:11:32
N1  - arXiv:1706.03762 [cs]
KW  - Computer Science - Computation and Language
ER  -

TY  - JOUR
TI  - Old-style identifiers still work
AU  - Witten, Edward
PY  - 1999
UR  - https://arxiv.org/abs/hep-th/9901001v2
ER  -

TY  - JOUR
TI  - Deep learning
AU  - LeCun, Yann
T2  - Nature
VL  - 521
SP  - 436
EP  - 444
PY  - 2015
DO  - 10.1038/nature14539
ER  -
""".replace("ER  -\n", "ER  - \n")  # as Zotero writes it, with a trailing space


def test_bibtex_styles_yield_the_arxiv_ids_they_name() -> None:
    arxiv = parse_references(ARXIV_EXPORT.encode())
    assert (arxiv.format_name, arxiv.entries, arxiv.arxiv_ids, arxiv.without_id) == ("BibTeX", 1, [CONV], 0)
    zotero = parse_references(ZOTERO_EXPORT.encode())
    assert (zotero.entries, zotero.arxiv_ids, zotero.without_id) == (2, [ATTN], 1)
    others = parse_references(OTHER_STYLES.encode())
    assert others.arxiv_ids == [TRICKY, ATTN, OLD]
    assert (others.entries, others.without_id) == (5, 2)


def test_ris_from_zotero_yields_its_arxiv_ids() -> None:
    parsed = parse_references(ZOTERO_RIS.encode())
    assert (parsed.format_name, parsed.entries, parsed.arxiv_ids, parsed.without_id) == ("RIS", 3, [ATTN, OLD], 1)
    # Windows line ends, a byte-order mark and a Latin-1 export read the same.
    bom = b"\xef\xbb\xbf" + ZOTERO_RIS.replace("\n", "\r\n").encode()
    assert parse_references(bom).arxiv_ids == [ATTN, OLD]
    latin = ZOTERO_RIS.replace("Vaswani, Ashish", "Vaswaní, Ashish").encode("latin-1")
    assert parse_references(latin).arxiv_ids == [ATTN, OLD]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just some words, no references", "neither a BibTeX file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"@article{broken, title={never closed", "no complete entry"),
        (b"TY  - JOUR\nTI  - no end record\n", "no complete entry"),
    ],
)
def test_garbage_is_a_clear_invalid_input(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_references(data)


def test_import_fills_a_collection_and_counts_as_saved(lib_hub: Hub) -> None:
    ada = lib_hub.store.get_or_create_user("ada@example.org", "ada", lib_hub.clock.now())
    report = lib_hub.import_references(ada, (ARXIV_EXPORT + OTHER_STYLES).encode())
    assert report.collection.name == "Imported"
    assert report.added == [CONV, TRICKY, ATTN, OLD]
    assert (report.entries, report.without_id, report.unknown, report.fetched) == (6, 2, [], [])
    assert report.collection.item_count == 4
    assert lib_hub.saved_paper_ids(ada, 10) == [CONV, TRICKY, ATTN, OLD]  # file order: the top is "newest"
    again = lib_hub.import_references(ada, ZOTERO_RIS.encode(), "Imported")
    assert (again.added, again.already) == ([], [ATTN, OLD])
    named = lib_hub.import_references(ada, ZOTERO_RIS.encode(), "Reading group 2024")
    assert (named.collection.slug, named.added) == ("reading-group-2024", [ATTN, OLD])
    with pytest.raises(InvalidInput, match="none names an arXiv paper"):
        lib_hub.import_references(ada, b"@article{x, title={Deep learning}, journal={Nature}}")


def test_unknown_papers_are_fetched_from_arxiv_up_to_the_bound(lib_hub: Hub, arxiv_server: FakeArxiv) -> None:
    arxiv_server.set_api_paper(paper_record("2608.12345", title="Fresh from arXiv"))
    unknown = ["2608.12345", *[f"2608.2000{n}" for n in range(IMPORT_FETCH_LIMIT + 2)]]
    bib = "".join(f"@misc{{k{n}, eprint={{{i}}}, archivePrefix={{arXiv}}}}\n" for n, i in enumerate([CONV, *unknown]))
    ada = lib_hub.store.get_or_create_user("ada@example.org", "ada", lib_hub.clock.now())
    report = lib_hub.import_references(ada, bib.encode())
    assert report.fetched == ["2608.12345"]
    assert report.added == [CONV, "2608.12345"]
    assert report.unknown == unknown[1:]
    assert len([r for r in arxiv_server.received if r.path == API_PATH]) == IMPORT_FETCH_LIMIT
    paper = lib_hub.store.get_paper("2608.12345")
    assert paper is not None
    assert paper.title == "Fresh from arXiv"


def _upload(web: TestClient, name: str, data: bytes, collection: str = "Imported") -> tuple[int, str]:
    response = web.post(
        "/library/import",
        data={"csrf_token": csrf_token(web), "name": collection},
        files={"file": (name, data, "application/octet-stream")},
    )
    return response.status_code, response.text


def test_the_upload_form(web: TestClient, lib_hub: Hub) -> None:
    sign_in(web, lib_hub)
    assert 'enctype="multipart/form-data"' in web.get("/library").text
    status, page = _upload(web, "zotero.bib", ZOTERO_EXPORT.encode(), "Transformers")
    assert status == 200
    assert '1 paper added to <a href="/u/ada/c/transformers">Transformers</a>' in page
    assert "1 record named no arXiv paper" in page
    status, page = _upload(web, "scholar.ris", ZOTERO_RIS.encode(), "Transformers")
    assert "1 paper added" in page
    assert "1 already there" in page
    assert ATTN in web.get("/u/ada/c/transformers").text


def test_bad_uploads_are_4xx_with_a_reason(web: TestClient, lib_hub: Hub) -> None:
    sign_in(web, lib_hub)
    status, page = _upload(web, "notes.txt", b"hello world")
    assert status == 400
    assert "notes.txt: this is neither a BibTeX file" in page
    status, page = _upload(web, "huge.bib", b"%" * (MAX_IMPORT_BYTES + 1))
    assert status == 413
    assert "larger than 2 MB" in page
    status, _page = _upload(web, "empty.bib", b"")
    assert status == 400
    no_file = web.post("/library/import", data={"csrf_token": csrf_token(web), "name": "x"})
    assert no_file.status_code == 400
    assert "Choose a BibTeX" in no_file.text
    no_csrf = web.post("/library/import", files={"file": ("a.bib", ARXIV_EXPORT.encode(), "text/plain")})
    assert no_csrf.status_code == 403
