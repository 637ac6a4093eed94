"""Protocols the Hub depends on; adapters implement them. `Store` is every storage port in one."""

from __future__ import annotations

from typing import Protocol

from dailypapers.ports.accounts import AccountStore, Mailer, RateLimiter
from dailypapers.ports.digests import DigestStore
from dailypapers.ports.discussion import DiscussionStore
from dailypapers.ports.papers import ArxivSource, Clock, LeaseStore, PaperStore, ProgressSink
from dailypapers.ports.search import SearchEngine
from dailypapers.ports.votes import GitHubSource, VoteStore


class Store(PaperStore, LeaseStore, AccountStore, VoteStore, DiscussionStore, DigestStore, Protocol):
    """Everything the hub keeps; SqlStore implements it for SQLite and PostgreSQL."""


__all__ = [
    "AccountStore",
    "ArxivSource",
    "Clock",
    "DigestStore",
    "DiscussionStore",
    "GitHubSource",
    "LeaseStore",
    "Mailer",
    "PaperStore",
    "ProgressSink",
    "RateLimiter",
    "SearchEngine",
    "Store",
    "VoteStore",
]
