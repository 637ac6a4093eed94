"""BibTeX entries for papers: arXiv's own export style (`@misc` with eprint / archivePrefix / primaryClass).

bibtexparser's v2 model and writer produce the file; this module only decides keys and escapes field values.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.model import Block, Entry, Field

from dailypapers.domain.models import Paper

BIBTEX_MEDIA_TYPE = "text/x-bibtex; charset=utf-8"

# Articles carry no information, so keys use the next word (as Google Scholar does): "The Pile" → gao2020pile.
_KEY_STOPWORDS = frozenset({"a", "an", "the"})

# Inline math as arXiv writes it: `$…$`, opening `$` not followed by a space, closing `$` not preceded by one and
# not followed by a digit, so "costs $5 and $10" stays text. Math spans are copied verbatim: they are LaTeX already.
_MATH_RE = re.compile(r"(?<!\\)\$(?=\S)(?:[^$\\]|\\.)+?(?<![\s\\])\$(?!\d)")

# Outside math every LaTeX special is escaped. `\textbackslash{}` etc. end in `{}` so a following letter is not
# read as part of the command name.
_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIALS_RE = re.compile(r"[\\&%$#_~^{}]")

# -- building ----------------------------------------------------------------------------------------------


def latex_escape(text: str) -> str:
    """Plain text with `$math$` spans → a BibTeX-safe LaTeX value whose braces are balanced."""
    parts: list[str] = []
    position = 0
    for match in _MATH_RE.finditer(text):
        span = match.group()
        if not _balanced(span):
            continue  # an unbalanced formula would end the BibTeX field early: escape it as text instead
        parts.append(_escape_text(text[position : match.start()]))
        parts.append(span)
        position = match.end()
    parts.append(_escape_text(text[position:]))
    return "".join(parts)


def _escape_text(text: str) -> str:
    # BibTeX counts every brace, escaped or not: `\{…\}` is safe only when the braces pair up; a lone brace gets
    # the text-mode command instead, which has no brace of its own to count.
    braces = {"{": r"\{", "}": r"\}"} if _balanced(text) else {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
    return _SPECIALS_RE.sub(lambda m: braces.get(m.group()) or _ESCAPES[m.group()], text)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def cite_key(paper: Paper) -> str:
    """`ge2024convllava`: first author's last name, year of first publication, first significant title word."""
    surname = _ascii_word(paper.authors[0].split()[-1]) if paper.authors and paper.authors[0].split() else ""
    words = [_ascii_word(word) for word in paper.title.split()]
    word = next((w for w in words if w and w not in _KEY_STOPWORDS), "")
    # A name or title with no ASCII letters at all (e.g. written in CJK) still needs a usable key.
    return f"{surname or 'anonymous'}{paper.published.year}{word or 'paper'}"


def unique_keys(papers: Sequence[Paper]) -> list[str]:
    """Keys for a list: a key shared by several papers gets `a`, `b`, … in list order, never clashing."""
    keys = [cite_key(p) for p in papers]
    counts = Counter(keys)
    used = {k for k in keys if counts[k] == 1}
    result = []
    next_suffix: Counter[str] = Counter()
    for key in keys:
        if counts[key] == 1:
            result.append(key)
            continue
        while (candidate := key + _suffix(next_suffix[key])) in used:
            next_suffix[key] += 1
        next_suffix[key] += 1
        used.add(candidate)
        result.append(candidate)
    return result


def _suffix(index: int) -> str:
    """a, b, …, z, aa, ab, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _author_field(authors: Sequence[str]) -> str:
    # A name containing the word "and" would be split by BibTeX; braces make it one name.
    names = [f"{{{latex_escape(a)}}}" if " and " in f" {a.lower()} " else latex_escape(a) for a in authors]
    return " and ".join(names)


def bibtex_entry(paper: Paper, key: str, note: str = "") -> Entry:
    """An arXiv-style `@misc` entry; the extra braces around the title keep BibTeX styles from lowercasing it.
    A member's note goes in `annote` (annotated bibliographies print it; Zotero imports it as a note)."""
    fields = [
        Field("title", "{" + latex_escape(paper.title) + "}"),
        Field("author", _author_field(paper.authors)),
        Field("year", str(paper.published.year)),
        Field("eprint", paper.arxiv_id),
        Field("archivePrefix", "arXiv"),
    ]
    if paper.primary_category:
        fields.append(Field("primaryClass", paper.primary_category))
    if paper.doi:
        fields.append(Field("doi", paper.doi))
    fields.append(Field("url", paper.abs_url))
    if note:
        fields.append(Field("annote", latex_escape(note)))
    return Entry("misc", key, fields)


def bibtex(papers: Sequence[Paper], notes: Mapping[str, str] | None = None) -> str:
    """A .bib file of `papers` in order, with unique keys; `notes` by arXiv id."""
    notes = notes or {}
    entries: list[Block] = [
        bibtex_entry(p, k, notes.get(p.arxiv_id, "")) for p, k in zip(papers, unique_keys(papers), strict=True)
    ]
    return write_string(Library(entries))
