"""Reading the arXiv ids out of an uploaded BibTeX or RIS file (bibtexparser, rispy); the format is detected from
the content. Only values that say they are arXiv count: an eprint field, an arXiv URL, arXiv's DOI
10.48550/arXiv.ID, or an "arXiv:ID" in any field (journal, number, note); every candidate is checked with the
project's arXiv id parser. A bare number in some other field (pages, volume) is never taken for an id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import rispy
from bibtexparser.entrypoint import parse_string

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import InvalidArxivId, InvalidInput

_ID = r"(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_CONTEXT_RES = (
    re.compile(rf"arxiv\.org/(?:abs|pdf|html)/({_ID})", re.IGNORECASE),
    re.compile(rf"10\.48550/arxiv\.({_ID})", re.IGNORECASE),
    re.compile(rf"\barxiv\s*:\s*({_ID})", re.IGNORECASE),
    re.compile(rf"\bcorr\b.*?\babs/({_ID})", re.IGNORECASE | re.DOTALL),  # DBLP: journal CoRR, volume abs/ID
)
# Fields whose whole value is an arXiv id when the entry says it is an arXiv eprint (or does not say).
_EPRINT_FIELDS = ("eprint", "arxivid", "arxiv")
_RIS_START = re.compile(r"^TY  - ", re.MULTILINE)
_BIBTEX_START = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)

# bibtexparser logs every block it cannot parse; one warning per upload is enough (we count them instead).
logging.getLogger("bibtexparser").setLevel(logging.ERROR)


@dataclass(slots=True)
class ParsedReferences:
    """What a reference file holds: its format, how many records, the arXiv ids (file order, each once), and how
    many records name no arXiv paper."""

    format_name: str
    entries: int = 0
    arxiv_ids: list[str] = field(default_factory=list)
    without_id: int = 0


def _canonical(candidate: str) -> str | None:
    try:
        return parse_arxiv_ref(candidate).arxiv_id
    except InvalidArxivId:
        return None


def arxiv_id_in(fields: Mapping[str, str | list[str]]) -> str | None:
    """The arXiv id a record names, or None. `fields` are lower-cased field names (BibTeX) or rispy keys."""
    prefix = str(fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").strip().lower()
    if prefix == "arxiv":
        for name in _EPRINT_FIELDS:
            value = fields.get(name)
            if isinstance(value, str) and (found := _canonical(value)):
                return found
    text = "\n".join(_strings(fields))
    for pattern in _CONTEXT_RES:
        for match in pattern.finditer(text):
            if found := _canonical(match.group(1)):
                return found
    return None


def _strings(fields: Mapping[str, str | list[str]]) -> Iterable[str]:
    for name, value in fields.items():
        if isinstance(value, str):
            yield f"{name}: {value}" if name == "journal" else value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise InvalidInput("the file is binary, not a BibTeX or RIS text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older exports (EndNote, JabRef on Windows)


def parse_references(data: bytes) -> ParsedReferences:
    """Raises InvalidInput when the file is neither BibTeX nor RIS (or has no record at all)."""
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    if _RIS_START.search(text):
        return _parse_ris(text)
    if _BIBTEX_START.search(text):
        return _parse_bibtex(text)
    raise InvalidInput(
        "this is neither a BibTeX file (entries like @article{…}) nor a RIS file (records starting with “TY  - ”)"
    )


def _collect(result: ParsedReferences, records: Iterable[Mapping[str, str | list[str]]]) -> ParsedReferences:
    seen: set[str] = set()
    for record in records:
        result.entries += 1
        found = arxiv_id_in(record)
        if found is None:
            result.without_id += 1
        elif found not in seen:
            seen.add(found)
            result.arxiv_ids.append(found)
    if not result.entries:
        raise InvalidInput(f"the {result.format_name} file has no complete entry")
    return result


def _parse_bibtex(text: str) -> ParsedReferences:
    try:
        library = parse_string(text)
    except Exception as exc:  # bibtexparser has no exception tree of its own; anything here is a bad file
        raise InvalidInput(f"the BibTeX file could not be read: {str(exc)[:200]}") from exc
    records = ({f.key.lower(): str(f.value) for f in entry.fields} for entry in library.entries)
    return _collect(ParsedReferences("BibTeX"), records)


def _parse_ris(text: str) -> ParsedReferences:
    try:
        records = rispy.loads(text, skip_unknown_tags=True)
    except Exception as exc:  # rispy raises plain ValueError / KeyError on malformed tags
        raise InvalidInput(f"the RIS file could not be read: {str(exc)[:200]}") from exc
    return _collect(ParsedReferences("RIS"), records)
