"""Topic trends on the web: the /trends page (SVG chart, description, numbers table, top papers), /trends.csv and
/api/v1/trends. Views translate requests and reports; the counting is hub.trends', the drawing web/charts'.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.query import MAX_QUERY_LENGTH
from dailypapers.domain.trends import DEFAULT_MONTHS, MAX_MONTHS, MAX_TOPICS, parse_months, share, summarise
from dailypapers.usecases.trends import TopicTrend, TrendsReport
from dailypapers.web import charts, present
from dailypapers.web.api_models import ERROR_RESPONSES
from dailypapers.web.caching import cached_response
from dailypapers.web.hf_api import API_MAX_AGE
from dailypapers.web.pages import HubDep
from dailypapers.web.templating import render

VIEWS = {"papers": "Papers per week", "share": "Share of all papers"}
EXAMPLES = ("agents, diffusion", "cat:cs.RO robot, cat:cs.CV video", '"reinforcement learning", "world model"')
# The request may name four topics of up to MAX_QUERY_LENGTH characters each, with commas between them.
MAX_Q = MAX_TOPICS * (MAX_QUERY_LENGTH + 2)

html = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["dailypapers API v1"])
router = APIRouter()


def _report(hub: HubDep, q: str, months: str) -> TrendsReport:
    if len(q) > MAX_Q:
        raise InvalidInput(f"q is longer than {MAX_Q} characters: at most {MAX_TOPICS} topics of a search query each")
    return hub.trends.weekly(q, parse_months(months.strip()))


def week_label(day: date, *, year: bool = False) -> str:
    return day.strftime("%b %-d, %Y") if year else day.strftime("%b %-d")


def _search_url(trend: TopicTrend, start: date, end: date) -> str:
    """The keyword search whose total a week's count is: following it shows the papers behind the number."""
    return "/search?" + urlencode({"q": trend.topic.q, "mode": "keyword", "from": start, "to": end})


def describe(trend: TopicTrend, report: TrendsReport) -> str:
    """A chart's text description for one topic: totals, the peak week, and whether it grew."""
    summary = summarise(trend.weeks)
    name = trend.topic.q
    if not summary.total:
        return f"{name}: no papers in these {len(report.weeks)} weeks."
    parts = [
        f"{name}: {summary.total:,} {'paper' if summary.total == 1 else 'papers'} in {len(report.weeks)} weeks "
        f"({summary.feed_total:,} on the feed)"
    ]
    if summary.peak is not None:
        parts.append(f"the busiest week was {week_label(summary.peak.start, year=True)} with {summary.peak.count:,}")
    if summary.change is not None:
        direction = "more" if summary.change >= 0 else "fewer"
        parts.append(f"the newer half of the window had {abs(summary.change):.0f} % {direction} than the older half")
    elif summary.second_half:
        parts.append("all of them in the newer half of the window")
    return "; ".join(parts) + "."


