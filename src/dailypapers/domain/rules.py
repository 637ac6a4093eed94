"""A member's explicit rules — followed authors and categories, keyword include / exclude phrases — matched
against papers. Pure: no I/O; the for-you page, its private feed and the digest all filter through PersonalRules.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import Paper

FollowKind = Literal["author", "category"]
RuleKind = Literal["include", "exclude"]
FOLLOW_KINDS: tuple[FollowKind, ...] = ("author", "category")
RULE_KINDS: tuple[RuleKind, ...] = ("include", "exclude")
MAX_FOLLOWS = 200  # per member, authors and categories together
MAX_RULES = 100  # per member, include and exclude together
MAX_PHRASE_LENGTH = 100
MAX_AUTHOR_LENGTH = 200
_CATEGORY_RE = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$")  # cs.LG, math.AP, hep-th, astro-ph.GA
_PUNCT_AS_SPACE = str.maketrans({"-": " ", "‐": " ", "‑": " ", ".": " ", ",": " ", "_": " "})


@functools.lru_cache(maxsize=65_536)  # the for-you ranking matches every candidate's authors on every request
def normalise_author(name: str) -> str:
    """The match key of an author name: accents dropped, case folded, hyphens / dots / runs of spaces as one space.

    "Zoë  Müller-Lüdenscheidt" and "zoe muller ludenscheidt" share a key; "Y. LeCun" and "Yann LeCun" do not (we
    cannot know they are one person — the disambiguation hint on the follow page helps the member decide).
    """
    if name.isascii():  # most names: nothing to decompose (the author index keys every name of every import)
        return " ".join(name.casefold().translate(_PUNCT_AS_SPACE).split())
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().translate(_PUNCT_AS_SPACE).split())


def parse_author(raw: str) -> tuple[str, str]:
    """(match key, label as written) of an author name typed or clicked; InvalidInput when empty or too long."""
    label = " ".join(raw.split())
    if not label or len(label) > MAX_AUTHOR_LENGTH or any(ord(c) < 32 for c in raw):
        raise InvalidInput(f"write an author's name as arXiv lists it, up to {MAX_AUTHOR_LENGTH} characters")
    key = normalise_author(label)
    if not any(ch.isalnum() for ch in key):
        raise InvalidInput("an author's name needs at least one letter")
    return key, label


def parse_category(raw: str) -> str:
    """An arXiv category such as cs.LG or hep-th (archive lower-case, as arXiv writes them); InvalidInput else."""
    value = raw.strip()
    archive, dot, rest = value.partition(".")
    value = archive.lower() + dot + (rest.upper() if len(rest) == 2 else rest)  # cs.lg → cs.LG; math.ap → math.AP
    if not _CATEGORY_RE.match(value) or len(value) > 32:
        raise InvalidInput(f"{raw.strip()[:40]!r} is not an arXiv category such as cs.LG, math.PR or hep-th")
    return value


def parse_phrase(raw: str) -> str:
    """A keyword rule's phrase: lower-cased, quotes and extra spaces dropped; InvalidInput when unusable."""
    text = " ".join(raw.replace('"', " ").replace("“", " ").replace("”", " ").split()).lower()
    if not text or len(text) > MAX_PHRASE_LENGTH or any(ord(c) < 32 for c in raw):
        raise InvalidInput(f"a keyword is a word or phrase of 1 to {MAX_PHRASE_LENGTH} characters")
    if not any(ch.isalnum() for ch in text):
        raise InvalidInput("a keyword needs at least one letter or digit")
    return text


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, case-insensitive, any whitespace between the words: "graph" does not match "paragraph"."""
    words = r"\s+".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Follow:
    """One followed author (`value` the normalised name) or category; `label` as the member saw it."""

    kind: FollowKind
    value: str
    label: str
    created_at: datetime
    id: int = 0


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """An include or exclude phrase (stored lower-cased), matched on whole words over title and abstract."""

    kind: RuleKind
    phrase: str
    created_at: datetime
    id: int = 0


@dataclass(frozen=True, slots=True)
class PersonalRules:
    """Everything a member asked for explicitly, ready to match papers.

    A paper is allowed when no exclude phrase matches its title or abstract and, if there are include phrases, one
    of them matches — or it is by an author the member follows (an explicit follow outranks a keyword filter).
    Followed categories never filter; they only raise papers and explain why (see reason).
    """

    authors: tuple[tuple[str, str], ...] = ()  # (normalised name, label)
    categories: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    _include_re: tuple[tuple[str, re.Pattern[str]], ...] = field(default=(), init=False, repr=False, compare=False)
    _exclude_re: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Compiled once per member and request, not once per paper.
        object.__setattr__(self, "_include_re", tuple((p, phrase_pattern(p)) for p in self.include))
        object.__setattr__(self, "_exclude_re", tuple(phrase_pattern(p) for p in self.exclude))

    @classmethod
    def of(cls, follows: Iterable[Follow], rules: Iterable[KeywordRule]) -> PersonalRules:
        follows, rules = list(follows), list(rules)
        return cls(
            authors=tuple((f.value, f.label) for f in follows if f.kind == "author"),
            categories=tuple(f.value for f in follows if f.kind == "category"),
            include=tuple(r.phrase for r in rules if r.kind == "include"),
            exclude=tuple(r.phrase for r in rules if r.kind == "exclude"),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.authors or self.categories or self.include or self.exclude)

    def allows(self, paper: Paper) -> bool:
        text = _text(paper)
        if any(pattern.search(text) for pattern in self._exclude_re):
            return False
        if not self._include_re:
            return True
        return self.followed_author(paper) is not None or self.matched_keyword(paper) is not None

    def followed_author(self, paper: Paper) -> str | None:
        """The first followed author who wrote the paper, spelled as the paper spells it (the member may have
        typed "grace  HOPPER")."""
        if not self.authors:
            return None
        on_paper = {normalise_author(name): name for name in paper.authors}
        return next((on_paper[key] for key, _ in self.authors if key in on_paper), None)

    def followed_category(self, paper: Paper) -> str | None:
        return next((c for c in paper.categories if c in self.categories), None)

    def matched_keyword(self, paper: Paper) -> str | None:
        text = _text(paper)
        return next((phrase for phrase, pattern in self._include_re if pattern.search(text)), None)

    def reason(self, paper: Paper) -> str | None:
        """Why the member's own rules point at this paper, in words; None when nothing they follow matches."""
        author = self.followed_author(paper)
        if author is not None:
            return f"By {author}, an author you follow"
        category = self.followed_category(paper)
        if category is not None:
            return f"In {category}, which you follow"
        keyword = self.matched_keyword(paper)
        if keyword is not None:
            return f"Matches your keyword “{keyword}”"
        return None


def _text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}"


@dataclass(frozen=True, slots=True)
class PersonalSignals:
    """What one member told us, as the digest planner reads it for many members at once: follows and keyword
    rules, saved papers (most recent first), "not interested" papers, and whether a saved search alerts."""

    rules: PersonalRules = PersonalRules()
    saved: tuple[str, ...] = ()
    disliked: frozenset[str] = frozenset()
    has_alerts: bool = False


def liked_ids(upvoted: Iterable[str], saved: Iterable[str], disliked: Collection[str]) -> list[str]:
    """A member's positives for the for-you ranking and the digest's picks: upvoted, then saved papers, each once,
    minus any they marked "not interested" since."""
    return [i for i in dict.fromkeys([*upvoted, *saved]) if i not in disliked]
