"""Digest mails from one Jinja template pair: multipart/alternative (plain text + HTML with CSS inlined by
css-inline), absolute links, no tracking pixels, a deterministic Message-ID, RFC 8058 List-Unsubscribe headers and
optional DKIM signing (mail_dkim.py). It lays out what the hub resolved; it never queries anything.

Speed (a run mails thousands of subscribers): the CSS is inlined into the HTML template once, when it is loaded,
not into every rendered mail; and a run's `batch()` lays each distinct content out once and writes the wire bytes
of each subscriber's copy by substituting the few per-subscriber strings (address, links, Message-ID).
"""

from __future__ import annotations

import binascii
import email
import email.policy
import functools
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import css_inline
import jinja2
from markupsafe import escape

from dailypapers.adapters.mail_dkim import DKIM_HEADERS, DkimSigner
from dailypapers.domain.digest import Topics
from dailypapers.domain.enrichment import Thumbnail
from dailypapers.domain.errors import ConfigError
from dailypapers.domain.models import Paper, PaperView
from dailypapers.ports.digests import DigestMail, Subscriber
from dailypapers.settings import Settings

MAIL_TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates" / "mail"
SUMMARY_CHARS = 280  # about two lines of a mail client
AUTHORS_SHOWN = 3
# Headers fold only past RFC 5322's 998 characters: a List-Unsubscribe URL stays on its header's line.
MAIL_POLICY = email.policy.default.clone(max_line_length=998)
WIRE_POLICY = MAIL_POLICY.clone(linesep="\r\n")  # headers as they go over SMTP
_JINJA_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# An address whose header form is the address itself (RFC 5322 dot-atom, ASCII): written without the email package.
_DOT_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_PLAIN_ADDRESS = re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}")
# Stand-ins rendered in place of the per-subscriber strings, then replaced in each copy. Letters, digits and
# `-.:/@` only: autoescaping and the CSS inliner leave them as they are, and no paper text contains them.
_SLOT_EMAIL = "dp-slot-7c1e-email@slot.invalid"
_SLOT_UNSUBSCRIBE = "https://dp-slot-7c1e-unsubscribe.invalid/"
_SLOT_VIEW = "https://dp-slot-7c1e-view.invalid/"
# Templates may show the subscriber's address but nothing else of the subscriber: a batch renders this one.
_SLOT_SUBSCRIBER = Subscriber(0, _SLOT_EMAIL, "daily", Topics(), "active", datetime(2000, 1, 1, tzinfo=UTC))
BATCH_SHAPES = 64  # distinct contents a batch keeps laid out (shared trending lists come back again and again)
MAX_LINE = 998  # octets in a line, CRLF not counted (RFC 5322)


@functools.lru_cache(maxsize=4096)  # the same papers come back in every mail of a run
def short_authors(authors: tuple[str, ...]) -> str:
    names = list(authors)
    if not names:
        return "Unknown authors"
    if len(names) > AUTHORS_SHOWN:
        return f"{', '.join(names[:AUTHORS_SHOWN])} et al."
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


@functools.lru_cache(maxsize=4096)
def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def blurb(paper: Paper) -> str:
    """What a digest says of a paper: its AI summary when there is one, else the start of the abstract."""
    return " ".join(paper.ai_summary.split()) if paper.ai_summary else summary(paper.abstract)


def mail_domain(settings: Settings) -> str:
    """The domain of the From address (Message-IDs and DKIM use it), else the host of base_url."""
    address = parseaddr(settings.mail_from)[1]
    if "@" in address:
        return address.rsplit("@", 1)[1].lower()
    return urlsplit(settings.base_url).hostname or "localhost"


def message_id(mail: DigestMail, domain: str) -> str:
    """The same for every attempt of one (digest, subscriber): receivers can drop a duplicate resend."""
    return f"<digest.{mail.digest.id}.{mail.subscriber.id}@{domain}>"


def inline_template_css(source: str, inliner: css_inline.CSSInliner, name: str) -> str:
    """The HTML template with its stylesheet applied as style attributes, done once when the template loads.

    The inliner parses and re-serializes the HTML; Jinja code sits in text and attribute values, which it keeps
    as they are. Should a template ever put code where the parser would move or escape it, this refuses it
    instead of rendering a different template.
    """
    inlined = str(inliner.inline(source))
    if _JINJA_CODE.findall(inlined) != _JINJA_CODE.findall(source):
        raise ConfigError(
            f"mail template {name}: the CSS inliner would change its template code; keep Jinja code in "
            "text and attribute values"
        )
    return inlined


