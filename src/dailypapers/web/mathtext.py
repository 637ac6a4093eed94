"""Untrusted arXiv text with TeX math → safe HTML with MathML; owns the math delimiters and the sanitizer allowlist.

Text outside formulas is HTML-escaped, each formula goes through latex2mathml (its escaped source is shown when
that fails), and the joined result is passed through nh3 with a MathML-only allowlist: latex2mathml copies
`\\text{...}` and `\\href{...}` contents into its output unescaped, so its output is never trusted either.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import nh3
from latex2mathml.converter import convert
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

# Display math first so `$$x$$` is not read as two empty inline formulas. Inline `$…$` follows pandoc's rule
# (opening `$` not followed by a space, closing `$` not preceded by one), which keeps prices such as "costs $5
# and $10" as text. Pandoc also refuses a closing `$` followed by a digit; arXiv abstracts are full of
# `512$\times$512` and `$\sim$7 s`, so that refusal applies only to formulas that start with a digit ("$5-$10").
# `\$` is a literal dollar and never opens or closes a formula.
_MATH_RE = re.compile(
    r"""
      (?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$
    | \\\[(?P<bracket>.+?)\\\]
    | \\\((?P<paren>.+?)\\\)
    | (?<![\\$])\$(?=[^\s$\d])(?P<inline>(?:[^$\\]|\\.)+?)(?<!\s)\$
    | (?<![\\$])\$(?=\d)(?P<number>(?:[^$\\]|\\.)+?)(?<!\s)\$(?!\d)
    """,
    re.VERBOSE | re.DOTALL,
)
# The inline forms again, without the "not after a `$`" guard: tried only right where a `$…$` formula just closed,
# so adjacent formulas (`$2.16\times$$\sim$$2.50\times$`, common in arXiv abstracts) are each rendered instead of the
# `$$` between them being read as the start of display math.
_ADJACENT_RE = re.compile(
    r"""
      \$(?=[^\s$\d])(?P<inline>(?:[^$\\]|\\.)+?)(?<!\s)\$
    | \$(?=\d)(?P<number>(?:[^$\\]|\\.)+?)(?<!\s)\$(?!\d)
    """,
    re.VERBOSE | re.DOTALL,
)

_MATHML_TAGS = {
    "math", "maction", "menclose", "merror", "mfenced", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover",
    "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle", "msub", "msubsup",
    "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none", "semantics",
}  # fmt: skip

# Presentation attributes only: no href (latex2mathml turns `\href{javascript:…}` into one), no style.
_COMMON_ATTRS = {
    "mathvariant", "mathsize", "mathcolor", "mathbackground", "displaystyle", "scriptlevel", "dir",
}  # fmt: skip
_MATHML_ATTRS: dict[str, set[str]] = {
    "*": _COMMON_ATTRS,
    "math": {"xmlns", "display"},
    "mo": {
        "accent", "fence", "form", "largeop", "lspace", "maxsize", "minsize", "movablelimits", "rspace",
        "separator", "stretchy", "symmetric",
    },
    "mfrac": {"linethickness"},
    "menclose": {"notation"},
    "mover": {"accent"},
    "munder": {"accentunder"},
    "munderover": {"accent", "accentunder"},
    "mspace": {"width", "height", "depth", "linebreak"},
    "mpadded": {"width", "height", "depth", "lspace", "voffset"},
    "mtable": {"columnalign", "columnlines", "columnspacing", "rowalign", "rowlines", "rowspacing", "frame"},
    "mtr": {"columnalign", "rowalign"},
    "mtd": {"columnalign", "rowalign", "columnspan", "rowspan"},
}  # fmt: skip


def render_math_text(text: str) -> Markup:
    """Escape `text` for HTML, rendering `$…$`, `$$…$$`, `\\(…\\)` and `\\[…\\]` formulas as MathML."""
    return _render(text)


@lru_cache(maxsize=4096)  # feed pages render the same titles over and over
def _render(text: str) -> Markup:
    parts: list[str] = []
    position = 0
    adjacent: re.Match[str] | None = None
    while match := adjacent or _MATH_RE.search(text, position):
        parts.append(_escape_text(text[position : match.start()]))
        parts.append(_formula(match))
        position = match.end()
        groups = match.groupdict()
        closed_inline = groups["inline"] is not None or groups["number"] is not None
        adjacent = _ADJACENT_RE.match(text, position) if closed_inline else None
    parts.append(_escape_text(text[position:]))
    html = nh3.clean(
        "".join(parts),
        tags=_MATHML_TAGS | {"span"},
        attributes=_MATHML_ATTRS,
        tag_attribute_values={"span": {"class": {"tex"}}},
        strip_comments=True,
    )
    return Markup(html)  # noqa: S704 - nh3 has just sanitized it against the allowlist above


def _escape_text(text: str) -> str:
    return str(escape(text.replace("\\$", "$")))


def _formula(match: re.Match[str]) -> str:
    groups = match.groupdict()  # _ADJACENT_RE has the inline groups only
    display = groups.get("display") is not None or groups.get("bracket") is not None
    latex = next((groups[name] for name in ("display", "bracket", "paren", "inline", "number") if groups.get(name)), "")
    if not latex.strip():
        return str(escape(match.group(0)))
    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # a third-party parser over untrusted text: any failure shows the source instead
        log.debug("cannot render formula %r", latex)
        return f'<span class="tex">{escape(match.group(0))}</span>'
