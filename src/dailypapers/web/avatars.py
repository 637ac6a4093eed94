"""Avatars drawn here, never fetched: an initials disc as SVG for members, upstream users and organizations.

No page asks a third-party avatar service (or an upstream's CDN) for a picture, so a reader's browser tells nobody
what it reads. The colour comes from a hash of the name, so a name keeps its colour everywhere. The SVG uses
presentation attributes only (no `style`), which the site's CSP (`style-src 'self'`) would block.
Why not a library: the ones on PyPI draw PNGs through Pillow (pydenticon, pyavatar, identiconspy), are GPL
(avinit, which also writes inline styles), or are unmaintained; twenty lines of SVG need none of them.
"""

from __future__ import annotations

import colorsys
import hashlib
from xml.sax.saxutils import escape, quoteattr

SIZE = 64


def initials(label: str) -> str:
    """ "Chengsong Huang" → "CH", "taesiri" → "T", "Google DeepMind" → "GD"; "?" when no word starts with a letter."""
    words = [w for w in label.replace("-", " ").replace("_", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def colour(label: str) -> str:
    """A mid-dark colour from the name's hash: white initials stay readable on it in light and dark themes."""
    digest = hashlib.sha256(label.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    red, green, blue = colorsys.hls_to_rgb(hue, 0.40, 0.45)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def avatar_svg(label: str) -> str:
    text = " ".join(label.split())
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}" '
        f'role="img" aria-label={quoteattr(text or "avatar")}>'
        f'<circle cx="32" cy="32" r="32" fill="{colour(text)}"/>'
        '<text x="32" y="32" dy="0.35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="26" '
        f'font-weight="600" fill="#ffffff">{escape(initials(text))}</text></svg>'
    )
