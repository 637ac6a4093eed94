"""Digest mails from one Jinja template pair: multipart/alternative (plain text + HTML with CSS inlined by
css-inline), absolute links, no tracking pixels, a deterministic Message-ID, RFC 8058 List-Unsubscribe headers and
optional DKIM signing (dkimpy). It lays out what the hub resolved; it never queries anything.
"""

from __future__ import annotations

import email
import email.policy
from datetime import date
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import css_inline
import dkim  # type: ignore[import-untyped]  # dkimpy ships no type information
import jinja2

from dailypapers.errors import ConfigError
from dailypapers.models import PaperView
from dailypapers.ports.digests import DigestMail
from dailypapers.settings import Settings

MAIL_TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates" / "mail"
SUMMARY_CHARS = 280  # about two lines of a mail client
AUTHORS_SHOWN = 3
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
# Headers fold only past RFC 5322's 998 characters: a List-Unsubscribe URL stays on its header's line.
MAIL_POLICY = email.policy.default.clone(max_line_length=998)


def short_authors(authors: tuple[str, ...]) -> str:
    names = list(authors)
    if not names:
        return "Unknown authors"
    if len(names) > AUTHORS_SHOWN:
        return f"{', '.join(names[:AUTHORS_SHOWN])} et al."
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def mail_domain(settings: Settings) -> str:
    """The domain of the From address (Message-IDs and DKIM use it), else the host of base_url."""
    address = parseaddr(settings.mail_from)[1]
    if "@" in address:
        return address.rsplit("@", 1)[1].lower()
    return urlsplit(settings.base_url).hostname or "localhost"


def message_id(mail: DigestMail, domain: str) -> str:
    """The same for every attempt of one (digest, subscriber): receivers can drop a duplicate resend."""
    return f"<digest.{mail.digest.id}.{mail.subscriber.id}@{domain}>"


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
        header = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self.private_key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h for h in DKIM_HEADERS if message[h.decode()] is not None],
        )
        signed = email.message_from_bytes(header + raw, policy=SIGNED_POLICY)
        assert isinstance(signed, EmailMessage)
        return signed


class MailRenderer:
    """The DigestRenderer port on Jinja2 templates in web/templates/mail/."""

    def __init__(self, settings: Settings, signer: DkimSigner | None = None) -> None:
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        self.domain = mail_domain(settings)
        self.signer = signer if signer is not None else DkimSigner.from_settings(settings, self.domain)
        loader = jinja2.FileSystemLoader(MAIL_TEMPLATES)
        self._html = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
        )
        self._text = jinja2.Environment(
            loader=loader,
            autoescape=False,  # noqa: S701 - the plain-text part; HTML is the other environment
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        for env in (self._html, self._text):
            env.filters.update(short_authors=short_authors, summary=summary)
            env.globals.update(paper_link=self.paper_link)
        # Inlined styles survive Gmail and Outlook; the <style> block stays for clients that honour media queries.
        self._inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)

    def paper_link(self, view: PaperView) -> str:
        return f"{self.base_url}/papers/{quote(view.paper.arxiv_id, safe='/')}"

    def subject(self, mail: DigestMail) -> str:
        kind = "Daily" if mail.digest.frequency == "daily" else "Weekly"
        top = mail.trending[0].paper.title if mail.trending else mail.picks[0][0].paper.title
        top = " ".join(top.split())
        if len(top) > 70:
            top = top[:69].rstrip() + "…"
        return f"{kind} papers · {period_label(mail)}: {top}"

    def _context(self, mail: DigestMail, *, in_browser: bool) -> dict[str, Any]:
        return {
            "site_name": self.settings.site_name,
            "base_url": self.base_url,
            "mail": mail,
            "period_label": period_label(mail),
            "kind": "daily" if mail.digest.frequency == "daily" else "weekly",
            "in_browser": in_browser,
        }

    def html(self, mail: DigestMail, *, in_browser: bool = False) -> str:
        rendered = self._html.get_template("digest.html").render(self._context(mail, in_browser=in_browser))
        return str(self._inliner.inline(rendered))

    def text(self, mail: DigestMail) -> str:
        return self._text.get_template("digest.txt").render(self._context(mail, in_browser=False))

    def page(self, mail: DigestMail) -> str:
        return self.html(mail, in_browser=True)

    def message(self, mail: DigestMail) -> EmailMessage:
        msg = EmailMessage(policy=MAIL_POLICY)
        msg["Subject"] = self.subject(mail)
        msg["From"] = self.settings.mail_from
        msg["To"] = mail.subscriber.email
        msg["Date"] = format_datetime(mail.digest.cutoff)
        msg["Message-ID"] = message_id(mail, self.domain)
        msg["List-Id"] = (
            f"{self.settings.site_name} {mail.digest.frequency} digest <{mail.digest.frequency}.digest.{self.domain}>"
        )
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(self.text(mail))
        msg.add_alternative(self.html(mail), subtype="html")
        return self.signer.sign(msg) if self.signer else msg


def period_label(mail: DigestMail) -> str:
    digest = mail.digest
    if digest.frequency == "weekly":
        year, week = digest.period.split("-W")
        return f"week {int(week)} of {year}"
    day = date.fromisoformat(digest.period)
    return f"{day:%A, %B} {day.day}, {day.year}"
