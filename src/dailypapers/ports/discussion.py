"""Ports for comments and moderation (hidden papers and comments, bans, the audit log)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from dailypapers.domain.models import AuditEntry, Comment, User


class DiscussionStore(Protocol):
    """Comments and the audit log. Any method can raise StorageError.

    Every moderation method writes its change and its audit entry in one transaction, and writes neither when
    the change is a no-op (hiding what is already hidden), returning False then.
    """

    # -- comments ------------------------------------------------------------------------------------------

    def add_comment(self, arxiv_id: str, user_id: int, parent_id: int | None, body: str, now: datetime) -> Comment:
        """Store a new comment (the caller has checked the paper and the parent) and return it."""
        ...

    def get_comment(self, comment_id: int) -> Comment | None: ...

    def paper_comments(self, arxiv_id: str) -> list[Comment]:
        """Every comment of a paper, deleted and hidden ones included, oldest first."""
        ...

    def edit_comment(self, comment_id: int, body: str, now: datetime) -> None: ...

    def delete_comment(self, comment_id: int, now: datetime) -> None:
        """Soft delete: the row stays (its replies hang on it) with `deleted_at` set and the body emptied."""
        ...

    def hidden_comments(self, *, limit: int) -> list[Comment]:
        """Comments hidden by moderators, most recently hidden first (for the admin page)."""
        ...

    # -- moderation ----------------------------------------------------------------------------------------

    def set_paper_hidden(self, arxiv_id: str, hidden: bool, *, actor_id: int, reason: str, now: datetime) -> bool:
        """Hide a paper from feeds or show it again; False when it already was so or does not exist."""
        ...

    def hidden_papers(self, *, limit: int) -> list[tuple[str, str, datetime]]:
        """(arxiv_id, title, hidden_at) of hidden papers, most recently hidden first."""
        ...

    def set_comment_hidden(self, comment_id: int, hidden: bool, *, actor_id: int, reason: str, now: datetime) -> bool:
        """Hide a comment from its thread or show it again; False when it already was so or does not exist."""
        ...

    def set_user_banned(self, username: str, banned: bool, *, actor_id: int, reason: str, now: datetime) -> bool:
        """Ban an account (which also revokes all its sessions and API tokens) or lift the ban; False when it
        already was so. Lifting a ban does not bring revoked sessions or tokens back."""
        ...

    def banned_users(self, *, limit: int) -> list[User]:
        """Banned accounts, most recently banned first."""
        ...

    def audit_entries(self, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        """The audit log, newest first."""
        ...

    def count_audit_entries(self) -> int: ...
