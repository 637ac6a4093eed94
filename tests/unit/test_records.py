from datetime import UTC, date, datetime
from typing import Any

import pytest

from dailypapers.domain.errors import InvalidRecord
from dailypapers.domain.records import detect_format, parse_record

SNAPSHOT: dict[str, Any] = {
    "id": "0704.0001",
    "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
    "comments": "37 pages, 15 figures; published version",
    "journal-ref": "Phys.Rev.D76:013009,2007",
    "doi": "10.1103/PhysRevD.76.013009",
    "report-no": "ANL-HEP-PR-07-12",
    "categories": "hep-ph",
    "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented.\n",
    "versions": [
        {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
        {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
    ],
    "update_date": "2008-11-13",
    "authors_parsed": [
        ["Balázs", "C.", ""],
        ["Berger", "E. L.", ""],
        ["Nadolsky", "P. M.", ""],
        ["Yuan", "C. -P.", ""],
    ],
}

HF: dict[str, Any] = {
    "arxiv_id": "2405.15738",
    "title": "ConvLLaVA",
    "abstract": "Abstract.",
    "authors": ["Chunjiang Ge", "Sijie Cheng"],
    "published": "2024-05-24",
    "published_at": "2024-05-24T17:34:15.000Z",
    "daily_date": "2024-05-27",
    "submitted_on_daily_at": "2024-05-27T03:50:58.348Z",
    "upvotes": 32,
    "num_comments": 3,
    "submitted_by": "akhaliq",
    "organization": None,
    "github": "https://github.com/alibaba/conv-llava",
    "github_stars": None,
    "project_page": None,
}


def test_snapshot_record() -> None:
    assert detect_format(SNAPSHOT) == "snapshot"
    paper = parse_record("snapshot", SNAPSHOT).paper
    assert paper.arxiv_id == "0704.0001"
    assert paper.version == 2
    assert paper.title.startswith("Calculation of prompt diphoton production cross sections at Tevatron and LHC")
    assert paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert paper.published == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert paper.updated == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert paper.categories == ("hep-ph",)
    assert paper.abstract == "A fully differential calculation in perturbative quantum chromodynamics is presented."
    assert (paper.doi, paper.journal_ref) == ("10.1103/PhysRevD.76.013009", "Phys.Rev.D76:013009,2007")


def test_hf_daily_record_creates_feed_entry() -> None:
    assert detect_format(HF) == "hf-daily"
    record = parse_record("hf-daily", HF)
    assert record.paper.imported_upvotes == 32
    assert record.paper.github_repo == "https://github.com/alibaba/conv-llava"
    assert record.paper.published == datetime(2024, 5, 24, 17, 34, 15, tzinfo=UTC)
    assert record.feed_entry is not None
    assert record.feed_entry.feed_date == date(2024, 5, 27)
    assert record.feed_entry.submitted_by == "akhaliq"
    assert record.feed_entry.imported_comments == 3


def test_papers_record_takes_first_github_link() -> None:
    obj = {
        "arxiv_id": "2401.10241",
        "title": "Zero Bubble",
        "abstract": "x",
        "authors": ["Penghui Qi"],
        "categories": ["cs.DC", "cs.LG"],
        "published": "2023-11-30",
        "github": ["https://github.com/sail-sg/zero-bubble.git", "https://github.com/other/repo"],
        "upvotes": 19,
    }
    assert detect_format(obj) == "papers"
    paper = parse_record("papers", obj).paper
    assert paper.github_repo == "https://github.com/sail-sg/zero-bubble"
    assert paper.categories == ("cs.DC", "cs.LG")
    assert paper.primary_category == "cs.DC"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arxiv_id": None}, "missing 'arxiv_id'"),
        ({"arxiv_id": "12345"}, "not an arXiv id"),
        ({"title": "  "}, "missing or empty 'title'"),
        ({"authors": []}, "missing 'authors'"),
        ({"daily_date": "2024-13-01"}, "'daily_date' is not a date"),
        ({"published_at": "yesterday"}, "'published' is not a date"),
    ],
)
def test_bad_records_are_rejected_with_the_field_named(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRecord, match=message):
        parse_record("hf-daily", {**HF, **change})


def test_unknown_format() -> None:
    with pytest.raises(InvalidRecord, match="unknown record format"):
        detect_format({"name": "x"})
