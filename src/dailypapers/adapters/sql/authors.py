"""The author-name index, organizations' papers and links edited by hand, in SQL (the AuthorStore port)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, storage_errors
from dailypapers.adapters.sql.schema import audit_log, feed_entries, organizations, paper_authors, papers
from dailypapers.domain.authors import PaperLinks, initials_key
from dailypapers.domain.models import Organization


def effective_organization() -> sa.ColumnElement[str]:
    """A paper's organization as pages show it: the one set by hand once its links were edited, else its feed
    entry's (the query must join feed_entries)."""
    return sa.case(
        (papers.c.links_edited_at.is_not(None), papers.c.edited_organization), else_=feed_entries.c.organization
    )


_VISIBLE = papers.c.hidden_at.is_(None)
_NEWEST = (papers.c.published.desc(), papers.c.arxiv_id.desc())


def _by_author(name: str) -> sa.Select[tuple[str]]:
    # The key leads the table's one index (initials_key, name).
    listed = sa.select(paper_authors.c.arxiv_id).where(
        paper_authors.c.initials_key == initials_key(name), paper_authors.c.name == name
    )
    return sa.select(papers.c.arxiv_id).where(papers.c.arxiv_id.in_(listed), _VISIBLE)


def _by_organization(name: str) -> sa.Subquery:
    """Two index-friendly halves (set by hand / from the feed entry) rather than one CASE no index can serve."""
    edited = sa.select(papers.c.arxiv_id, papers.c.published).where(
        papers.c.links_edited_at.is_not(None), papers.c.edited_organization == name, _VISIBLE
    )
    from_entry = (
        sa.select(papers.c.arxiv_id, papers.c.published)
        .join(feed_entries, feed_entries.c.arxiv_id == papers.c.arxiv_id)
        .where(feed_entries.c.organization == name, papers.c.links_edited_at.is_(None), _VISIBLE)
    )
    return sa.union_all(edited, from_entry).subquery()


class SqlAuthorStore(SqlBase):
    """The AuthorStore port (ports/authors.py); paper_rows.upsert_papers_in keeps paper_authors in step."""

    @storage_errors
    def author_paper_ids(self, name: str, *, limit: int, offset: int = 0) -> list[str]:
        query = _by_author(name).order_by(*_NEWEST).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    @storage_errors
    def count_author_papers(self, name: str) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(_by_author(name).subquery())) or 0

    @storage_errors
    def author_spellings(self, initials_key: str, *, limit: int) -> list[tuple[str, int]]:
        count = sa.func.count(sa.distinct(paper_authors.c.arxiv_id))
        query = (
            sa.select(paper_authors.c.name, count)
            .join(papers, papers.c.arxiv_id == paper_authors.c.arxiv_id)
            .where(paper_authors.c.initials_key == initials_key, _VISIBLE)
            .group_by(paper_authors.c.name)
            .order_by(count.desc(), paper_authors.c.name)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(row[0], row[1]) for row in conn.execute(query)]

    @storage_errors
    def organization_paper_ids(self, name: str, *, limit: int, offset: int = 0) -> list[str]:
        found = _by_organization(name)
        query = (
            sa.select(found.c.arxiv_id)
            .order_by(found.c.published.desc(), found.c.arxiv_id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    @storage_errors
    def count_organization_papers(self, name: str) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(_by_organization(name))) or 0

    @storage_errors
    def all_organizations(self) -> list[Organization]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(organizations).order_by(organizations.c.name))
            return [Organization(row.name, row.fullname, row.avatar_url) for row in rows]

    @storage_errors
    def set_paper_links(self, arxiv_id: str, links: PaperLinks, *, actor_id: int, detail: str, now: datetime) -> None:
        with self._write() as conn:
            conn.execute(
                papers.update()
                .where(papers.c.arxiv_id == arxiv_id)
                .values(
                    github_repo=links.github_repo,
                    project_page=links.project_page,
                    edited_organization=links.organization,
                    links_edited_at=now,
                    modified_at=now,
                )
            )
            if links.organization is not None:
                known = sa.select(organizations.c.name).where(organizations.c.name == links.organization)
                if conn.scalar(known) is None:
                    conn.execute(organizations.insert().values(name=links.organization, updated_at=now))
            conn.execute(
                audit_log.insert().values(
                    actor_id=actor_id,
                    action="edit_paper_links",
                    target=f"paper:{arxiv_id}",
                    detail=detail,
                    created_at=now,
                )
            )
