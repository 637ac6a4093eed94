"""Ports of the enrichment: its store (state, summaries, keywords, thumbnails, Hub links, star counts) and the
outside services it asks (a chat model, the PDF host, the Hub's listings) plus the local workers it drives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dailypapers.domain.enrichment import EnrichKind, HubLinks, Summary, Thumbnail


@dataclass(frozen=True, slots=True)
class EnrichState:
    """Where one kind of enrichment stands for one paper."""

    arxiv_id: str
    kind: str
    done_at: datetime | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


class EnrichmentStore(Protocol):
    """What the enrichment keeps and what pages read of it. Any method can raise StorageError."""

    def enrichment_backlog(self, kind: EnrichKind, now: datetime, *, limit: int, feed_only: bool) -> list[str]:
        """Papers this kind has not done (never tried, or failed and due again at `now`): papers on the feed first,
        latest submitted first, then (unless `feed_only`) the others, newest published first. Papers that already
        have an AI summary are not in the summary backlog."""
        ...

    def hub_links_due(self, *, feed_since: datetime, stale_before: datetime, now: datetime, limit: int) -> list[str]:
        """Papers submitted to the feed since `feed_since` whose Hub links were fetched before `stale_before`
        (or never), least recently fetched first; papers whose last try failed wait until they are due again."""
        ...

    def enrichment_states(self, arxiv_id: str) -> dict[str, EnrichState]:
        """The state of every kind tried for a paper, keyed by kind."""
        ...

    def mark_enriched(self, arxiv_id: str, kind: EnrichKind, at: datetime) -> None:
        """This kind is done for the paper (its failures are forgotten)."""
        ...

    def mark_enrich_failed(
        self, arxiv_id: str, kind: EnrichKind, error: str, at: datetime, retry_at: datetime | None
    ) -> int:
        """Count a failure; the paper is tried again at `retry_at` (None: given up). Returns the failures in a row."""
        ...

    def save_summary(self, arxiv_id: str, summary: Summary) -> bool:
        """Store the AI summary and model (and its keywords as the paper's AI keywords when it has none) unless
        the paper has a summary already (an upstream's is kept); True when stored."""
        ...

    def save_keywords(self, arxiv_id: str, keywords: Sequence[str]) -> None:
        """Store the locally extracted keywords of a paper."""
        ...

    def save_thumbnail(self, arxiv_id: str, image: bytes, width: int, height: int, at: datetime) -> None:
        """Store (or replace) a paper's first-page thumbnail."""
        ...

    def thumbnails(self, arxiv_ids: Sequence[str]) -> dict[str, Thumbnail]:
        """The stored thumbnails among these papers (their sizes and versions, not the images)."""
        ...

    def thumbnail_image(self, arxiv_id: str) -> tuple[bytes, Thumbnail] | None:
        """A paper's thumbnail image (WebP) and what pages know of it; None without one."""
        ...

    def save_hub_links(self, arxiv_id: str, links: HubLinks) -> None:
        """Store (or replace) what the Hub lists as citing a paper."""
        ...

    def hub_links(self, arxiv_id: str) -> HubLinks | None:
        """What the Hub listed at the last fetch; None when never fetched."""
        ...


class ChatModel(Protocol):
    """An OpenAI-compatible chat endpoint. Raises SourceUnavailable when it cannot be reached or keeps failing
    (429 / 5xx after its retries), SourceError for an answer it will repeat (4xx, a malformed body)."""

    @property
    def configured(self) -> bool:
        """Whether an endpoint is set at all (no endpoint: no summaries, and nothing pretends otherwise)."""
        ...

    def complete(self, messages: Sequence[dict[str, str]]) -> tuple[str, str]:
        """The model's answer to the messages, and the name of the model that answered."""
        ...


class PdfSource(Protocol):
    """arXiv's PDFs, fetched politely. Raises SourceUnavailable (unreachable, 429 / 5xx, too slow) or SourceError
    (not found, larger than the limit)."""

    def pdf(self, arxiv_id: str) -> bytes:
        """The PDF of the paper's latest version."""
        ...


class HubLinksSource(Protocol):
    """The Hugging Face Hub's listings of models, datasets and Spaces citing an arXiv paper. Raises
    SourceUnavailable or SourceError."""

    def links(self, arxiv_id: str) -> HubLinks:
        """What cites the paper: the most liked of each kind and the counts."""
        ...


class KeywordExtractor(Protocol):
    """Keyphrases of a text, best first (local: no service)."""

    def keywords(self, title: str, abstract: str) -> list[str]: ...


class ThumbnailRenderer(Protocol):
    """Renders a PDF's first page to a small image. Raises SourceError for bytes that are not a readable PDF."""

    def render(self, pdf: bytes) -> tuple[bytes, int, int]:
        """(WebP image, width, height)."""
        ...
