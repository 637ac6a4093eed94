"""MailRenderer.batch(): wire bytes equal to what message() describes, each distinct content laid out once, CSS
inlined into the template once (and a template the inliner would change refused)."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy

import css_inline
import pytest

from dailypapers.adapters.mail_render import MailRenderer, inline_template_css
from dailypapers.domain.digest import Pick, Topics
from dailypapers.domain.errors import ConfigError
from dailypapers.domain.models import PaperView
from dailypapers.ports.digests import Digest, DigestMail, Subscriber
from dailypapers.settings import Settings
from tests.web.seed import paper

CUTOFF = datetime(2026, 8, 21, 8, 0, tzinfo=UTC)
SETTINGS = Settings(
    mail_from="Paper Club <digest@papers.example.org>",
    base_url="https://papers.example.org",
    site_name="Paper Club",
)
VIEWS = [
    PaperView(paper(f"2608.2000{n}", title=f"Paper {n}: ünïcode & <tags> “quotes”", github_repo=None), None, n)
    for n in range(4)
]
DIGEST = Digest(7, "daily", "2026-08-21", CUTOFF, tuple(v.paper.arxiv_id for v in VIEWS), CUTOFF)


def _mail(subscriber_id: int, address: str, *, picks: bool = False) -> DigestMail:
    subscriber = Subscriber(subscriber_id, address, "daily", Topics(("cs.CL",)), "active", CUTOFF, CUTOFF)
    chosen = ((VIEWS[3], Pick(VIEWS[3].paper.arxiv_id, "Similar to “Paper 0”, which you upvoted", 0.9)),)
    return DigestMail(
        digest=DIGEST,
        subscriber=subscriber,
        trending=tuple(VIEWS[:3]),
        picks=chosen if picks else (),
        unsubscribe_url=f"https://papers.example.org/unsubscribe/{subscriber_id}.Tag-_x",
        view_url=f"https://papers.example.org/digest/7/view/{subscriber_id}.Tag&x=1",
        manage_url="https://papers.example.org/subscribe",
    )


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content())


HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post")


@pytest.mark.parametrize("address", ["ada@example.org", "o'brien+papers@example.org", "a&b{c}@mail.example.org"])
@pytest.mark.parametrize("picks", [False, True])
@pytest.mark.parametrize("eight_bit", [False, True])
def test_batch_bytes_are_the_message(address: str, picks: bool, eight_bit: bool) -> None:
    renderer = MailRenderer(SETTINGS)
    mail = _mail(42, address, picks=picks)
    copy = renderer.batch().wire(mail)
    assert copy is not None
    assert copy.recipient == address
    raw = copy.data(eight_bit)
    wire = _parse(raw)
    # as a receiver reads each: parsed from the bytes on the wire
    expected = _parse(renderer.message(mail).as_bytes(policy=default_policy.clone(linesep="\r\n")))
    for name in HEADERS:
        assert str(wire[name]) == str(expected[name]), name
    assert wire.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in wire.iter_parts()] == ["text/plain", "text/html"]
    assert _body(wire, "plain") == _body(expected, "plain")
    assert _body(wire, "html") == _body(expected, "html")
    # Wire form: CRLF only; 7-bit with lines of at most 76 characters, or 8bit with lines under 998 octets.
    assert b"\n" not in raw.replace(b"\r\n", b"")
    _head, _, body = raw.partition(b"\r\n\r\n")
    assert max(len(line) for line in body.split(b"\r\n")) <= (998 if eight_bit else 76)
    assert raw.isascii() is not eight_bit  # the titles have non-ASCII characters
    assert {str(p["Content-Transfer-Encoding"]) for p in wire.iter_parts()} == (
        {"8bit"} if eight_bit else {"quoted-printable"}
    )
    assert address in _body(wire, "plain")


def test_a_line_too_long_for_8bit_goes_quoted_printable() -> None:
    long_title = PaperView(paper("2608.29999", title="word " * 300, github_repo=None), None, 1)
    mail = replace(_mail(1, "ada@example.org"), trending=(long_title,))
    copy = MailRenderer(SETTINGS).batch().wire(mail)
    assert copy is not None
    encodings = {str(p["Content-Transfer-Encoding"]) for p in _parse(copy.data(True)).iter_parts()}
    assert encodings == {"quoted-printable"}  # the title's line passes 998 octets in both parts


def test_one_layout_per_distinct_content() -> None:
    renderer = MailRenderer(SETTINGS)
    batch = renderer.batch()
    copies = [batch.wire(_mail(n, f"reader{n}@example.org")) for n in range(1, 30)]
    copies += [batch.wire(_mail(n, f"reader{n}@example.org", picks=True)) for n in range(30, 40)]
    assert batch.laid_out == 2
    messages = [_parse(c.data(True)) for c in copies if c is not None]
    assert len({m["Message-ID"] for m in messages}) == 39  # every copy its own, deterministic id
    assert messages[0]["Message-ID"] == "<digest.7.1@papers.example.org>"
    html = _body(messages[5], "html")
    assert "reader6@example.org" in html
    assert "https://papers.example.org/digest/7/view/6.Tag&amp;x=1" in html  # escaped where it lands in HTML
    assert re.search(r"dp-slot", html + _body(messages[5], "plain")) is None  # no stand-in left behind


def test_an_address_that_is_not_ascii_takes_the_message_path() -> None:
    assert MailRenderer(SETTINGS).batch().wire(_mail(1, "zoë@example.org")) is None


def test_css_is_inlined_into_the_template() -> None:
    html = MailRenderer(SETTINGS).html(_mail(1, "ada@example.org"))
    assert '<div class="paper" style="' in html
    assert "<style>" in html  # kept for clients that honour media queries


def test_a_template_the_inliner_would_change_is_refused() -> None:
    inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
    ok = "<html><head><style>p { color: red; }</style></head><body><p>{{ title }}</p></body></html>"
    assert 'style="color: red;"' in inline_template_css(ok, inliner, "ok.html")
    moved = "<html><body><p>{{ 1 < 2 }}</p></body></html>"  # `<` in text: the serializer writes &lt;
    with pytest.raises(ConfigError, match="would change its template code"):
        inline_template_css(moved, inliner, "bad.html")
