"""Reference files: papers out as BibTeX, RIS and CSL-JSON (one key scheme for all three), arXiv ids in from
BibTeX and RIS. Maintained libraries write and read the formats (bibtexparser, rispy; CSL-JSON is plain JSON)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from dailypapers.domain.models import Paper
from dailypapers.references.bibtex import BIBTEX_MEDIA_TYPE, bibtex, unique_keys
from dailypapers.references.csl import CSL_JSON_MEDIA_TYPE, csl_json
from dailypapers.references.imports import ParsedReferences, parse_references
from dailypapers.references.ris import RIS_MEDIA_TYPE, ris

ReferenceFormat = Literal["bibtex", "ris", "csl-json"]
FORMATS: dict[ReferenceFormat, tuple[str, str]] = {  # format → (file extension, media type)
    "bibtex": ("bib", BIBTEX_MEDIA_TYPE),
    "ris": ("ris", RIS_MEDIA_TYPE),
    "csl-json": ("json", CSL_JSON_MEDIA_TYPE),
}


def export_references(papers: Sequence[Paper], fmt: ReferenceFormat, notes: Mapping[str, str] | None = None) -> str:
    """`papers` in order as a file of format `fmt`; `notes` (by arXiv id) go in each format's annotation field."""
    if fmt == "bibtex":
        return bibtex(papers, notes)
    keys = unique_keys(papers)
    if fmt == "ris":
        return ris(papers, keys, notes)
    return csl_json(papers, keys, notes)


__all__ = ["FORMATS", "ParsedReferences", "ReferenceFormat", "export_references", "parse_references"]
