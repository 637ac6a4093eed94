"""arXiv query API (Atom) answers for `id_list=ID[,ID…]`: parsed into the papers' latest versions; no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree.ElementTree import Element

from dailypapers.adapters.arxiv_xml import find_github_repo, parse_xml, text_of
from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import InvalidArxivId, InvalidRecord, SourceError
from dailypapers.domain.models import Paper
from dailypapers.domain.records import parse_timestamp

ATOM_NS = "http://www.w3.org/2005/Atom"
ARXIV_ATOM_NS = "http://arxiv.org/schemas/atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"

_W = f"{{{ATOM_NS}}}"
_X = f"{{{ARXIV_ATOM_NS}}}"
_S = f"{{{OPENSEARCH_NS}}}"

# The API reports a bad id as an entry of its own rather than as an HTTP error.
_ERROR_ID_PREFIX = "http://arxiv.org/api/errors"


def parse_feed(body: bytes, arxiv_id: str) -> Paper | None:
    """The entry for `arxiv_id` in an API feed; None when arXiv does not know the id.

    Raises MalformedResponse for XML that is not an Atom feed, SourceError for a feed about another paper
    or an entry that cannot become a paper.
    """
    feed = parse_xml(body, f"{_W}feed")
    if text_of(feed, f"{_S}totalResults") == "0":
        return None
    entries = [e for e in feed.findall(f"{_W}entry") if not (text_of(e, f"{_W}id") or "").startswith(_ERROR_ID_PREFIX)]
    if not entries:
        return None
    for entry in entries:
        try:
            paper = _entry_paper(entry)
        except InvalidRecord as exc:
            raise SourceError(f"arXiv API entry for {arxiv_id} is unusable: {exc}") from None
        if paper.arxiv_id == arxiv_id:
            return paper
    raise SourceError(f"arXiv API was asked for {arxiv_id} but answered about another paper")


def parse_feed_many(body: bytes, arxiv_ids: Sequence[str]) -> dict[str, Paper]:
    """The entries of an `id_list=A,B,…` answer that are about the asked papers, by id (unknown ids are absent).

    Raises MalformedResponse for XML that is not an Atom feed; an entry that cannot become a paper is left out
    (it is one paper of many: the others still count).
    """
    feed = parse_xml(body, f"{_W}feed")
    wanted = set(arxiv_ids)
    found: dict[str, Paper] = {}
    for entry in feed.findall(f"{_W}entry"):
        if (text_of(entry, f"{_W}id") or "").startswith(_ERROR_ID_PREFIX):
            continue
        try:
            paper = _entry_paper(entry)
        except InvalidRecord:
            continue
        if paper.arxiv_id in wanted:
            found[paper.arxiv_id] = paper
    return found


def _entry_paper(entry: Element) -> Paper:
    entry_id = text_of(entry, f"{_W}id")
    if entry_id is None:
        raise InvalidRecord("missing <id>")
    try:
        ref = parse_arxiv_ref(entry_id)  # http://arxiv.org/abs/2405.15738v2: the version rides on the id
    except InvalidArxivId as exc:
        raise InvalidRecord(str(exc)) from None
    title, summary = text_of(entry, f"{_W}title"), text_of(entry, f"{_W}summary")
    if title is None or summary is None:
        raise InvalidRecord(f"missing {'<title>' if title is None else '<summary>'}")
    authors = tuple(a for a in (text_of(e, f"{_W}name") for e in entry.findall(f"{_W}author")) if a)
    if not authors:
        raise InvalidRecord("missing <author>")
    published = parse_timestamp(text_of(entry, f"{_W}published"), "published")
    updated_text = text_of(entry, f"{_W}updated")
    updated = parse_timestamp(updated_text, "updated") if updated_text else None
    comment = text_of(entry, f"{_X}comment")
    return Paper(
        arxiv_id=ref.arxiv_id,
        title=title,
        abstract=summary,
        authors=authors,
        published=published,
        version=ref.version or 0,
        # Atom repeats `published` as `updated` for a v1; only a later date is news.
        updated=updated if updated and updated > published else None,
        categories=_categories(entry),
        comment=comment,
        journal_ref=text_of(entry, f"{_X}journal_ref"),
        doi=text_of(entry, f"{_X}doi"),
        github_repo=find_github_repo(comment, summary),
    )


def _categories(entry: Element) -> tuple[str, ...]:
    primary = entry.find(f"{_X}primary_category")
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.findall(f"{_W}category")]
    # dict.fromkeys keeps the first occurrence, so the primary category stays first.
    return tuple(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
