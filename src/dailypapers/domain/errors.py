"""The one exception tree of dailypapers; the web and CLI edges translate it, nothing else catches broadly."""

from __future__ import annotations


class DailyPapersError(Exception):
    """Base of every error the hub raises on purpose."""


class InvalidInput(DailyPapersError):
    """Something a user or a file gave us is malformed; the message says what and how to fix it."""


class InvalidArxivId(InvalidInput):
    """A string that is not an arXiv identifier."""


class InvalidPeriod(InvalidInput):
    """A date, ISO week or month that does not parse or does not exist."""


class InvalidRecord(InvalidInput):
    """One record of an import file that cannot become a paper."""


class NotFound(DailyPapersError):
    """The thing asked for does not exist here."""


class Gone(NotFound):
    """It existed and was removed for good (e.g. the private feed of a deleted account): HTTP 410."""


class PaperNotFound(NotFound):
    def __init__(self, arxiv_id: str) -> None:
        super().__init__(f"paper {arxiv_id} is not in this hub")
        self.arxiv_id = arxiv_id


class NotSignedIn(DailyPapersError):
    """The action needs an account (a session or a valid API token)."""


class PermissionDenied(DailyPapersError):
    """Signed in, but not allowed: wrong scope, not the author, not an admin, banned."""


class RateLimited(DailyPapersError):
    """Too many requests of one kind; `retry_after` says when to try again, in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(DailyPapersError):
    """The request contradicts the current state (e.g. a username already taken)."""


class StorageError(DailyPapersError):
    """The database failed; any Store method may raise it."""


class SourceError(DailyPapersError):
    """An upstream source (arXiv, Hugging Face, GitHub) failed or answered nonsense."""


class SourceUnavailable(SourceError):
    """The source cannot be reached or keeps answering 503; try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadResumptionToken(SourceError):
    """OAI-PMH rejected a saved resumption token (expired); the harvest must restart from its date."""


class ConfigError(DailyPapersError):
    """A setting has a value we cannot use."""
