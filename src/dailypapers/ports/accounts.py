"""Ports for accounts: users, sign-in links, sessions, API tokens, and the mailer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

from dailypapers.domain.models import ApiToken, User


class AccountStore(Protocol):
    """Users, sign-in links, sessions and API tokens. Any method can raise StorageError.

    Secrets never reach the store: sign-in links, sessions and API tokens are kept as sha256 hex digests.
    """

    # -- users

    def get_user(self, user_id: int) -> User | None: ...

    def get_user_by_email(self, email: str) -> User | None:
        """`email` lower-cased, as stored."""
        ...

    def get_user_by_username(self, username: str) -> User | None: ...

    def get_or_create_user(self, email: str, username: str, now: datetime) -> User:
        """The account of `email`, created when missing with `username`, or `username-2`, `-3`, … when taken
        (chosen inside the write, so two concurrent first sign-ins cannot both take one name)."""
        ...

    def set_admin(self, user_id: int, is_admin: bool) -> User: ...

    def set_display_name(self, user_id: int, display_name: str) -> User: ...

    # -- sign-in links

    def add_login_token(self, email: str, token_hash: str, now: datetime, expires_at: datetime) -> None:
        """Store a link's hash (and forget links that expired long ago)."""
        ...

    def peek_login_token(self, token_hash: str, now: datetime) -> str | None:
        """The email of a valid (unused, unexpired) link, without using it."""
        ...

    def consume_login_token(self, token_hash: str, now: datetime) -> str | None:
        """Mark a valid link used and return its email; None when unknown, used or expired. Atomic: of two
        concurrent calls with one link, one gets the email."""
        ...

    # -- sessions

    def create_session(self, user_id: int, token_hash: str, now: datetime, expires_at: datetime) -> None: ...

    def session_user(self, token_hash: str, now: datetime) -> User | None:
        """The user of a live session (not revoked, not expired, user not banned)."""
        ...

    def revoke_session(self, token_hash: str, now: datetime) -> None: ...

    def revoke_credentials(self, user_id: int, now: datetime) -> None:
        """End every session and API token of a user (used when an account is banned)."""
        ...

    # -- API tokens

    def add_api_token(
        self, user_id: int, name: str, prefix: str, token_hash: str, scopes: frozenset[str], now: datetime
    ) -> ApiToken: ...

    def api_token_user(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The token and its user when it is not revoked and the user is not banned."""
        ...

    def touch_api_token(self, token_id: int, now: datetime) -> None:
        """Record a use (the settings page shows `last used`)."""
        ...

    def list_api_tokens(self, user_id: int) -> list[ApiToken]:
        """The user's tokens that are not revoked, newest first."""
        ...

    def revoke_api_token(self, user_id: int, token_id: int, now: datetime) -> bool:
        """Revoke one of the user's tokens; False when the user has no such live token."""
        ...

    # -- profile

    def user_submissions(self, user_id: int, limit: int) -> Sequence[str]:
        """arXiv ids the user submitted to the feed, newest first."""
        ...

    def user_upvotes(self, user_id: int, limit: int) -> Sequence[str]:
        """arXiv ids the user upvoted, most recent vote first."""
        ...


class Mailer(Protocol):
    """Delivers one message (From / To / Subject already set)."""

    def send(self, message: EmailMessage) -> None:
        """Raises SourceUnavailable on temporary (4xx / network) failures, SourceError on permanent ones."""
        ...


class RateLimiter(Protocol):
    """Counts actions per key in a moving window."""

    def hit(self, action: str, key: str, rate: str) -> None:
        """Record one `action` by `key` (an account id, an email, a client address) under `rate` ("5/hour");
        raises RateLimited with the seconds to wait when the limit is already reached."""
        ...