def chart_context(report: TrendsReport, view: str) -> dict[str, Any]:
    """The chart, its text description and the numbers behind it, for one view."""
    x_labels = [week_label(week.start) for week in report.weeks]
    lines: list[charts.Line] = []
    for index, trend in enumerate(report.topics):
        if view == "share":
            values = tuple(share(w.count, n) for w, n in zip(trend.weeks, report.all_counts, strict=True))
            lines.append(charts.Line(trend.topic.q, values, index))
        else:
            lines.append(charts.Line(trend.topic.q, tuple(float(w.count) for w in trend.weeks), index))
    if view == "papers":  # each topic's papers on the feed: the same colour, dashed (after all the solid lines)
        for index, trend in enumerate(report.topics):
            lines.append(
                charts.Line(
                    f"{trend.topic.q} (on the feed)", tuple(float(w.feed_count) for w in trend.weeks), 4 + index
                )
            )
    title = VIEWS[view]
    span = f"{week_label(report.weeks[0].start, year=True)} – {week_label(report.weeks[-1].end, year=True)}"
    descriptions = [describe(trend, report) for trend in report.topics]
    svg = charts.line_chart(
        title,
        x_labels,
        lines,
        y_title="% of all papers" if view == "share" else "papers",
        percent=view == "share",
        major_every=max(1, len(x_labels) // 6),
        label=f"{title}, weeks of {span}. " + " ".join(descriptions),
    )
    rows = []
    for i, week in enumerate(report.weeks):
        cells = []
        for trend in report.topics:
            count = trend.weeks[i]
            cells.append(
                {
                    "count": count.count,
                    "feed_count": count.feed_count,
                    "share": share(count.count, report.all_counts[i]),
                    "url": _search_url(trend, week.start, week.end),
                }
            )
        partial = week.end > report.last_day
        rows.append(
            {
                "label": f"{week_label(week.start, year=True)} – {week_label(week.end)}",
                "partial": partial,
                "all": report.all_counts[i],
                "cells": cells,
            }
        )
    return {"chart": svg, "chart_title": title, "span": span, "descriptions": descriptions, "rows": rows}


def _url(q: str, months: int, view: str, path: str = "/trends") -> str:
    params = {"q": q}
    if months != DEFAULT_MONTHS:
        params["months"] = str(months)
    if view != "papers":
        params["view"] = view
    return f"{path}?{urlencode(params)}"


@html.get("/trends", name="trends")
def trends_page(request: Request, hub: HubDep, q: str = "", months: str = "", view: str = "papers") -> Response:
    """Weekly counts of up to four topics, as a chart with its numbers; an empty `q` shows the form and examples."""
    context: dict[str, Any] = {
        "title": "Topic trends",
        "nav_current": "/trends",
        "form": {"q": q[:MAX_Q], "months": months[:4]},
        "max_topics": MAX_TOPICS,
        "max_months": MAX_MONTHS,
        "examples": [present.Link(example, _url(example, DEFAULT_MONTHS, "papers")) for example in EXAMPLES],
        "report": None,
        "error": None,
    }
    try:
        if view not in VIEWS:
            raise InvalidInput(f"view must be papers or share, not {view[:20]!r}")
        if not q.strip():
            return render(request, "trends.html", context)
        report = _report(hub, q, months)
    except InvalidInput as exc:
        context.update(title="Bad trends request", error=str(exc))
        return render(request, "trends.html", context, 400)
    ids = [paper_id for trend in report.topics for paper_id in trend.top_ids]
    views = hub.paper_views(ids)
    canonical = ", ".join(trend.topic.q for trend in report.topics)
    context.update(chart_context(report, view))
    context.update(
        title="Trends: " + canonical[:80],
        report=report,
        view=view,
        views=[
            present.Link(label, _url(canonical, report.months, name), name == view) for name, label in VIEWS.items()
        ],
        top=[(trend, [views[i] for i in trend.top_ids if i in views]) for trend in report.topics],
        csv_url=_url(canonical, report.months, "papers", "/trends.csv"),
        json_url=_url(canonical, report.months, "papers", "/api/v1/trends"),
        ends_early=report.last_day < report.today,
    )
    return render(request, "trends.html", context)


@html.get("/trends.csv", name="trends_csv")
def trends_csv(request: Request, hub: HubDep, q: str = "", months: str = "") -> Response:
    """The numbers of /trends as CSV: one row per topic and week (end inclusive)."""
    report = _report(hub, q, months)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["q", "start", "end", "count", "feed_count"])
    for trend in report.topics:
        for week in trend.weeks:
            writer.writerow([trend.topic.q, week.start.isoformat(), week.end.isoformat(), week.count, week.feed_count])
    headers = {"Content-Disposition": 'attachment; filename="trends.csv"'}
    return cached_response(request, out.getvalue().encode(), "text/csv; charset=utf-8", headers, cors=True)


class WeekOut(BaseModel):
    start: date = Field(description="Monday of the week.")
    end: date = Field(description="Sunday of the week (inclusive).")
    count: int = Field(description="Papers published that week matching the topic: a keyword search's `total`.")
    feed_count: int = Field(description="Of those, the papers on the feed.")


class SeriesOut(BaseModel):
    q: str = Field(description="The topic, as written in the request.")
    weeks: list[WeekOut]


class TrendsOut(BaseModel):
    series: list[SeriesOut]


@api.get("/trends", response_model=TrendsOut, responses=ERROR_RESPONSES)
def api_trends(
    request: Request,
    hub: HubDep,
    q: Annotated[
        str,
        Query(max_length=MAX_Q, description=f"Up to {MAX_TOPICS} search queries separated by commas"),
    ] = "",
    months: Annotated[str, Query(max_length=20, description=f"Months back, 1–{MAX_MONTHS} (default 12)")] = "",
) -> Response:
    """Papers per week matching each topic (keyword matches, as `/api/v1/search?mode=keyword` with `from` / `to`
    totals them) and how many of them are on the feed."""
    report = _report(hub, q, months)
    body = TrendsOut(
        series=[
            SeriesOut(
                q=trend.topic.q,
                weeks=[WeekOut(start=w.start, end=w.end, count=w.count, feed_count=w.feed_count) for w in trend.weeks],
            )
            for trend in report.topics
        ]
    )
    return cached_response(request, body.model_dump_json().encode(), "application/json", max_age=API_MAX_AGE, cors=True)


router.include_router(html)
router.include_router(api)
