"""Collections and collection items (a member's library) in SQL, and the whole-account export and deletion.

The account export and deletion read and write the personal-layer tables straight from the schema, so they do not
depend on any other store module; everything of one deletion happens in one write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from dailypapers.adapters.sql.base import SqlBase, chunks, storage_errors
from dailypapers.adapters.sql.rows import utc
from dailypapers.adapters.sql.schema import (
    api_tokens,
    audit_log,
    author_claims,
    collection_items,
    collections,
    comments,
    digest_deliveries,
    digest_sent_papers,
    digests,
    feed_entries,
    follows,
    keyword_rules,
    login_tokens,
    paper_feedback,
    papers,
    retired_usernames,
    saved_searches,
    sessions,
    subscribers,
    subscription_tokens,
    user_preferences,
    users,
    votes,
)
from dailypapers.domain.errors import NotFound, StorageError
from dailypapers.ports.library import Collection, CollectionItem

WRITE_ATTEMPTS = 5  # concurrent writers racing on a unique key settle after a retry or two
DELETED_USERNAME = "deleted_{}"  # `_` never appears in usernames made from addresses, so no live name clashes
DELETED_EMAIL = "deleted_{}@deleted.invalid"  # .invalid is reserved (RFC 2606): nothing is ever delivered there
DELETED_DISPLAY_NAME = "deleted user"

_ITEM_COUNT = (
    sa.select(sa.func.count())
    .where(collection_items.c.collection_id == collections.c.id)
    .correlate(collections)
    .scalar_subquery()
    .label("item_count")
)
_COLLECTION_SELECT = sa.select(collections, _ITEM_COUNT)


def _collection_from(row: sa.Row[Any]) -> Collection:
    m = row._mapping
    created_at, updated_at = utc(m["created_at"]), utc(m["updated_at"])
    assert created_at is not None  # NOT NULL
    assert updated_at is not None  # NOT NULL
    return Collection(
        id=m["id"],
        user_id=m["user_id"],
        name=m["name"],
        slug=m["slug"],
        description=m["description"],
        is_public=bool(m["is_public"]),
        created_at=created_at,
        updated_at=updated_at,
        item_count=int(m["item_count"]),
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()  # type: ignore[union-attr]  # not None here
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(conn: sa.Connection, select: sa.Select[Any], *, drop: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts without the `drop` columns (owner ids, secrets)."""
    return [
        {key: _json_value(value) for key, value in row._mapping.items() if key not in drop}
        for row in conn.execute(select)
    ]