class _InlinedLoader(jinja2.FileSystemLoader):
    """Serves `.html` mail templates with their CSS already inlined (Jinja caches the compiled result)."""

    def __init__(self, searchpath: Path, inliner: css_inline.CSSInliner) -> None:
        super().__init__(searchpath)
        self.inliner = inliner

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if template.endswith(".html"):
            source = inline_template_css(source, self.inliner, template)
        return source, filename, uptodate


class MailRenderer:
    """The DigestRenderer port on Jinja2 templates in web/templates/mail/."""

    def __init__(
        self,
        settings: Settings,
        signer: DkimSigner | None = None,
        thumbnails: Callable[[Sequence[str]], Mapping[str, Thumbnail]] | None = None,
    ) -> None:
        self.settings = settings
        self.thumbnails = thumbnails  # the store's first-page thumbnails (the enrichment's); None: no images
        self.base_url = settings.base_url.rstrip("/")
        self.domain = mail_domain(settings)
        self.signer = signer if signer is not None else DkimSigner.from_settings(settings, self.domain)
        # Inlined styles survive Gmail and Outlook; the <style> block stays for clients that honour media queries.
        inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
        self._html = jinja2.Environment(
            loader=_InlinedLoader(MAIL_TEMPLATES, inliner),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._text = jinja2.Environment(
            loader=jinja2.FileSystemLoader(MAIL_TEMPLATES),
            autoescape=False,  # noqa: S701 - the plain-text part; HTML is the other environment
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        for env in (self._html, self._text):
            env.filters.update(short_authors=short_authors, summary=summary, blurb=blurb)
            env.globals.update(paper_link=self.paper_link)

    def paper_link(self, view: PaperView) -> str:
        return f"{self.base_url}/papers/{quote(view.paper.arxiv_id, safe='/')}"

    def subject(self, mail: DigestMail) -> str:
        kind = "Daily" if mail.digest.frequency == "daily" else "Weekly"
        top = mail.trending[0].paper.title if mail.trending else mail.picks[0][0].paper.title
        top = " ".join(top.split())
        if len(top) > 70:
            top = top[:69].rstrip() + "…"
        return f"{kind} papers · {period_label(mail)}: {top}"

    def _thumbnail_urls(self, mail: DigestMail) -> dict[str, str]:
        """Absolute URLs of the mail's papers' thumbnails (mail clients need the whole address)."""
        if self.thumbnails is None:
            return {}
        ids = [view.paper.arxiv_id for view in mail.trending] + [view.paper.arxiv_id for view, _ in mail.picks]
        return {arxiv_id: self.base_url + thumb.url for arxiv_id, thumb in self.thumbnails(ids).items()}

    def _context(self, mail: DigestMail, *, in_browser: bool) -> dict[str, Any]:
        return {
            "thumbs": self._thumbnail_urls(mail),
            "site_name": self.settings.site_name,
            "base_url": self.base_url,
            "mail": mail,
            "period_label": period_label(mail),
            "kind": "daily" if mail.digest.frequency == "daily" else "weekly",
            "in_browser": in_browser,
        }

    def html(self, mail: DigestMail, *, in_browser: bool = False) -> str:
        return self._html.get_template("digest.html").render(self._context(mail, in_browser=in_browser))

    def text(self, mail: DigestMail) -> str:
        return self._text.get_template("digest.txt").render(self._context(mail, in_browser=False))

    def page(self, mail: DigestMail) -> str:
        return self.html(mail, in_browser=True)

    def _shared_headers(self, mail: DigestMail) -> list[tuple[str, str]]:
        """The headers every copy of this content has (the per-subscriber ones are To, Message-ID and
        List-Unsubscribe)."""
        digest = mail.digest
        return [
            ("Subject", self.subject(mail)),
            ("From", self.settings.mail_from),
            ("Date", format_datetime(digest.cutoff)),
            (
                "List-Id",
                f"{self.settings.site_name} {digest.frequency} digest <{digest.frequency}.digest.{self.domain}>",
            ),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("Auto-Submitted", "auto-generated"),
        ]

    def message(self, mail: DigestMail) -> EmailMessage:
        """The mail as an EmailMessage, for any Mailer (the console one, mailers without raw sending, and
        addresses that need SMTPUTF8); a batch writes the same mail straight to wire bytes."""
        msg = EmailMessage(policy=MAIL_POLICY)
        shared = dict(self._shared_headers(mail))
        msg["Subject"] = shared["Subject"]
        msg["From"] = shared["From"]
        msg["To"] = mail.subscriber.email
        msg["Date"] = shared["Date"]
        msg["Message-ID"] = message_id(mail, self.domain)
        msg["List-Id"] = shared["List-Id"]
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = shared["List-Unsubscribe-Post"]
        msg["Auto-Submitted"] = shared["Auto-Submitted"]
        msg.set_content(self.text(mail))
        msg.add_alternative(self.html(mail), subtype="html")
        return self.signer.sign(msg) if self.signer else msg

    def batch(self) -> DigestBatch:
        """A renderer for one delivery run (one thread): see DigestBatch."""
        return DigestBatch(self)


@functools.lru_cache(maxsize=1024)  # a batch's shared headers repeat in every layout of a digest
def _header(name: str, value: str) -> bytes:
    """One header line in wire form, folded and encoded (RFC 2047 for non-ASCII) by the email package."""
    parsed_name, parsed = WIRE_POLICY.header_store_parse(name, value)
    return WIRE_POLICY.fold_binary(parsed_name, parsed)


def _plain_header(name: str, value: str) -> bytes:
    """A header whose value needs no encoding or folding, written directly; others go through _header."""
    line = f"{name}: {value}\r\n"
    if value.isascii() and value.isprintable() and len(line) <= 998:
        return line.encode("ascii")
    return _header(name, value)


def _wire_text(text: str) -> bytes:
    """A part's text as UTF-8 with CRLF line ends, ending with one (as the email package writes parts)."""
    if not text.endswith("\n"):
        text += "\n"
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("utf-8")


def _encode_part(text: str, eight_bit: bool) -> tuple[bytes, bytes]:
    """(Content-Transfer-Encoding, body). `8bit` (the text as it is: smaller, and a few long lines instead of
    many 76-character ones) where the server takes 8BITMIME and no line passes RFC 5322's 998 octets; else
    quoted-printable, whose only `=` start escapes, so a boundary beginning with `=_` can never occur in it."""
    wire = _wire_text(text)
    if eight_bit and b"\x00" not in wire and max(map(len, wire.split(b"\r\n"))) <= MAX_LINE:
        return b"8bit", wire
    return b"quoted-printable", binascii.b2a_qp(wire, quotetabs=False, istext=True, header=False)


@dataclass(frozen=True, slots=True)
class _Layout:
    """One content laid out, with stand-ins where each subscriber's strings go."""

    head: bytes  # the shared header lines
    tail: bytes  # MIME-Version, Content-Type and the blank line
    text: str
    html: str
    boundary: str


@dataclass(frozen=True, slots=True)
class DigestCopy:
    """One subscriber's mail of a batch (the WireMail port): its strings substituted, encoded on demand."""

    recipient: str
    headers: bytes  # all header lines but the DKIM signature, and the blank line
    text: str
    html: str
    boundary: bytes
    signer: DkimSigner | None

    def data(self, eight_bit: bool) -> bytes:
        parts = [self.headers]
        for subtype, content in ((b"plain", self.text), (b"html", self.html)):
            encoding, body = _encode_part(content, eight_bit)
            parts += [
                b"--" + self.boundary + b"\r\n",
                b"Content-Type: text/" + subtype + b'; charset="utf-8"\r\n',
                b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n",
                body,
                b"\r\n",  # the CRLF before a delimiter belongs to the delimiter: the part's own line end stays
            ]
        parts.append(b"--" + self.boundary + b"--\r\n")
        raw = b"".join(parts)
        return self.signer.signature(raw, list(DKIM_HEADERS)) + raw if self.signer else raw


class DigestBatch:
    """Renders the mails of one run to wire form, laying out each distinct content once.

    Many subscribers share one content (the trending list with no topics, or the same topics): their mails differ
    only in the address, the unsubscribe and view links and the Message-ID. The content with stand-ins for these
    is rendered once, kept (the most recent BATCH_SHAPES contents), and each copy substitutes its strings, escaped
    for HTML where they land in the HTML part; its bytes are encoded when the session knows what the server
    takes, and a DKIM signature, when configured, is computed per copy over its final bytes. A copy is the mail
    `message(mail)` describes, up to the MIME boundary, header order and the body encoding.
    """

    def __init__(self, renderer: MailRenderer) -> None:
        self.renderer = renderer
        self._layouts: OrderedDict[tuple[object, ...], _Layout] = OrderedDict()
        self.laid_out = 0  # contents rendered so far (tests and the benchmark read it)

    def wire(self, mail: DigestMail) -> DigestCopy | None:
        """The subscriber's copy (for the envelope, From is settings.mail_from and the recipient its address), or
        None when the address is not ASCII: such mail needs SMTPUTF8, which the Mailer's `send(message)`
        negotiates."""
        address = mail.subscriber.email
        if not address.isascii():
            return None
        layout = self._layout(mail)
        values = ((_SLOT_EMAIL, address), (_SLOT_UNSUBSCRIBE, mail.unsubscribe_url), (_SLOT_VIEW, mail.view_url))
        text, html = layout.text, layout.html
        for slot, value in values:
            if layout.boundary in value:
                return None  # cannot happen with real addresses and links; the email package then takes it
            text = text.replace(slot, value)
            html = html.replace(slot, str(escape(value)))
        to = _plain_header("To", address) if _PLAIN_ADDRESS.fullmatch(address) else _header("To", address)
        headers = b"".join(
            (
                layout.head,
                to,
                _plain_header("Message-ID", message_id(mail, self.renderer.domain)),
                _plain_header("List-Unsubscribe", f"<{mail.unsubscribe_url}>"),
                layout.tail,
            )
        )
        return DigestCopy(address, headers, text, html, layout.boundary.encode("ascii"), self.renderer.signer)

    def _layout(self, mail: DigestMail) -> _Layout:
        key = _content_key(mail)
        layout = self._layouts.get(key)
        if layout is not None:
            self._layouts.move_to_end(key)
            return layout
        shape = replace(mail, subscriber=_SLOT_SUBSCRIBER, unsubscribe_url=_SLOT_UNSUBSCRIBE, view_url=_SLOT_VIEW)
        renderer = self.renderer
        text, html = renderer.text(shape), renderer.html(shape)
        boundary = f"=_dp_{secrets.token_hex(12)}"
        while boundary in text or boundary in html:  # 8bit parts are not encoded: the boundary must not occur
            boundary = f"=_dp_{secrets.token_hex(12)}"
        layout = _Layout(
            head=b"".join(_header(name, value) for name, value in renderer._shared_headers(shape)),
            tail=_header("MIME-Version", "1.0")
            + _header("Content-Type", f'multipart/alternative; boundary="{boundary}"')
            + b"\r\n",
            text=text,
            html=html,
            boundary=boundary,
        )
        self._layouts[key] = layout
        self.laid_out += 1
        if len(self._layouts) > BATCH_SHAPES:
            self._layouts.popitem(last=False)
        return layout


def _content_key(mail: DigestMail) -> tuple[object, ...]:
    """What tells one content from another within a run: the digest, and each paper with its upvote count (and
    for picks the reason). Cheaper than hashing the whole mail (every field of every paper) for each copy; the
    papers' own text does not change within a run, which renders them from one lookup per digest."""
    digest = mail.digest
    return (
        digest.id,
        digest.frequency,
        digest.period,
        digest.cutoff,
        mail.manage_url,
        tuple((v.paper.arxiv_id, v.upvotes) for v in mail.trending),
        tuple((v.paper.arxiv_id, v.upvotes, p.why) for v, p in mail.picks),
    )


def period_label(mail: DigestMail) -> str:
    digest = mail.digest
    if digest.frequency == "weekly":
        year, week = digest.period.split("-W")
        return f"week {int(week)} of {year}"
    day = date.fromisoformat(digest.period)
    return f"{day:%A, %B} {day.day}, {day.year}"
