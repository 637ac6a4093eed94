"""SmtpMailer against a real SMTP server: refusals at RCPT and at DATA are bounces (5xx) or deferrals (4xx)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dailypapers.adapters.mail import SmtpMailer
from dailypapers.domain.errors import SourceError, SourceUnavailable
from dailypapers.settings import Settings


class Picky:
    """Accepts mail for good@, defers later@ (451) and refuses nobody@ (550), both at RCPT TO."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        if address.startswith("later@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.extend(envelope.rcpt_tos)
        return "250 queued"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Picky, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Picky()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def message(to: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "hub@example.org", to, "hello"
    mail.set_content("hello")
    return mail


def test_rcpt_refusals_are_classified(smtp_server: tuple[Picky, int]) -> None:
    handler, port = smtp_server
    mailer = SmtpMailer(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none"))
    mailer.send(message("good@example.org"))
    assert handler.received == ["good@example.org"]
    with pytest.raises(SourceError, match="refused the recipient") as bounced:
        mailer.send(message("nobody@example.org"))
    assert not isinstance(bounced.value, SourceUnavailable)  # permanent: the digest suppresses the address
    with pytest.raises(SourceUnavailable, match="deferred"):
        mailer.send(message("later@example.org"))
