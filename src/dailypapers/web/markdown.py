"""User-written markdown (comments) → safe HTML; owns the markdown dialect and the sanitizer allowlist.

Two layers, either of which alone should be enough: markdown-it-py in CommonMark mode with raw HTML off (any
`<tag>` typed by a user comes out as escaped text, and its link validator refuses `javascript:` / `data:` URLs),
then nh3 with a small allowlist of tags and attributes, links limited to http / https / mailto (relative and
protocol-relative URLs are dropped too) and `rel="nofollow ugc"` forced on every link. Images are switched off
(`![alt](url)` shows as a link): a comment must not load anything from elsewhere. Headings are off as well so a
comment cannot put an `<h1>` into the page's outline; `# text` stays literal text.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc"

TAGS = frozenset({
    "a", "blockquote", "br", "code", "em", "hr", "li", "ol", "p", "pre", "s", "strong", "ul",
})  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .disable(["image", "heading", "lheading", "html_block", "html_inline"])
    .enable("strikethrough")
)
_cleaner = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    strip_comments=True,
    link_rel=LINK_REL,
    url_schemes=set(LINK_SCHEMES),
    url_relative="deny",
)


def render_markdown(text: str) -> Markup:
    """Render untrusted markdown as HTML that is safe to put into a page as is."""
    return _render(text)


@lru_cache(maxsize=2048)  # a busy thread is rendered on every view of its paper
def _render(text: str) -> Markup:
    html = _cleaner.clean(_md.render(text))
    return Markup(html.strip())  # noqa: S704 - nh3 has just sanitized it against the allowlist above
