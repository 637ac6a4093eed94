"""CSL-JSON (the Citation Style Language's input format, read by Zotero, pandoc and citeproc) for papers.

Records are plain dicts shaped like Zotero's export of an arXiv preprint (type `article`, publisher arXiv,
number `arXiv:ID`, arXiv's DOI) and serialised with the json library; no CSL library is needed to write them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from dailypapers.domain.models import Paper
from dailypapers.references.names import split_name
from dailypapers.references.ris import ARXIV_DOI

CSL_JSON_MEDIA_TYPE = "application/vnd.citationstyles.csl+json"


def csl_name(name: str) -> dict[str, str]:
    family, given, suffix = split_name(name)
    if not given:
        return {"literal": family}  # one word: an organisation or a mononym, never to be reordered
    parts = {"family": family, "given": given}
    if suffix:
        parts["suffix"] = suffix
    return parts


def csl_record(paper: Paper, key: str, note: str = "") -> dict[str, Any]:
    published = paper.published
    record: dict[str, Any] = {
        "id": key,
        "type": "article",  # CSL 1.0.2's type for preprints and other unpublished articles
        "title": paper.title,
        "author": [csl_name(a) for a in paper.authors],
        "issued": {"date-parts": [[published.year, published.month, published.day]]},
        "publisher": "arXiv",
        "number": f"arXiv:{paper.arxiv_id}",
        "genre": "Preprint",
        "abstract": paper.abstract,
        "DOI": paper.doi or ARXIV_DOI.format(paper.arxiv_id),
        "URL": paper.abs_url,
    }
    if paper.categories:
        record["keyword"] = ", ".join(paper.categories)
    if note:
        record["annote"] = note
    return record


def csl_json(papers: Sequence[Paper], keys: Sequence[str], notes: Mapping[str, str] | None = None) -> str:
    notes = notes or {}
    records = [csl_record(p, k, notes.get(p.arxiv_id, "")) for p, k in zip(papers, keys, strict=True)]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
