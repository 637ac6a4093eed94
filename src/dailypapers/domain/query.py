"""The search query language, parsed into a ParsedQuery: pure functions, no index and no I/O.

Syntax: plain words, `"quoted phrases"`, `-word` / `-"phrase"` exclusions, `author:name` / `author:"Full Name"`,
`category:cs.CL` / `cat:cs` (an archive matches all its categories), `year:2024` / `year:2020-2024`,
`after:2024-01-31` / `before:2024-06-30` (inclusive), `has:code`, `keyword:"diffusion models"` (a paper's keywords,
what its keyword chips link to). Unknown `field:` prefixes and stray quotes are
read as plain words, so a malformed query still searches; only values that cannot mean anything (a year that is
not a year) raise InvalidInput, with a message saying what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from dailypapers.domain.errors import InvalidInput, InvalidPeriod
from dailypapers.domain.periods import parse_day_or_year, parse_year

MAX_QUERY_LENGTH = 250

_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))')
_YEAR_RANGE = re.compile(r"^(\d{4})?(?:\s*(?:-|\.\.)\s*(\d{4})?)?$")
_CATEGORY = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)?$", re.IGNORECASE)


def is_category_term(value: str) -> bool:
    """Whether `cat:` can ask for this value (arXiv's "cs.CV", "cs", "astro-ph.GA"; not MSC codes like "68T07")."""
    return bool(_CATEGORY.match(value))


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Restrictions applied before ranking cuts the list: every one must hold for a paper to be a result."""

    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # lowercased; any one of them matches
    start: date | None = None  # published on or after
    end: date | None = None  # published on or before
    has_code: bool = False
    keywords: tuple[str, ...] = ()  # each must be one of the paper's keywords (as a phrase)

    @property
    def active(self) -> bool:
        return bool(self.authors or self.categories or self.start or self.end or self.has_code or self.keywords)

    def merged(self, other: SearchFilters) -> SearchFilters:
        """Both sets of restrictions (e.g. the query's own and the form's filters)."""
        return SearchFilters(
            authors=self.authors + other.authors,
            categories=self.categories + other.categories,
            start=max((d for d in (self.start, other.start) if d), default=None),
            end=min((d for d in (self.end, other.end) if d), default=None),
            has_code=self.has_code or other.has_code,
            keywords=self.keywords + other.keywords,
        )


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What a user asked for: words and phrases to rank by, exclusions, and filters."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()  # words or phrases that must not appear
    filters: SearchFilters = field(default_factory=SearchFilters)
    # Papers that must not be results whatever they match: the engine fills it from moderation, never the user.
    excluded_ids: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        """The free text to rank by (what the embedder sees)."""
        return " ".join((*self.phrases, *self.words))

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def length(self) -> int:
        """How many words and phrases it ranks by: a few are a remembered name, many a sentence."""
        return len(self.words) + len(self.phrases)

    def with_filters(self, filters: SearchFilters) -> ParsedQuery:
        return replace(self, filters=self.filters.merged(filters))


def parse_query(text: str) -> ParsedQuery:
    """Parse a search box query; raises InvalidInput when it is empty, too long, or has a meaningless value."""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"the search query is longer than {MAX_QUERY_LENGTH} characters")
    if not text.strip():
        raise InvalidInput("the search query is empty")
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    authors: list[str] = []
    categories: list[str] = []
    start: date | None = None
    end: date | None = None
    has_code = False
    keywords: list[str] = []
    for match in _TOKEN.finditer(text):
        negated, prefix, quoted, bare = match.group(1), match.group(2), match.group(3), match.group(4)
        value = (quoted if quoted is not None else bare or "").strip()
        key = (prefix or "").lower()
        if key and not value:
            raise InvalidInput(f"`{prefix}:` needs a value, e.g. {_EXAMPLES.get(key, prefix + ':word')}")
        if key == "author":
            authors.append(value)
        elif key in ("keyword", "kw"):
            keywords.append(value)
        elif key in ("category", "cat"):
            if not _CATEGORY.match(value):
                raise InvalidInput(f"`{prefix}:{value}` is not an arXiv category; write e.g. cat:cs.CL or cat:cs")
            categories.append(value.lower())
        elif key == "year":
            first, last = _parse_years(value)
            start, end = _narrow(start, first, max), _narrow(end, last, min)
        elif key in ("after", "since", "from"):
            start = _narrow(start, _parse_date(prefix or key, value, end=False), max)
        elif key in ("before", "until", "to"):
            end = _narrow(end, _parse_date(prefix or key, value, end=True), min)
        elif key == "has":
            if value.lower() not in ("code", "github"):
                raise InvalidInput(f"`has:{value}` is not a filter; the only one is has:code")
            has_code = True
        else:
            # No recognised field: the whole token is text (`foo:bar` searches for foo and bar).
            content = f"{prefix}:{value}" if prefix else value
            content = content.strip('"').strip()
            if not content or not any(ch.isalnum() for ch in content):
                continue
            if negated:
                excluded.append(content)
            elif quoted is not None and " " in content:
                phrases.append(content)
            else:
                words.append(content)
    if start and end and start > end:
        raise InvalidInput(f"the date range is empty: {start.isoformat()} is after {end.isoformat()}")
    filters = SearchFilters(tuple(authors), tuple(categories), start, end, has_code, tuple(keywords))
    parsed = ParsedQuery(tuple(words), tuple(phrases), tuple(excluded), filters)
    if not parsed.has_text and not filters.active:
        raise InvalidInput("the search query has nothing to search for; type some words")
    return parsed


_EXAMPLES = {
    "author": 'author:"Geoffrey Hinton"',
    "category": "category:cs.CL",
    "cat": "cat:cs.CL",
    "year": "year:2024 or year:2020-2024",
    "after": "after:2024-01-31",
    "before": "before:2024-06-30",
    "has": "has:code",
    "keyword": 'keyword:"diffusion models"',
    "kw": 'kw:"diffusion models"',
}


def _narrow(current: date | None, new: date | None, pick: Callable[[date, date], date]) -> date | None:
    if new is None:
        return current
    return new if current is None else pick(current, new)


def _parse_years(value: str) -> tuple[date | None, date | None]:
    match = _YEAR_RANGE.match(value)
    if not match or not (match.group(1) or match.group(2)):
        raise InvalidInput(f"`year:{value}` is not a year; write year:2024, year:2020-2024 or year:2020-")
    first, last = match.group(1), match.group(2)
    ranged = "-" in value or ".." in value
    end_year = last if ranged else first
    try:
        start = date(parse_year(first), 1, 1) if first else None
        end = date(parse_year(end_year), 12, 31) if end_year else None
    except InvalidPeriod as exc:
        raise InvalidInput(f"`year:{value}`: {exc}") from None
    return start, end


def _parse_date(name: str, value: str, *, end: bool) -> date:
    """`after:` / `before:` values, read by the hub's one date-filter parser (a bare year is its first / last day)."""
    try:
        return parse_day_or_year(value, end=end)
    except InvalidPeriod as exc:
        raise InvalidInput(f"`{name}:{value[:40]}`: {exc}") from None
