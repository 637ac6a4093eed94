"""DKIM signing of outgoing mail (dkimpy), relaxed/relaxed over the headers that matter for one-click unsubscribe."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import dkim  # type: ignore[import-untyped]  # dkimpy ships no type information

from dailypapers.domain.errors import ConfigError
from dailypapers.settings import Settings

# Signed headers: the RFC 8058 pair must be covered, or a forwarder could add a one-click link of its own.
DKIM_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"list-id",
    b"mime-version",
    b"content-type",
)
# Re-parsed signed mails keep their header bytes as signed: no refolding on the way to the SMTP server.
SIGNED_POLICY = email.policy.SMTP.clone(refold_source="none", max_line_length=998)


class DkimSigner:
    """Signs whole messages with an RSA key (relaxed/relaxed)."""

    def __init__(self, selector: str, domain: str, private_key: bytes) -> None:
        self.selector, self.domain, self.private_key = selector, domain, private_key

    @classmethod
    def from_settings(cls, settings: Settings, domain: str) -> DkimSigner | None:
        """None unless a selector and a key file are configured; ConfigError when the key cannot be read."""
        selector = settings.dkim_selector
        key_file = settings.dkim_private_key_file
        if not selector or not key_file:
            return None
        try:
            key = Path(key_file).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the DKIM private key {key_file}: {exc}") from None
        return cls(selector, settings.dkim_domain or domain, key)

    def sign(self, message: EmailMessage) -> EmailMessage:
        raw = message.as_bytes(policy=SIGNED_POLICY)
        header = self.signature(raw, [h for h in DKIM_HEADERS if message[h.decode()] is not None])
        signed = email.message_from_bytes(header + raw, policy=SIGNED_POLICY)
        assert isinstance(signed, EmailMessage)
        return signed

    def signature(self, raw: bytes, headers: list[bytes]) -> bytes:
        """The `DKIM-Signature:` header line (CRLF-terminated) for a message in wire form, over `headers`."""
        header: bytes = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=headers,
        )
        return header
