"""The personal layer in the digest: keyword rules and "not interested" filter it, follows, saved papers and
saved-search alerts become "picked for you" with their reason (real SMTP, real store)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest

from tests.digest.conftest import (
    FEED_DAY,
    SEND_AT,
    DigestHub,
    SmtpSink,
    ada_member,
    html_body,
    seed_feed,
    send_daily,
    set_setting,
)
from tests.web import seed


def _sections(message: EmailMessage) -> tuple[str, str]:
    """(trending part, picked-for-you part) of the HTML body."""
    trending, _, picks = html_body(message).partition("Picked for you")
    return trending, picks


def test_rules_dislikes_and_follows_shape_the_digest(
    dhub: DigestHub, smtp: tuple[SmtpSink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, _ = smtp
    ids = seed_feed(dhub)
    hopper = "2608.20100"
    seed.store(
        dhub,
        [seed.paper(hopper, title="Compilers for everyone", authors=("Grace Hopper",), imported_upvotes=1)],
        [seed.entry(hopper, FEED_DAY, minute=30)],
    )
    set_setting(dhub, monkeypatch, "digest_papers", 3)
    ada = ada_member(dhub)
    dhub.add_keyword_rule(ada, "exclude", "robot")  # ids[2] "Robot learning from play"
    dhub.set_not_interested(ada, ids[0])  # the top paper
    dhub.follow_author(ada, "grace  HOPPER")
    send_daily(dhub, sink, "ada@example.org", "anon@example.org")

    [mail] = sink.to("ada@example.org")
    trending, picks = _sections(mail)
    html = trending + picks
    assert f"/papers/{ids[0]}" not in html
    assert f"/papers/{ids[2]}" not in html
    assert all(f"/papers/{i}" in trending for i in (ids[1], ids[3], ids[4]))  # the next three, in order
    assert trending.index(ids[1]) < trending.index(ids[3]) < trending.index(ids[4])
    assert f"/papers/{hopper}" in picks
    assert "By Grace Hopper, an author you follow" in picks
    # Someone without the account's rules gets the plain top three.
    [anon] = sink.to("anon@example.org")
    anon_html = html_body(anon)
    assert all(f"/papers/{i}" in anon_html for i in ids[:3])
    assert "Picked for you" not in anon_html


def test_saved_papers_count_as_likes(
    dhub: DigestHub, smtp: tuple[SmtpSink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, _ = smtp
    ids = seed_feed(dhub)
    set_setting(dhub, monkeypatch, "digest_papers", 3)
    ada = ada_member(dhub)
    dhub.save_paper(ada, ids[1])  # "Language models that reason", saved, not upvoted
    send_daily(dhub, sink, "ada@example.org")
    [mail] = sink.to("ada@example.org")
    _, picks = _sections(mail)
    assert f"/papers/{ids[6]}" in picks  # "Language agents for vision tasks"
    assert "Similar to “Language models that reason”, which you saved" in picks


def test_saved_search_alerts_arrive_as_picks_once(
    dhub: DigestHub, smtp: tuple[SmtpSink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, _ = smtp
    ids = seed_feed(dhub)
    set_setting(dhub, monkeypatch, "digest_papers", 3)
    ada = ada_member(dhub)
    dhub.save_search(ada, "Quantum", "quantum")
    send_daily(dhub, sink, "ada@example.org")
    [mail] = sink.to("ada@example.org")
    _, picks = _sections(mail)
    assert f"/papers/{ids[5]}" in picks  # "Quantum error correction in practice", rank 6 of the day
    assert "Matches your saved search “Quantum”" in picks
    # The next day's digest does not repeat it.
    dhub.clock.at = SEND_AT + timedelta(days=1)  # type: ignore[attr-defined]
    dhub.run_digest("daily")
    assert all(f"/papers/{ids[5]}" not in html_body(m) for m in sink.to("ada@example.org")[1:])