class SqlLibraryStore(SqlBase):
    """The LibraryStore port."""

    # -- collections -------------------------------------------------------------------------------------

    def _collection_where(self, conn: sa.Connection, *conditions: sa.ColumnElement[bool]) -> Collection | None:
        row = conn.execute(_COLLECTION_SELECT.where(*conditions)).first()
        return _collection_from(row) if row else None

    @storage_errors
    def ensure_collection(self, user_id: int, slug: str, name: str, now: datetime) -> Collection:
        where = (collections.c.user_id == user_id, collections.c.slug == slug)
        for _attempt in range(WRITE_ATTEMPTS):
            try:
                with self._write() as conn:
                    found = self._collection_where(conn, *where)
                    if found is not None:
                        return found
                    conn.execute(
                        collections.insert().values(
                            user_id=user_id, name=name, slug=slug, is_public=False, created_at=now, updated_at=now
                        )
                    )
                    created = self._collection_where(conn, *where)
                    assert created is not None
                    return created
            except sa.exc.IntegrityError:
                continue  # a concurrent request created it between our read and our insert: read it next time
        raise StorageError(f"could not create the collection {slug!r} after {WRITE_ATTEMPTS} attempts")

    @storage_errors
    def create_collection(
        self, user_id: int, name: str, slug: str, description: str, is_public: bool, now: datetime
    ) -> Collection:
        for _attempt in range(WRITE_ATTEMPTS):
            try:
                with self._write() as conn:
                    free = self._free_slug(conn, user_id, slug)
                    new_id = conn.execute(
                        collections.insert()
                        .values(
                            user_id=user_id,
                            name=name,
                            slug=free,
                            description=description,
                            is_public=is_public,
                            created_at=now,
                            updated_at=now,
                        )
                        .returning(collections.c.id)
                    ).scalar_one()
                    created = self._collection_where(conn, collections.c.id == new_id)
                    assert created is not None
                    return created
            except sa.exc.IntegrityError:
                continue
        raise StorageError(f"could not create the collection {slug!r} after {WRITE_ATTEMPTS} attempts")

    @staticmethod
    def _free_slug(conn: sa.Connection, user_id: int, base: str) -> str:
        taken = set(
            conn.scalars(
                sa.select(collections.c.slug).where(
                    collections.c.user_id == user_id,
                    sa.or_(collections.c.slug == base, collections.c.slug.startswith(f"{base}-", autoescape=True)),
                )
            )
        )
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"

    @storage_errors
    def get_collection(self, user_id: int, slug: str) -> Collection | None:
        with self.engine.connect() as conn:
            return self._collection_where(conn, collections.c.user_id == user_id, collections.c.slug == slug)

    @storage_errors
    def user_collections(self, user_id: int) -> list[Collection]:
        select = _COLLECTION_SELECT.where(collections.c.user_id == user_id).order_by(
            collections.c.updated_at.desc(), collections.c.id.desc()
        )
        with self.engine.connect() as conn:
            return [_collection_from(row) for row in conn.execute(select)]

    @storage_errors
    def count_collections(self, user_id: int) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.count()).where(collections.c.user_id == user_id)) or 0)

    @storage_errors
    def update_collection(
        self, collection_id: int, *, name: str, description: str, is_public: bool, now: datetime
    ) -> Collection:
        with self._write() as conn:
            conn.execute(
                collections.update()
                .where(collections.c.id == collection_id)
                .values(name=name, description=description, is_public=is_public, updated_at=now)
            )
            updated = self._collection_where(conn, collections.c.id == collection_id)
        if updated is None:
            raise NotFound(f"no collection with id {collection_id}")
        return updated

    @storage_errors
    def delete_collection(self, collection_id: int) -> None:
        with self._write() as conn:
            conn.execute(collection_items.delete().where(collection_items.c.collection_id == collection_id))
            conn.execute(collections.delete().where(collections.c.id == collection_id))

    # -- items -------------------------------------------------------------------------------------------

    @storage_errors
    def add_items(self, collection_id: int, arxiv_ids: Sequence[str], now: datetime) -> list[str]:
        wanted = list(dict.fromkeys(arxiv_ids))
        for _attempt in range(WRITE_ATTEMPTS):
            try:
                with self._write() as conn:
                    known: set[str] = set()
                    present: set[str] = set()
                    for chunk in chunks(wanted):
                        known.update(conn.scalars(sa.select(papers.c.arxiv_id).where(papers.c.arxiv_id.in_(chunk))))
                        present.update(
                            conn.scalars(
                                sa.select(collection_items.c.arxiv_id).where(
                                    collection_items.c.collection_id == collection_id,
                                    collection_items.c.arxiv_id.in_(chunk),
                                )
                            )
                        )
                    added = [i for i in wanted if i in known and i not in present]
                    if added:
                        # One microsecond apart, so "most recently added first" keeps the order we were given.
                        conn.execute(
                            collection_items.insert(),
                            [
                                {
                                    "collection_id": collection_id,
                                    "arxiv_id": arxiv_id,
                                    "note": "",
                                    "added_at": now - timedelta(microseconds=n),
                                }
                                for n, arxiv_id in enumerate(added)
                            ],
                        )
                        self._touch(conn, collection_id, now)
                    return added
            except sa.exc.IntegrityError:
                continue  # the same paper added concurrently: the next attempt sees it present
        raise StorageError(f"could not add papers to collection {collection_id} after {WRITE_ATTEMPTS} attempts")

    @staticmethod
    def _touch(conn: sa.Connection, collection_id: int, now: datetime) -> None:
        conn.execute(collections.update().where(collections.c.id == collection_id).values(updated_at=now))

    @storage_errors
    def remove_item(self, collection_id: int, arxiv_id: str, now: datetime) -> bool:
        with self._write() as conn:
            removed = conn.execute(
                collection_items.delete().where(
                    collection_items.c.collection_id == collection_id, collection_items.c.arxiv_id == arxiv_id
                )
            ).rowcount
            if removed:
                self._touch(conn, collection_id, now)
        return bool(removed)

    @storage_errors
    def set_item_note(self, collection_id: int, arxiv_id: str, note: str, now: datetime) -> bool:
        with self._write() as conn:
            changed = conn.execute(
                collection_items.update()
                .where(collection_items.c.collection_id == collection_id, collection_items.c.arxiv_id == arxiv_id)
                .values(note=note)
            ).rowcount
            if changed:
                self._touch(conn, collection_id, now)
        return bool(changed)

    @storage_errors
    def collection_items(self, collection_id: int, *, limit: int, offset: int = 0) -> list[CollectionItem]:
        select = (
            sa.select(collection_items)
            .where(collection_items.c.collection_id == collection_id)
            .order_by(collection_items.c.added_at.desc(), collection_items.c.arxiv_id)
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            return [
                CollectionItem(row.arxiv_id, row.note, utc(row.added_at))  # type: ignore[arg-type]  # NOT NULL
                for row in conn.execute(select)
            ]

    @storage_errors
    def items_among(self, collection_id: int, arxiv_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(list(arxiv_ids)):
                found.update(
                    conn.scalars(
                        sa.select(collection_items.c.arxiv_id).where(
                            collection_items.c.collection_id == collection_id, collection_items.c.arxiv_id.in_(chunk)
                        )
                    )
                )
        return found

    @storage_errors
    def in_collection(self, user_id: int, slug: str, arxiv_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in chunks(list(arxiv_ids)):
                select = (
                    sa.select(collection_items.c.arxiv_id)
                    .join(collections, collections.c.id == collection_items.c.collection_id)
                    .where(
                        collections.c.user_id == user_id,
                        collections.c.slug == slug,
                        collection_items.c.arxiv_id.in_(chunk),
                    )
                )
                found.update(conn.scalars(select))
        return found

    @storage_errors
    def saved_paper_ids(self, user_id: int, limit: int) -> list[str]:
        last_added = sa.func.max(collection_items.c.added_at)
        select = (
            sa.select(collection_items.c.arxiv_id)
            .join(collections, collections.c.id == collection_items.c.collection_id)
            .where(collections.c.user_id == user_id)
            .group_by(collection_items.c.arxiv_id)
            .order_by(last_added.desc(), collection_items.c.arxiv_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(select))

    # -- the account as a whole --------------------------------------------------------------------------

    @storage_errors
    def account_data(self, user_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            user = conn.execute(sa.select(users).where(users.c.id == user_id)).first()
            if user is None:
                raise NotFound(f"no account with id {user_id}")
            own_subscribers = sa.or_(subscribers.c.user_id == user_id, subscribers.c.email == user.email)
            subscriber_ids = list(conn.scalars(sa.select(subscribers.c.id).where(own_subscribers)))
            own_collections = _rows(
                conn, sa.select(collections).where(collections.c.user_id == user_id).order_by(collections.c.id)
            )
            for collection in own_collections:
                collection["items"] = _rows(
                    conn,
                    sa.select(collection_items)
                    .where(collection_items.c.collection_id == collection["id"])
                    .order_by(collection_items.c.added_at.desc(), collection_items.c.arxiv_id),
                    drop=("collection_id",),
                )
                collection.pop("user_id")

            def owned(table: sa.Table, *order: sa.ColumnElement[Any], drop: Sequence[str] = ()) -> list[dict[str, Any]]:
                select = sa.select(table).where(table.c.user_id == user_id).order_by(*order)
                return _rows(conn, select, drop=("user_id", *drop))

            return {
                "profile": _rows(conn, sa.select(users).where(users.c.id == user_id))[0],
                # Secrets are never exported: sessions without their token hash, API tokens by name and prefix.
                "sessions": owned(sessions, sessions.c.id, drop=("token_hash",)),
                "api_tokens": owned(api_tokens, api_tokens.c.id, drop=("token_hash",)),
                "sign_in_links": _rows(
                    conn,
                    sa.select(login_tokens.c.created_at, login_tokens.c.expires_at, login_tokens.c.used_at)
                    .where(login_tokens.c.email == user.email)
                    .order_by(login_tokens.c.id),
                ),
                "votes": owned(votes, votes.c.created_at, votes.c.id, drop=("id",)),
                "comments": owned(comments, comments.c.created_at, comments.c.id),
                "submissions": _rows(
                    conn,
                    sa.select(feed_entries.c.arxiv_id, feed_entries.c.feed_date, feed_entries.c.submitted_at)
                    .where(feed_entries.c.submitted_by_user_id == user_id)
                    .order_by(feed_entries.c.submitted_at, feed_entries.c.id),
                ),
                "collections": own_collections,
                "follows": owned(follows, follows.c.id),
                "keyword_rules": owned(keyword_rules, keyword_rules.c.id),
                "not_interested": owned(paper_feedback, paper_feedback.c.created_at, paper_feedback.c.arxiv_id),
                "preferences": next(iter(owned(user_preferences, user_preferences.c.user_id)), None),
                "saved_searches": owned(saved_searches, saved_searches.c.id),
                "authorship_claims": owned(author_claims, author_claims.c.id, drop=("decided_by",)),
                "subscriptions": _rows(conn, sa.select(subscribers).where(own_subscribers).order_by(subscribers.c.id)),
                "digests_received": self._deliveries(conn, subscriber_ids),
                "moderation_actions": _rows(
                    conn,
                    sa.select(audit_log.c.action, audit_log.c.target, audit_log.c.detail, audit_log.c.created_at)
                    .where(audit_log.c.actor_id == user_id)
                    .order_by(audit_log.c.id),
                ),
            }

    @staticmethod
    def _deliveries(conn: sa.Connection, subscriber_ids: list[int]) -> list[dict[str, Any]]:
        if not subscriber_ids:
            return []
        select = (
            sa.select(
                digests.c.frequency,
                digests.c.period,
                digest_deliveries.c.state,
                digest_deliveries.c.content,
                digest_deliveries.c.sent_at,
            )
            .join(digests, digests.c.id == digest_deliveries.c.digest_id)
            .where(digest_deliveries.c.subscriber_id.in_(subscriber_ids))
            .order_by(digest_deliveries.c.id)
        )
        return _rows(conn, select)

    @storage_errors
    def delete_account(self, user_id: int, *, remove_comments: bool, now: datetime) -> None:
        with self._write() as conn:
            user = conn.execute(
                sa.select(users.c.email, users.c.username).where(users.c.id == user_id, users.c.deleted_at.is_(None))
            ).first()
            if user is None:
                raise NotFound(f"no account with id {user_id}")
            # Credentials first: deleted rows cannot authenticate anything, revoked or not.
            for table in (sessions, api_tokens):
                conn.execute(table.delete().where(table.c.user_id == user_id))
            conn.execute(login_tokens.delete().where(login_tokens.c.email == user.email))
            # Claims go too: a verified authorship names a person, and the account no longer does.
            for table in (follows, keyword_rules, paper_feedback, user_preferences, saved_searches, author_claims):
                conn.execute(table.delete().where(table.c.user_id == user_id))
            own = sa.select(collections.c.id).where(collections.c.user_id == user_id).scalar_subquery()
            conn.execute(collection_items.delete().where(collection_items.c.collection_id.in_(own)))
            conn.execute(collections.delete().where(collections.c.user_id == user_id))
            self._delete_subscriptions(conn, user_id, user.email)
            # Comments leave the account either way (NULL author renders as a deleted account); "remove" also
            # empties them the way a comment deletion does, keeping the row so other people's replies stay put.
            mine = comments.c.user_id == user_id
            if remove_comments:
                conn.execute(
                    comments.update()
                    .where(mine)
                    .values(user_id=None, body="", deleted_at=sa.func.coalesce(comments.c.deleted_at, now))
                )
            else:
                conn.execute(comments.update().where(mine).values(user_id=None))
            scrubbed = DELETED_USERNAME.format(user_id)
            # The name is retired, never handed out again: old links, mentions and audit entries of it must not
            # come to mean someone else. Audit entries keep the account's id; their text stops naming it.
            conn.execute(retired_usernames.insert().values(username=user.username, user_id=user_id, retired_at=now))
            conn.execute(
                audit_log.update().where(audit_log.c.subject_user_id == user_id).values(target=f"user:{scrubbed}")
            )
            conn.execute(
                feed_entries.update()
                .where(feed_entries.c.submitted_by_user_id == user_id)
                .values(submitted_by=scrubbed)
            )
            # The row stays so votes stay counted (and trending keeps their account-age weighting); it names no one.
            conn.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(
                    email=DELETED_EMAIL.format(user_id),
                    username=scrubbed,
                    display_name=DELETED_DISPLAY_NAME,
                    is_admin=False,
                    deleted_at=now,
                )
            )

    @staticmethod
    def _delete_subscriptions(conn: sa.Connection, user_id: int, email: str) -> None:
        """The account's digest subscriptions (and one made with its address before signing up), with their
        ledger rows. Mail suppressions stay: they protect the sender's reputation, not the account."""
        ids = list(
            conn.scalars(
                sa.select(subscribers.c.id).where(
                    sa.or_(subscribers.c.user_id == user_id, subscribers.c.email == email)
                )
            )
        )
        if not ids:
            return
        for table in (digest_sent_papers, digest_deliveries, subscription_tokens):
            conn.execute(table.delete().where(table.c.subscriber_id.in_(ids)))
        conn.execute(subscribers.delete().where(subscribers.c.id.in_(ids)))
