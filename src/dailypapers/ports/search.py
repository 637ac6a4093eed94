"""The search port: what the Hub asks of a search engine (search/ or pgsearch/) and the types that cross it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from dailypapers.domain.models import Paper
from dailypapers.domain.paging import Paginated
from dailypapers.domain.query import ParsedQuery, SearchFilters

SearchMode = Literal["keyword", "semantic", "hybrid"]
MODES: tuple[SearchMode, ...] = ("keyword", "semantic", "hybrid")


@dataclass(frozen=True, slots=True)
class SearchHit:
    arxiv_id: str
    score: float
    snippet_html: str  # escaped abstract excerpt with <mark> around matched terms


@dataclass(frozen=True, slots=True)
class SearchResults(Paginated):
    query: ParsedQuery
    mode: SearchMode  # the mode actually used (hybrid falls back to keyword when there are no vectors)
    hits: list[SearchHit]
    total: int  # keyword: exact match count; semantic / hybrid: candidates ranked
    page: int
    page_size: int
    notice: str | None = None  # e.g. why semantic search was not used


@dataclass(slots=True)
class EmbedReport:
    embedded: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    ids: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


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

    def count_by_week(self, query: ParsedQuery, *, start: date, weeks: int) -> list[int]:
        """Keyword matches of `query` published in each of `weeks` consecutive 7-day weeks from `start`.

        Week i's count is exactly the `total` of a keyword search for the query filtered to that week's days, read
        from the index in one pass (topic trends).
        """
        ...

    def matching_ids(self, query: ParsedQuery, among: Sequence[str]) -> set[str]:
        """The papers of `among` that a keyword search for `query` matches."""
        ...
