"""Safe XML reading shared by the arXiv parsers (defusedxml, text helpers, code links); no network here."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from dailypapers.domain.errors import SourceError
from dailypapers.domain.records import clean_text

# GitHub repository links as authors write them in abstracts and comments ("Code: https://github.com/o/r.").
_GITHUB_RE = re.compile(r"https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+)", re.IGNORECASE)
# github.com paths that are site pages, not an owner's repositories.
_NOT_OWNERS = frozenset({"about", "features", "orgs", "settings", "sponsors", "topics", "marketplace"})


class MalformedResponse(SourceError):
    """A response that is not the XML we asked for (truncated, an HTML error page); worth retrying."""


def parse_xml(body: bytes, root_tag: str) -> Element:
    """Parse untrusted XML and check its root element (`{namespace}name`)."""
    try:
        root = SafeET.fromstring(body)
    except SafeET.ParseError as exc:
        raise MalformedResponse(f"malformed XML ({exc}) in a {len(body)}-byte response") from None
    except DefusedXmlException as exc:
        # Entity expansion or external references: hostile or broken, never retried into.
        raise SourceError(f"refused unsafe XML: {exc}") from None
    if root.tag != root_tag:
        raise MalformedResponse(f"expected <{_local(root_tag)}> but the response starts with <{_local(root.tag)}>")
    return root


def text_of(parent: Element, path: str) -> str | None:
    """The whitespace-collapsed text of the first `path` child (nested markup included), None when empty."""
    element = parent.find(path)
    if element is None:
        return None
    return clean_text("".join(element.itertext())) or None


def find_github_repo(*texts: str | None) -> str | None:
    """The first GitHub repository URL mentioned in the texts, normalised to https://github.com/owner/repo."""
    for text in texts:
        for match in _GITHUB_RE.finditer(text or ""):
            owner, repo = match.group(1), match.group(2).rstrip(".").removesuffix(".git")
            if owner.lower() not in _NOT_OWNERS and repo:
                return f"https://github.com/{owner}/{repo}"
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
