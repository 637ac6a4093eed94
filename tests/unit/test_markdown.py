"""Comment markdown: the dialect renders, and nothing a user types becomes script, markup or a foreign scheme."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from dailypapers.web.markdown import render_markdown

ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}}
ALLOWED_TAGS = {"a", "blockquote", "br", "code", "em", "hr", "li", "ol", "p", "pre", "s", "strong", "ul"}


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (what text merely says does not count)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def test_markdown_basics_render() -> None:
    html = render_markdown("Nice **result**, but *why*?\n\n- one\n- `two`\n\n> quoted\n\n~~gone~~")
    assert "<strong>result</strong>" in html
    assert "<em>why</em>" in html
    assert "<li><code>two</code></li>" in html
    assert "<blockquote>" in html
    assert "<s>gone</s>" in html


def test_code_blocks_keep_angle_brackets_as_text() -> None:
    html = render_markdown("```python\nif a < b and c > d: print('<b>')\n```")
    assert "<pre><code>if a &lt; b and c &gt; d: print('&lt;b&gt;')" in html


def test_links_get_nofollow_ugc() -> None:
    html = render_markdown("See [the code](https://github.com/o/r) and <https://example.org/x>.")
    assert html.count('rel="nofollow ugc"') == 2
    assert 'href="https://github.com/o/r"' in html
    assert 'href="https://example.org/x"' in html


def test_mailto_links_survive() -> None:
    assert 'href="mailto:a@example.org"' in render_markdown("[mail me](mailto:a@example.org)")


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](file:///etc/passwd)",
        "[x](//evil.example/x)",
        "[x](/admin/users/ban)",
        "<javascript:alert(1)>",
        "[x][ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_only_http_https_mailto_links_survive(source: str) -> None:
    html = str(render_markdown(source))
    for _tag, attrs in elements(html):
        href = attrs.get("href")
        assert href is None or href.startswith(("http://", "https://", "mailto:")), html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<svg onload="alert(1)">',
        "<iframe src=https://evil.example></iframe>",
        "<a href=javascript:alert(1)>x</a>",
        "<b onmouseover=alert(1)>hover</b>",
        "<style>body{display:none}</style>",
        "<details open ontoggle=alert(1)>",
        "`<script>`<script>alert(1)</script>",
        "![x](https://evil.example/pixel.png)",
        '![x" onerror="alert(1)](https://x)',
        '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<!-- comment --><p>x</p>",
        "# Big heading\n\nSetext\n===",
    ],
)
def test_no_markup_beyond_the_allowlist(source: str) -> None:
    html = str(render_markdown(source))
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()), html


def test_raw_html_is_shown_as_text() -> None:
    html = render_markdown("I like <b>bold</b> & <script>alert(1)</script>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_images_become_plain_links() -> None:
    html = render_markdown("![a chart](https://example.org/chart.png)")
    assert '<a href="https://example.org/chart.png" rel="nofollow ugc">a chart</a>' in html


def test_output_is_markup() -> None:
    from markupsafe import Markup

    assert isinstance(render_markdown("x"), Markup)
