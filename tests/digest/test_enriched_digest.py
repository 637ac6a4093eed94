"""Digest mails use what enrichment gives: the AI summary in place of the cut abstract, and the first-page
thumbnail as an absolute image with alt text and a fixed size; papers without them keep the abstract's start."""

from __future__ import annotations

import dataclasses
import re

from dailypapers.hub import Hub
from tests.digest.conftest import BASE_URL, SmtpSink, html_body, seed_feed, send_daily
from tests.web import seed

DigestHub = Hub


def test_the_digest_shows_the_ai_summary_and_the_thumbnail(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _port = smtp
    ids = seed_feed(dhub)
    top = dhub.store.get_paper(ids[0])
    assert top is not None
    dhub.store.upsert_papers([dataclasses.replace(top, ai_summary="Scaling vision transformers, in one sentence.")])
    dhub.store.save_thumbnail(ids[0], b"RIFF....WEBPVP8 ", 300, 400, top.published)
    send_daily(dhub, sink, "reader@example.org")
    [mail] = sink.digests()
    html = html_body(mail)
    assert "Scaling vision transformers, in one sentence." in html
    image = re.search(
        rf'<img class="thumb" [^>]*src="{re.escape(BASE_URL)}/thumbnails/{ids[0]}\.webp\?v=\d+"[^>]*>', html
    )
    assert image is not None
    assert 'width="72" height="96"' in image.group(0)
    assert 'alt="First page of Vision transformers at scale"' in image.group(0)
    assert html.count('class="thumb"') == 1  # the others have none, and no broken image stands in
    second = seed.paper(ids[1])
    assert second.abstract.split()[0] in html  # no summary: the abstract's start, as before
    text = mail.get_body(("plain",))
    assert text is not None
    assert "Scaling vision transformers, in one sentence." in str(text.get_content())
