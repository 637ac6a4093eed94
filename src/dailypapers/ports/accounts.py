"""Ports for accounts: users, sign-in links, sessions, API tokens, and the mailer."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class AccountStore(Protocol):
    """Users, sign-in links, sessions and API tokens. Any method can raise StorageError."""


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
