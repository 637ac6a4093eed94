"""arXiv OAI-PMH ListRecords: the request arguments and the parsing of `metadataPrefix=arXiv` pages; no I/O."""

from __future__ import annotations

from datetime import date
from xml.etree.ElementTree import Element

from dailypapers.adapters.arxiv_xml import MalformedResponse, find_github_repo, parse_xml, text_of
from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import BadResumptionToken, InvalidArxivId, InvalidRecord, SourceError
from dailypapers.domain.models import HarvestPage, Paper
from dailypapers.domain.records import clean_text, parse_timestamp

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
METADATA_PREFIX = "arXiv"

_O = f"{{{OAI_NS}}}"
_A = f"{{{ARXIV_NS}}}"


def list_records_params(set_spec: str, from_date: date | None, resumption_token: str | None) -> dict[str, str]:
    """Query arguments of one ListRecords request.

    OAI-PMH makes resumptionToken an exclusive argument: a repository answers badArgument when the token
    comes with metadataPrefix, set or from, so a continuation sends the token alone.
    """
    if resumption_token:
        return {"verb": "ListRecords", "resumptionToken": resumption_token}
    params = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX, "set": set_spec}
    if from_date is not None:
        params["from"] = from_date.isoformat()
    return params


def parse_list_records(body: bytes) -> HarvestPage:
    """One ListRecords response as a page of papers; raises BadResumptionToken, SourceError, MalformedResponse."""
    root = parse_xml(body, f"{_O}OAI-PMH")
    errors = root.findall(f"{_O}error")
    if errors:
        return _error_page(errors)
    listing = root.find(f"{_O}ListRecords")
    if listing is None:
        raise MalformedResponse("OAI-PMH response has neither <ListRecords> nor <error>")
    papers: list[Paper] = []
    rejected: list[tuple[str, str]] = []
    for number, record in enumerate(listing.findall(f"{_O}record"), start=1):
        identifier = text_of(record, f"{_O}header/{_O}identifier") or f"record {number}"
        try:
            paper = _record_paper(record)
        except InvalidRecord as exc:
            rejected.append((identifier, str(exc)))
            continue
        if paper is not None:
            papers.append(paper)
    token, size = _resumption(listing.find(f"{_O}resumptionToken"))
    return HarvestPage(tuple(papers), token, tuple(rejected), size)


def _error_page(errors: list[Element]) -> HarvestPage:
    codes = {e.get("code", ""): clean_text(e.text) for e in errors}
    if "noRecordsMatch" in codes:
        # Nothing changed since `from`: an ordinary, empty answer for an incremental harvest.
        return HarvestPage((), None)
    if "badResumptionToken" in codes:
        detail = codes["badResumptionToken"] or "expired or invalid"
        raise BadResumptionToken(f"arXiv OAI-PMH rejected the resumption token: {detail}")
    described = "; ".join(f"{code}: {message}" if message else code for code, message in codes.items())
    raise SourceError(f"arXiv OAI-PMH error: {described}")


def _resumption(element: Element | None) -> tuple[str | None, int | None]:
    if element is None:
        return None, None
    size_text = element.get("completeListSize")
    size = int(size_text) if size_text and size_text.isascii() and size_text.isdigit() else None
    # An empty resumptionToken element is how OAI-PMH marks the last page of a list.
    return clean_text(element.text) or None, size


def _record_paper(record: Element) -> Paper | None:
    """A record's paper, None for a deleted record; raises InvalidRecord naming what is wrong."""
    header = record.find(f"{_O}header")
    if header is not None and header.get("status") == "deleted":
        return None
    meta = record.find(f"{_O}metadata/{_A}arXiv")
    if meta is None:
        raise InvalidRecord("record has no arXiv metadata")
    raw_id = text_of(meta, f"{_A}id")
    if raw_id is None:
        raise InvalidRecord("missing <id>")
    try:
        arxiv_id = parse_arxiv_ref(raw_id).arxiv_id
    except InvalidArxivId as exc:
        raise InvalidRecord(str(exc)) from None
    title, abstract = text_of(meta, f"{_A}title"), text_of(meta, f"{_A}abstract")
    if title is None or abstract is None:
        raise InvalidRecord(f"missing {'<title>' if title is None else '<abstract>'}")
    authors = tuple(a for a in map(_author_name, meta.findall(f"{_A}authors/{_A}author")) if a)
    if not authors:
        raise InvalidRecord("missing <authors>")
    updated = text_of(meta, f"{_A}updated")
    comment = text_of(meta, f"{_A}comments")
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=authors,
        published=parse_timestamp(text_of(meta, f"{_A}created"), "created"),
        version=0,  # this metadata format does not say which version it describes
        updated=parse_timestamp(updated, "updated") if updated else None,
        categories=tuple((text_of(meta, f"{_A}categories") or "").split()),
        comment=comment,
        journal_ref=text_of(meta, f"{_A}journal-ref"),
        doi=text_of(meta, f"{_A}doi"),
        license=text_of(meta, f"{_A}license"),
        github_repo=find_github_repo(comment, abstract),
    )


def _author_name(author: Element) -> str:
    # "Forenames Keyname Suffix"; collaborations come as a keyname alone.
    parts = (text_of(author, f"{_A}{part}") for part in ("forenames", "keyname", "suffix"))
    return " ".join(p for p in parts if p)
