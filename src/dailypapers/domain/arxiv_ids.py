"""arXiv identifiers: parse every form users paste (ids, versions, abs/pdf URLs) into a canonical id."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dailypapers.domain.errors import InvalidArxivId

# New-style ids (since 2007-04): YYMM.NNNN (to 2014) or YYMM.NNNNN; old style: archive(.SUBJ)/YYMMNNN.
_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_ID_RE = re.compile(rf"^(?:{_NEW}|{_OLD})(?:v(?P<version>\d+))?$")
_URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<rest>.+?)(?:\.pdf)?/?$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ArxivRef:
    """A canonical arXiv id with the version the user named, if any."""

    arxiv_id: str
    version: int | None = None


def parse_arxiv_ref(text: str) -> ArxivRef:
    """Accept `2405.15738`, `2405.15738v2`, `arXiv:2405.15738`, abs/pdf URLs and old-style `hep-th/9901001`."""
    candidate = text.strip()
    if candidate.lower().startswith("arxiv:"):
        candidate = candidate[6:]
    url = _URL_RE.match(candidate)
    if url:
        candidate = url.group("rest")
    match = _ID_RE.match(candidate)
    if not match:
        raise InvalidArxivId(f"{text.strip()[:80]!r} is not an arXiv id (expected e.g. 2405.15738 or hep-th/9901001)")
    # Only the shape is checked: an id of the right shape that arXiv never issued (9999.99999) is a
    # "not found", which is what users expect from a URL, not a "malformed input".
    arxiv_id = match.group("new") or match.group("old")
    version = match.group("version")
    if version is not None and int(version) < 1:
        raise InvalidArxivId(f"{text.strip()[:80]!r} is not an arXiv id: versions start at v1")
    return ArxivRef(arxiv_id, int(version) if version else None)


def canonical_arxiv_id(text: str) -> str:
    """The arXiv id without version; raises InvalidArxivId."""
    return parse_arxiv_ref(text).arxiv_id
