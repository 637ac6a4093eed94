"""Delivery through a real SMTP server (aiosmtpd on 127.0.0.1): MIME structure, headers, the send ledger,
exactly-once across crashes, the lease, throttling, 4xx retries, 5xx suppression, unsubscribes mid-batch."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.models import FeedEntry
from dailypapers.usecases.digests import LEASE_NAME, LEASE_TTL
from tests.digest.conftest import (
    BASE_URL,
    FEED_DAY,
    SEND_AT,
    DigestHub,
    SmtpSink,
    html_body,
    seed_feed,
    set_setting,
    subscribe_confirmed,
)
from tests.web import seed

HREF_RE = re.compile(r'href="([^"]+)"')


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_subscribing_sends_no_digest_until_confirmed(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    dhub.subscribe("ada@example.org", "daily", client="1.2.3.4")
    assert [m["Subject"] for m in sink.messages] == ["Confirm your Paper Club digest"]
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    run = dhub.run_digest("daily")
    assert run.recipients == 0
    assert sink.digests() == []


def test_confirmed_subscriber_gets_a_well_formed_digest(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    ids = seed_feed(dhub)
    subscriber_id = subscribe_confirmed(dhub, sink, "ada@example.org")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    run = dhub.run_digest("daily")
    assert run.delivery is not None
    assert run.delivery.sent == 1
    [mail] = sink.digests()
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["To"] == "ada@example.org"
    assert mail["From"] == "Paper Club <digest@papers.example.org>"
    assert mail["Subject"].startswith("Daily papers · Friday, August 21, 2026: Vision transformers at scale")
    assert re.fullmatch(rf"<digest\.\d+\.{subscriber_id}@papers\.example\.org>", mail["Message-ID"])
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(http://papers\.example\.org/unsubscribe/[^>]+)>", mail["List-Unsubscribe"])
    assert unsubscribe, repr(mail["List-Unsubscribe"])
    html = html_body(mail)
    links = HREF_RE.findall(html)
    assert links
    assert all(link.startswith(("http://", "https://")) for link in links), links
    assert f"{BASE_URL}/papers/{ids[0]}" in links
    assert "https://github.com/example/code" in links
    assert unsubscribe.group(1) in links  # the visible link too
    assert "<img" not in html  # no tracking pixels
    assert 'style="' in html  # CSS inlined
    text = _text(mail)
    assert "Vision transformers at scale" in text
    assert f"{BASE_URL}/papers/{ids[0]}" in text
    assert unsubscribe.group(1) in text
    # trending order: most upvoted (no votes yet: imported counts) first, ten at most
    order = [html.index(f'/papers/{i}"') for i in ids]
    assert order == sorted(order)


def test_nothing_to_send_means_no_mail(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscribe_confirmed(dhub, sink, "ada@example.org", categories="math.PR")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    run = dhub.run_digest("daily")
    assert run.nothing_to_send == 1
    assert sink.digests() == []


def test_topics_filter_the_trending_list(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    ids = seed_feed(dhub)
    subscribe_confirmed(dhub, sink, "cv@example.org", categories="cs.CV")
    subscribe_confirmed(dhub, sink, "lang@example.org", include="language", exclude="vision")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    dhub.run_digest("daily")
    [cv] = sink.to("cv@example.org")
    assert set(re.findall(r"/papers/([\d.]+)\"", html_body(cv))) == {ids[0], ids[6]}
    [lang] = sink.to("lang@example.org")
    assert set(re.findall(r"/papers/([\d.]+)\"", html_body(lang))) == {ids[1]}


def test_papers_already_sent_are_not_repeated(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    friday = FEED_DAY + timedelta(days=1)
    early = FeedEntry("2608.21001", friday, SEND_AT - timedelta(hours=5), submitted_by="x")  # before the cutoff
    seed.store(dhub, [seed.paper("2608.21001", title="An early Friday paper", imported_upvotes=500)], [early])
    subscribe_confirmed(dhub, sink, "ada@example.org")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    dhub.run_digest("daily")
    # Monday's digest reaches back over the weekend to Friday: the early paper is in its window again.
    late = FeedEntry("2608.21999", friday, SEND_AT, submitted_by="x")
    seed.store(dhub, [seed.paper("2608.21999", title="A later Friday paper", imported_upvotes=5)], [late])
    dhub.clock.at = SEND_AT + timedelta(days=3)  # type: ignore[attr-defined]
    monday, _ = dhub.build_digest("daily")
    assert set(monday.paper_ids) == {"2608.21001", "2608.21999"}
    dhub.run_digest("daily")
    first, second = sink.to("ada@example.org")
    assert set(re.findall(r"/papers/([\d.]+)\"", html_body(first))) == {"2608.21001"}
    assert set(re.findall(r"/papers/([\d.]+)\"", html_body(second))) == {"2608.21999"}


def test_rebuilding_a_digest_keeps_its_snapshot(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    seed_feed(dhub)
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    digest, created = dhub.build_digest("daily")
    assert created
    seed.store(dhub, [seed.paper("2608.20999", imported_upvotes=999)], [seed.entry("2608.20999", FEED_DAY)])
    again, created_again = dhub.build_digest("daily")
    assert not created_again
    assert again == digest
    assert "2608.20999" not in again.paper_ids


def test_one_click_unsubscribe_from_the_mail_header(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    from fastapi.testclient import TestClient

    from dailypapers.web.app import create_app

    sink, _ = smtp
    seed_feed(dhub)
    subscriber_id = subscribe_confirmed(dhub, sink, "ada@example.org")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    dhub.run_digest("daily")
    [mail] = sink.digests()
    url = mail["List-Unsubscribe"].strip("<>")
    path = url.removeprefix(BASE_URL)
    with TestClient(create_app(dhub)) as client:
        assert not client.cookies
        response = client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert "Unsubscribed" in response.text
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # harmless repeat
    subscriber = dhub._digests.get_subscriber(subscriber_id)
    assert subscriber is not None
    assert subscriber.status == "unsubscribed"


def test_421_and_451_are_retried_with_backoff(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscriber_id = subscribe_confirmed(dhub, sink, "ada@example.org")
    sink.replies["ada@example.org"] = ["451 4.3.0 Try again later", "421 4.7.0 Slow down"]
    clock: FixedClock = dhub.clock  # type: ignore[assignment]
    clock.at = SEND_AT
    run = dhub.run_digest("daily")
    assert run.delivery is not None
    assert run.delivery.deferred == 1
    digest = dhub._digests.latest_digest("daily")
    assert digest is not None
    row = dhub._digests.get_delivery(digest.id, subscriber_id)
    assert row is not None
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == SEND_AT + timedelta(minutes=10)
    assert dhub.deliver_digests().sent == 0  # not due yet
    clock.at = SEND_AT + timedelta(minutes=10)
    assert dhub.deliver_digests().deferred == 1
    row = dhub._digests.get_delivery(digest.id, subscriber_id)
    assert row is not None
    assert (row.attempts, row.next_attempt_at) == (2, SEND_AT + timedelta(minutes=30))  # backoff doubled
    clock.at = SEND_AT + timedelta(minutes=30)
    assert dhub.deliver_digests().sent == 1
    assert len(sink.digests()) == 1
    row = dhub._digests.get_delivery(digest.id, subscriber_id)
    assert row is not None
    assert (row.state, row.attempts) == ("sent", 3)


def test_550_marks_the_address_bounced_and_suppressed(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscriber_id = subscribe_confirmed(dhub, sink, "gone@example.org")
    subscribe_confirmed(dhub, sink, "ada@example.org")
    sink.replies["gone@example.org"] = ["550 5.1.1 No such user"]
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    run = dhub.run_digest("daily")
    assert run.delivery is not None
    assert (run.delivery.sent, run.delivery.bounced) == (1, 1)
    subscriber = dhub._digests.get_subscriber(subscriber_id)
    assert subscriber is not None
    assert subscriber.status == "bounced"
    assert dhub._digests.is_suppressed("gone@example.org")
    # Subscribing again sends nothing to a suppressed address, and answers the same.
    before = len(sink.messages)
    assert dhub.subscribe("gone@example.org", "weekly", client="9.9.9.9") == "gone@example.org"
    assert len(sink.messages) == before


class Crash(BaseException):
    """Stands for SIGKILL: nothing catches it, no ledger write follows."""


class CrashingMailer:
    def __init__(self, inner: object, after: int) -> None:
        self.inner, self.left = inner, after

    def send(self, message: EmailMessage) -> None:
        if self.left == 0:
            raise Crash
        self.inner.send(message)  # type: ignore[attr-defined]
        self.left -= 1


def test_a_crashed_run_resumes_and_never_sends_twice(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    addresses = [f"reader{n}@example.org" for n in range(12)]
    for address in addresses:
        subscribe_confirmed(dhub, sink, address)
    clock: FixedClock = dhub.clock  # type: ignore[assignment]
    clock.at = SEND_AT
    real = dhub.mailer
    for crash_after in (5, 0, 3):
        dhub.mailer = CrashingMailer(real, crash_after)
        with pytest.raises(Crash):
            dhub.run_digest("daily")
        # a killed process leaves its lease behind: the next run waits it out
        dhub.store.acquire_lease(LEASE_NAME, "killed-process", clock.now(), LEASE_TTL)
        clock.at += LEASE_TTL + timedelta(seconds=1)
    dhub.mailer = real
    run = dhub.run_digest("daily")
    assert run.delivery is not None
    assert run.delivery.sent == 4
    received = sorted(m["To"] for m in sink.digests())
    assert received == sorted(addresses)  # everyone exactly once
    assert dhub.run_digest("daily").delivery.sent == 0  # type: ignore[union-attr]


def test_one_sender_at_a_time(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscribe_confirmed(dhub, sink, "ada@example.org")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    digest, _ = dhub.build_digest("daily")
    dhub.plan_digest(digest)
    assert dhub.store.acquire_lease(LEASE_NAME, "other-host:1", dhub.clock.now(), LEASE_TTL)
    report = dhub.deliver_digests()
    assert report.busy
    assert sink.digests() == []
    dhub.store.release_lease(LEASE_NAME, "other-host:1")
    assert dhub.deliver_digests().sent == 1


def test_unsubscribe_applies_before_the_next_message_of_a_batch(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    first = subscribe_confirmed(dhub, sink, "first@example.org")
    second = subscribe_confirmed(dhub, sink, "second@example.org")
    assert first < second

    class UnsubscribingMailer:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def send(self, message: EmailMessage) -> None:
            self.inner.send(message)  # type: ignore[attr-defined]
            # the second subscriber clicks "unsubscribe" while the batch is running
            dhub.unsubscribe(dhub.unsubscribe_url(second).rsplit("/", 1)[1])

    dhub.mailer = UnsubscribingMailer(dhub.mailer)
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    run = dhub.run_digest("daily")
    assert run.delivery is not None
    assert (run.delivery.sent, run.delivery.skipped) == (1, 1)
    assert [m["To"] for m in sink.digests()] == ["first@example.org"]


def test_throttle_spaces_messages(dhub: DigestHub, smtp: tuple[SmtpSink, int], monkeypatch: pytest.MonkeyPatch) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    for n in range(5):
        subscribe_confirmed(dhub, sink, f"r{n}@example.org")
    set_setting(dhub, monkeypatch, "digest_send_rate", 4.0)
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    digest, _ = dhub.build_digest("daily")
    dhub.plan_digest(digest)
    report = dhub.deliver_digests(sleep=sleep, monotonic=lambda: now[0])
    assert report.sent == 5
    assert sum(slept) == pytest.approx(4 * 0.25)  # 5 messages at 4 per second: 1 s from first to last


def test_signed_in_subscribers_get_picks_for_them(
    dhub: DigestHub, smtp: tuple[SmtpSink, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, _ = smtp
    ids = seed_feed(dhub)
    set_setting(dhub, monkeypatch, "digest_papers", 3)
    user = dhub.store.get_or_create_user("ada@example.org", "ada", SEND_AT - timedelta(days=30))
    dhub.store.set_vote(user.id, ids[1], True, dhub.clock.now())  # "Language models that reason"
    subscribe_confirmed(dhub, sink, "ada@example.org")
    subscribe_confirmed(dhub, sink, "anon@example.org")  # no account: no picks
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    dhub.run_digest("daily")
    [ada] = sink.to("ada@example.org")
    html = html_body(ada)
    assert "Picked for you" in html
    picks = html.split("Picked for you", 1)[1]
    assert f"/papers/{ids[6]}" in picks  # "Language agents for vision tasks"
    assert "Similar to “Language models that reason”, which you upvoted" in html
    assert f'/papers/{ids[1]}"' not in picks  # never the paper they upvoted
    assert "PICKED FOR YOU" in _text(ada)
    [anon] = sink.to("anon@example.org")
    assert "Picked for you" not in html_body(anon)


def test_dry_run_stores_and_sends_nothing(dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscribe_confirmed(dhub, sink, "ada@example.org")
    subscribe_confirmed(dhub, sink, "none@example.org", categories="math.PR")
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    run = dhub.run_digest("daily", dry_run=True)
    assert (run.period, run.papers, run.recipients, run.nothing_to_send) == ("2026-08-21", 8, 1, 1)
    assert run.delivery is None
    assert dhub._digests.latest_digest("daily") is None
    assert sink.digests() == []
