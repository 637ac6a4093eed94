"""Splitting author names as arXiv writes them ("Given Middle Family") into family and given parts."""

from __future__ import annotations

# Lower-case particles that belong to the family name ("Ludwig van Beethoven" → family "van Beethoven").
_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "dos", "la", "le", "ten", "ter"}
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def split_name(name: str) -> tuple[str, str, str]:
    """(family, given, suffix) of a display name; a one-word name is all family (organisations, mononyms)."""
    words = name.split()
    if not words:
        return "", "", ""
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix = words.pop()
        words[-1] = words[-1].rstrip(",")
    if len(words) == 1:
        return words[0], "", suffix
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start]), suffix
