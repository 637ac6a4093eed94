"""The search port: what the Hub asks of the search engine (search.SearchService implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the engine's result types live with the engine
    from dailypapers.models import Paper
    from dailypapers.search import SearchFilters, SearchResults
    from dailypapers.search.service import EmbedReport


class SearchEngine(Protocol):
    def index_ids(self, arxiv_ids: Sequence[str]) -> None:
        """Bring these papers' index entries in step with the store (after every upsert)."""
        ...

    def index_papers(self, papers: Sequence[Paper]) -> None:
        """index_ids for papers the caller already holds exactly as stored (spares re-reading them)."""
        ...

    def search(
        self,
        text: str,
        *,
        mode: str = "hybrid",
        page: int = 1,
        page_size: int = 20,
        filters: SearchFilters | None = None,
    ) -> SearchResults:
        """One page of results; raises InvalidInput for bad queries."""
        ...

    def similar(self, arxiv_id: str, k: int = 5) -> list[tuple[str, float]]:
        """Nearest papers by vector, the paper itself excluded; empty without vectors."""
        ...

    def embed_pending(self, *, batch: int = 256) -> EmbedReport:
        """Embed papers queued by index_ids (the worker calls this)."""
        ...

    def paper_vectors(self, arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored embeddings of these papers (absent when not embedded yet), e.g. for personal picks."""
        ...
