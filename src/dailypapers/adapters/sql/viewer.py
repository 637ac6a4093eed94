"""The ViewerStore and DataVersionStore ports: a member's marks on a page's papers in one query, the data version."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, storage_errors
from dailypapers.adapters.sql.schema import collection_items, collections, data_version, follows, votes
from dailypapers.ports.viewer import ViewerMarks

MARKS_CHUNK = 400  # two id lists per query: stay under every SQLite build's bound-parameter limit

_VERSION = sa.select(data_version.c.version).where(data_version.c.id == 1)
_BUMP = data_version.update().where(data_version.c.id == 1).values(version=data_version.c.version + 1)


class SqlViewerStore(SqlBase):
    @storage_errors
    def viewer_marks(self, user_id: int, arxiv_ids: Sequence[str], saved_slug: str) -> ViewerMarks:
        ids = list(dict.fromkeys(arxiv_ids))
        upvoted: set[str] = set()
        saved: set[str] = set()
        authors: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, max(len(ids), 1), MARKS_CHUNK):
                chunk = ids[start : start + MARKS_CHUNK]
                parts = [
                    sa.select(sa.literal("v").label("kind"), votes.c.arxiv_id.label("value")).where(
                        votes.c.user_id == user_id, votes.c.arxiv_id.in_(chunk)
                    ),
                    sa.select(sa.literal("s").label("kind"), collection_items.c.arxiv_id.label("value"))
                    .join(collections, collections.c.id == collection_items.c.collection_id)
                    .where(
                        collections.c.user_id == user_id,
                        collections.c.slug == saved_slug,
                        collection_items.c.arxiv_id.in_(chunk),
                    ),
                ]
                if start == 0:
                    parts.append(
                        sa.select(sa.literal("f").label("kind"), follows.c.value.label("value")).where(
                            follows.c.user_id == user_id, follows.c.kind == "author"
                        )
                    )
                for kind, value in conn.execute(sa.union_all(*parts)):
                    {"v": upvoted, "s": saved, "f": authors}[kind].add(value)
        return ViewerMarks(frozenset(upvoted), frozenset(saved), frozenset(authors))

    @storage_errors
    def data_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(_VERSION) or 0)

    @storage_errors
    def bump_data_version(self) -> None:
        with self._write() as conn:
            conn.execute(_BUMP)
