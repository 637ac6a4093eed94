"""DKIM: a digest signed with a configured key verifies with dkimpy after a real SMTP round trip, and the signature
covers the RFC 8058 headers."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import dkim  # type: ignore[import-untyped]
import pytest

from dailypapers.adapters.mail_dkim import DkimSigner
from dailypapers.adapters.mail_render import MailRenderer
from tests.digest.conftest import SEND_AT, DigestHub, SmtpSink, seed_feed, subscribe_confirmed


@pytest.fixture
def rsa_key(tmp_path: Path) -> tuple[bytes, bytes]:
    """(private key PEM, the base64 public key for the DNS record), made by openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    der = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    return key.read_bytes(), base64.b64encode(der)


def test_signed_digest_verifies_after_smtp(
    dhub: DigestHub, smtp: tuple[SmtpSink, int], rsa_key: tuple[bytes, bytes]
) -> None:
    sink, _ = smtp
    private, public = rsa_key
    dhub.digest_renderer = MailRenderer(dhub.settings, DkimSigner("dp2026", "papers.example.org", private))
    seed_feed(dhub)
    subscribe_confirmed(dhub, sink, "ada@example.org")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    assert dhub.run_digest("daily").delivery.sent == 1  # type: ignore[union-attr]
    [raw] = [r for r, m in zip(sink.raw, sink.messages, strict=True) if m["List-Unsubscribe"]]
    lookups: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        lookups.append(name)
        return b"v=DKIM1; k=rsa; p=" + public

    assert dkim.verify(raw, dnsfunc=dns)
    assert lookups == [b"dp2026._domainkey.papers.example.org."]
    [message] = [m for m in sink.messages if m["List-Unsubscribe"]]
    tags = dkim.util.parse_tag_value(" ".join(str(message["DKIM-Signature"]).split()).encode())
    headers = {h.strip().lower() for h in tags[b"h"].split(b":")}
    assert {b"list-unsubscribe", b"list-unsubscribe-post", b"from", b"subject", b"message-id"} <= headers
    # Tampering with the one-click header breaks the signature.
    tampered = raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nope")
    assert tampered != raw
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_no_dkim_without_a_key(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscribe_confirmed(dhub, sink, "ada@example.org")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    dhub.run_digest("daily")
    [mail] = sink.digests()
    assert mail["DKIM-Signature"] is None
