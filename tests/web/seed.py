"""Seeding helpers for web tests: build papers and feed entries and store them through the hub's store."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dailypapers.domain.models import FeedEntry, Paper
from dailypapers.hub import Hub

_CARD_LINK_RE = re.compile(r'class="card-title"><a href="/papers/([^"]+)"')


def paper(arxiv_id: str, **fields: Any) -> Paper:
    """A plausible paper; any Paper field can be overridden."""
    values: dict[str, Any] = {
        "title": f"Paper {arxiv_id}",
        "abstract": f"We study problem {arxiv_id} and solve it.",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "published": datetime(2026, 8, 19, 18, 0, tzinfo=UTC),
        "version": 1,
        "categories": ("cs.LG",),
    }
    values.update(fields)
    return Paper(arxiv_id=arxiv_id, **values)


def entry(arxiv_id: str, feed_date: date, minute: int = 0, **fields: Any) -> FeedEntry:
    """A user submission of `arxiv_id` on `feed_date`, `minute` minutes after 08:00 UTC."""
    values: dict[str, Any] = {"submitted_by": "akhaliq", "source": "user"}
    values.update(fields)
    submitted = datetime.combine(feed_date, time(8, 0), tzinfo=UTC) + timedelta(minutes=minute)
    return FeedEntry(arxiv_id=arxiv_id, feed_date=feed_date, submitted_at=submitted, **values)


def store(hub: Hub, papers: Iterable[Paper], entries: Iterable[FeedEntry] = ()) -> None:
    """Store papers as an import would: in the database and in the search index."""
    hub.search_engine.index_ids(hub.store.upsert_papers(list(papers)).changed_ids)
    entries = list(entries)
    if entries:
        hub.store.add_feed_entries(entries)


def day_of_papers(hub: Hub, feed_date: date, upvotes: list[int], prefix: str = "2608") -> list[str]:
    """Put one paper per upvote count on `feed_date`, submitted in list order; returns their ids."""
    ids = [f"{prefix}.{feed_date.day:02d}{n:03d}" for n in range(len(upvotes))]
    store(
        hub,
        [paper(i, imported_upvotes=votes) for i, votes in zip(ids, upvotes, strict=True)],
        [entry(i, feed_date, minute=n) for n, i in enumerate(ids)],
    )
    return ids


def card_ids(html: str) -> list[str]:
    """arXiv ids of the paper cards on a feed page, in page order."""
    return _CARD_LINK_RE.findall(html)
