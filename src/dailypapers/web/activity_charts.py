"""The small activity charts in words and SVG: a paper's upvotes over time, and why a trending card is there.

Reads through hub.activity; draws with web/charts. Templates get plain dicts: the chart, its caption (the numbers,
for screen readers) and the sentence explaining the card.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dailypapers.domain.activity import TrendingReason, VoteDay
from dailypapers.domain.models import FeedEntry, Paper
from dailypapers.hub import Hub
from dailypapers.usecases.voting import TrendingPage
from dailypapers.web import charts
from dailypapers.web.present import plural


def _day(day: date) -> str:
    return day.strftime("%b %-d")


def paper_votes(hub: Hub, paper: Paper, entry: FeedEntry | None) -> dict[str, Any] | None:
    """The paper page's upvotes-over-time chart, or None unless it has votes on several days."""
    history = hub.activity.vote_history(paper, entry)
    if not history:
        return None
    return vote_chart(history, imported=paper.imported_upvotes)


def vote_chart(history: list[VoteDay], *, imported: int) -> dict[str, Any]:
    labels = [_day(d.day) for d in history]
    lines = [charts.Line("upvotes so far", tuple(float(d.total) for d in history), 0)]
    first, last = history[0], history[-1]
    caption = (
        f"{plural(last.total, 'upvote')} from {first.day.strftime('%B %-d, %Y')} to {last.day.strftime('%B %-d, %Y')}"
        f"{f', {imported} of them imported (counted on the day the paper joined the feed)' if imported else ''}: "
        + ", ".join(f"{_day(d.day)} +{d.votes}" for d in history if d.votes)
        + "."
    )
    svg = charts.small_chart(labels, lines, label="Upvotes over time. " + caption)
    return {"svg": svg, "caption": caption}


def _age(hours: float, past: bool) -> str:
    ago = "before the window's end" if past else "ago"
    if hours < 1:
        return "submitted within the hour" + (" before the window's end" if past else "")
    if hours < 48:
        return f"submitted {plural(round(hours), 'hour')} {ago}"
    return f"submitted {plural(round(hours / 24), 'day')} {ago}"


def why(reason: TrendingReason, days: int, *, past: bool = False) -> str:
    """The card's sentence: votes in the window, star velocity and age, the terms the score is made of."""
    votes = f"{plural(reason.votes_in_window, 'upvote')} in {'this day' if days == 1 else f'these {days} days'}"
    if reason.imported_votes:
        imported = "all" if reason.imported_votes == reason.votes_in_window else str(reason.imported_votes)
        votes += f" ({imported} imported)"
    parts = [votes]
    if reason.stars_per_day > 0:
        parts.append(f"+{reason.stars_per_day:,.1f} GitHub stars a day")
    parts.append(_age(reason.age_hours, past))
    return " · ".join(parts)


def reason_chart(reason: TrendingReason) -> dict[str, Any] | None:
    """Votes and stars gained per day over the window, when there is anything to draw."""
    if not reason.has_chart:
        return None
    labels = [_day(day) for day in reason.days]
    lines = [charts.Line("upvotes", tuple(float(v) for v in reason.votes_per_day), 0)]
    words = [", ".join(f"{_day(day)} {n}" for day, n in zip(reason.days, reason.votes_per_day, strict=True))]
    if any(s is not None for s in reason.stars_gained):
        stars = tuple(None if s is None else float(s) for s in reason.stars_gained)
        lines.append(charts.Line("new stars", stars, 1, secondary=True))
        known = [(day, s) for day, s in zip(reason.days, reason.stars_gained, strict=True) if s is not None]
        words.append("new stars: " + ", ".join(f"{_day(day)} {s}" for day, s in known))
    caption = "Upvotes per day: " + "; ".join(words) + "."
    return {"svg": charts.small_chart(labels, lines, label=caption), "caption": caption}


def trending_reasons(hub: Hub, page: TrendingPage) -> dict[str, dict[str, Any]]:
    """Each card's explanation and chart, keyed by arXiv id."""
    if not page.items:
        return {}
    now = hub.clock.now()
    as_of = page.as_of or now
    reasons = hub.activity.trending_reasons(page.items, start=page.start, end=page.end, as_of=as_of)
    return {
        arxiv_id: {"text": why(reason, page.days, past=as_of < now), "chart": reason_chart(reason)}
        for arxiv_id, reason in reasons.items()
    }
