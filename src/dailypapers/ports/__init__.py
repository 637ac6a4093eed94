"""Protocols the Hub depends on; adapters implement them. `Store` is every storage port in one."""

from __future__ import annotations

from typing import Protocol

from dailypapers.ports.accounts import AccountStore, Mailer, RateLimiter
from dailypapers.ports.authors import AuthorStore, ClaimStore
from dailypapers.ports.digests import DigestStore
from dailypapers.ports.discussion import DiscussionStore
from dailypapers.ports.enrichment import EnrichmentStore
from dailypapers.ports.library import LibraryStore
from dailypapers.ports.papers import ArxivSource, Clock, LeaseStore, PaperStore, ProgressSink
from dailypapers.ports.personal import PersonalStore
from dailypapers.ports.search import SearchEngine
from dailypapers.ports.trends import ActivityStore, TrendsStore
from dailypapers.ports.upstream import UpstreamSource, UpstreamStore
from dailypapers.ports.viewer import DataVersionStore, ViewerStore
from dailypapers.ports.votes import GitHubSource, VoteStore


class Store(
    PaperStore,
    LeaseStore,
    AccountStore,
    VoteStore,
    DiscussionStore,
    DigestStore,
    PersonalStore,
    LibraryStore,
    UpstreamStore,
    TrendsStore,
    ActivityStore,
    EnrichmentStore,
    ViewerStore,
    DataVersionStore,
    AuthorStore,
    ClaimStore,
    Protocol,
):
    """Everything the hub keeps; SqlStore implements it for SQLite and PostgreSQL."""


__all__ = [
    "AccountStore",
    "ActivityStore",
    "ArxivSource",
    "AuthorStore",
    "ClaimStore",
    "Clock",
    "DataVersionStore",
    "DigestStore",
    "DiscussionStore",
    "EnrichmentStore",
    "GitHubSource",
    "LeaseStore",
    "LibraryStore",
    "Mailer",
    "PaperStore",
    "PersonalStore",
    "ProgressSink",
    "RateLimiter",
    "SearchEngine",
    "Store",
    "TrendsStore",
    "UpstreamSource",
    "UpstreamStore",
    "ViewerStore",
    "VoteStore",
]
