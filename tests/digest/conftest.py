"""Digest fixtures: a hub with the digest parts, a real SMTP server (aiosmtpd on 127.0.0.1) that can answer 4xx / 5xx
on demand, deterministic paper vectors, and seeded feed papers."""

from __future__ import annotations

import email
import hashlib
import socket
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.web import seed

# Subscribers confirm on Thursday; the daily digest of Friday 2026-08-21 (cutoff 08:00 UTC) then goes out.
SUBSCRIBED_AT = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
FEED_DAY = date(2026, 8, 20)
BASE_URL = "http://papers.example.org"


DigestHub = Hub  # the digest use cases are part of every Hub


class SmtpSink:
    """An aiosmtpd handler keeping accepted messages; `replies[address]` queues answers to DATA (e.g. "451 …")."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.replies: dict[str, list[str]] = {}
        self.attempts: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0]
        self.attempts.append(rcpt)
        queued = self.replies.get(rcpt)
        if queued:
            return queued.pop(0)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.raw.append(envelope.content)
        return "250 2.0.0 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Digests (not confirmation mails) received for `address`."""
        return [m for m in self.digests() if m["To"] == address]

    def digests(self) -> list[EmailMessage]:
        return [m for m in self.messages if m["List-Unsubscribe"] is not None]


def html_body(message: EmailMessage) -> str:
    """The HTML alternative of a digest mail."""
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def ada_member(hub: Hub) -> User:
    """The member ada@example.org, signed up a month before the send."""
    return hub.store.get_or_create_user("ada@example.org", "ada", SEND_AT - timedelta(days=30))


def send_daily(hub: DigestHub, sink: SmtpSink, *addresses: str) -> None:
    """Confirm these subscribers, then run the daily digest at its send time."""
    for address in addresses:
        subscribe_confirmed(hub, sink, address)
    hub.clock.at = SEND_AT  # type: ignore[attr-defined]
    hub.run_digest("daily")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


class FakeVectors:
    """Deterministic 8-dimensional vectors: papers whose title shares a topic word point the same way."""

    TOPICS = ("vision", "language", "robot", "graph", "audio", "proof", "quantum", "protein")

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.calls = 0

    def paper_vectors(self, arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        self.calls += 1
        found = self.hub.store.get_papers(list(arxiv_ids))
        out = {}
        for arxiv_id, paper in found.items():
            title = paper.title.lower()
            vector = [1.0 if topic in title else 0.0 for topic in self.TOPICS]
            noise = hashlib.sha256(arxiv_id.encode()).digest()
            out[arxiv_id] = [v + b / 2550 for v, b in zip(vector, noise, strict=False)]
        return out


def set_setting(hub: Hub, monkeypatch: pytest.MonkeyPatch, name: str, value: Any) -> None:
    """Change one setting of this hub for the test."""
    monkeypatch.setattr(hub, "settings", hub.settings.with_overrides(**{name: value}))


def make_digest_hub(settings: Settings, clock: FixedClock) -> Hub:
    """A hub as wiring builds it, with deterministic topic vectors for personal picks."""
    hub = make_hub(settings, clock=clock)
    hub.paper_vectors = FakeVectors(hub)
    return hub


@pytest.fixture
def mail_settings(settings: Settings, smtp: tuple[SmtpSink, int]) -> Settings:
    return settings.with_overrides(
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        smtp_tls="none",
        mail_from="Paper Club <digest@papers.example.org>",
        base_url=BASE_URL,
        site_name="Paper Club",
        secret_key="test-secret-key-0123456789-abcdefghijklmnop",
    )


@pytest.fixture
def dhub(mail_settings: Settings, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[DigestHub]:
    clock.at = SUBSCRIBED_AT
    hub = make_digest_hub(mail_settings, clock)
    set_setting(hub, monkeypatch, "digest_send_rate", 0.0)  # unthrottled unless a test says otherwise
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


TITLES = (
    "Vision transformers at scale",
    "Language models that reason",
    "Robot learning from play",
    "Graph networks for chemistry",
    "Audio tokenizers",
    "Quantum error correction in practice",
    "Language agents for vision tasks",
    "Protein folding with diffusion",
)


def seed_feed(hub: Hub, upvotes: Sequence[int] = (80, 70, 60, 50, 40, 30, 20, 10)) -> list[str]:
    """One paper per count on FEED_DAY, titled from TITLES, most upvoted first; returns their ids."""
    ids = [f"2608.20{n:03d}" for n in range(len(upvotes))]
    papers = [
        seed.paper(
            arxiv_id,
            title=TITLES[n % len(TITLES)],
            imported_upvotes=votes,
            categories=("cs.CV",) if "ision" in TITLES[n % len(TITLES)] else ("cs.CL",),
            github_repo="https://github.com/example/code" if n == 0 else None,
        )
        for n, (arxiv_id, votes) in enumerate(zip(ids, upvotes, strict=True))
    ]
    seed.store(hub, papers, [seed.entry(i, FEED_DAY, minute=n) for n, i in enumerate(ids)])
    return ids


def confirmation_token(sink: SmtpSink, address: str) -> str:
    """The token of the latest confirmation link mailed to `address`."""
    message = next(m for m in reversed(sink.messages) if m["To"] == address and str(m["Subject"]).startswith("Confirm"))
    body = message.get_body(("plain",))
    assert body is not None
    link: str = next(word for word in str(body.get_content()).split() if "/subscribe/confirm/" in word)
    return link.rsplit("/", 1)[1]


def subscribe_confirmed(hub: DigestHub, sink: SmtpSink, address: str, **preferences: Any) -> int:
    """Subscribe through the hub and confirm with the token from the mailed link; returns the subscriber id."""
    frequency = preferences.pop("frequency", "daily")
    hub.subscribe(address, frequency, client=f"test-{address}", **preferences)
    subscriber = hub.confirm_subscription(confirmation_token(sink, address))
    assert subscriber.is_active
    return subscriber.id
