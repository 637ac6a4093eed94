"""SmtpMailer.session(): one SMTP connection for a batch (aiosmtpd on 127.0.0.1), a new one after a refusal or after
the server dropped the connection, and the digest sender using it; `send(message)` alone keeps one per message."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dailypapers.adapters import mail as mail_module
from dailypapers.adapters.mail import SmtpMailer, SmtpSession
from dailypapers.domain.errors import SourceError, SourceUnavailable
from dailypapers.ports.digests import MailSessions, WireMailer
from dailypapers.settings import Settings
from tests.digest.conftest import SEND_AT, DigestHub, SmtpSink, free_port, seed_feed, subscribe_confirmed


class Peers:
    """Accepts everything and records the client's (host, port) of each message: one port per connection."""

    def __init__(self) -> None:
        self.peers: list[Any] = []
        self.to: list[str] = []
        self.replies: dict[str, str] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0]
        if rcpt in self.replies:
            return self.replies.pop(rcpt)
        self.peers.append(session.peer)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.to.append(str(message["To"]))
        return "250 OK"


@pytest.fixture
def server() -> Iterator[tuple[Peers, int]]:
    handler, port = Peers(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def _mailer(port: int) -> SmtpMailer:
    return SmtpMailer(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none"))


def _message(to: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "hub@example.org", to, "hello"
    mail.set_content("hello")
    return mail


def test_a_session_sends_a_batch_over_one_connection(server: tuple[Peers, int]) -> None:
    handler, port = server
    mailer = _mailer(port)
    assert isinstance(mailer, MailSessions)
    with mailer.session() as session:
        for n in range(5):
            session.send(_message(f"r{n}@example.org"))
    assert handler.to == [f"r{n}@example.org" for n in range(5)]
    assert len(set(handler.peers)) == 1
    for n in range(2):  # outside a session: one connection per message, as before
        mailer.send(_message(f"single{n}@example.org"))
    assert len(set(handler.peers)) == 3


def test_a_session_classifies_refusals_and_goes_on(server: tuple[Peers, int]) -> None:
    handler, port = server
    handler.replies = {"gone@example.org": "550 5.1.1 no such user", "later@example.org": "451 4.3.0 busy"}
    with _mailer(port).session() as session:
        session.send(_message("a@example.org"))
        with pytest.raises(SourceError) as bounced:
            session.send(_message("gone@example.org"))
        assert not isinstance(bounced.value, SourceUnavailable)
        with pytest.raises(SourceUnavailable):
            session.send(_message("later@example.org"))
        session.send(_message("b@example.org"))
    assert handler.to == ["a@example.org", "b@example.org"]


def test_a_session_reconnects_when_the_server_dropped_the_connection() -> None:
    port = free_port()
    first, second = Peers(), Peers()
    controller = Controller(first, hostname="127.0.0.1", port=port)
    controller.start()
    mailer = _mailer(port)
    with mailer.session() as session:
        session.send(_message("a@example.org"))
        controller.stop()  # the server goes away (restart, idle timeout) with the connection open
        controller = Controller(second, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            session.send(_message("b@example.org"))  # reconnects and sends, no error
            session.send(_message("c@example.org"))
        finally:
            controller.stop()
    assert first.to == ["a@example.org"]
    assert second.to == ["b@example.org", "c@example.org"]
    assert len(set(second.peers)) == 1


def test_a_session_reports_a_server_that_is_down(server: tuple[Peers, int]) -> None:
    with _mailer(free_port()).session() as session, pytest.raises(SourceUnavailable, match="cannot reach"):
        session.send(_message("a@example.org"))


def test_the_digest_sender_uses_one_connection(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    addresses = [f"reader{n}@example.org" for n in range(6)]
    for address in addresses:
        subscribe_confirmed(dhub, sink, address)
    sessions: list[SmtpSession] = []

    class Recorded(SmtpSession):
        def __init__(self, settings: Settings) -> None:
            super().__init__(settings)
            sessions.append(self)

    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail_module, "SmtpSession", Recorded)
        run = dhub.run_digest("daily")
    assert run.delivery is not None
    assert run.delivery.sent == len(addresses)
    assert [s.connections for s in sessions] == [1]  # one session, one connection, six digests
    assert sorted(str(m["To"]) for m in sink.digests()) == addresses


class Envelopes:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], list[str], bytes | str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_options, envelope.rcpt_tos, envelope.content))
        return "250 OK"


class Wire:
    """A WireMail that says which form the session asked for."""

    recipient = "r@example.org"

    def __init__(self) -> None:
        self.asked: list[bool] = []

    def data(self, eight_bit: bool) -> bytes:
        self.asked.append(eight_bit)
        body = "hé".encode() if eight_bit else b"h=C3=A9"
        encoding = b"8bit" if eight_bit else b"quoted-printable"
        return (
            b"From: hub@example.org\r\nTo: r@example.org\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: ' + encoding + b"\r\n\r\n" + body
        )


@pytest.mark.parametrize("announces_8bitmime", [True, False])
def test_wire_mails_go_8bit_only_to_servers_that_take_it(announces_8bitmime: bool) -> None:
    handler, port = Envelopes(), free_port()
    # aiosmtpd announces 8BITMIME unless it decodes data to str
    controller = Controller(handler, hostname="127.0.0.1", port=port, decode_data=not announces_8bitmime)
    controller.start()
    try:
        mail = Wire()
        with _mailer(port).session() as session:
            assert isinstance(session, WireMailer)
            session.send_wire(mail)
    finally:
        controller.stop()
    assert mail.asked == [announces_8bitmime]
    [(options, recipients, content)] = handler.received
    assert recipients == ["r@example.org"]
    assert ("BODY=8BITMIME" in options) is announces_8bitmime
    text = content if isinstance(content, str) else content.decode()
    assert text.endswith("hé\r\n" if announces_8bitmime else "h=C3=A9\r\n")
