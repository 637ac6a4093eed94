"""Checking URLs that people type (a paper's code link, project page): pure, with messages that say what to fix."""

from __future__ import annotations

from urllib.parse import urlsplit

from dailypapers.domain.errors import InvalidInput

MAX_URL_LENGTH = 2048


def checked_url(raw: str | None, what: str, *, schemes: tuple[str, ...]) -> str | None:
    """A stripped URL of one of `schemes` naming a host, without user name or password; None for empty;
    InvalidInput (naming `what`) for anything else."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > MAX_URL_LENGTH:
        raise InvalidInput(f"the {what} URL is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidInput(f"the {what} URL contains spaces or control characters")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- raises ValueError for a malformed port
    except ValueError:
        raise InvalidInput(f"the {what} URL {text[:100]!r} is malformed") from None
    if parts.scheme.lower() not in schemes or not parts.hostname:
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise InvalidInput(f"the {what} URL must start with {allowed} and name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(f"the {what} URL must not contain a user name or password")
    return text
