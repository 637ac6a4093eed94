"""Charts as inline SVG, drawn on the server by pygal: weekly topic lines and the small vote / star charts.

pygal lays out and draws; this module only picks its options and trims its output: pygal's own <style> and
<script> and its tooltip layer (which carries an inline style) are dropped, because the pages' CSP allows no
inline styles or scripts. static/charts.css styles pygal's classes with the site's colour variables instead, so a
chart follows the page into dark mode. No JavaScript is needed to read a chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

# Text sizes in the SVG's own units. Charts scale with the column (viewBox, no fixed size): a 520-unit-wide chart
# on a 360 px phone shrinks to ~0.63, so labels are drawn large enough to stay ~9 px there.
FONT = 15
_DROPPED = {"style", "script"}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a chart; `style` picks its colour and dash in charts.css (`color-N`), so a topic's feed line
    can share the topic's colour, dashed."""

    label: str
    values: tuple[float | None, ...]
    style: int
    secondary: bool = False  # on the right-hand axis (a second scale, e.g. stars beside votes)


def _style() -> Style:
    # Colours are left to charts.css; sizes must be given here, because pygal measures text to lay out the axes.
    return Style(
        background="transparent",
        plot_background="transparent",
        font_family="inherit",
        label_font_size=FONT,
        major_label_font_size=FONT,
        legend_font_size=FONT,
        title_font_size=FONT + 1,
        value_font_size=FONT,
        tooltip_font_size=FONT,
    )


def _svg(chart: pygal.Line, styles: Sequence[int], *, label: str) -> Markup:
    """The chart as inline SVG: pygal's tree without its style, script, tooltip layer and ids (a page holds several
    charts; their ids would clash), each series tagged with its `color-N` class, labelled for screen readers."""
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            tag = str(child.tag).rsplit("}", 1)[-1]
            if tag in _DROPPED or "tooltip-overlay" in (child.get("class") or ""):
                parent.remove(child)
    for element in root.iter():
        element.attrib.pop("id", None)
        classes = element.get("class") or ""
        for index, style in enumerate(styles):  # pygal numbers series by position: point them at our colours
            classes = classes.replace(f"color-{index}", f"c-{style}")
        if classes:
            element.set("class", classes)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    # Safe: lxml escapes every text and attribute (titles, labels, topics) when it serialises the tree.
    return Markup(etree.tostring(root, encoding="unicode"))  # noqa: S704


def line_chart(
    title: str,
    x_labels: Sequence[str],
    lines: Sequence[Line],
    *,
    y_title: str,
    percent: bool = False,
    major_every: int = 1,
    label: str,
) -> Markup:
    """A line chart of weekly values (x labels every `major_every` points), with a legend underneath."""
    return _line_chart(title, tuple(x_labels), tuple(lines), y_title, percent, major_every, label)


@lru_cache(maxsize=256)
def _line_chart(
    title: str,
    x_labels: tuple[str, ...],
    lines: tuple[Line, ...],
    y_title: str,
    percent: bool,
    major_every: int,
    label: str,
) -> Markup:
    # Cached by its inputs: the same counts (cached per data change themselves) draw the same chart.
    chart = pygal.Line(
        width=520,
        height=340,
        style=_style(),
        title=title,
        y_title=y_title,
        show_dots=False,
        js=[],
        css=[],
        disable_xml_declaration=True,
        explicit_size=False,
        no_prefix=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_legend=-1,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, major_every),
        truncate_label=-1,
        include_x_axis=True,
        min_scale=3,
        max_scale=6,
        margin=10,
        value_formatter=(lambda v: f"{v:.1f} %") if percent else (lambda v: f"{v:,.0f}"),
    )
    chart.x_labels = list(x_labels)
    for line in lines:
        chart.add(line.label, list(line.values), secondary=line.secondary)
    return _svg(chart, [line.style for line in lines], label=label)


def small_chart(x_labels: Sequence[str], lines: Sequence[Line], *, label: str) -> Markup:
    """A small chart (a trending card's, a paper's votes): dots on short lines, a legend, no title."""
    return _small_chart(tuple(x_labels), tuple(lines), label)


@lru_cache(maxsize=512)
def _small_chart(x_labels: tuple[str, ...], lines: tuple[Line, ...], label: str) -> Markup:
    # Cached by its inputs: a trending page re-drawn with the same votes and stars costs nothing.
    chart = pygal.Line(
        width=360,
        height=150,
        style=_style(),
        show_dots=True,
        dots_size=3,
        js=[],
        css=[],
        disable_xml_declaration=True,
        explicit_size=False,
        no_prefix=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(lines),
        truncate_legend=-1,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(x_labels) // 4),
        show_y_guides=False,
        include_x_axis=True,
        min_scale=2,
        max_scale=4,
        margin=4,
        value_formatter=lambda v: f"{v:,.0f}",
    )
    chart.x_labels = list(x_labels)
    for line in lines:
        chart.add(line.label, list(line.values), secondary=line.secondary)
    return _svg(chart, [line.style for line in lines], label=label)
