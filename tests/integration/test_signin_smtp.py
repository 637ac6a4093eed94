"""Sign-in end to end through a real SMTP server (aiosmtpd on 127.0.0.1): the link is read out of the received mail."""

from __future__ import annotations

import email
import re
import socket
import warnings
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.mail import SmtpMailer
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.auth import SESSION_COOKIE
from dailypapers.wiring import make_hub

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN_RE = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def smtp_hub(settings: Settings, clock: FixedClock, smtp: tuple[Inbox, int]) -> Iterator[Hub]:
    _inbox, port = smtp
    configured = settings.with_overrides(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="none",
        mail_from="Paper Club <hello@papers.example.org>",
        base_url="http://papers.example.org",
    )
    hub = make_hub(configured, clock=clock)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def test_sign_in_by_the_link_in_a_real_mail(smtp_hub: Hub, smtp: tuple[Inbox, int]) -> None:
    inbox, _port = smtp
    assert isinstance(smtp_hub.mailer, SmtpMailer)  # chosen because an SMTP host is set
    with TestClient(create_app(smtp_hub), follow_redirects=False) as client:
        form = client.get("/signin", params={"next": "/settings"})
        token = CSRF_RE.search(form.text)
        assert token
        sent = client.post(
            "/signin", data={"email": "Ada@Example.org", "next": "/settings", "csrf_token": token.group(1)}
        )
        assert sent.status_code == 200
        assert "ada@example.org" in sent.text

        (message,) = inbox.messages
        assert inbox.envelopes == [("hello@papers.example.org", ["ada@example.org"])]
        assert message["To"] == "ada@example.org"
        assert message["From"] == "Paper Club <hello@papers.example.org>"
        assert message.get_content_type() == "multipart/alternative"
        plain, html = message.get_body(("plain",)), message.get_body(("html",))
        assert plain is not None
        assert html is not None
        link = re.search(r"http://papers\.example\.org(/signin/confirm\?\S+)", plain.get_content())
        assert link, plain.get_content()
        assert link.group(1).replace("&", "&amp;") in html.get_content()

        page = client.get(link.group(1))
        assert page.status_code == 200
        assert ">Sign in</button>" in page.text
        fields = dict(HIDDEN_RE.findall(page.text))
        assert set(fields) == {"csrf_token", "token", "next"}
        signed_in = client.post("/signin/confirm", data=fields)
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/settings"
        assert SESSION_COOKIE in client.cookies
        settings_page = client.get("/settings")
        assert settings_page.status_code == 200
        assert "ada@example.org" in settings_page.text

        # the same mail cannot be used twice
        again = client.post("/signin/confirm", data=fields)
        assert again.status_code == 400


def test_an_unreachable_mail_server_is_a_polite_503(settings: Settings, clock: FixedClock) -> None:
    hub = make_hub(settings.with_overrides(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_tls="none"), clock=clock)
    with TestClient(create_app(hub), follow_redirects=False) as client:
        token = CSRF_RE.search(client.get("/signin").text)
        assert token
        response = client.post("/signin", data={"email": "ada@example.org", "csrf_token": token.group(1)})
    assert response.status_code == 503
    assert "try again" in response.text
    hub.store.engine.dispose()  # type: ignore[attr-defined]
