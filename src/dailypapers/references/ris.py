"""RIS files of papers, written by rispy: one `JOUR` record per paper with journal "arXiv", as Google Scholar
exports preprints, so reference managers file them as articles with a citable source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import rispy

from dailypapers.domain.models import Paper
from dailypapers.references.names import split_name

RIS_MEDIA_TYPE = "application/x-research-info-systems; charset=utf-8"
ARXIV_DOI = "10.48550/arXiv.{}"  # every arXiv paper has this DataCite DOI


def ris_name(name: str) -> str:
    """RIS wants `Family, Given[, Suffix]`."""
    family, given, suffix = split_name(name)
    return ", ".join(part for part in (family, given, suffix) if part)


def ris_record(paper: Paper, key: str, note: str = "") -> dict[str, Any]:
    record: dict[str, Any] = {
        "type_of_reference": "JOUR",
        "id": key,
        "title": paper.title,
        "authors": [ris_name(a) for a in paper.authors],
        "year": str(paper.published.year),
        "date": paper.published.strftime("%Y/%m/%d"),
        "journal_name": f"arXiv preprint arXiv:{paper.arxiv_id}",
        "publisher": "arXiv",
        "type_of_work": "Preprint",
        "abstract": paper.abstract,
        # The journal DOI when the paper has one, else arXiv's own: either resolves to the paper.
        "doi": paper.doi or ARXIV_DOI.format(paper.arxiv_id),
        "urls": [paper.abs_url, paper.pdf_url],
        "keywords": list(paper.categories),
    }
    if note:
        record["notes"] = [note]
    return record


def ris(papers: Sequence[Paper], keys: Sequence[str], notes: Mapping[str, str] | None = None) -> str:
    notes = notes or {}
    records = [ris_record(p, k, notes.get(p.arxiv_id, "")) for p, k in zip(papers, keys, strict=True)]
    text: str = rispy.dumps(records)
    return text
