"""PaperActivity: a paper's upvotes over time, why each trending card is where it is, and the latest trending window
that has papers. Reads only; the arithmetic is domain.activity's and domain.ranking's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta

from dailypapers.domain.activity import (
    MIN_CHART_DAYS,
    TrendingReason,
    VoteDay,
    trending_reason,
    vote_history,
    voted_on_several_days,
)
from dailypapers.domain.models import FeedEntry, FeedItem, Paper
from dailypapers.domain.ranking import TrendingParams, repo_from_url
from dailypapers.ports import Clock, PaperStore
from dailypapers.ports.trends import ActivityStore


class PaperActivity:
    """`hub.activity`: the charts and explanations of votes and stars on paper pages and trending cards."""

    def __init__(
        self, activity: ActivityStore, papers: PaperStore, clock: Clock, params: Callable[[], TrendingParams]
    ) -> None:
        self.activity, self.papers, self.clock, self.params = activity, papers, clock, params

    def vote_history(self, paper: Paper, entry: FeedEntry | None) -> list[VoteDay]:
        """The paper's upvotes by day (imported ones on the day it joined the feed); empty unless it has votes on
        several days, which is when a chart says more than the count."""
        times = self.activity.vote_times([paper.arxiv_id]).get(paper.arxiv_id, [])
        history = vote_history(
            [t.date() for t in times],
            imported=paper.imported_upvotes,
            imported_day=entry.submitted_at.date() if entry else None,
        )
        return history if voted_on_several_days(history) else []

    def trending_reasons(
        self, items: Sequence[FeedItem], *, start: date, end: date, as_of: datetime
    ) -> dict[str, TrendingReason]:
        """Why each card of a trending window (`start`–`end`) is there: two queries for the whole page."""
        params = self.params()
        chart_start = min(start, end - timedelta(days=MIN_CHART_DAYS - 1))
        # Snapshots from before the chart give the first day's gain and the velocity's whole window.
        since = min(chart_start, end - timedelta(days=params.star_window_days)) - timedelta(days=7)
        ids = [item.paper.arxiv_id for item in items]
        votes = self.activity.vote_times(ids, since=datetime.combine(chart_start, time.min, as_of.tzinfo))
        repos = {item.paper.arxiv_id: repo_from_url(item.paper.github_repo or "") for item in items}
        stars = self.activity.star_histories([r for r in repos.values() if r], since)
        return {
            item.paper.arxiv_id: trending_reason(
                vote_times=votes.get(item.paper.arxiv_id, []),
                imported_votes=item.paper.imported_upvotes,
                submitted_at=item.entry.submitted_at,
                snapshots=stars.get(repos[item.paper.arxiv_id] or "", []),
                window_start=start,
                window_end=end,
                now=as_of,
                star_window_days=params.star_window_days,
            )
            for item in items
        }

    def latest_window_end(self) -> date | None:
        """The latest day with papers on the feed (not in the future): where an empty trending window should look."""
        return self.papers.latest_feed_date(on_or_before=self.clock.now().date())
