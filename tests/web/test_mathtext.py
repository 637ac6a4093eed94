"""render_math_text: escaping, TeX → MathML, degradation of broken formulas, dollars that are not math."""

from __future__ import annotations

import pytest

from dailypapers.web.mathtext import render_math_text


def test_plain_text_is_escaped() -> None:
    assert render_math_text("a < b & c > d") == "a &lt; b &amp; c &gt; d"


def test_script_in_text_is_escaped_not_run() -> None:
    html = render_math_text("<script>alert(1)</script> results")
    assert "<script" not in html
    assert html.startswith("&lt;script&gt;alert(1)&lt;/script&gt;")


def test_inline_dollar_math_becomes_mathml() -> None:
    html = render_math_text("we prove $x^2$ bounds")
    assert html.startswith("we prove <math")
    assert 'display="inline"' in html
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in html
    assert html.endswith("</math> bounds")


@pytest.mark.parametrize("text", ["$$\\sum_i x_i$$", "\\[\\sum_i x_i\\]"])
def test_display_math(text: str) -> None:
    html = render_math_text(text)
    assert 'display="block"' in html
    assert "<munderover>" in html or "<munder>" in html


def test_paren_delimiters() -> None:
    assert "<mi>α</mi>" in render_math_text("rate \\(\\alpha\\) here")


def test_broken_latex_degrades_to_its_escaped_source() -> None:
    html = render_math_text("broken $a<b^$ and $\\left( x$ formulas")
    assert "<math" not in html
    assert html == 'broken <span class="tex">$a&lt;b^$</span> and <span class="tex">$\\left( x$</span> formulas'


@pytest.mark.parametrize(
    "text",
    ["It costs $5 and $10 per run.", "budget of $120, it is possible", "from $5-$10 a day", "under $20 USD"],
)
def test_prices_are_not_math(text: str) -> None:
    assert render_math_text(text) == text


@pytest.mark.parametrize(("text", "formulas"), [("512$\\times$512 images", 1), ("$\\sim$7 seconds", 1)])
def test_formulas_followed_by_digits_are_still_math(text: str, formulas: int) -> None:
    assert render_math_text(text).count("<math") == formulas


@pytest.mark.parametrize(
    ("text", "formulas"),
    [
        # arXiv 2504.05598's abstract: three formulas written back to back
        ("speedups of $2.16\\times$$\\sim$$2.50\\times$ over vanilla decoding", 3),
        ("a $\\sim$$2.50\\times$ gain", 2),
        ("$a$$b$ and $$c$$", 3),  # adjacent inline pair, then real display math
    ],
)
def test_adjacent_inline_formulas_are_each_rendered(text: str, formulas: int) -> None:
    html = render_math_text(text)
    assert html.count("<math") == formulas
    assert "$" not in html  # no formula left as raw TeX


def test_escaped_dollar_is_a_literal_dollar() -> None:
    assert render_math_text("pay \\$5 for $x$").startswith("pay $5 for <math")


@pytest.mark.parametrize(
    "latex",
    [
        "$\\text{<script>alert(1)</script>}$",
        "$\\href{javascript:alert(1)}{x}$",
        "$\\text{<img src=x onerror=alert(1)>}$",
    ],
)
def test_converter_output_is_sanitized(latex: str) -> None:
    html = render_math_text(latex)
    assert "<math" in html
    for bad in ("<script", "javascript:", "<img", "onerror"):
        assert bad not in html


def test_result_is_markup_so_templates_do_not_escape_it_twice() -> None:
    assert hasattr(render_math_text("$x$"), "__html__")
