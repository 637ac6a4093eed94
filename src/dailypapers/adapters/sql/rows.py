"""Mapping between domain dataclasses and table rows (timezone handling lives here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from dailypapers.domain.models import FeedEntry, Paper


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_required(value: datetime | None) -> datetime:
    """A NOT NULL timestamp column, in UTC."""
    stamp = utc(value)
    assert stamp is not None
    return stamp


def paper_values(paper: Paper) -> dict[str, Any]:
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "published": paper.published,
        "updated": paper.updated,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "license": paper.license,
        "github_repo": paper.github_repo,
        "project_page": paper.project_page,
        "imported_upvotes": paper.imported_upvotes,
        "ai_summary": paper.ai_summary,
        "ai_summary_model": paper.ai_summary_model,
        "ai_keywords": list(paper.ai_keywords),
        "thumbnail_url": paper.thumbnail_url,
        "media_urls": list(paper.media_urls),
        "withdrawn_at": paper.withdrawn_at,
        "keywords": list(paper.keywords),
        "edited_organization": paper.edited_organization,
        "links_edited_at": paper.links_edited_at,
    }


def paper_from_row(row: sa.Row[Any] | sa.RowMapping) -> Paper:
    m = row._mapping if isinstance(row, sa.Row) else row
    published = utc(m["published"])
    assert published is not None  # NOT NULL column
    return Paper(
        arxiv_id=m["arxiv_id"],
        version=m["version"],
        title=m["title"],
        abstract=m["abstract"],
        authors=tuple(m["authors"]),
        categories=tuple(m["categories"]),
        published=published,
        updated=utc(m["updated"]),
        comment=m["comment"],
        journal_ref=m["journal_ref"],
        doi=m["doi"],
        license=m["license"],
        github_repo=m["github_repo"],
        project_page=m["project_page"],
        imported_upvotes=m["imported_upvotes"],
        ai_summary=m["ai_summary"],
        ai_summary_model=m["ai_summary_model"],
        ai_keywords=tuple(m["ai_keywords"] or ()),
        thumbnail_url=m["thumbnail_url"],
        media_urls=tuple(m["media_urls"] or ()),
        withdrawn_at=utc(m["withdrawn_at"]),
        keywords=tuple(m["keywords"] or ()),
        edited_organization=m["edited_organization"],
        links_edited_at=utc(m["links_edited_at"]),
    )


def entry_values(entry: FeedEntry) -> dict[str, Any]:
    return {
        "arxiv_id": entry.arxiv_id,
        "feed_date": entry.feed_date,
        "submitted_at": entry.submitted_at,
        "submitted_by": entry.submitted_by,
        "source": entry.source,
        "imported_comments": entry.imported_comments,
        "organization": entry.organization,
        "submitted_by_user_id": entry.submitter_id,
        "upstream": entry.upstream,
        "submitter_fullname": entry.submitter_fullname,
        "submitter_avatar_url": entry.submitter_avatar_url,
        "upstream_synced_at": entry.upstream_synced_at,
    }


def entry_from_row(row: sa.Row[Any] | sa.RowMapping) -> FeedEntry:
    m = row._mapping if isinstance(row, sa.Row) else row
    submitted_at = utc(m["submitted_at"])
    assert submitted_at is not None  # NOT NULL column
    return FeedEntry(
        arxiv_id=m["arxiv_id"],
        feed_date=m["feed_date"],
        submitted_at=submitted_at,
        submitted_by=m["submitted_by"],
        source=m["source"],
        imported_comments=m["imported_comments"],
        organization=m["organization"],
        submitter_id=m["submitted_by_user_id"],
        upstream=m["upstream"],
        submitter_fullname=m["submitter_fullname"],
        submitter_avatar_url=m["submitter_avatar_url"],
        upstream_synced_at=utc(m["upstream_synced_at"]),
    )
