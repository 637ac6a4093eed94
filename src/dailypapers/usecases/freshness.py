"""Freshness: the token a rendered public page is valid for — the data version and today's date.

A page rendered while the token was T is right for as long as the token is T: the version moves on with every
change to the data pages show (database triggers, migration 0012; the search index's vectors by `changed`), and
feed pages say "today" in places. Web processes on any host read the same version, so their caches agree.
"""

from __future__ import annotations

from dailypapers.ports import Clock
from dailypapers.ports.viewer import DataVersionStore


class Freshness:
    def __init__(self, store: DataVersionStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def token(self) -> str:
        """Read the version before the data a page shows: a page stored under it is then never older than it."""
        return self.token_of(self.store.data_version())

    def token_of(self, version: int) -> str:
        """The token for a data version read elsewhere (a member's page reads it with their session and marks)."""
        return f"{version}:{self.clock.now().date().isoformat()}"

    def changed(self) -> None:
        """Something public pages show changed outside the watched tables (new vectors: similar papers)."""
        self.store.bump_data_version()
