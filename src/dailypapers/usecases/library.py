"""The library: collections with notes, saving papers, export / import of reference files, account data."""

from __future__ import annotations

from dailypapers.ports import Clock, Store


class LibraryMixin:
    """Mixed into hub.Hub, which provides the attributes below."""

    store: Store
    clock: Clock
