"""Author names and paper links as authors edit them: name keys, look-alike names, link checks. Pure, no I/O.

A name is kept exactly as the paper lists it. Two keys index it: the *match key* (accents dropped, case folded,
punctuation as spaces: rules.normalise_author) and the *initials key* (given names cut to their initials), which
finds every spelling that could be the same person — "Chengsong Huang", "chengsong huang", "C. Huang". Which of
those really are look-alikes is decided here (`variant_kind`); pages offer them as links and never merge them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.rules import MAX_AUTHOR_LENGTH, normalise_author
from dailypapers.domain.urls import checked_url

VariantKind = Literal["spelling", "initials"]
# Organization names as Hugging Face spells them ("google", "NationalUniversityofSingapore", "Qwen", "ai2-lab").
_ORG_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
_GITHUB_HOSTS = ("github.com", "www.github.com")
_GITHUB_PART_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_HAS_LETTER = re.compile(r"[^\W_]")  # a letter or digit, in any script


def clean_author_name(raw: str) -> str:
    """The name as written with runs of white space as one space; InvalidInput when empty, too long or unprintable."""
    name = " ".join(raw.split())
    if not name or len(name) > MAX_AUTHOR_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InvalidInput(f"an author's name is 1 to {MAX_AUTHOR_LENGTH} printable characters, as the paper lists it")
    return name


def initials_key(name: str) -> str:
    """ "Chengsong Huang", "C. Huang" and "Chen Huang" → "c huang": the family name with the given names' initials."""
    words = normalise_author(name).split()
    if len(words) < 2:
        return " ".join(words)
    return " ".join([w[0] for w in words[:-1]] + [words[-1]])


def index_entries(authors: tuple[str, ...] | list[str]) -> list[tuple[int, str, str]]:
    """(position, name, initials key) of each author name worth an author page: white space tidied, names
    longer than an author's name can be (a mangled record) or without a letter left out."""
    entries = []
    for position, raw in enumerate(authors):
        found = _index_key(raw)
        if found is not None:
            entries.append((position, *found))
    return entries


@functools.lru_cache(maxsize=65_536)  # prolific authors recur on every page of an import
def _index_key(raw: str) -> tuple[str, str] | None:
    name = " ".join(raw.split())
    key = initials_key(name)
    if not name or len(name) > MAX_AUTHOR_LENGTH or not _HAS_LETTER.search(key):
        return None
    return name, key


def variant_kind(a: str, b: str) -> VariantKind | None:
    """How two different spellings may name one person: "spelling" (accents, case, punctuation), "initials"
    ("C. Huang" / "Chengsong Huang"), or None ("Chen Huang" / "Chengsong Huang" are different people's names)."""
    if a == b:
        return None
    key_a, key_b = normalise_author(a), normalise_author(b)
    if key_a == key_b:
        return "spelling"
    words_a, words_b = key_a.split(), key_b.split()
    if len(words_a) != len(words_b) or len(words_a) < 2 or words_a[-1] != words_b[-1]:
        return None
    for x, y in zip(words_a[:-1], words_b[:-1], strict=True):
        if x != y and not ((len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y))):
            return None
    return "initials"


@dataclass(frozen=True, slots=True)
class NameVariant:
    """Another spelling found in the hub, with how many papers list it, offered as an "also:" link."""

    name: str
    papers: int
    kind: VariantKind


def name_variants(name: str, candidates: list[tuple[str, int]]) -> list[NameVariant]:
    """The candidates (spellings sharing `name`'s initials key, with paper counts) that are look-alikes of `name`,
    most papers first."""
    found = [NameVariant(other, count, kind) for other, count in candidates if (kind := variant_kind(name, other))]
    return sorted(found, key=lambda v: (-v.papers, v.name))


# -- links an author edits -----------------------------------------------------------------------------------


def https_url(raw: str | None, what: str) -> str | None:
    """A stripped https URL naming a host, without user name or password; None for empty; InvalidInput else."""
    return checked_url(raw, what, schemes=("https",))


def github_repo_url(raw: str | None) -> str | None:
    """`https://github.com/OWNER/NAME` for any URL inside a repository (`…/tree/main`, `.git`, `www.`, a query
    or fragment); None for empty; InvalidInput for anything that is not a GitHub repository over https."""
    text = https_url(raw, "GitHub repository")
    if text is None:
        return None
    parts = urlsplit(text)
    segments = [s for s in parts.path.split("/") if s]
    if (parts.hostname or "").lower() not in _GITHUB_HOSTS or parts.port is not None or len(segments) < 2:
        raise InvalidInput("the GitHub repository must be a URL like https://github.com/OWNER/NAME")
    owner, name = segments[0], segments[1].removesuffix(".git")
    if not all(_GITHUB_PART_RE.match(p) and p not in (".", "..") for p in (owner, name)):
        raise InvalidInput("the GitHub repository must be a URL like https://github.com/OWNER/NAME")
    return f"https://github.com/{owner}/{name}"


def organization_name(raw: str | None) -> str | None:
    """An organization as upstream hubs name it (letters, digits, `-`, `_`, `.`; up to 96); None for empty."""
    text = (raw or "").strip()
    if not text:
        return None
    if not _ORG_RE.match(text):
        raise InvalidInput(
            "an organization is named like on Hugging Face: letters, digits, '-', '_' or '.', up to 96 characters "
            f"(e.g. google), not {text[:60]!r}"
        )
    return text


def organization_lookup(raw: str | None) -> str | None:
    """An organization name to look up (`/orgs/NAME`, `?org=`): any name an upstream used, so only printable and
    at most 255 characters; None for empty. New names set by hand follow `organization_name`'s stricter rule."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > 255 or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidInput("an organization name is up to 255 printable characters")
    return text


@dataclass(frozen=True, slots=True)
class PaperLinks:
    """What an author, the submitter or an admin may set on a paper: code, project page, organization."""

    github_repo: str | None
    project_page: str | None
    organization: str | None

    @classmethod
    def parse(cls, github_repo: str | None, project_page: str | None, organization: str | None) -> PaperLinks:
        """Checked and normalised links; InvalidInput with the reason for the first bad one."""
        page = https_url(project_page, "project page")
        return cls(github_repo_url(github_repo), page, organization_name(organization))
