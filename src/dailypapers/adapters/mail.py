"""Mailers: SMTP for production, the console (log) for development when no SMTP host is configured.

`send(message)` opens one connection per message (sign-in and confirmation mails: one at a time). For a batch
(digests), `session()` yields a mailer that keeps one connection open for every message of the block and
reconnects after a failure; it also sends mails already in wire form (`send_wire`), which a digest batch
writes without building an EmailMessage per subscriber.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import parseaddr

from dailypapers.domain.errors import SourceError, SourceUnavailable
from dailypapers.ports.digests import WireMail
from dailypapers.settings import Settings

log = logging.getLogger(__name__)


class ConsoleMailer:
    """Writes each mail to the log, so a developer can click the sign-in link without a mail server."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        log.warning("mail (console mailer, no SMTP host set) to %s: %s\n%s", message["To"], message["Subject"], text)


class SmtpMailer:
    """Sends through an SMTP server with STARTTLS, implicit TLS or none, and optional authentication."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        """One connection for this message. Raises SourceUnavailable (4xx, network) or SourceError (5xx)."""
        with self.session() as session:
            session.send(message)

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        """A mailer for a batch: one connection, opened on the first message and kept for the next ones, closed
        (QUIT) when the block ends. Each session is used by one thread; `send` itself stays thread-safe."""
        session = SmtpSession(self.settings)
        try:
            yield session
        finally:
            session.close()


class SmtpSession:
    """One SMTP connection reused across messages (the Mailer port). After any failure the connection is dropped
    and the next message opens a new one; a reused connection the server closed while idle (a disconnect before
    the message was accepted) is reopened and the message tried once more."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0  # opened so far (tests and the benchmark read it)

    def send(self, message: EmailMessage) -> None:
        self._transmit(lambda smtp: smtp.send_message(message))

    def send_wire(self, mail: WireMail) -> None:
        """Send a mail already in wire form to its recipient, from the address of `mail_from` (what `send` takes
        from the From header); its text goes unencoded (8bit) where the server announced 8BITMIME. Same errors
        and reconnection as `send`."""
        sender = parseaddr(self.settings.mail_from)[1]

        def action(smtp: smtplib.SMTP) -> None:
            smtp.ehlo_or_helo_if_needed()
            eight_bit = smtp.has_extn("8bitmime")
            options = ["BODY=8BITMIME"] if eight_bit else []
            smtp.sendmail(sender, [mail.recipient], mail.data(eight_bit), mail_options=options)

        self._transmit(action)

    def _transmit(self, action: Callable[[smtplib.SMTP], object]) -> None:
        reused = self._smtp is not None
        try:
            try:
                action(self._connection())
            except smtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                # An idle connection the server dropped (timeout, restart): open a new one and try once more.
                # The Message-ID is the same, so even a reply lost after DATA cannot make a second distinct mail.
                self._drop()
                action(self._connection())
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            # Real servers refuse unknown mailboxes at RCPT TO; a 5xx there is a bounce, a 4xx a deferral.
            codes = [code for code, _message in exc.recipients.values()]
            detail = ", ".join(f"{addr}: SMTP {code}" for addr, (code, _m) in exc.recipients.items())
            if codes and all(code >= 500 for code in codes):
                raise SourceError(f"mail server refused the recipient ({detail})") from None
            raise SourceUnavailable(f"mail server deferred the recipient ({detail})") from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            detail = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise SourceUnavailable(f"mail server deferred the message ({detail})") from None
            raise SourceError(f"mail server refused the message ({detail})") from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            s = self.settings
            raise SourceUnavailable(f"cannot reach mail server {s.smtp_host}:{s.smtp_port}: {exc}") from None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        smtp: smtplib.SMTP
        if s.smtp_tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.http_timeout_seconds)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.http_timeout_seconds)
        try:
            if s.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        self.connections += 1
        return smtp

    def _drop(self) -> None:
        """Forget the connection without talking to the server (it may be broken)."""
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """End the connection politely (QUIT); errors here change nothing about what was sent."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def make_mailer(settings: Settings) -> ConsoleMailer | SmtpMailer:
    return SmtpMailer(settings) if settings.smtp_host else ConsoleMailer()
