"""Mailers: SMTP for production, the console (log) for development when no SMTP host is configured."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from dailypapers.errors import SourceError, SourceUnavailable
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
        s = self.settings
        try:
            smtp: smtplib.SMTP
            if s.smtp_tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.http_timeout_seconds)
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.http_timeout_seconds)
            with smtp:
                if s.smtp_tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            # Real servers refuse unknown mailboxes at RCPT TO; a 5xx there is a bounce, a 4xx a deferral.
            codes = [code for code, _message in exc.recipients.values()]
            detail = ", ".join(f"{addr}: SMTP {code}" for addr, (code, _m) in exc.recipients.items())
            if codes and all(code >= 500 for code in codes):
                raise SourceError(f"mail server refused the recipient ({detail})") from None
            raise SourceUnavailable(f"mail server deferred the recipient ({detail})") from None
        except smtplib.SMTPResponseException as exc:
            detail = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise SourceUnavailable(f"mail server deferred the message ({detail})") from None
            raise SourceError(f"mail server refused the message ({detail})") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SourceUnavailable(f"cannot reach mail server {s.smtp_host}:{s.smtp_port}: {exc}") from None


def make_mailer(settings: Settings) -> ConsoleMailer | SmtpMailer:
    return SmtpMailer(settings) if settings.smtp_host else ConsoleMailer()
