"""Pydantic shapes of the native JSON API (/api/v1): what /openapi.json documents and schemathesis checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from dailypapers.domain.models import FeedEntry, PaperView
from dailypapers.ports.search import SearchMode


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable error code, e.g. `invalid_period`, `paper_not_found`.")
    message: str = Field(description="What went wrong and how to fix it, for people.")


class ErrorBody(BaseModel):
    """Every error answer of the API (4xx, and the 500 of a bug) has this body."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A parameter is malformed; the message says which."},
    401: {"model": ErrorBody, "description": "The `Authorization: Bearer` token is unknown or revoked."},
    404: {"model": ErrorBody, "description": "No such paper."},
}


class FeedEntryOut(BaseModel):
    date: dt.date = Field(description="The day's page the paper is on.")
    submitted_at: dt.datetime
    submitted_by: str | None = Field(description="User name of the submitter; null for automatic submissions.")
    source: str = Field(description="`user`, `auto` (category rule) or `import` (mirrored from another hub).")

    @classmethod
    def of(cls, entry: FeedEntry) -> FeedEntryOut:
        return cls(
            date=entry.feed_date, submitted_at=entry.submitted_at, submitted_by=entry.submitted_by, source=entry.source
        )


class PaperOut(BaseModel):
    id: str = Field(description="arXiv id without version.")
    version: int = Field(description="Latest known arXiv version; 0 when no source said.")
    title: str
    abstract: str
    authors: list[str]
    categories: list[str] = Field(description="arXiv categories, primary first.")
    published: dt.datetime
    updated: dt.datetime | None
    comment: str | None
    journal_ref: str | None
    doi: str | None
    license: str | None
    abs_url: str
    pdf_url: str
    github_repo: str | None
    project_page: str | None
    upvotes: int
    feed: FeedEntryOut | None = Field(description="Where the paper is on the daily feed, if it was submitted.")

    @classmethod
    def of(cls, view: PaperView) -> PaperOut:
        p = view.paper
        return cls(
            id=p.arxiv_id,
            version=p.version,
            title=p.title,
            abstract=p.abstract,
            authors=list(p.authors),
            categories=list(p.categories),
            published=p.published,
            updated=p.updated,
            comment=p.comment,
            journal_ref=p.journal_ref,
            doi=p.doi,
            license=p.license,
            abs_url=p.abs_url,
            pdf_url=p.pdf_url,
            github_repo=p.github_repo,
            project_page=p.project_page,
            upvotes=view.upvotes,
            feed=FeedEntryOut.of(view.entry) if view.entry else None,
        )


class PaperPage(BaseModel):
    """One page of a listing; follow `next` (also in the `Link` header) for the rest."""

    items: list[PaperOut]
    total: int
    page: int
    limit: int
    next: str | None


class SearchHitOut(PaperOut):
    """A paper as PaperOut shows it, with why it matched."""

    score: float = Field(description="Ranking score of the mode used; comparable only within one result list.")
    snippet: str = Field(
        description="Abstract excerpt as HTML: the text escaped, matched terms in `<mark>`; the abstract's opening "
        "when no term matched (semantic results)."
    )

    @classmethod
    def of_hit(cls, view: PaperView, score: float, snippet: str) -> SearchHitOut:
        return cls(**PaperOut.of(view).model_dump(), score=score, snippet=snippet)


class SearchPage(BaseModel):
    """One page of search results, best first; follow `next` (also in the `Link` header) for the rest."""

    items: list[SearchHitOut]
    total: int = Field(description="Keyword mode: every match; semantic and hybrid: the candidates ranked so far.")
    page: int
    limit: int
    next: str | None
    mode: SearchMode = Field(
        description="The mode actually used: hybrid and semantic fall back to keyword without vectors."
    )
    notice: str | None = Field(description="Why the mode asked for was not used, if it was not.")


class SimilarPapers(BaseModel):
    """A paper's nearest neighbours by meaning (vector index), the paper itself excluded; empty without vectors."""

    items: list[PaperOut]
